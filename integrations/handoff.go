package integrations

import (
	"container/heap"
	"context"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// A hand-off gives the deliveries of one Dispatch call to the workers
// without a claim. The deliveries are written already claimed, with the
// lease a claim would give them, so no claim returns them while this run
// holds them, and after a crash they are claimed again when the lease ends.
// While the workers keep up, this saves a claim transaction per delivery.
//
// A delivery whose target has a free slot goes to a worker at once. A
// delivery whose target is busy is parked: it waits in memory, in a line
// per target, and takes the next slot its target frees, before any claim.
// The claim loop extends the leases of parked deliveries every renewEvery,
// so a delivery that waits behind a slow target stays claimed, and starts
// its attempt with more than the attempt's timeout left on its lease.
//
// A hand-off must not overtake deliveries waiting in the store, or new
// events could starve older ones of worker slots. So Dispatch hands off
// only while the queue is known to be empty:
//   - a claim that asked for more deliveries than it got, with no target
//     excluded or capped, saw every due delivery, so the queue was empty
//     when it ran;
//   - every write to the queue that was not handed off calls wake, which
//     counts in Dispatcher.wakes, so a count that changed since that claim
//     means the queue may hold something;
//   - a scheduled retry that is due, and the poll timer, end the state
//     too, the timer for leases that ended without a wake (a crashed
//     process, a record that failed).

// Bounds of the parked deliveries of one run. Once a line is full, new
// deliveries wait in the store, and each costs a claim's write on top of
// its record. With 32 per slot (64 per endpoint), the lines filled in 2 of
// 5 runs of the SQLite benchmark, the two slowest. With 128, none of 5 did.
const (
	// parkPerSlot bounds the parked deliveries of one target: this many
	// per slot of PerTargetConcurrency.
	parkPerSlot = 128
	// parkPerWorker bounds the parked deliveries of a run: this many per
	// worker.
	parkPerWorker = 256
	// parkBytes bounds the payload bytes of a run's parked deliveries,
	// counting a payload once for each delivery that carries it. The run
	// claims nothing while the total is at the bound, so claimed
	// deliveries take it past the bound by one claim's worth at most.
	parkBytes = 16 << 20
	// renewEvery is how often the claim loop extends the leases of parked
	// deliveries. A lease is the target's timeout plus leaseMargin, so while
	// extensions succeed, a parked delivery has more than its timeout left.
	renewEvery = leaseMargin / 2
	// renewRetry is how soon a failed extension is tried again.
	renewRetry = time.Second
)

// Places a Dispatch call reserved for one delivery.
const (
	heldNone   = iota // the delivery waits in the store for a claim
	heldSlot          // a worker slot is reserved for it
	heldParked        // it waits in its target's parked line
)

// parkedDelivery is a delivery waiting in a parked line, with its lease.
type parkedDelivery struct {
	del     *store.Delivery
	lease   time.Duration // the length of the lease and of each extension
	renewAt time.Time     // when the claim loop extends the lease
	removed bool          // the delivery left its line; guarded by run.mu
}

// newParked returns del as parked, with a lease of length lease that ends
// at del.LeaseUntil.
func newParked(del *store.Delivery, lease time.Duration) *parkedDelivery {
	return &parkedDelivery{del: del, lease: lease, renewAt: del.LeaseUntil.Add(renewEvery - lease)}
}

// startable reports whether p's lease leaves enough time for an attempt:
// the attempt's timeout plus a quarter of leaseMargin. While extensions
// succeed, every parked lease has more than that left.
func (p *parkedDelivery) startable(now time.Time) bool {
	return p.del.LeaseUntil.Sub(now) >= p.lease-leaseMargin*3/4
}

// handoff holds what one Dispatch call reserved.
type handoff struct {
	r      *run
	places []int           // heldNone, heldSlot or heldParked, by delivery index
	leases []time.Duration // the lease of each handed-off delivery
}

// handedOff reports whether the delivery at index i is handed off.
func (h *handoff) handedOff(i int) bool {
	return h != nil && h.places[i] != heldNone
}

// reserve takes a worker slot or a parked place for each delivery that can
// have one, when the workers run and the queue is known to be empty, and
// sets the lease of those deliveries. timeouts holds each delivery's webhook
// endpoint timeout, zero for other channels. It returns nil when it
// reserved nothing.
func (d *Dispatcher) reserve(deliveries []*store.Delivery, timeouts []time.Duration) *handoff {
	d.mu.Lock()
	r := d.run
	d.mu.Unlock()
	if r == nil || r.claimCtx.Err() != nil {
		return nil
	}
	now := d.cfg.Now()

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing || !r.queueEmpty(now) {
		return nil
	}
	var h *handoff
	for i, del := range deliveries {
		if del.Channel == store.ChannelEmail && del.TargetID == store.UserEmailTarget(del.UserID) {
			// The store may write this delivery under the id of email
			// settings created since the routes were read, and slots and
			// parked lines must count it under the stored id: a claim
			// returns it with that id.
			continue
		}
		place, lease := r.place(del, timeouts[i])
		if place == heldNone {
			continue
		}
		if h == nil {
			h = &handoff{r: r, places: make([]int, len(deliveries)), leases: make([]time.Duration, len(deliveries))}
			r.handoffs.Add(1)
		}
		h.places[i] = place
		h.leases[i] = lease
		del.LeaseUntil = now.Add(lease)
	}

	return h
}

// place reserves a worker slot or a parked place for del and returns which,
// with the lease del needs. The caller holds r.mu.
func (r *run) place(del *store.Delivery, timeout time.Duration) (int, time.Duration) {
	cfg := &r.d.cfg
	lease := otherLease
	if del.Channel == store.ChannelWebhook {
		lease = timeout + leaseMargin
	}
	target := del.TargetID
	ahead := r.parkedFor[target]
	if ahead == 0 && r.hasSlot(target) {
		r.takeSlot(target)
		return heldSlot, lease
	}
	if ahead >= parkPerSlot*cfg.PerTargetConcurrency || r.parkedTotal >= parkPerWorker*cfg.Workers ||
		r.parkedBytes+len(del.Payload) > parkBytes {
		return heldNone, 0
	}
	r.parkedFor[target]++
	r.parkedTotal++
	r.parkedBytes += len(del.Payload)

	return heldParked, lease
}

// deliver queues the reserved deliveries that were written and frees the
// places of the others: duplicates, or all of them when results is nil
// because the write failed.
func (h *handoff) deliver(deliveries []*store.Delivery, results []store.EnqueueResult) {
	if h == nil {
		return
	}
	r := h.r
	defer r.handoffs.Done()
	written := func(i int) bool { return results != nil && !results[i].Duplicate }
	for i, del := range deliveries {
		switch {
		case h.places[i] == heldSlot && written(i):
			// The jobs channel has room for Workers entries, and every job
			// in it has taken one of the Workers slots (r.total), so this
			// send does not block.
			r.jobs <- del
		case h.places[i] == heldSlot:
			r.finish(del)
		case h.places[i] == heldParked && written(i):
			r.mu.Lock()
			r.parked[del.TargetID] = append(r.parked[del.TargetID], newParked(del, h.leases[i]))
			r.startParked(del.TargetID)
			r.mu.Unlock()
		case h.places[i] == heldParked:
			// A duplicate or a failed write frees its place, which may leave
			// the run low on work with a retry due: wake the claim loop as a
			// freed worker slot does.
			r.mu.Lock()
			r.unpark(del)
			r.startParked(del.TargetID)
			r.wakeIfLow()
		}
	}
}

// admit gives a claimed delivery a free worker slot, or parks it behind its
// target's parked deliveries. lease is the length of the claim's lease. The
// caller holds r.mu.
func (r *run) admit(del *store.Delivery, lease time.Duration) {
	target := del.TargetID
	if r.parkedFor[target] == 0 && r.hasSlot(target) {
		r.takeSlot(target)
		r.jobs <- del // does not block: see deliver
		return
	}
	r.parkedFor[target]++
	r.parkedTotal++
	r.parkedBytes += len(del.Payload)
	r.parked[target] = append(r.parked[target], newParked(del, lease))
	r.startParked(target)
}

// hasSlot reports whether target and the run both have a free worker slot.
// The caller holds r.mu.
func (r *run) hasSlot(target string) bool {
	return r.total < r.d.cfg.Workers && r.inFlight[target] < r.d.cfg.PerTargetConcurrency
}

// takeSlot gives a delivery of target one worker slot; free returns it.
// The caller holds r.mu.
func (r *run) takeSlot(target string) {
	r.inFlight[target]++
	r.total++
	r.d.stats.inFlight.Add(1)
}

// unpark frees the parked place of del. The caller holds r.mu.
func (r *run) unpark(del *store.Delivery) {
	r.parkedTotal--
	r.parkedBytes -= len(del.Payload)
	if r.parkedFor[del.TargetID]--; r.parkedFor[del.TargetID] <= 0 {
		delete(r.parkedFor, del.TargetID)
	}
}

// startParked gives free worker slots to parked deliveries, those of the
// target first first, until the run stops claiming. The caller holds
// r.mu.
func (r *run) startParked(first string) {
	if r.closing || r.parkedTotal == 0 || r.claimCtx.Err() != nil {
		return
	}
	r.startParkedOf(first)
	for target := range r.parked {
		if r.total >= r.d.cfg.Workers {
			return
		}
		r.startParkedOf(target)
	}
}

// takeParkedOf removes the oldest parked delivery of target and gives it
// a worker slot, when the target and the run have free slots and the run
// still claims. It returns nil otherwise. The caller holds r.mu and sends
// the delivery to a worker.
func (r *run) takeParkedOf(target string) *store.Delivery {
	now := r.d.cfg.Now()
	for {
		line := r.parked[target]
		if len(line) == 0 || r.closing || r.claimCtx.Err() != nil || !r.hasSlot(target) {
			return nil
		}
		p := line[0]
		r.removeParked(target, 0)
		if !p.startable(now) {
			r.leaveToClaim(p)
			continue
		}
		r.takeSlot(target)

		return p.del
	}
}

// removeParked takes the delivery at index i out of target's parked line
// and frees its place. The caller holds r.mu.
func (r *run) removeParked(target string, i int) {
	line := r.parked[target]
	p := line[i]
	p.removed = true
	copy(line[i:], line[i+1:])
	line[len(line)-1] = nil
	if line = line[:len(line)-1]; len(line) == 0 {
		delete(r.parked, target)
	} else {
		r.parked[target] = line
	}
	r.unpark(p.del)
}

// leaveToClaim gives up a parked delivery whose lease could not be extended
// in time. Another claim may return it once the lease ends, and an attempt
// started now could overlap that claim's attempt. So it stays unattempted in
// the store, and the claim loop looks for it when the lease ends. The caller
// holds r.mu.
func (r *run) leaveToClaim(p *parkedDelivery) {
	r.d.cfg.Logger.Warn("integrations: parked delivery left for a later claim because its lease "+
		"could not be extended", "delivery_id", p.del.ID, "target_id", p.del.TargetID,
		"lease_until", p.del.LeaseUntil)
	if len(r.due) < maxScheduledRetries {
		heap.Push(&r.due, p.del.LeaseUntil)
	}
	select {
	case r.freed <- struct{}{}: // the claim loop sets its timer for the lease's end
	default:
	}
}

// dropStale leaves to a later claim every parked delivery whose lease no
// longer leaves time for an attempt. The caller holds r.mu.
func (r *run) dropStale(now time.Time) {
	for target, line := range r.parked {
		for i := len(line) - 1; i >= 0; i-- {
			if p := line[i]; !p.startable(now) {
				r.removeParked(target, i)
				r.leaveToClaim(p)
				line = r.parked[target]
			}
		}
	}
}

// startParkedOf starts the parked deliveries of target, oldest first, while
// the target and the run have free slots. The caller holds r.mu.
func (r *run) startParkedOf(target string) {
	for {
		del := r.takeParkedOf(target)
		if del == nil {
			return
		}
		r.jobs <- del // does not block: see deliver
	}
}

// takeParked empties the parked lines of a closing run and returns the ids
// of their deliveries, for release.
func (r *run) takeParked() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for target, line := range r.parked {
		for _, p := range line {
			p.removed = true
			ids = append(ids, p.del.ID)
			r.unpark(p.del)
		}
		delete(r.parked, target)
	}

	return ids
}

