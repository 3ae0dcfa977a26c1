package integrations

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// run is one Start-to-Stop lifetime of the workers.
type run struct {
	d *Dispatcher

	// hardCtx ends every goroutine and cancels attempts in flight;
	// claimCtx ends only the claiming, for a graceful stop.
	hardCtx     context.Context
	hardCancel  context.CancelFunc
	claimCtx    context.Context
	claimCancel context.CancelFunc

	jobs    chan *store.Delivery
	results chan result
	freed   chan struct{} // a worker slot or a target slot became free

	mu       sync.Mutex
	inFlight map[string]int // claimed and not yet attempted, per target
	// attempting maps the ids of deliveries whose attempt has started and
	// is not yet recorded to their attempt counts at the start. A claim
	// that returns one of them with that count, because its lease ended
	// first, leaves it to that attempt. While a claim runs (claiming), the
	// recorder moves the entries it records to recordedMeanwhile, because
	// the claim may have read those rows before the record.
	attempting        map[string]int
	claiming          bool
	recordedMeanwhile map[string]int
	// busyAtStop is set by the recorder when a record after the stop
	// deadline found the store locked: later batches are not recorded.
	busyAtStop bool
	total      int
	due        dueTimes // retry times this run scheduled and not yet reached, a min-heap
	// empty is set when a claim found the queue empty, and emptyAt is
	// Dispatcher.wakes as read before that claim. handoff.go explains both.
	empty   bool
	emptyAt uint64
	// closing is set when no hand-off may start, before jobs closes.
	closing  bool
	handoffs sync.WaitGroup // Dispatch calls that reserved places and have not queued their jobs
	// parked holds handed-off deliveries waiting for a slot of their
	// target, oldest first. parkedFor counts them per target, with the
	// places reserved for deliveries not yet written.
	parked      map[string][]*parkedDelivery
	parkedFor   map[string]int
	parkedTotal int
	parkedBytes int // the payload bytes of the parkedTotal deliveries

	workers  sync.WaitGroup
	recorder sync.WaitGroup
	claimer  sync.WaitGroup
	done     chan struct{}
}

// errStoreBusyAtStop is the error of a batch that the recorder does not
// record, because a record after the stop deadline found the store locked.
var errStoreBusyAtStop = errors.New("not recorded: the store was locked after the stop deadline")

// result is one finished attempt on its way to the recorder.
type result struct {
	delivery *store.Delivery
	out      outcome
}

// Start starts the workers. It returns at once, unless a previous run is
// still stopping: then it waits for that run to end, or for ctx. The
// workers run until Stop is called or ctx is cancelled. Cancelling ctx is
// an abrupt stop: attempts in flight are abandoned as with Stop. When the
// store cannot record them, because it is closed, their deliveries are
// claimed again after their leases end. Calling Start on a running
// Dispatcher does nothing, and Start fails when ctx has ended already.
func (d *Dispatcher) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("integrations: start: the context has ended already, so no worker would run: pass a live context: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.run != nil {
		old := d.run
		if old.claimCtx.Err() == nil {
			return nil // running
		}
		// A run that is stopping, after Stop or the cancellation of its
		// context, ends before the new one starts.
		d.mu.Unlock()
		select {
		case <-old.done:
		case <-ctx.Done():
			d.mu.Lock()
			return fmt.Errorf("integrations: start: the previous run is still stopping: %w", ctx.Err())
		}
		d.mu.Lock()
	}
	r := &run{
		d:                 d,
		jobs:              make(chan *store.Delivery, d.cfg.Workers),
		results:           make(chan result, recordBatch),
		freed:             make(chan struct{}, 1),
		inFlight:          make(map[string]int),
		attempting:        make(map[string]int),
		recordedMeanwhile: make(map[string]int),
		parked:            make(map[string][]*parkedDelivery),
		parkedFor:         make(map[string]int),
		done:              make(chan struct{}),
	}
	r.hardCtx, r.hardCancel = context.WithCancel(ctx)
	r.claimCtx, r.claimCancel = context.WithCancel(r.hardCtx)
	d.run = r
	d.stopped = r.done

	r.recorder.Add(1)
	go r.recordLoop()
	r.workers.Add(d.cfg.Workers)
	for range d.cfg.Workers {
		go r.workLoop()
	}
	r.claimer.Add(1)
	go r.claimLoop()
	r.claimer.Add(1)
	go func() {
		defer r.claimer.Done()
		d.service.runAutoSync(r.claimCtx)
	}()
	go r.shutdownWhenDone()

	d.cfg.Logger.InfoContext(ctx, "integrations: dispatcher started",
		"workers", d.cfg.Workers, "per_target_concurrency", d.cfg.PerTargetConcurrency)
	if d.mailer == nil {
		d.cfg.Logger.InfoContext(ctx, "integrations: email is not configured, so email settings are stored "+
			"but no email is sent: set Config.Email to send them")
	}

	return nil
}

