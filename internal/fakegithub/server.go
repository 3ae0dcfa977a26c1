package fakegithub

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Server is a GitHub REST API on 127.0.0.1. It is safe for concurrent use.
// Configure it with AddToken and AddRepo before or while clients call it.
type Server struct {
	// URL is the API root with a trailing slash, e.g. "http://127.0.0.1:41234/".
	URL string

	srv     *httptest.Server
	closing chan struct{}
	once    sync.Once

	mu       sync.Mutex
	now      func() time.Time
	tokens   map[string]string // token -> login
	repos    map[string]*repoState
	faults   map[Route][]Fault
	requests map[Route]int
	changed  chan struct{} // closed and replaced whenever an issue is stored
}

// New starts a Server on 127.0.0.1 with no tokens and no repositories.
// Call Close when done. Like httptest.NewServer, it panics when it cannot
// listen on a loopback port.
func New() *Server {
	s := &Server{
		closing:  make(chan struct{}),
		now:      time.Now,
		tokens:   map[string]string{},
		repos:    map[string]*repoState{},
		faults:   map[Route][]Fault{},
		requests: map[Route]int{},
		changed:  make(chan struct{}),
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /user", s.handleUser)
	mux.HandleFunc("GET /repos/{owner}/{repo}", s.handleRepo)
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls", s.handlePulls)
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues", s.handleListIssues)
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues", s.handleCreateIssue)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeRaw(w, http.StatusNotFound, nil, NotFoundBody)
	})

	s.srv = httptest.NewUnstartedServer(mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("fakegithub: listen on 127.0.0.1: %v", err))
	}
	s.srv.Listener = ln
	s.srv.Start()
	s.URL = s.srv.URL + "/"

	return s
}

// Close releases stalled responses and stops the server. It is safe to call
// more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.srv.Close()
	})
}

// SetClock sets the clock used for created_at of new issues. Default time.Now.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// AddToken accepts token as the credentials of the user login.
func (s *Server) AddToken(token, login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = login
}

// InjectFault disturbs the next f.Times responses of route.
func (s *Server) InjectFault(route Route, f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[route] = append(s.faults[route], f)
}

// Requests returns how many requests route has received, faults included.
func (s *Server) Requests(route Route) int {
	s.mu.Lock()
	defer s.mu.Unlock()

	return s.requests[route]
}

// begin counts a request, checks its token and takes the next fault of the
// route. It returns the caller's login; ok is false when the response has
// already been written.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, route Route) (login string, fault *Fault, ok bool) {
	s.mu.Lock()
	s.requests[route]++
	login, known := s.tokens[bearerToken(r)]
	if queue := s.faults[route]; len(queue) > 0 {
		f := queue[0]
		queue[0].Times--
		if queue[0].Times == 0 {
			s.faults[route] = queue[1:]
		}
		fault = &f
	}
	s.mu.Unlock()

	if fault != nil && fault.Status != 0 {
		writeRaw(w, fault.Status, fault.Header, fault.Body)
		return "", nil, false
	}
	if !known {
		writeRaw(w, http.StatusUnauthorized, nil, BadCredentialsBody)
		return "", nil, false
	}

	return login, fault, true
}

// stall blocks until the client goes away or the server closes.
func (s *Server) stall(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.closing:
	}
}

func bearerToken(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	for _, scheme := range []string{"Bearer ", "token "} {
		if token, ok := strings.CutPrefix(auth, scheme); ok {
			return token
		}
	}

	return ""
}

func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) {
	login, fault, ok := s.begin(w, r, RouteUser)
	if !ok {
		return
	}
	if fault != nil && fault.Stall {
		s.stall(r.Context())
		return
	}

	body := template("user.json")
	body["login"] = login
	body["url"] = "https://api.github.com/users/" + login
	body["html_url"] = "https://github.com/" + login
	writeJSON(w, http.StatusOK, body)
}
