package sqlite_test

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/sqlite"
)

const credential = "Bearer HEADERcredential-0123456789"

// headerEndpoint stores an endpoint with an Authorization header.
func headerEndpoint(t *testing.T, s store.Store) *store.WebhookEndpoint {
	t.Helper()
	e := store.NewWebhookEndpoint("alice")
	e.Name, e.URL = "hook", "https://hooks.example.com/in"
	e.Headers = map[string]string{"Authorization": credential}
	require.NoError(t, s.CreateWebhookEndpoint(t.Context(), e))

	return e
}

// requireNotOnDisk fails when the database file or its log holds value.
func requireNotOnDisk(t *testing.T, path, value string) {
	t.Helper()
	for _, name := range []string{path, path + "-wal"} {
		raw, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		require.NoError(t, err)
		require.False(t, bytes.Contains(raw, []byte(value)), "%s holds %q in plain text", filepath.Base(name), value)
	}
}

// TestHeadersSealedOnDisk stores an endpoint with an Authorization header:
// the file holds it sealed, and a read returns it.
func TestHeadersSealedOnDisk(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, nil)
	e := headerEndpoint(t, s)
	got, err := s.GetWebhookEndpoint(t.Context(), store.AsAdmin(), e.ID)
	require.NoError(t, err)
	assert.Equal(t, credential, got.Headers["Authorization"])
	require.NoError(t, s.Close())

	requireNotOnDisk(t, path, credential)
	assert.GreaterOrEqual(t, sqlite.SchemaVersion(), 5, "sealed headers need a schema version that earlier releases refuse")
}

// TestPlainHeadersSealedOnOpen writes headers in plain JSON, as versions
// before sealed headers did, and opens the file again: Open seals them,
// and reads return them unchanged.
func TestPlainHeadersSealedOnOpen(t *testing.T) {
	path := tempPath(t)
	s := openAt(t, path, nil)
	e := headerEndpoint(t, s)
	require.NoError(t, s.Close())

	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	_, err = db.Exec(`UPDATE webhook_endpoints SET headers = ? WHERE id = ?`,
		`{"Authorization":"`+credential+`"}`, e.ID)
	require.NoError(t, err)
	_, err = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s = openAt(t, path, nil)
	got, err := s.GetWebhookEndpoint(t.Context(), store.AsAdmin(), e.ID)
	require.NoError(t, err)
	assert.Equal(t, credential, got.Headers["Authorization"])
	db, err = sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	defer db.Close()
	var stored string
	require.NoError(t, db.QueryRow(`SELECT headers FROM webhook_endpoints WHERE id = ?`, e.ID).Scan(&stored))
	assert.True(t, strings.HasPrefix(stored, "enc:v1:"), "stored headers %q", stored)
}