// Stop stops claiming new deliveries, releases claimed deliveries that have
// not started, and waits for attempts in flight until ctx ends. Then it
// abandons them: each is recorded as a failed attempt ("attempt abandoned
// when the dispatcher stopped"), and its delivery is due again at once.
// Pending deliveries stay in the store for the next Start. Stop returns
// ctx.Err() when it had to abandon attempts, and nil otherwise. The
// abandoned attempts are recorded after ctx ends. While another process
// holds the SQLite write lock, that record waits up to the store's busy
// timeout, so Stop returns that much later. After one such wait fails, the
// rest are not recorded, and their deliveries are attempted again once
// their leases end. Calling Stop on a stopped Dispatcher does nothing.
func (d *Dispatcher) Stop(ctx context.Context) error {
	d.mu.Lock()
	r := d.run
	d.mu.Unlock()
	if r == nil {
		return nil
	}
	r.claimCancel()

	var err error
	select {
	case <-r.done:
	case <-ctx.Done():
		err = ctx.Err()
		r.hardCancel()
		<-r.done
	}

	return err
}

// Stopped returns a channel that is closed when the workers of the current
// or last run have stopped.
func (d *Dispatcher) Stopped() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()

	return d.stopped
}

// shutdownWhenDone waits for the claim loop to end, then lets workers drain
// the queue and the recorder flush, and marks the run as finished.
func (r *run) shutdownWhenDone() {
	r.claimer.Wait()
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	r.handoffs.Wait()
	if ids := r.takeParked(); len(ids) > 0 {
		r.release(ids)
	}
	close(r.jobs)
	r.workers.Wait()
	close(r.results)
	r.recorder.Wait()
	r.hardCancel()
	// Close the idle webhook connections, including any the transport
	// dialled but never used: a receiver's http.Server.Shutdown waits up
	// to 5 s for such a connection before it treats it as idle.
	r.d.hooks.Close()

	d := r.d
	d.mu.Lock()
	d.run = nil
	d.mu.Unlock()
	d.cfg.Logger.Info("integrations: dispatcher stopped")
	close(r.done)
}

