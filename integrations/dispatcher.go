package integrations

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/webhook"
)

// Lease settings of claimed deliveries.
const (
	// leaseMargin is added to a webhook endpoint's own timeout to give the
	// lease of its deliveries, so the lease outlasts the request.
	leaseMargin = 30 * time.Second
	// otherLease is the lease of Slack, email and GitHub deliveries. Their
	// attempts end after otherLease-leaseMargin, so the lease outlasts
	// them too.
	otherLease = 2 * time.Minute
	// recordBatch is the most attempts recorded in one transaction.
	recordBatch = 32
)

// Dispatcher turns events into deliveries and runs the workers that deliver
// them. Build it with New; it is safe for concurrent use. Start and Stop
// may each be called more than once.
type Dispatcher struct {
	cfg     Config
	service *Service
	senders map[store.Channel]sender
	mailer  *email.Sender // nil without Config.Email
	hooks   *webhook.Sender
	// otherAttemptTimeout bounds one Slack, email or GitHub attempt.
	otherAttemptTimeout time.Duration

	endpoints  endpointCache
	routeCache routeCache

	wakeCh chan struct{}
	wakes  atomic.Uint64 // calls of wake, which mark the queue as not known to be empty
	stats  counters

	mu      sync.Mutex
	run     *run // nil when stopped
	stopped chan struct{}
}

// New validates cfg, fills its defaults and returns a Dispatcher. The
// workers start with Start.
func New(cfg Config) (*Dispatcher, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	d := &Dispatcher{
		cfg:     cfg,
		wakeCh:  make(chan struct{}, 1),
		stopped: make(chan struct{}),

		otherAttemptTimeout: otherLease - leaseMargin,
	}
	close(d.stopped)
	d.service = &Service{d: d, st: serviceStore{Store: cfg.Store, d: d}}
	if err := d.buildSenders(); err != nil {
		return nil, err
	}

	return d, nil
}

// Service returns the operations the REST API offers, bound to this
// dispatcher's store and configuration.
func (d *Dispatcher) Service() *Service { return d.service }

// wake signals the claim loop that new work may be due. It never blocks.
func (d *Dispatcher) wake() {
	d.wakes.Add(1)
	select {
	case d.wakeCh <- struct{}{}:
	default:
	}
}
