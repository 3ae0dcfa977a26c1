package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/store"
)

// errorBody is every error response: a summary and, for validation
// errors, the problem of each field.
type errorBody struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only values of this package are encoded; a failure is a bug.
		status, body = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeFields(w http.ResponseWriter, fields map[string]string) {
	writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid request", Fields: fields})
}

// created writes v with 201 and a Location header: the handler's prefix
// followed by path, the new record's path below it.
func (h *handler) created(w http.ResponseWriter, path string, v any) {
	w.Header().Set("Location", h.opts.Prefix+path)
	writeJSON(w, http.StatusCreated, v)
}

// fail writes err with its documented status. conflict is the message of
// a 409. Internal errors are logged with the request id and written
// without detail.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error, conflict string) {
	var verr *integrations.ValidationError
	var rerr *integrations.RemoteError
	switch {
	case errors.As(err, &verr):
		writeFields(w, verr.Fields)
	case errors.As(err, &rerr):
		writeRemoteError(w, rerr)
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found")
	case errors.Is(err, store.ErrStale):
		writeError(w, http.StatusConflict, "the record changed while this request ran: read it again and retry")
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, conflict)
	case errors.Is(err, integrations.ErrTargetInactive):
		writeError(w, http.StatusConflict, "the delivery's target is inactive: re-enable it, then retry")
	case errors.Is(err, integrations.ErrNoUser):
		writeError(w, http.StatusUnauthorized, "authentication required")
	case errors.Is(err, store.ErrBusy):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "storage busy, retry later")
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away, so no one reads the response.
		writeError(w, http.StatusServiceUnavailable, "request canceled")
	default:
		h.log.ErrorContext(r.Context(), "httpapi: request failed", "request_id", reqIDOf(r),
			"route", r.Pattern, "error", err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// writeRemoteError maps a failure of Slack, GitHub or SMTP: 400 when our
// credentials or configuration were rejected, 504 on a timeout, 429 when
// rate limited, 502 for any other failure.
func writeRemoteError(w http.ResponseWriter, e *integrations.RemoteError) {
	status := http.StatusBadGateway
	switch {
	case e.Timeout:
		status = http.StatusGatewayTimeout
	case e.RateLimited:
		status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(e)))
	case e.AuthFailed || e.Permanent:
		status = http.StatusBadRequest
	}
	writeError(w, status, e.Error())
}

// retryAfterSeconds rounds the remote service's wait up to whole seconds,
// at least 1.
func retryAfterSeconds(e *integrations.RemoteError) int {
	secs := int(math.Ceil(e.RetryAfter.Seconds()))
	if secs < 1 {
		return 1
	}

	return secs
}
