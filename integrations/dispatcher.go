package integrations

import (
	"sync"
)

// Dispatcher turns events into deliveries and runs the workers that deliver
// them. Build it with New; it is safe for concurrent use.
type Dispatcher struct {
	cfg     Config
	service *Service

	wakeCh chan struct{}

	mu      sync.Mutex
	running bool
}

// New validates cfg, fills its defaults and returns a Dispatcher. The
// workers start with Start.
func New(cfg Config) (*Dispatcher, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	d := &Dispatcher{cfg: cfg, wakeCh: make(chan struct{}, 1)}
	d.service = &Service{d: d, st: cfg.Store}

	return d, nil
}

// Service returns the operations the REST API offers, bound to this
// dispatcher's store and configuration.
func (d *Dispatcher) Service() *Service { return d.service }

// wake tells the claim loop that new work may be due. It never blocks.
func (d *Dispatcher) wake() {
	select {
	case d.wakeCh <- struct{}{}:
	default:
	}
}
