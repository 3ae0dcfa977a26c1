package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/hishamos/integrations-external/webhook"
)

// receiver is the webhook handler: verify, drop repeats, then process.
type receiver struct {
	verifier webhook.Verifier
	names    webhook.HeaderNames
	seen     *recentIDs

	mu  sync.Mutex // serializes writes to out
	out io.Writer
}

func newReceiver(cfg config, out io.Writer) *receiver {
	return &receiver{verifier: cfg.verifier, names: cfg.names, seen: newRecentIDs(cfg.remember), out: out}
}

// ServeHTTP verifies the exact body bytes before it parses them.
// Verifier.Middleware does the same in one line. This handler calls Verify
// itself so that it can print why a request was rejected.
func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhook.DefaultMaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			rc.printf("rejected request from %s: body over %d bytes\n", r.RemoteAddr, tooLarge.Limit)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		rc.printf("rejected request from %s: read body: %v\n", r.RemoteAddr, err)
		http.Error(w, "read request body failed", http.StatusBadRequest)
		return
	}
	if err := rc.verifier.Verify(r.Header, body); err != nil {
		// The error names the header and the reason, never the secret.
		rc.printf("rejected request from %s: %v\n", r.RemoteAddr, err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}

	event := r.Header.Get(rc.names.Event)
	id := rc.deliveryID(r.Header)
	// NOTE: the id is recorded before processing. A receiver whose work can
	// fail should record it only after the work succeeded, or in the same
	// transaction, so that the redelivery of a failed attempt is processed.
	if id != "" && !rc.seen.add(id) {
		rc.printf("duplicate %s delivery %s: acknowledged, not processed again\n", event, id)
		w.WriteHeader(http.StatusOK)
		return
	}

	rc.printf("%s delivery %s, signature ok\n  %s\n", event, id, compactJSON(body))
	w.WriteHeader(http.StatusOK)
}

// deliveryID prefers webhook-id, which the standard scheme signs. The
// hishamos signature covers only the body, so its delivery-id header is not
// authenticated.
func (rc *receiver) deliveryID(h http.Header) string {
	if id := h.Get(webhook.HeaderWebhookID); id != "" {
		return id
	}

	return h.Get(rc.names.DeliveryID)
}

func (rc *receiver) printf(format string, args ...any) {
	rc.mu.Lock()
	defer rc.mu.Unlock()

	fmt.Fprintf(rc.out, format, args...)
}

// compactJSON returns body on one line, or quoted when it is not JSON.
func compactJSON(body []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		return fmt.Sprintf("%q", body)
	}

	return buf.String()
}

// recentIDs is a set of the most recently added delivery ids, bounded by
// the capacity given to newRecentIDs: adding a new id drops the oldest once
// the set is full.
type recentIDs struct {
	mu    sync.Mutex
	ids   map[string]bool
	order []string // ring buffer of the ids in ids, oldest at next once full
	next  int
}

func newRecentIDs(capacity int) *recentIDs {
	return &recentIDs{ids: make(map[string]bool, capacity), order: make([]string, 0, capacity)}
}

// add records id and reports whether it was new.
func (s *recentIDs) add(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.ids[id] {
		return false
	}
	if len(s.order) < cap(s.order) {
		s.order = append(s.order, id)
	} else {
		delete(s.ids, s.order[s.next])
		s.order[s.next] = id
		s.next = (s.next + 1) % len(s.order)
	}
	s.ids[id] = true

	return true
}
