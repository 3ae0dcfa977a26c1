package fakereceiver

import (
	"net"
	"sync"
	"time"
)

// countingListener counts accepted connections and remembers the remote
// address of each, so Connections can find its own probe connection.
type countingListener struct {
	net.Listener

	mu       sync.Mutex
	accepted int64
	remotes  map[string]bool
	changed  chan struct{} // closed and replaced on every accept
}

func newCountingListener(l net.Listener) *countingListener {
	return &countingListener{Listener: l, remotes: map[string]bool{}, changed: make(chan struct{})}
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.accepted++
	l.remotes[c.RemoteAddr().String()] = true
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()

	return c, nil
}

// settledCount returns the connections accepted so far, not counting
// probes. It first connects a probe and waits until the server accepts
// it: the kernel queues connections in order, so every connection a
// client completed before the probe has been accepted and counted by
// then. After the server is closed the probe fails and the count is
// already final.
func (l *countingListener) settledCount(probes *int64, probeMu *sync.Mutex) int64 {
	probeMu.Lock()
	defer probeMu.Unlock()

	conn, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	if err == nil {
		if l.waitAccepted(conn.LocalAddr().String()) {
			*probes++
		}
		conn.Close()
	}

	l.mu.Lock()
	defer l.mu.Unlock()

	return l.accepted - *probes
}

// waitAccepted waits up to 5 seconds for a connection from remote.
func (l *countingListener) waitAccepted(remote string) bool {
	deadline := time.After(5 * time.Second)
	for {
		l.mu.Lock()
		seen, changed := l.remotes[remote], l.changed
		l.mu.Unlock()
		if seen {
			return true
		}
		select {
		case <-changed:
		case <-deadline:
			return false
		}
	}
}
