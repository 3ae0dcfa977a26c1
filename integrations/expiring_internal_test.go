package integrations

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A full map drops its expired entries before it takes a new one, and takes
// nothing while every entry is still valid.
func TestPutExpiringBounded(t *testing.T) {
	now := time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
	entries := putExpiring(nil, "a", 1, now, now.Add(time.Second), 2)
	entries = putExpiring(entries, "b", 2, now, now.Add(time.Minute), 2)
	require.Len(t, entries, 2)

	later := now.Add(2 * time.Second)
	entries = putExpiring(entries, "c", 3, later, later.Add(time.Minute), 2)
	require.NotContains(t, entries, "a", "the expired entry is dropped")
	require.Equal(t, 3, entries["c"].value)

	entries = putExpiring(entries, "d", 4, later, later.Add(time.Minute), 2)
	require.NotContains(t, entries, "d", "no room while b and c are valid")
	require.Len(t, entries, 2)
}
