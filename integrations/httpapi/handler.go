package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/hishamos/integrations-external/integrations"
)

// DefaultPrefix is the path the handler serves under when Options.Prefix
// is empty.
const DefaultPrefix = "/api/v1/integrations-external/"

// DefaultMaxBodyBytes is the request body limit when Options.MaxBodyBytes
// is zero: 1 MiB.
const DefaultMaxBodyBytes = 1 << 20

// Principal is the authenticated identity of a request.
type Principal struct {
	// UserID owns the records the request creates. Required.
	UserID string
	// Admin lets the principal read and change every user's records and
	// filter lists with ?user_id=.
	Admin bool
	// Email is the principal's address, used when email settings are
	// created on first read. Optional.
	Email string
}

// Authenticator identifies the caller of a request. The host implements it
// with its own sessions or tokens; the library never issues identities.
// Authenticate must not read the request body. Any error, or a Principal
// without a UserID, gets 401 before the body is read.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(r *http.Request) (Principal, error)

// Authenticate calls f(r).
func (f AuthenticatorFunc) Authenticate(r *http.Request) (Principal, error) { return f(r) }

// Options configures the handler. The zero value serves under DefaultPrefix
// and rejects every request with 401, because it has no Authenticator.
type Options struct {
	// Prefix is the path the handler is mounted at, with a trailing slash.
	// Default: DefaultPrefix.
	Prefix string
	// Authenticator identifies callers. Required for any request to
	// succeed; without it every route except openapi.json responds with 401.
	Authenticator Authenticator
	// MaxBodyBytes limits a request body, in bytes. A larger body gets
	// 413. Default: DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64
	// Logger receives internal errors and recovered panics with the
	// request id; never bodies or secrets. Default: discard.
	Logger *slog.Logger
	// CrossOrigin rejects state-changing requests that a browser sends
	// from another origin, with 403, so a host that authenticates with
	// cookies is not open to cross-site request forgery. Requests without
	// the browser's Sec-Fetch-Site and Origin headers, such as those of
	// API clients, pass. Default: http.NewCrossOriginProtection() with no
	// trusted origins; add a front end served from another origin with
	// its AddTrustedOrigin.
	CrossOrigin *http.CrossOriginProtection
}

// handler serves the REST API on top of a Service.
type handler struct {
	svc    *integrations.Service
	opts   Options
	log    *slog.Logger
	mux    *http.ServeMux
	routes []route
}

// New returns an http.Handler that serves the REST API of svc under
// opts.Prefix. The handler is safe for concurrent use.
func New(svc *integrations.Service, opts Options) http.Handler {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if !strings.HasPrefix(opts.Prefix, "/") {
		opts.Prefix = "/" + opts.Prefix
	}
	if !strings.HasSuffix(opts.Prefix, "/") {
		opts.Prefix += "/"
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.CrossOrigin == nil {
		opts.CrossOrigin = http.NewCrossOriginProtection()
	}
	h := &handler{svc: svc, opts: opts, log: opts.Logger, mux: http.NewServeMux()}
	h.register()

	return h
}

type principalKey struct{}

// ServeHTTP recovers panics, authenticates, and routes the request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := RequestID(r)
	w.Header().Set("X-Request-Id", reqID)
	defer h.recoverPanic(w, r, reqID)

	if err := h.opts.CrossOrigin.Check(r); err != nil {
		writeError(w, http.StatusForbidden, "cross-origin request rejected: send it from the API's own origin, "+
			"or have the server trust your origin (httpapi.Options.CrossOrigin)")
		return
	}
	if strings.Contains(strings.ToLower(r.URL.RawPath), "%2f") {
		// No route has an encoded slash, and adding the trailing slash
		// below would decode it into a path separator.
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	if uncleanPath(r.URL.Path) {
		// The mux would redirect to the cleaned path with an HTML body,
		// and "a/b/../" to another resource. No route has such a path.
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/") && !strings.HasSuffix(r.URL.Path, "/openapi.json") {
		// Documented paths end with a slash; accept them without it too.
		u := *r.URL
		u.Path += "/"
		u.RawPath = ""
		r = r.WithContext(r.Context())
		r.URL = &u
	}
	if r.URL.Path == h.opts.Prefix+"openapi.json" {
		h.mux.ServeHTTP(w, r)
		return
	}
	p, ok := h.authenticate(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, "authentication required")
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, reqID))
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	h.mux.ServeHTTP(w, r)
}

func (h *handler) authenticate(r *http.Request) (Principal, bool) {
	if h.opts.Authenticator == nil {
		return Principal{}, false
	}
	p, err := h.opts.Authenticator.Authenticate(r)
	if err != nil || p.UserID == "" {
		return Principal{}, false
	}

	return p, true
}

func (h *handler) recoverPanic(w http.ResponseWriter, r *http.Request, reqID string) {
	v := recover()
	if v == nil {
		return
	}
	if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
		panic(v)
	}
	h.log.ErrorContext(r.Context(), "httpapi: recovered panic", "request_id", reqID,
		"method", r.Method, "route", r.Pattern, "panic", v)
	writeError(w, http.StatusInternalServerError, "internal error")
}

type requestIDKey struct{}

// RequestID returns the id the handler gives r: the caller's X-Request-Id
// when it has at most 64 letters, digits, '-', '_' or '.', and a new random
// id otherwise. A host that serves other routes beside the handler can use
// it to give them ids of the same form, and can set the result as r's
// X-Request-Id header so the handler reuses it.
func RequestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && isPlainID(id) {
		return id
	}
	var b [8]byte
	_, _ = rand.Read(b[:])

	return hex.EncodeToString(b[:])
}

func isPlainID(s string) bool {
	for _, c := range s {
		isAlnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !isAlnum && c != '-' && c != '_' && c != '.' {
			return false
		}
	}

	return true
}

// caller returns the Service identity of an authenticated request.
func caller(r *http.Request) integrations.Caller {
	p, _ := r.Context().Value(principalKey{}).(Principal)

	return integrations.Caller{UserID: p.UserID, Admin: p.Admin, Email: p.Email}
}

func reqIDOf(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

// uncleanPath reports whether p has an empty, "." or ".." segment, which
// http.ServeMux would redirect to the cleaned path.
func uncleanPath(p string) bool {
	return strings.Contains(p, "//") || strings.Contains(p, "/./") || strings.Contains(p, "/../") ||
		strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..")
}
