package integrations

import "sync/atomic"

// Stats is a snapshot of the dispatcher's counters since New.
type Stats struct {
	// Pending counts deliveries this dispatcher enqueued that are not yet
	// final. Deliveries left by an earlier process are not included.
	Pending   int64
	InFlight  int64 // deliveries holding a worker slot: attempts in progress or about to start
	Succeeded int64 // deliveries that ended in success
	Failed    int64 // deliveries that ended in failure
	Retried   int64 // failed attempts scheduled for another try
}

type counters struct {
	pending, inFlight, succeeded, failed, retried atomic.Int64
}

// Stats returns a snapshot of the dispatcher's counters.
func (d *Dispatcher) Stats() Stats {
	return Stats{
		Pending:   max(d.stats.pending.Load(), 0),
		InFlight:  d.stats.inFlight.Load(),
		Succeeded: d.stats.succeeded.Load(),
		Failed:    d.stats.failed.Load(),
		Retried:   d.stats.retried.Load(),
	}
}