// queueEmpty reports whether the last claim found the queue empty and
// nothing was queued since. The caller holds r.mu.
func (r *run) queueEmpty(now time.Time) bool {
	if !r.empty || r.emptyAt != r.d.wakes.Load() {
		return false
	}

	return len(r.due) == 0 || r.due[0].After(now)
}

// nextRenewal returns when the claim loop must next extend parked leases,
// and false when nothing is parked. The caller holds r.mu.
func (r *run) nextRenewal() (time.Time, bool) {
	var first time.Time
	for _, line := range r.parked {
		for _, p := range line {
			if first.IsZero() || p.renewAt.Before(first) {
				first = p.renewAt
			}
		}
	}

	return first, !first.IsZero()
}

// renewParked extends the leases of every parked delivery when the first
// of them is due for it. A failed extension is logged and tried again after
// renewRetry. When extensions keep failing, a delivery whose lease gets too
// short for an attempt leaves its line unattempted (see leaveToClaim).
func (r *run) renewParked() {
	now := r.d.cfg.Now()
	r.mu.Lock()
	at, ok := r.nextRenewal()
	if !ok || at.After(now) {
		r.mu.Unlock()
		return
	}
	byLease := map[time.Duration][]*parkedDelivery{}
	for _, line := range r.parked {
		for _, p := range line {
			byLease[p.lease] = append(byLease[p.lease], p)
		}
	}
	r.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.hardCtx), 10*time.Second)
	defer cancel()
	for lease, group := range byLease {
		ids := make([]string, len(group))
		for i, p := range group {
			ids[i] = p.del.ID
		}
		next := now.Add(renewEvery)
		err := r.d.cfg.Store.ExtendLeases(ctx, ids, now.Add(lease))
		if err != nil {
			r.d.cfg.Logger.Warn("integrations: extend the leases of parked deliveries failed; "+
				"they are claimed again if their leases end before an extension succeeds",
				"deliveries", len(ids), "error", err)
			// Try again soon, but not in a loop against a failing store.
			next = now.Add(renewRetry)
		}
		r.mu.Lock()
		for _, p := range group {
			if p.removed {
				continue // a worker has it, or it was left to a claim
			}
			p.renewAt = next
			if err == nil {
				p.del.LeaseUntil = now.Add(lease)
			}
		}
		r.dropStale(now)
		r.mu.Unlock()
	}
}
