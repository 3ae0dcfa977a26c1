package main

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/integrations/httpapi"
	"github.com/hishamos/integrations-external/store"
)

// Limits of the host route inputs.
const (
	maxNameLength  = 200
	maxErrorLength = 2000
	maxIDLength    = 100
)

// host serves the routes that stand in for the host application's own
// features: running commands and workflows, and the readiness check.
type host struct {
	d    *integrations.Dispatcher
	st   store.Store
	auth *tokenAuth
	log  *slog.Logger

	storeDown atomic.Bool // the last health check failed
}

// newHandler returns the server's whole HTTP handler: the integrations API,
// the host routes and the request log.
func newHandler(h *host) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(httpapi.DefaultPrefix, httpapi.New(h.d.Service(), httpapi.Options{
		Authenticator: h.auth,
		Logger:        h.log,
	}))
	mux.HandleFunc("GET /healthz", h.healthz)
	h.handlePost(mux, "/api/v1/commands/templates/{id}/execute", h.executeCommand)
	h.handlePost(mux, "/api/v1/workflows/{id}/execute", h.executeWorkflow)
	mux.HandleFunc("/healthz", methodNotAllowed("GET, HEAD"))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSONError(w, http.StatusNotFound, "not found")
	})

	return logRequests(mux, h.log)
}

// handlePost registers an authenticated POST route at path, with and
// without the trailing slash, and a JSON 405 for other methods.
func (h *host) handlePost(mux *http.ServeMux, path string, fn func(http.ResponseWriter, *http.Request, httpapi.Principal)) {
	handler := h.authenticated(fn)
	for _, p := range []string{path, path + "/{$}"} {
		mux.Handle("POST "+p, handler)
		mux.HandleFunc(p, methodNotAllowed("POST"))
	}
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		writeJSONError(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// authenticated responds 401 unless the request carries a known bearer
// token, and 404 for a malformed {id}. Otherwise it calls fn.
func (h *host) authenticated(fn func(http.ResponseWriter, *http.Request, httpapi.Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := h.auth.Authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="integrations-example"`)
			writeJSONError(w, http.StatusUnauthorized, "authentication required")
			return
		}
		if !validID(r.PathValue("id")) {
			writeJSONError(w, http.StatusNotFound, "not found")
			return
		}
		fn(w, r, p)
	})
}

// validID accepts the ids of the host's records: up to 100 letters, digits,
// '-', '_' or '.', such as a UUID.
func validID(id string) bool {
	if id == "" || len(id) > maxIDLength {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}

	return true
}

// healthz responds 200 when a small store read succeeds within 2 seconds,
// and 503 otherwise. It needs no authentication.
func (h *host) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	_, err := h.st.ListWebhookEndpoints(ctx, store.ListParams{Access: store.AsAdmin(), Limit: 1})
	// Log changes of the state only, so a probe every few seconds does not
	// repeat the same record.
	wasDown := h.storeDown.Swap(err != nil)
	if err != nil {
		if !wasDown {
			h.log.WarnContext(ctx, "health check failed: the store did not respond", "error", err)
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	if wasDown {
		h.log.InfoContext(ctx, "health check passed again")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// dispatchFailed responds to a failed dispatch: 503 with Retry-After when the
// store was busy, else 500. The event was not recorded in either case.
func (h *host) dispatchFailed(w http.ResponseWriter, r *http.Request, err error, attrs ...any) {
	h.log.ErrorContext(r.Context(), "dispatch failed, so the event was not recorded", append(attrs, "error", err)...)
	if store.IsRetryable(err) {
		w.Header().Set("Retry-After", "1")
		writeJSONError(w, http.StatusServiceUnavailable, "the event store is busy: retry the request")
		return
	}
	writeJSONError(w, http.StatusInternalServerError, "dispatching the event failed: see the server log")
}

// checkText adds a field error when s is longer than limit bytes or
// contains control characters other than newlines and tabs.
func checkText(fields map[string]string, name, s string, limit int) {
	if len(s) > limit {
		fields[name] = "must be at most " + strconv.Itoa(limit) + " bytes"
		return
	}
	for _, c := range s {
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			fields[name] = "must not contain control characters"
			return
		}
	}
}

// checkAmount adds a field error unless v is nil or a finite number from 0
// to limit.
func checkAmount(fields map[string]string, name string, v *float64, limit float64) {
	if v != nil && (math.IsNaN(*v) || *v < 0 || *v > limit) {
		fields[name] = "must be a number from 0 to " + strconv.Itoa(int(limit))
	}
}

// newExecutionID returns a new random execution id (a UUIDv4 string).
func newExecutionID() string { return uuid.NewString() }
