package webhook

import (
	"bytes"
	"errors"
	"io"
	"net/http"
)

// ErrBodyTooLarge is the message of Middleware's 413 response to a
// request body longer than Verifier.MaxBodyBytes.
var ErrBodyTooLarge = errors.New("webhook: request body too large")

// Middleware returns a handler that reads the request body through
// MaxBodyBytes, verifies it and, when it verifies, calls next with
// r.Body replaced by the exact bytes received. On failure it responds 413
// for a body over the limit and 401 otherwise, with a plain-text reason,
// and next is not called.
func (v Verifier) Middleware(next http.Handler) http.Handler {
	limit := v.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				http.Error(w, ErrBodyTooLarge.Error(), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "webhook: read request body failed", http.StatusBadRequest)
			return
		}
		if err := v.Verify(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}

		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}
