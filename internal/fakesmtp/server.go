package fakesmtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	// From is the envelope sender given in MAIL FROM, without angle brackets.
	From string

	// To lists the envelope recipients given in RCPT TO, in order.
	To []string

	// Data is the message exactly as sent after DATA, headers and body,
	// with the terminating "." line removed and dot-stuffing undone.
	Data []byte

	// TLS reports whether the session was encrypted, by STARTTLS or
	// implicit TLS, when the message arrived.
	TLS bool

	// AuthUser is the user name the client authenticated as, or "".
	AuthUser string
}

// Server is a running fake SMTP server. Create one with [Start] and stop
// it with [Server.Close].
type Server struct {
	opts     Options
	listener *trackingListener
	smtp     *smtp.Server // nil in NeverGreet mode
	pool     *x509.CertPool
	serveErr chan error
	closing  chan struct{} // closed by Close to release stalled sessions

	mu       sync.Mutex
	messages []Message
	arrived  chan struct{} // closed and replaced whenever a message arrives
	reply    *Reply
	replies  int // replies sent for the current Reply

	closeOnce sync.Once
	closeErr  error
}

// Start listens on 127.0.0.1 with a kernel-chosen port and serves in the
// background until Close.
func Start(opts Options) (*Server, error) {
	if err := validateReply(opts.Reply); err != nil {
		return nil, err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakesmtp: listen on 127.0.0.1: %w", err)
	}

	srv := &Server{
		opts:     opts,
		listener: newTrackingListener(ln),
		serveErr: make(chan error, 1),
		closing:  make(chan struct{}),
		arrived:  make(chan struct{}),
		reply:    opts.Reply,
	}

	if opts.NeverGreet {
		go srv.serveSilently()
		return srv, nil
	}

	if err := srv.startSMTP(); err != nil {
		_ = ln.Close()
		return nil, err
	}

	return srv, nil
}

func (s *Server) startSMTP() error {
	s.smtp = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{server: s, conn: c}, nil
	}))
	s.smtp.Domain = "fakesmtp.localhost"
	s.smtp.AllowInsecureAuth = true
	s.smtp.ErrorLog = discardLogger{}

	var listener net.Listener = s.listener
	if s.opts.StartTLS || s.opts.ImplicitTLS {
		cert, pool, err := selfSignedCert()
		if err != nil {
			return err
		}
		s.pool = pool
		tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if s.opts.StartTLS {
			s.smtp.TLSConfig = tlsConfig
		}
		if s.opts.ImplicitTLS {
			listener = tls.NewListener(s.listener, tlsConfig)
		}
	}

	go func() { s.serveErr <- s.smtp.Serve(listener) }()

	return nil
}

// serveSilently accepts connections and never writes to them; Close ends
// them.
func (s *Server) serveSilently() {
	for {
		if _, err := s.listener.Accept(); err != nil {
			s.serveErr <- nil
			return
		}
	}
}

// Addr returns the listening address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Host returns "127.0.0.1".
func (s *Server) Host() string { return "127.0.0.1" }

// Port returns the listening port.
func (s *Server) Port() int {
	_, port, _ := net.SplitHostPort(s.Addr())
	n, _ := strconv.Atoi(port)

	return n
}

// CertPool returns a pool that trusts the server's self-signed certificate,
// or nil without StartTLS or ImplicitTLS.
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// ClientTLSConfig returns a client configuration that trusts the server's
// certificate and verifies it for 127.0.0.1, or nil without TLS.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.pool == nil {
		return nil
	}

	return &tls.Config{RootCAs: s.pool, ServerName: s.Host(), MinVersion: tls.VersionTLS12}
}

// SetReply replaces the injected reply; nil accepts everything again. The
// count of [Reply.Times] starts over.
func (s *Server) SetReply(r *Reply) error {
	if err := validateReply(r); err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply = r
	s.replies = 0

	return nil
}

// takeReply returns the injected reply for stage, or nil to accept.
func (s *Server) takeReply(stage Stage) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	r := s.reply
	if r == nil || r.Stage != stage {
		return nil
	}
	if r.Times > 0 && s.replies >= r.Times {
		return nil
	}
	s.replies++

	return replyError(*r)
}

func (s *Server) store(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()

	s.messages = append(s.messages, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// Messages returns a copy of the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()

	return append([]Message(nil), s.messages...)
}

// WaitForMessages blocks until at least n messages have arrived and returns
// them all, or returns ctx's error with the messages so far.
func (s *Server) WaitForMessages(ctx context.Context, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		got := append([]Message(nil), s.messages...)
		arrived := s.arrived
		s.mu.Unlock()

		if len(got) >= n {
			return got, nil
		}

		select {
		case <-ctx.Done():
			return got, fmt.Errorf("fakesmtp: waiting for %d messages, got %d: %w", n, len(got), ctx.Err())
		case <-arrived:
		}
	}
}

// Close stops accepting, closes every open connection and waits for the
// server's goroutines to return. Calling it again returns the first
// result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		err := s.listener.closeAll()
		serveErr := <-s.serveErr
		if s.smtp != nil {
			// Shutdown closes the already closed listener again (its error is
			// expected) and then waits for the connection handlers.
			shutdownErr := s.smtp.Shutdown(context.Background())
			if shutdownErr != nil && !errors.Is(shutdownErr, net.ErrClosed) {
				err = errors.Join(err, shutdownErr)
			}
		}
		if serveErr != nil && !errors.Is(serveErr, net.ErrClosed) {
			err = errors.Join(err, serveErr)
		}
		s.closeErr = err
	})

	return s.closeErr
}

func validateReply(r *Reply) error {
	if r == nil {
		return nil
	}
	switch r.Stage {
	case StageMail, StageRcpt, StageData:
	default:
		return fmt.Errorf("fakesmtp: invalid Reply.Stage %q: use MAIL, RCPT or DATA", r.Stage)
	}
	if r.Code < 400 || r.Code > 599 {
		return fmt.Errorf("fakesmtp: invalid Reply.Code %d: use 400 to 599", r.Code)
	}

	return nil
}

// discardLogger drops go-smtp's internal error log, which defaults to
// stderr.
type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}
