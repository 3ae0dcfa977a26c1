package integrations

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
)

// busyRun returns a run of a new dispatcher whose worker slots are all
// taken, so every delivery it places waits in a parked line.
func busyRun(t *testing.T) *run {
	t.Helper()
	d, err := New(Config{Store: memory.New(memory.Options{})})
	require.NoError(t, err)
	r := &run{d: d, inFlight: map[string]int{}, parked: map[string][]*parkedDelivery{}, parkedFor: map[string]int{}}
	r.total = d.cfg.Workers

	return r
}

func parkedDel(i int, target string, payload []byte) *store.Delivery {
	return &store.Delivery{ID: strconv.Itoa(i), Channel: store.ChannelWebhook, TargetID: target, Payload: payload}
}

// Parked lines hold at most parkBytes of payloads. A freed place makes room
// again.
func TestParkedLinesBoundedByPayloadBytes(t *testing.T) {
	r := busyRun(t)
	big := make([]byte, 1<<20)
	var parked []*store.Delivery
	for i := range 20 {
		del := parkedDel(i, "target-"+strconv.Itoa(i%4), big)
		place, lease := r.place(del, time.Second)
		if i < parkBytes/len(big) {
			require.Equal(t, heldParked, place, "delivery %d fits", i)
			require.Equal(t, time.Second+leaseMargin, lease)
			parked = append(parked, del)
			continue
		}
		require.Equal(t, heldNone, place, "delivery %d would pass %d bytes", i, parkBytes)
	}
	require.Equal(t, parkBytes, r.parkedBytes)
	require.Equal(t, heldParked, mustPlace(r, parkedDel(99, "target-0", nil)), "an empty payload still fits")

	r.unpark(parked[0])
	require.Equal(t, heldParked, mustPlace(r, parkedDel(100, "target-1", big)), "the freed megabyte is used again")
	require.Equal(t, heldNone, mustPlace(r, parkedDel(101, "target-1", []byte("x"))))
}

// One target's parked line holds parkPerSlot deliveries per attempt slot.
func TestParkedLineBoundedPerTarget(t *testing.T) {
	r := busyRun(t)
	limit := parkPerSlot * r.d.cfg.PerTargetConcurrency
	for i := range limit {
		require.Equal(t, heldParked, mustPlace(r, parkedDel(i, "slow", []byte("{}"))), "delivery %d", i)
	}
	require.Equal(t, heldNone, mustPlace(r, parkedDel(limit, "slow", []byte("{}"))), "the line is full")
	require.Equal(t, heldParked, mustPlace(r, parkedDel(limit+1, "other", []byte("{}"))), "another target's line")
}

func mustPlace(r *run, del *store.Delivery) int {
	place, _ := r.place(del, time.Second)
	return place
}
