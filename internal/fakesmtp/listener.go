package fakesmtp

import (
	"net"
	"sync"
)

// trackingListener remembers every accepted connection so Close can end
// them all, since go-smtp's Server.Close does not wait for its handlers.
type trackingListener struct {
	net.Listener

	mu     sync.Mutex
	closed bool
	conns  map[*trackedConn]struct{}
}

func newTrackingListener(l net.Listener) *trackingListener {
	return &trackingListener{Listener: l, conns: make(map[*trackedConn]struct{})}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = conn.Close()
		return nil, net.ErrClosed
	}
	tracked := &trackedConn{Conn: conn, owner: l}
	l.conns[tracked] = struct{}{}

	return tracked, nil
}

// closeAll closes the listener and every connection still open.
func (l *trackingListener) closeAll() error {
	l.mu.Lock()
	l.closed = true
	conns := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()

	err := l.Listener.Close()
	for _, c := range conns {
		_ = c.Conn.Close()
	}

	return err
}

func (l *trackingListener) forget(c *trackedConn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

type trackedConn struct {
	net.Conn
	owner *trackingListener
}

func (c *trackedConn) Close() error {
	c.owner.forget(c)
	return c.Conn.Close()
}