// claimLoop claims due deliveries whenever a worker is free and work may be
// due: after a wake-up, a freed slot, the next scheduled retry, or the poll
// interval.
func (r *run) claimLoop() {
	defer r.claimer.Done()
	d := r.d
	timer := time.NewTimer(0)
	defer timer.Stop()
	r.scheduleStoredRetries()

	for {
		r.renewParked()
		full, err := r.claimOnce()
		if err != nil && r.claimCtx.Err() == nil {
			d.cfg.Logger.Error("integrations: claim deliveries failed", "error", err)
		}
		if full && err == nil {
			continue // every free worker got work: more may be due
		}
		timer.Reset(r.untilNextPoll())
		select {
		case <-r.claimCtx.Done():
			return
		case <-d.wakeCh:
		case <-r.freed:
		case <-timer.C:
			// A lease may have ended without a wake-up, so the next
			// claim looks at the store again before any hand-off.
			r.mu.Lock()
			r.empty = false
			r.mu.Unlock()
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// scheduleStoredRetries adds the earliest due time of the store's queue to
// the retry times, when the store reports it, so retries that this run did
// not schedule (an earlier run's, another process's) are attempted on time
// rather than at the next poll. The claim loop calls it at the start and
// after each claim that took every due delivery.
func (r *run) scheduleStoredRetries() {
	reporter, ok := r.d.cfg.Store.(store.DueReporter)
	if !ok {
		return
	}
	next, found, err := reporter.NextDue(r.claimCtx, r.d.cfg.Now())
	if err != nil {
		if r.claimCtx.Err() == nil {
			r.d.cfg.Logger.Warn("integrations: read the next due time failed; retries scheduled "+
				"before this start wait for the next poll", "error", err)
		}
		return
	}
	if !found || !next.After(r.d.cfg.Now()) {
		return // due now, so the next claim takes it
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.due) > 0 && !r.due[0].After(next) {
		return // the run wakes by then already and reads the store again after that claim
	}
	heap.Push(&r.due, next)
}

// untilNextPoll returns the wait before the next claim without a wake-up:
// the poll interval, or less when a retry is due sooner.
func (r *run) untilNextPoll() time.Duration {
	wait := r.d.cfg.PollInterval
	now := r.d.cfg.Now()
	r.mu.Lock()
	var next time.Time
	// While the run is not low on work, a retry that is due already waits
	// for a freed slot, and freeing one wakes the claim loop. A timer for
	// that retry would only fire again and again.
	if len(r.due) > 0 && (r.due[0].After(now) || r.lowOnWork()) {
		next = r.due[0]
	}
	if renew, ok := r.nextRenewal(); ok && (next.IsZero() || renew.Before(next)) {
		next = renew
	}
	r.mu.Unlock()
	if !next.IsZero() {
		if until := next.Sub(now); until < wait {
			wait = max(until, time.Millisecond)
		}
	}

	return wait
}

// claimBatch is the most deliveries one claim takes.
const claimBatch = 64

// claimOnce claims due deliveries when the run runs low on work. The
// claimed deliveries go to free workers, and the others wait in their
// targets' parked lines, so workers do not wait for a claim while the
// store holds due deliveries. It reports whether the claim took as many as
// it asked for.
func (r *run) claimOnce() (bool, error) {
	d := r.d
	cfg := &d.cfg
	now := cfg.Now()
	lineCap := parkPerSlot * cfg.PerTargetConcurrency
	r.mu.Lock()
	low := r.lowOnWork()
	limit := min(claimBatch, cfg.Workers-r.total+parkPerWorker*cfg.Workers-r.parkedTotal)
	var exclude []string
	for id, n := range r.parkedFor {
		if n >= lineCap/2 {
			exclude = append(exclude, id)
		}
	}
	empty := r.queueEmpty(now)
	if !empty && low {
		// This claim covers every retry due by now, and later ones stay
		// scheduled.
		for len(r.due) > 0 && !r.due[0].After(now) {
			heap.Pop(&r.due)
		}
	}
	r.mu.Unlock()
	// Nothing is due while the queue is known to be empty.
	if empty || !low || limit <= 0 {
		return false, nil
	}

	perTarget := cfg.PerTargetConcurrency + lineCap/2
	wakes := d.wakes.Load()
	r.mu.Lock()
	r.claiming = true
	r.mu.Unlock()
	claimed, err := cfg.Store.ClaimDeliveries(r.claimCtx, store.ClaimParams{
		Now:            now,
		Limit:          limit,
		MaxPerTarget:   perTarget,
		ExcludeTargets: exclude,
		Lease:          otherLease,
		LeaseMargin:    leaseMargin,
	})

	r.mu.Lock()
	for _, del := range claimed {
		if r.attemptedAlready(del) {
			// Its attempt outlived the lease. The attempt's record ends
			// this claim's lease or has ended it already.
			d.cfg.Logger.Warn("integrations: a lease ended during the attempt, so the delivery is not attempted twice",
				"delivery_id", del.ID, "target_id", del.TargetID)
			continue
		}
		r.admit(del, del.LeaseUntil.Sub(now))
	}
	r.claiming = false
	clear(r.recordedMeanwhile)
	if err != nil {
		r.mu.Unlock()
		return false, fmt.Errorf("claim up to %d deliveries: %w", limit, err)
	}
	sawAll := len(claimed) < limit && len(exclude) == 0 && !capsReached(claimed, perTarget)
	if sawAll {
		// The claim saw every due delivery and took them all.
		r.empty, r.emptyAt = true, wakes
	}
	r.mu.Unlock()
	if sawAll {
		// Retries that this run did not schedule, such as an earlier run's,
		// wait in the store. Set a timer for the next of them.
		r.scheduleStoredRetries()
	}

	return len(claimed) == limit, nil
}

// attemptedAlready reports whether a claimed delivery is one that this run
// attempted from the same attempt count, so that attempt is still running
// or its record came after the claim read the row. A higher count means
// the attempt was recorded before the claim, which then took a due retry.
// The caller holds r.mu.
func (r *run) attemptedAlready(del *store.Delivery) bool {
	n, ok := r.attempting[del.ID]
	if !ok {
		n, ok = r.recordedMeanwhile[del.ID]
	}

	return ok && del.AttemptCount == n
}

// lowOnWork reports whether the run needs a claim: a worker is free, which
// means no parked delivery can start, or fewer deliveries are parked than
// there are workers. A run whose parked payloads reach parkBytes claims
// nothing until they drain, so claims pass that bound by one claim at most.
// The caller holds r.mu.
func (r *run) lowOnWork() bool {
	if r.parkedBytes >= parkBytes {
		return false
	}

	return r.total < r.d.cfg.Workers || r.parkedTotal < r.d.cfg.Workers
}

// capsReached reports whether claimed holds perTarget deliveries of one
// target, so the claim may have passed over more of that target's.
func capsReached(claimed []*store.Delivery, perTarget int) bool {
	count := make(map[string]int, len(claimed))
	for _, del := range claimed {
		count[del.TargetID]++
		if count[del.TargetID] >= perTarget {
			return true
		}
	}

	return false
}

// workLoop attempts claimed deliveries until the job queue closes. A job
// that arrives after the stop began is released unattempted.
func (r *run) workLoop() {
	defer r.workers.Done()
	for del := range r.jobs {
		for del != nil {
			del = r.work(del)
		}
	}
}

// work attempts del and hands the outcome to the recorder. It returns the
// next parked delivery of the same target when this worker takes it
// directly, and nil otherwise.
func (r *run) work(del *store.Delivery) *store.Delivery {
	if r.claimCtx.Err() != nil {
		r.release([]string{del.ID})
		r.finish(del)
		return nil
	}
	r.mu.Lock()
	r.attempting[del.ID] = del.AttemptCount
	r.mu.Unlock()
	ctx, cancel := r.hardCtx, context.CancelFunc(func() {})
	if del.Channel != store.ChannelWebhook {
		// A webhook request ends with its endpoint's timeout, within the
		// lease. The other clients retry inside one attempt, so this
		// deadline keeps them within the lease.
		ctx, cancel = context.WithTimeout(r.hardCtx, r.d.otherAttemptTimeout)
	}
	out := r.d.attempt(ctx, del)
	cancel()
	if r.hardCtx.Err() != nil {
		// Cut off by the stop deadline or an abrupt stop: the target may
		// have the request, so the attempt is recorded as failed, and the
		// delivery is due again at once.
		out = abandon(out)
	}
	// The slots are free once the request is done: the delivery stays
	// leased until the recorder stores the attempt, so no claim can return
	// it meanwhile, and the worker goes on without waiting for the
	// record's commit.
	r.results <- result{delivery: del, out: out}

	return r.finishAndTake(del)
}

// release ends the leases of deliveries that were claimed but not attempted.
func (r *run) release(ids []string) {
	r.d.wakes.Add(1) // the released deliveries are in the queue again
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.hardCtx), 10*time.Second)
	defer cancel()
	if err := r.d.cfg.Store.ReleaseDeliveries(ctx, ids); err != nil {
		r.d.cfg.Logger.Warn("integrations: release deliveries failed; they are claimed again after their leases end",
			"deliveries", len(ids), "error", err)
	}
}

// finish frees the worker and target slots of del.
func (r *run) finish(del *store.Delivery) {
	r.mu.Lock()
	r.free(del)
	r.startParked(del.TargetID)
	r.wakeIfLow()
}

// finishAndTake frees the slots of del like finish, but when del's target
// has a parked delivery, it takes that delivery into the freed slots and
// returns it, so the calling worker attempts it without a hand-over
// through the jobs channel.
func (r *run) finishAndTake(del *store.Delivery) *store.Delivery {
	r.mu.Lock()
	r.free(del)
	next := r.takeParkedOf(del.TargetID)
	r.startParked(del.TargetID)
	r.wakeIfLow()

	return next
}

// free releases the worker and target slots of del that takeSlot took. The
// caller holds r.mu.
func (r *run) free(del *store.Delivery) {
	r.inFlight[del.TargetID]--
	if r.inFlight[del.TargetID] <= 0 {
		delete(r.inFlight, del.TargetID)
	}
	r.total--
	r.d.stats.inFlight.Add(-1)
}

// wakeIfLow unlocks r.mu and wakes the claim loop when the run is low on
// work and the queue may hold some: the claim loop claims only then.
func (r *run) wakeIfLow() {
	low := r.lowOnWork() && !r.queueEmpty(r.d.cfg.Now())
	r.mu.Unlock()
	if !low {
		return
	}
	select {
	case r.freed <- struct{}{}:
	default:
	}
}

// recordLoop records finished attempts in batches until the results channel
// closes.
func (r *run) recordLoop() {
	defer r.recorder.Done()
	batch := make([]result, 0, recordBatch)
	for first := range r.results {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < recordBatch {
			select {
			case res, ok := <-r.results:
				if !ok {
					break fill
				}
				batch = append(batch, res)
			default:
				break fill
			}
		}
		r.record(batch)
	}
}

// record stores one batch of attempts.
func (r *run) record(batch []result) {
	d := r.d
	now := d.cfg.Now().UTC()
	params := store.RecordParams{
		Now:                  now,
		Records:              make([]store.AttemptRecord, len(batch)),
		DisableAfterFailures: max(d.cfg.DisableAfterFailures, 0),
		DisableAfterWindow:   d.cfg.DisableAfterWindow,
		// The worker slots are free already, so the record may wait to
		// share the next Dispatch's commit.
		Deferrable: true,
	}
	for i, res := range batch {
		params.Records[i] = d.nextState(res.delivery, res.out, now)
	}

	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.hardCtx), 30*time.Second)
	defer cancel()
	var rec store.RecordResult
	err := errStoreBusyAtStop
	if !r.busyAtStop {
		rec, err = d.cfg.Store.RecordAttempts(ctx, params)
	}
	if errors.Is(err, store.ErrBusy) {
		if r.hardCtx.Err() == nil {
			rec, err = d.cfg.Store.RecordAttempts(ctx, params)
		} else {
			// Past the stop deadline, every further wait for the lock
			// would delay Stop again.
			r.busyAtStop = true
		}
	}
	if err != nil {
		// The deliveries keep their leases and are claimed again when the
		// leases end, so the attempts are made again rather than lost.
		d.cfg.Logger.Error("integrations: record attempts failed; the deliveries are retried after their leases end",
			"attempts", len(batch), "error", err)
	}
	if len(rec.Disabled) > 0 {
		d.forgetRoutes()
	}
	for _, t := range rec.Disabled {
		if t.Channel == store.ChannelWebhook {
			d.forgetEndpoint(t.TargetID)
		}
		d.cfg.Logger.Warn("integrations: target disabled",
			"channel", string(t.Channel), "target_id", t.TargetID, "reason", t.Reason)
	}

	r.mu.Lock()
	for _, res := range batch {
		id, n := res.delivery.ID, res.delivery.AttemptCount
		if started, ok := r.attempting[id]; !ok || started != n {
			continue // a later attempt of the delivery holds the entry now
		}
		if r.claiming {
			r.recordedMeanwhile[id] = n
		}
		delete(r.attempting, id)
	}
	r.mu.Unlock()
	if err == nil {
		for i, res := range batch {
			r.afterRecord(res.delivery, params.Records[i])
		}
	}
}

