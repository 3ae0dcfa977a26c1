package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/webhook"
)

// httpServer is an http.Server on a port of 127.0.0.1 that the kernel
// chose.
type httpServer struct {
	URL    string // http://127.0.0.1:<port>
	server *http.Server
	served chan error
}

func startHTTP(h http.Handler) (*httpServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	s := &httpServer{
		URL:    "http://" + ln.Addr().String(),
		server: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second},
		served: make(chan error, 1),
	}
	go func() { s.served <- s.server.Serve(ln) }()

	return s, nil
}

// Close shuts the server down, waiting up to shutdownTimeout for requests in
// progress.
func (s *httpServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()

	err := s.server.Shutdown(ctx)
	if serveErr := <-s.served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}

	return err
}

// webhookReceiver is the consumer side of the webhooks. It checks each
// request's signature with webhook.Verifier before it reads the payload, as
// every receiver must, and keeps what it accepted.
type webhookReceiver struct {
	mu       sync.Mutex
	verified []verifiedWebhook
}

// verifiedWebhook is a request whose signature matched the shared secret.
type verifiedWebhook struct {
	EventType  string
	DeliveryID string
	Status     string // the payload's "status"
}

// handler returns the receiver's handler. Verifier.Middleware responds with
// 401 to a request whose signature is missing or wrong, so accept receives
// only verified requests.
func (rc *webhookReceiver) handler(secret string) http.Handler {
	verifier := webhook.Verifier{Secrets: []webhook.Secret{webhook.Secret(secret)}}

	return verifier.Middleware(http.HandlerFunc(rc.accept))
}

func (rc *webhookReceiver) accept(w http.ResponseWriter, r *http.Request) {
	var payload struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(r.Body).Decode(&payload); err != nil {
		http.Error(w, "invalid JSON payload", http.StatusBadRequest)
		return
	}
	names := webhook.HeaderNamesFor(webhook.DefaultProduct)
	rc.mu.Lock()
	rc.verified = append(rc.verified, verifiedWebhook{
		EventType:  r.Header.Get(names.Event),
		DeliveryID: r.Header.Get(names.DeliveryID),
		Status:     payload.Status,
	})
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *webhookReceiver) received() []verifiedWebhook {
	rc.mu.Lock()
	defer rc.mu.Unlock()

	return slices.Clone(rc.verified)
}

// mailServer is an SMTP server on 127.0.0.1 that keeps the recipients and
// subject of every message it accepts, in place of the host's mail relay. It
// offers no AUTH and no TLS, which is safe only because it listens on
// loopback.
type mailServer struct {
	server *smtp.Server
	addr   *net.TCPAddr
	served chan error

	mu       sync.Mutex
	messages []receivedMail
}

type receivedMail struct {
	To      []string
	Subject string
}

func startMailServer() (*mailServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for SMTP on 127.0.0.1: %w", err)
	}
	m := &mailServer{addr: ln.Addr().(*net.TCPAddr), served: make(chan error, 1)}
	m.server = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &mailSession{server: m}, nil
	}))
	m.server.Domain = "localhost"
	m.server.ReadTimeout = 10 * time.Second
	m.server.WriteTimeout = 10 * time.Second
	m.server.MaxMessageBytes = 1 << 20
	go func() { m.served <- m.server.Serve(ln) }()

	return m, nil
}

func (m *mailServer) Addr() *net.TCPAddr { return m.addr }

// Close stops the server, waiting up to shutdownTimeout for sessions in
// progress.
func (m *mailServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()

	err := m.server.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = errors.Join(err, m.server.Close())
	}

	return errors.Join(err, <-m.served)
}

func (m *mailServer) received() []receivedMail {
	m.mu.Lock()
	defer m.mu.Unlock()

	return slices.Clone(m.messages)
}

// mailSession is one SMTP session. go-smtp calls Mail, Rcpt and Data in
// protocol order and Reset between messages.
type mailSession struct {
	server *mailServer
	to     []string
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

// Data parses the message headers and keeps the subject, decoding RFC 2047
// encoded words such as =?utf-8?q?...?= back to text.
func (s *mailSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return fmt.Errorf("parse message: %w", err)
	}
	raw := msg.Header.Get("Subject")
	subject, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil {
		subject = raw
	}

	s.server.mu.Lock()
	s.server.messages = append(s.server.messages, receivedMail{To: slices.Clone(s.to), Subject: subject})
	s.server.mu.Unlock()

	return nil
}

func (s *mailSession) Reset() { s.to = nil }

func (s *mailSession) Logout() error { return nil }

// finishedSet records the deliveries that reached a final state, from
// Config.OnDeliveryFinished, so run can wait for them without polling.
type finishedSet struct {
	mu      sync.Mutex
	ids     map[string]bool
	changed chan struct{} // signalled after each add; holds at most one pending signal
}

func newFinishedSet() *finishedSet {
	return &finishedSet{ids: make(map[string]bool), changed: make(chan struct{}, 1)}
}

// add runs on a dispatcher worker, so it must not block.
func (f *finishedSet) add(r integrations.DeliveryReport) {
	f.mu.Lock()
	f.ids[r.DeliveryID] = true
	f.mu.Unlock()

	select {
	case f.changed <- struct{}{}:
	default:
	}
}

// wait returns when every delivery in ids has finished, or an error when
// timeout passes first or ctx ends.
func (f *finishedSet) wait(ctx context.Context, timeout time.Duration, ids []string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	for {
		done := f.count(ids)
		if done == len(ids) {
			return nil
		}
		select {
		case <-f.changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for deliveries: %d of %d finished: %w", done, len(ids), ctx.Err())
		}
	}
}

func (f *finishedSet) count(ids []string) int {
	f.mu.Lock()
	defer f.mu.Unlock()

	n := 0
	for _, id := range ids {
		if f.ids[id] {
			n++
		}
	}

	return n
}
