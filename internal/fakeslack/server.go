package fakeslack

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Identity the server reports from auth.test and in posted messages.
const (
	TeamID    = "T0FAKE001"
	TeamName  = "Fake Workspace"
	TeamURL   = "https://fake-workspace.slack.com/"
	BotUserID = "U0FAKEBOT"
	BotID     = "B0FAKEBOT"
	BotName   = "hishamos-bot"
)

// Channel is a conversation registered with the server.
type Channel struct {
	// ID is the channel id, e.g. "C0123".
	ID string
	// Name is the channel name without "#".
	Name string
	// Private marks a private channel, which is visible to the bot only
	// when it is a member.
	Private bool
	// Archived marks an archived channel: posting fails with is_archived.
	Archived bool
	// Member reports that the bot has joined the channel.
	Member bool
}

// Failure is a response the server sends in place of the normal one.
type Failure struct {
	// Status is the HTTP status to respond with, e.g. 429 or 500. 0 means
	// 200 with Error as an ok:false response.
	Status int
	// RetryAfter is the Retry-After header value; "" sends none.
	RetryAfter string
	// Error is the Slack error code of an ok:false response, used when
	// Status is 0 or 200.
	Error string
	// Stall holds the request without a response until the client
	// disconnects or the server closes.
	Stall bool
}

// Server is a fake Slack Web API on 127.0.0.1.
type Server struct {
	srv     *httptest.Server
	stopped chan struct{}
	stop    sync.Once

	mu       sync.Mutex
	tokens   map[string][]string // token -> scopes
	channels map[string]Channel
	failures map[string][]Failure // method -> queued failures
	calls    map[string]int
	messages []PostedMessage
	changed  chan struct{} // closed and replaced after each call and message
	seq      int
}

// Start starts a server on an ephemeral 127.0.0.1 port. Call Close when
// done.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		stopped:  make(chan struct{}),
		tokens:   map[string][]string{},
		channels: map[string]Channel{},
		failures: map[string][]Failure{},
		calls:    map[string]int{},
		changed:  make(chan struct{}),
	}
	s.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: s.routes()}}
	s.srv.Start()

	return s, nil
}

// New starts a server and closes it when the test ends. It stops the test
// if the server cannot start.
func New(tb testing.TB) *Server {
	tb.Helper()
	s, err := Start()
	if err != nil {
		tb.Fatalf("fakeslack: start server: %v", err)
	}
	tb.Cleanup(s.Close)

	return s
}

// URL returns the Web API base URL, ending in "/api/", for
// slack.WithAPIURL.
func (s *Server) URL() string { return s.srv.URL + "/api/" }

// Close releases stalled requests and stops the server. It is safe to call
// more than once.
func (s *Server) Close() {
	s.stop.Do(func() {
		close(s.stopped)
		s.srv.Close()
	})
}

// AddToken accepts token from now on, with the given OAuth scopes. Without
// scopes the token gets chat:write, channels:read and groups:read.
func (s *Server) AddToken(token string, scopes ...string) {
	if len(scopes) == 0 {
		scopes = []string{"chat:write", "channels:read", "groups:read"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = slices.Clone(scopes)
}

// RemoveToken stops accepting token, so it gets invalid_auth.
func (s *Server) RemoveToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}

// AddChannel adds or replaces a channel.
func (s *Server) AddChannel(ch Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[ch.ID] = ch
}

// FailNext makes the next n calls of method (e.g. "chat.postMessage")
// fail with f. Failures queued earlier are used first.
func (s *Server) FailNext(method string, n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[method] = append(s.failures[method], f)
	}
}

// Calls returns how many requests reached method, failed ones included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()

	return s.calls[method]
}

// WaitForCalls blocks until method was called at least n times, failed
// calls included, for example to know that a stalled request has arrived.
// It returns ctx's error when ctx ends first.
func (s *Server) WaitForCalls(ctx context.Context, method string, n int) error {
	for {
		s.mu.Lock()
		calls, changed := s.calls[method], s.changed
		s.mu.Unlock()
		if calls >= n {
			return nil
		}

		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("fakeslack: waiting for %d %s calls, got %d: %w", n, method, calls, ctx.Err())
		}
	}
}

// signalLocked wakes every waiter. The caller holds s.mu.
func (s *Server) signalLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// scopes returns the token's scopes and whether the token is known.
func (s *Server) scopes(token string) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	scopes, ok := s.tokens[token]

	return scopes, ok
}

func (s *Server) channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[id]

	return ch, ok
}

// begin counts a call and returns the failure queued for it, if any.
func (s *Server) begin(method string) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[method]++
	s.signalLocked()
	queue := s.failures[method]
	if len(queue) == 0 {
		return Failure{}, false
	}
	s.failures[method] = queue[1:]

	return queue[0], true
}

// stall blocks until the client disconnects or the server closes.
func (s *Server) stall(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.stopped:
	}
}

// bearerToken returns the token from the Authorization header or the
// "token" parameter.
func bearerToken(r *http.Request, params map[string]string) string {
	if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(auth)
	}

	return params["token"]
}
