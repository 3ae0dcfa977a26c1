package fakereceiver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Request is one request as the server received it.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte // exact bytes, read in full before the server responds
	Number   int    // 1 for the first request the server received
}

// Server is a recording HTTP server on 127.0.0.1. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:<port>".
	URL string

	tb         testing.TB
	httpServer *httptest.Server
	behavior   Behavior
	listener   *countingListener
	probeMu    sync.Mutex
	probes     int64 // guarded by probeMu

	released    chan struct{}
	releaseOnce sync.Once

	mu       sync.Mutex
	requests []Request
	changed  chan struct{} // closed and replaced on every new request
}

// New starts a Server that responds with behavior and registers its Close
// with tb.Cleanup.
func New(tb testing.TB, behavior Behavior) *Server {
	tb.Helper()
	s := Start(behavior)
	s.tb = tb
	tb.Cleanup(s.Close)

	return s
}

// Start starts a Server outside a test, for examples and benchmarks. The
// caller must call Close. AwaitRequests needs a Server from New.
func Start(behavior Behavior) *Server {
	if behavior.respond == nil {
		behavior = OK()
	}
	s := &Server{
		behavior: behavior,
		released: make(chan struct{}),
		changed:  make(chan struct{}),
	}
	s.httpServer = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.listener = newCountingListener(s.httpServer.Listener)
	s.httpServer.Listener = s.listener
	s.httpServer.Start()
	s.URL = s.httpServer.URL

	return s
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)

	s.mu.Lock()
	req := Request{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     body,
		Number:   len(s.requests) + 1,
	}
	s.requests = append(s.requests, req)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()

	s.behavior.respond(s, req.Number, w, r)
}

// block waits until the server is released (true) or the client goes
// away (false).
func (s *Server) block(r *http.Request) bool {
	select {
	case <-s.released:
		return true
	case <-r.Context().Done():
		return false
	}
}

// Requests returns a copy of the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()

	return append([]Request(nil), s.requests...)
}

// Connections returns the number of TCP connections the server has
// accepted. It first makes sure every connection a client completed
// before the call has been accepted, so a test that expects a client to
// reject a destination can assert 0 right after the client returns. Its
// own probe connections are not counted.
func (s *Server) Connections() int64 { return s.listener.settledCount(&s.probes, &s.probeMu) }

// WaitForRequests blocks until the server has received at least n
// requests, and returns them; or returns ctx's error.
func (s *Server) WaitForRequests(ctx context.Context, n int) ([]Request, error) {
	for {
		s.mu.Lock()
		if len(s.requests) >= n {
			reqs := append([]Request(nil), s.requests...)
			s.mu.Unlock()
			return reqs, nil
		}
		changed := s.changed
		s.mu.Unlock()

		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("fakereceiver: waiting for %d requests, got %d: %w",
				n, len(s.Requests()), ctx.Err())
		}
	}
}

// AwaitRequests is WaitForRequests with a 10 second limit that fails the
// test when it passes. Call it from the test goroutine only, on a Server
// from New; on a Server from Start it returns nil when the limit passes.
func (s *Server) AwaitRequests(n int) []Request {
	if s.tb == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		reqs, _ := s.WaitForRequests(ctx, n)
		return reqs
	}
	s.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reqs, err := s.WaitForRequests(ctx, n)
	if err != nil {
		s.tb.Fatal(err)
	}

	return reqs
}

// Release lets every blocked handler ([Hang], [StallBody]) finish, and
// makes later ones return at once. It is safe to call more than once.
func (s *Server) Release() {
	s.releaseOnce.Do(func() { close(s.released) })
}

// Client returns an *http.Client for this server. It is a plain client,
// without any destination guard.
func (s *Server) Client() *http.Client { return s.httpServer.Client() }

// Close releases blocked handlers, closes client connections and stops
// the server. It is safe to call more than once.
func (s *Server) Close() {
	s.Release()
	s.httpServer.CloseClientConnections()
	s.httpServer.Close()
}