// afterRecord updates statistics, schedules the next wake-up and reports
// final deliveries.
func (r *run) afterRecord(del *store.Delivery, rec store.AttemptRecord) {
	d := r.d
	switch rec.Status {
	case store.StatusRetrying:
		d.stats.retried.Add(1)
		r.mu.Lock()
		earliest := false
		if len(r.due) < maxScheduledRetries {
			heap.Push(&r.due, rec.NextAttemptAt)
			earliest = r.due[0].Equal(rec.NextAttemptAt)
		}
		r.mu.Unlock()
		if earliest {
			// The claim loop may be waiting for a later time: wake it, so
			// it sets its timer for this retry.
			d.wake()
		}
		return
	case store.StatusSuccess:
		d.stats.succeeded.Add(1)
	case store.StatusFailed:
		d.stats.failed.Add(1)
		d.cfg.Logger.Warn("integrations: delivery failed, giving up",
			"delivery_id", del.ID, "event_id", del.EventID, "event_type", del.EventType,
			"channel", string(del.Channel), "target_id", del.TargetID,
			"attempts", del.AttemptCount+1, "error", rec.Attempt.ErrorMessage)
	}
	d.stats.pending.Add(-1)
	d.reportFinished(del, rec)
}

// reportFinished calls Config.OnDeliveryFinished, recovering a panic.
func (d *Dispatcher) reportFinished(del *store.Delivery, rec store.AttemptRecord) {
	if d.cfg.OnDeliveryFinished == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			d.cfg.Logger.Error("integrations: OnDeliveryFinished panicked", "delivery_id", del.ID, "panic", fmt.Sprint(p))
		}
	}()
	d.cfg.OnDeliveryFinished(DeliveryReport{
		DeliveryID: del.ID,
		Channel:    del.Channel,
		TargetID:   del.TargetID,
		EventType:  del.EventType,
		Status:     rec.Status,
		Attempts:   del.AttemptCount + 1,
	})
}

// maxScheduledRetries bounds the retry times a run remembers. A retry
// scheduled while the heap is full runs at the next poll instead of on time.
const maxScheduledRetries = 10000

// dueTimes is a min-heap of retry times, for container/heap.
type dueTimes []time.Time

func (h dueTimes) Len() int           { return len(h) }
func (h dueTimes) Less(i, j int) bool { return h[i].Before(h[j]) }
func (h dueTimes) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueTimes) Push(x any)        { *h = append(*h, x.(time.Time)) }

func (h *dueTimes) Pop() any {
	old := *h
	last := old[len(old)-1]
	*h = old[:len(old)-1]

	return last
}
