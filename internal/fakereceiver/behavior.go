package fakereceiver

import (
	"net/http"
	"strings"
)

// Behavior decides how a Server responds. Build one with the functions of
// this package.
type Behavior struct {
	respond func(s *Server, n int, w http.ResponseWriter, r *http.Request)
}

// OK responds 200 with the body "ok" to every request.
func OK() Behavior {
	return Respond(http.StatusOK, nil, "ok")
}

// Respond responds to every request with status, header and body.
func Respond(status int, header http.Header, body string) Behavior {
	return Behavior{respond: func(_ *Server, _ int, w http.ResponseWriter, _ *http.Request) {
		writeResponse(w, status, header, body)
	}}
}

// FailThenOK responds with status (with a short body naming it) to the first
// failures requests and 200 to every later one.
func FailThenOK(failures, status int) Behavior {
	return Behavior{respond: func(_ *Server, n int, w http.ResponseWriter, _ *http.Request) {
		if n <= failures {
			writeResponse(w, status, nil, http.StatusText(status))
			return
		}
		writeResponse(w, http.StatusOK, nil, "ok")
	}}
}

// TooManyRequests responds 429 with the given Retry-After value, which may
// be seconds, an HTTP-date or anything else a test needs.
func TooManyRequests(retryAfter string) Behavior {
	return Respond(http.StatusTooManyRequests, http.Header{"Retry-After": {retryAfter}}, "slow down")
}

// Gone responds 410 Gone.
func Gone() Behavior {
	return Respond(http.StatusGone, nil, "gone")
}

// Redirect responds with status (a 3xx) with Location set to location.
func Redirect(status int, location string) Behavior {
	return Respond(status, http.Header{"Location": {location}}, "")
}

// StallBody sends 200, the headers and the start of a JSON body, then
// sends nothing more until the server is released or the client gives up.
func StallBody() Behavior {
	return Behavior{respond: func(s *Server, _ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"status":`))
		flush(w)
		s.block(r)
	}}
}

// EndlessBody sends 200 and then a body that never ends, until the client
// stops reading or the server is released.
func EndlessBody() Behavior {
	chunk := []byte(strings.Repeat("x", 4096))
	return Behavior{respond: func(s *Server, _ int, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-s.released:
				return
			default:
			}
		}
	}}
}

// Hang sends nothing at all until the server is released, then 200. A
// client that gives up first sees a timeout.
func Hang() Behavior {
	return Behavior{respond: func(s *Server, _ int, w http.ResponseWriter, r *http.Request) {
		if s.block(r) {
			writeResponse(w, http.StatusOK, nil, "ok")
		}
	}}
}

func writeResponse(w http.ResponseWriter, status int, header http.Header, body string) {
	for k, vs := range header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func flush(w http.ResponseWriter) {
	_ = http.NewResponseController(w).Flush()
}
