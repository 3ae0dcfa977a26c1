package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// Dispatch writes one delivery per matching target of ev in one store
// transaction, wakes the workers and returns the delivery ids, including the
// ids of earlier deliveries that the idempotency key matched. It does no
// network I/O: after it returns, the event is durable and the workers
// deliver it. An event with no matching target returns no ids and no error.
//
// While the workers run and no earlier delivery waits in the queue, each
// delivery is written already claimed, without a claim of its own. It goes
// straight to a free worker, or waits in memory behind its busy target.
func (d *Dispatcher) Dispatch(ctx context.Context, ev Event) ([]string, error) {
	deliveries, timeouts, err := d.prepare(ctx, ev)
	if err != nil || len(deliveries) == 0 {
		return nil, err
	}
	h := d.reserve(deliveries, timeouts)
	results, err := d.cfg.Store.EnqueueDeliveries(ctx, deliveries)
	if err != nil {
		h.deliver(deliveries, nil)
		return nil, fmt.Errorf("integrations: enqueue %d deliveries of event %s: %w", len(deliveries), deliveries[0].EventID, err)
	}
	ids := make([]string, len(results))
	fresh, queued := 0, false
	for i, r := range results {
		ids[i] = r.ID
		if !r.Duplicate {
			fresh++
			queued = queued || !h.handedOff(i)
		}
	}
	d.stats.pending.Add(int64(fresh))
	h.deliver(deliveries, results)
	if queued {
		d.wake()
	}

	return ids, nil
}

// Prepare resolves the targets of ev and returns the deliveries that
// Dispatch would enqueue, without writing them. It reads the store but
// writes nothing, so a host can write the rows in its own transaction (an
// outbox) and call Wake afterwards.
func (d *Dispatcher) Prepare(ctx context.Context, ev Event) ([]*store.Delivery, error) {
	deliveries, _, err := d.prepare(ctx, ev)

	return deliveries, err
}

// prepare returns the deliveries of ev and, for each, its webhook
// endpoint's request timeout, zero for other channels.
func (d *Dispatcher) prepare(ctx context.Context, ev Event) ([]*store.Delivery, []time.Duration, error) {
	if ev.Type == "" || !json.Valid(ev.Payload) {
		return nil, nil, fmt.Errorf("integrations: event %q: missing type or invalid JSON payload: build events with the typed helpers or CustomEvent", ev.Type)
	}
	if ev.ID == "" {
		ev.ID = store.NewID()
	}
	targets, err := d.resolveTargets(ctx, ev)
	if err != nil {
		return nil, nil, err
	}

	// The deliveries keep their own copy: a host may reuse its buffer once
	// Dispatch returns, and every attempt must send the stored bytes.
	ev.Payload = bytes.Clone(ev.Payload)
	now := d.cfg.Now().UTC()
	deliveries := make([]*store.Delivery, len(targets))
	timeouts := make([]time.Duration, len(targets))
	for i, t := range targets {
		payload := t.payload
		if payload == nil {
			payload = ev.Payload
		}
		deliveries[i] = &store.Delivery{
			ID:             store.NewID(),
			Channel:        t.channel,
			TargetID:       t.id,
			TargetName:     t.name,
			TargetURL:      t.url,
			UserID:         t.userID,
			EventID:        ev.ID,
			EventType:      ev.Type,
			Payload:        payload,
			IdempotencyKey: ev.IdempotencyKey,
			Status:         store.StatusPending,
			MaxAttempts:    max(t.maxAttempts, 1),
			NextAttemptAt:  now,
			TriggeredAt:    now,
		}
		timeouts[i] = t.timeout
	}

	return deliveries, timeouts, nil
}

// Wake signals the workers that deliveries were written outside Dispatch,
// so they claim them at once instead of at the next poll.
func (d *Dispatcher) Wake() { d.wake() }

// WorkflowCompleted dispatches a workflow.completed event for run. A
// cancelled run is not notified: it returns no ids and no error.
func (d *Dispatcher) WorkflowCompleted(ctx context.Context, run WorkflowRun) ([]string, error) {
	if run.Status == StatusCancelled {
		return nil, nil
	}
	ev, err := run.Event(d.cfg.Now())
	if err != nil {
		return nil, err
	}

	return d.Dispatch(ctx, ev)
}

// CommandExecuted dispatches a command.executed event for res.
func (d *Dispatcher) CommandExecuted(ctx context.Context, res CommandResult) ([]string, error) {
	ev, err := res.Event(d.cfg.Now())
	if err != nil {
		return nil, err
	}

	return d.Dispatch(ctx, ev)
}

// ProjectUpdated dispatches a project.updated event for u.
func (d *Dispatcher) ProjectUpdated(ctx context.Context, u ProjectUpdate) ([]string, error) {
	ev, err := u.Event(d.cfg.Now())
	if err != nil {
		return nil, err
	}

	return d.Dispatch(ctx, ev)
}

// RaiseSystemAlert dispatches a system.alert event for a.
func (d *Dispatcher) RaiseSystemAlert(ctx context.Context, a SystemAlert) ([]string, error) {
	ev, err := a.Event(d.cfg.Now())
	if err != nil {
		return nil, err
	}

	return d.Dispatch(ctx, ev)
}

// emailEnvelope wraps an event payload with its recipient, the payload of
// an email delivery.
func emailEnvelope(to string, payload json.RawMessage) ([]byte, error) {
	raw, err := json.Marshal(struct {
		To    string          `json:"to"`
		Event json.RawMessage `json:"event"`
	}{to, payload})
	if err != nil {
		return nil, fmt.Errorf("integrations: render email envelope: %w", err)
	}

	return raw, nil
}
