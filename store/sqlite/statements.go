package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// writerStatements are the statements of the hot queue paths, prepared once
// on the writer connection at Open, so a claim or a batch of attempts does
// not parse SQL again. Open prepares them before any transaction holds the
// writer's single connection, because preparing on the pool later would
// wait for that connection.
type writerStatements map[string]*sql.Stmt

func prepareWriterStatements(ctx context.Context, db *sql.DB, queries []string) (writerStatements, error) {
	out := make(writerStatements, len(queries))
	for _, q := range queries {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			out.close()
			return nil, fmt.Errorf("sqlite: prepare statement: %w", wrapDriver(err))
		}
		out[q] = st
	}

	return out, nil
}

func (w writerStatements) close() {
	for _, st := range w {
		_ = st.Close()
	}
}

// hotQueries lists the statements Open prepares on the writer.
func hotQueries() []string {
	qs := []string{
		claimSelect, claimUpdate, selectByIdempotencyKey, insertedSinceQuery,
		updateDeliveryState, selectFinalDelivery, insertAttempt, webhookSuccess, webhookFailure, slackSuccess,
		slackFailure, emailFailure, githubFailure,
	}
	for _, q := range disableQueries {
		qs = append(qs, q)
	}
	for n := 1; n <= enqueueChunk; n *= 2 {
		qs = append(qs, insertDeliveriesQuery(n))
	}
	qs = append(qs, payloadTexts()...)
	for n := 1; n <= recordChunk; n *= 2 {
		qs = append(qs, updateStatesQuery(n), insertAttemptsQuery(n))
	}

	return qs
}

// txStatement returns query as a statement of tx: the prepared writer
// statement when there is one, or a statement prepared in tx, which closes
// with it.
func (s *Store) txStatement(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if st, ok := s.prepared[query]; ok {
		return tx.StmtContext(ctx, st), nil
	}

	return tx.PrepareContext(ctx, query)
}
