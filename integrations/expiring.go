package integrations

import "time"

// expiring is a cached value and the time it expires.
type expiring[T any] struct {
	value T
	until time.Time
}

// putExpiring stores value under key until until and returns entries, made
// when it was nil. When entries already has limit entries, it first drops
// the expired ones, and it stores nothing while entries is still full.
func putExpiring[T any](entries map[string]expiring[T], key string, value T, now, until time.Time,
	limit int) map[string]expiring[T] {
	if entries == nil {
		entries = make(map[string]expiring[T])
	}
	if len(entries) >= limit {
		for k, e := range entries {
			if !now.Before(e.until) {
				delete(entries, k)
			}
		}
	}
	if len(entries) < limit {
		entries[key] = expiring[T]{value: value, until: until}
	}

	return entries
}
