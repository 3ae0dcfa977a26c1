package github

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"
)

// timeoutTransport bounds each attempt, reading the body included, by
// timeout. It plays the part of http.Client.Timeout, which is not used
// because go-github v66 replaces the body of an error response after
// reading it (CheckResponse) and closes only the replacement: the timer
// goroutine of http.Client.Timeout then lives until the timeout fires. A
// context deadline needs no goroutine, and the body below releases it at
// EOF as well as on Close.
type timeoutTransport struct {
	base    http.RoundTripper
	timeout time.Duration
}

func (t timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &releasingBody{rc: resp.Body, release: cancel}

	return resp, nil
}

// releasingBody calls release once the body is read to the end or closed.
type releasingBody struct {
	rc      io.ReadCloser
	release context.CancelFunc
	once    sync.Once
}

func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if errors.Is(err, io.EOF) {
		b.once.Do(b.release)
	}

	return n, err
}

func (b *releasingBody) Close() error {
	err := b.rc.Close()
	b.once.Do(b.release)

	return err
}
