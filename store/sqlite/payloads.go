package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"hash/maphash"

	"github.com/hishamos/integrations-external/store"
)

// selectLastPayloadID reads the highest payload id. Enqueues run in the
// writer's transactions, which hold the write lock from their start, so no
// other connection takes the ids that follow it before the commit.
const selectLastPayloadID = `SELECT COALESCE(MAX(id), 0) FROM payloads`

// insertPayloadsQuery returns an INSERT of n payload rows, each row of the
// VALUES list an id, a reference count and a body.
func insertPayloadsQuery(n int) string {
	return `INSERT INTO payloads (id, refs, body) VALUES ` + valueRows(n, 3)
}

// payloadRows are the payload rows of one enqueue: one for each payload
// that two or more of its deliveries carry, with ids from first on.
type payloadRows struct {
	first  int64
	ids    []int64  // the payload id of each delivery, or 0 for a payload kept in the delivery row
	bodies [][]byte // bodies[i] is the body of payload first+i
}

// assignPayloads gives each non-empty payload that two or more deliveries
// of ds carry an id after the highest one stored. A payload that only one
// delivery carries stays in that delivery's row: a row of its own would
// cost a second insert and, at each claim, a second read.
func (s *Store) assignPayloads(ctx context.Context, stmt func(string) (*sql.Stmt, error),
	ds []*store.Delivery) (payloadRows, error) {
	rows := payloadRows{ids: make([]int64, len(ds))}
	// same[i] is the index of the first delivery with the bytes of ds[i].
	same := make([]int, len(ds))
	shared := make([]bool, len(ds))
	seen := make(map[uint64]int, 4)
	for i, d := range ds {
		same[i] = i
		if len(d.Payload) == 0 {
			continue
		}
		h := maphash.Bytes(s.payloadSeed, d.Payload)
		if j, ok := seen[h]; ok && bytes.Equal(ds[j].Payload, d.Payload) {
			same[i] = j
			shared[j] = true
			continue
		}
		seen[h] = i // a collision with different bytes starts a new group
	}
	for i, d := range ds {
		switch j := same[i]; {
		case !shared[j]:
		case j == i:
			rows.bodies = append(rows.bodies, d.Payload)
			rows.ids[i] = int64(len(rows.bodies))
		default:
			rows.ids[i] = rows.ids[j]
		}
	}
	if len(rows.bodies) == 0 {
		return rows, nil
	}
	st, err := stmt(selectLastPayloadID)
	if err != nil {
		return payloadRows{}, err
	}
	var last int64
	if err := st.QueryRowContext(ctx).Scan(&last); err != nil {
		return payloadRows{}, err
	}
	rows.first = last + 1
	for i, id := range rows.ids {
		if id != 0 {
			rows.ids[i] = last + id
		}
	}

	return rows, nil
}

// insertPayloads writes the payloads that inserted deliveries point to,
// each with the number of those deliveries. A payload that only duplicates
// point to is not written.
func insertPayloads(ctx context.Context, stmt func(string) (*sql.Stmt, error), ds []*store.Delivery,
	rows payloadRows, inserted map[string]bool) error {
	if len(rows.bodies) == 0 {
		return nil
	}
	refs := make([]int, len(rows.bodies))
	counted := make(map[string]bool, len(ds))
	for i, d := range ds {
		// A call may repeat a delivery, by pointer or by ID: its row
		// counts once.
		if rows.ids[i] != 0 && inserted[d.ID] && !counted[d.ID] {
			refs[rows.ids[i]-rows.first]++
			counted[d.ID] = true
		}
	}
	args := make([]any, 0, 3*len(rows.bodies))
	for j, body := range rows.bodies {
		if refs[j] > 0 {
			args = append(args, rows.first+int64(j), refs[j], body)
		}
	}
	for len(args) > 0 {
		n := chunkSize(len(args)/3, enqueueChunk)
		st, err := stmt(insertPayloadsQuery(n))
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, args[:3*n]...); err != nil {
			return err
		}
		args = args[3*n:]
	}

	return nil
}

// payloadTexts lists the payload statements Open prepares.
func payloadTexts() []string {
	qs := []string{selectLastPayloadID}
	for n := 1; n <= enqueueChunk; n *= 2 {
		qs = append(qs, insertPayloadsQuery(n))
	}

	return qs
}
