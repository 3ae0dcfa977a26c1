package sqlite

import (
	"context"
	"encoding/json"
	"unicode/utf8"

	"github.com/hishamos/integrations-external/store"
)

const (
	// updateDeliveryStates is updateDeliveryState for many deliveries at
	// once, their new states given as a JSON array.
	updateDeliveryStates = `UPDATE deliveries SET attempt_count = attempt_count + 1, status = j.status,
		next_attempt_at = j.next, lease_until = 0, completed_at = j.completed, updated_at = ?1
		FROM (SELECT value->>'id' AS id, value->>'status' AS status, value->>'next' AS next,
			value->>'completed' AS completed FROM json_each(?2)) AS j
		WHERE deliveries.id = j.id AND deliveries.status IN ('pending', 'retrying')
		RETURNING deliveries.id, channel, target_id, attempt_count`
	// insertAttempts is insertAttempt for many attempts at once, given as a
	// JSON array.
	insertAttempts = `INSERT INTO attempts (delivery_id, number, status, response_status,
		response_body, error_message, duration_ms, started_at)
		SELECT value->>'delivery', max(value->>'number', COALESCE(
				(SELECT MAX(a.number) FROM attempts a WHERE a.delivery_id = value->>'delivery'), 0) + 1),
			value->>'status', value->>'response_status', value->>'response_body', value->>'error',
			value->>'duration_ms', value->>'started_at'
		FROM json_each(?)`
)

// stateRow and attemptRow are the JSON elements of the batch statements.
type stateRow struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Next      int64  `json:"next"`
	Completed int64  `json:"completed"`
}

type attemptRow struct {
	Delivery       string `json:"delivery"`
	Number         int    `json:"number"`
	Status         string `json:"status"`
	ResponseStatus int    `json:"response_status"`
	ResponseBody   string `json:"response_body"`
	Error          string `json:"error"`
	DurationMS     int64  `json:"duration_ms"`
	StartedAt      int64  `json:"started_at"`
}

// batchable reports whether records can be written by recordBatch: more
// than one, each for a different delivery, with text that JSON carries
// unchanged. Any other set goes through record one attempt at a time.
func batchable(records []store.AttemptRecord) bool {
	if len(records) < 2 {
		return false
	}
	seen := make(map[string]bool, len(records))
	for _, rec := range records {
		a := rec.Attempt
		if seen[a.DeliveryID] || !utf8.ValidString(a.ResponseBody) || !utf8.ValidString(a.ErrorMessage) {
			return false
		}
		seen[a.DeliveryID] = true
	}

	return true
}

// recordBatch stores the attempts of records and their deliveries' new
// states with one UPDATE and one INSERT, then updates the targets in the
// order of records, as record does for each. records must be batchable.
func (r *recorder) recordBatch(ctx context.Context, records []store.AttemptRecord) error {
	states := make([]stateRow, len(records))
	for i, rec := range records {
		next, completed := r.newState(rec)
		states[i] = stateRow{ID: rec.Attempt.DeliveryID, Status: string(rec.Status), Next: next, Completed: completed}
	}
	found, err := r.updateStates(ctx, states)
	if err != nil {
		return err
	}

	rows := make([]attemptRow, 0, len(records))
	keys := make([]targetKey, len(records))
	for i, rec := range records {
		a := rec.Attempt
		t, ok := found[a.DeliveryID]
		if !ok {
			// Final already, or deleted: read it as record does.
			channel, targetID, number, exists, err := r.finalDelivery(ctx, a.DeliveryID)
			if err != nil {
				return err
			}
			if !exists {
				continue
			}
			t = foundDelivery{channel: channel, targetID: targetID, number: number}
		}
		keys[i] = targetKey{channel: store.Channel(t.channel), id: t.targetID}
		rows = append(rows, attemptRow{Delivery: a.DeliveryID, Number: t.number, Status: string(a.Status),
			ResponseStatus: a.ResponseStatus, ResponseBody: store.Excerpt(a.ResponseBody), Error: a.ErrorMessage,
			DurationMS: a.DurationMS, StartedAt: ms(a.StartedAt)})
	}
	if len(rows) > 0 {
		body, err := json.Marshal(rows)
		if err != nil {
			return err
		}
		if err := r.exec(ctx, insertAttempts, string(body)); err != nil {
			return err
		}
	}

	for i, rec := range records {
		if keys[i].id == "" || rec.KeepTarget {
			continue // the delivery no longer exists, or the target stays as it is
		}
		if err := r.updateTarget(ctx, keys[i], rec.Attempt); err != nil {
			return err
		}
		if rec.DisableReason != "" {
			if err := r.flush(ctx, keys[i]); err != nil {
				return err
			}
			if err := r.disable(ctx, keys[i], rec.DisableReason); err != nil {
				return err
			}
		}
	}

	return nil
}

// foundDelivery is a delivery's target and the number of its new attempt.
type foundDelivery struct {
	channel, targetID string
	number            int
}

// updateStates moves the queued deliveries among states to their new
// states and returns what it found for each, by delivery id.
func (r *recorder) updateStates(ctx context.Context, states []stateRow) (map[string]foundDelivery, error) {
	body, err := json.Marshal(states)
	if err != nil {
		return nil, err
	}
	st, err := r.stmts.get(ctx, updateDeliveryStates)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, r.now, string(body))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[string]foundDelivery, len(states))
	for rows.Next() {
		var id string
		var f foundDelivery
		if err := rows.Scan(&id, &f.channel, &f.targetID, &f.number); err != nil {
			return nil, err
		}
		found[id] = f
	}

	return found, rows.Err()
}
