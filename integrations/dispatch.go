package integrations

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hishamos/integrations-external/store"
)

// Dispatch writes one delivery per matching target of ev in one store
// transaction, wakes the workers and returns the delivery ids, including the
// ids of earlier deliveries that the idempotency key matched. It does no
// network I/O: after it returns, the event is durable and the workers
// deliver it. An event with no matching target returns no ids and no error.
func (d *Dispatcher) Dispatch(ctx context.Context, ev Event) ([]string, error) {
	if ev.Type == "" || !json.Valid(ev.Payload) {
		return nil, fmt.Errorf("integrations: event %q: missing type or invalid JSON payload: build events with the typed helpers or CustomEvent", ev.Type)
	}
	if ev.ID == "" {
		ev.ID = store.NewID()
	}
	targets, err := d.resolveTargets(ctx, ev)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, nil
	}

	now := d.cfg.Now().UTC()
	deliveries := make([]*store.Delivery, len(targets))
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
	}
	results, err := d.cfg.Store.EnqueueDeliveries(ctx, deliveries)
	if err != nil {
		return nil, fmt.Errorf("integrations: enqueue %d deliveries of event %s: %w", len(deliveries), ev.ID, err)
	}
	ids := make([]string, len(results))
	fresh := 0
	for i, r := range results {
		ids[i] = r.ID
		if !r.Duplicate {
			fresh++
		}
	}
	if fresh > 0 {
		d.stats.pending.Add(int64(fresh))
		d.wake()
	}

	return ids, nil
}

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
