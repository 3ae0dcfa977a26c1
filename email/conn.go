package email

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"sync/atomic"
)

// connWatch owns the one connection of a send. It closes the connection
// when the caller's context ends, because go-mail only applies the context
// while dialing, and it records whether any read or write hit a deadline.
type connWatch struct {
	timedOut atomic.Bool

	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

// watchedConn reports deadline errors to its connWatch. It is wrapped by
// any TLS layer, so go-mail still gets a *tls.Conn for implicit TLS.
type watchedConn struct {
	net.Conn
	watch *connWatch
}

func (c *watchedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.watch.note(err)
	return n, err
}

func (c *watchedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.watch.note(err)
	return n, err
}

func (w *connWatch) note(err error) {
	var netErr net.Error
	if err != nil && errors.As(err, &netErr) && netErr.Timeout() {
		w.timedOut.Store(true)
	}
}

// adopt takes ownership of conn, closing it at once if the send was
// already stopped.
func (w *connWatch) adopt(conn net.Conn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.conn = conn
	if w.closed {
		_ = conn.Close()
	}
}

// stop closes the connection, unblocking any read or write on it.
func (w *connWatch) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.conn != nil {
		_ = w.conn.Close()
	}
}

// dialFunc returns the go-mail dial function for one send. go-mail bounds
// ctx by Config.Timeout, so the TCP connect and an implicit TLS handshake
// are both covered. After it returns, go-mail sets connection deadlines
// for the greeting and every later command.
func (s *Sender) dialFunc(watch *connWatch) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var dialer net.Dialer
		raw, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		var conn net.Conn = &watchedConn{Conn: raw, watch: watch}

		if s.cfg.TLSPolicy == TLSImplicit {
			tlsConn := tls.Client(conn, s.cfg.TLSConfig)
			if err := tlsConn.HandshakeContext(ctx); err != nil {
				_ = raw.Close()
				return nil, err
			}
			conn = tlsConn
		}
		watch.adopt(conn)

		return conn, nil
	}
}
