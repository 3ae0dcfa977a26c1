package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/hishamos/integrations-external/store"
)

// deliveryColumns are the columns scanDelivery reads, in its order. The
// payload is in the payloads table when payload_id is set, and in the row
// itself otherwise.
const deliveryColumns = `deliveries.id, channel, target_id, target_name, target_url, user_id, event_id,
	event_type, CASE deliveries.payload_id WHEN 0 THEN deliveries.payload
		ELSE (SELECT p.body FROM payloads p WHERE p.id = deliveries.payload_id) END,
	idempotency_key, status, attempt_count, max_attempts, next_attempt_at, lease_until,
	triggered_at, completed_at, created_at, updated_at`

// insertColumns are the columns EnqueueDeliveries writes, in the order of
// insertChunk's arguments.
const insertColumns = `id, channel, target_id, target_name, target_url, user_id, event_id, event_type,
	payload, payload_id, idempotency_key, status, attempt_count, max_attempts, next_attempt_at,
	lease_until, triggered_at, completed_at, created_at, updated_at, indexed`

func scanDelivery(row interface{ Scan(...any) error }) (*store.Delivery, error) {
	var (
		d                                 store.Delivery
		channel, status                   string
		next, lease, triggered, completed int64
		created, updated                  int64
	)
	err := row.Scan(&d.ID, &channel, &d.TargetID, &d.TargetName, &d.TargetURL, &d.UserID, &d.EventID,
		&d.EventType, &d.Payload, &d.IdempotencyKey, &status, &d.AttemptCount, &d.MaxAttempts, &next,
		&lease, &triggered, &completed, &created, &updated)
	if err != nil {
		return nil, err
	}
	d.Channel, d.Status = store.Channel(channel), store.DeliveryStatus(status)
	d.NextAttemptAt, d.LeaseUntil = fromMS(next), fromMS(lease)
	d.TriggeredAt, d.CompletedAt = fromMS(triggered), fromMS(completed)
	d.CreatedAt, d.UpdatedAt = fromMS(created), fromMS(updated)

	return &d, nil
}

// idList encodes ids as a JSON array for json_each, so one statement takes
// any number of ids without building placeholders.
func idList(ids []string) string {
	b, _ := json.Marshal(ids) // a []string always encodes

	return string(b)
}

// loadAttempts fills the Attempts of ds, oldest first, with one query.
func loadAttempts(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, ds []*store.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	byID := make(map[string]*store.Delivery, len(ds))
	ids := make([]string, len(ds))
	for i, d := range ds {
		byID[d.ID] = d
		ids[i] = d.ID
		d.Attempts = []store.Attempt{}
	}
	rows, err := q.QueryContext(ctx, `SELECT delivery_id, number, status, response_status, response_body,
		error_message, duration_ms, started_at
		FROM attempts WHERE delivery_id IN (SELECT value FROM json_each(?))
		ORDER BY delivery_id, number`, idList(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a store.Attempt
		var status string
		var started int64
		err := rows.Scan(&a.DeliveryID, &a.Number, &status, &a.ResponseStatus, &a.ResponseBody,
			&a.ErrorMessage, &a.DurationMS, &started)
		if err != nil {
			return err
		}
		a.Status, a.StartedAt = store.AttemptStatus(status), fromMS(started)
		if d := byID[a.DeliveryID]; d != nil {
			d.Attempts = append(d.Attempts, a)
		}
	}

	return rows.Err()
}
