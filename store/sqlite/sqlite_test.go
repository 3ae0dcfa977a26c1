package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	driver "modernc.org/sqlite"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/sqlite"
	"github.com/hishamos/integrations-external/store/storetest"
)

// testKey is a fixed 32-byte key in base64, for tests only.
const testKey = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func testKeyring(t testing.TB, text string) *store.Keyring {
	t.Helper()
	kr, err := store.ParseKeyring(text)
	require.NoError(t, err)

	return kr
}

// openAt opens the database at path with the test key and closes it at the
// end of the test.
func openAt(t testing.TB, path string, keys *store.Keyring) *sqlite.Store {
	t.Helper()
	if keys == nil {
		keys = testKeyring(t, testKey)
	}
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{Keys: keys})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	return s
}

func tempPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "integrations.db")
}

// otherKey is a second fixed key, for rotation tests.
const otherKey = "k2:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="

func TestOpenWithoutKey(t *testing.T) {
	_, err := sqlite.Open(t.Context(), tempPath(t), sqlite.Options{})
	require.ErrorIs(t, err, store.ErrNoKey)
	require.Contains(t, err.Error(), "head -c 32 /dev/urandom | base64", "the error says how to make a key")
}

func TestOpenInvalidOptions(t *testing.T) {
	keys := testKeyring(t, testKey)
	_, err := sqlite.Open(t.Context(), tempPath(t), sqlite.Options{Keys: keys, BusyTimeout: -time.Second})
	require.ErrorContains(t, err, "BusyTimeout")
	_, err = sqlite.Open(t.Context(), tempPath(t), sqlite.Options{Keys: keys, MaxReadConns: -1})
	require.ErrorContains(t, err, "MaxReadConns")
	_, err = sqlite.Open(t.Context(), "", sqlite.Options{Keys: keys})
	require.ErrorIs(t, err, store.ErrInvalid)
}

func TestReopenFindsEverything(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	first, err := sqlite.Open(ctx, path, sqlite.Options{Keys: testKeyring(t, testKey)})
	require.NoError(t, err)

	e := storetest.CreateWebhookEndpoint(t, first, "alice", "ci")
	gh := store.NewGitHubIntegration("alice")
	gh.RepositoryOwner, gh.RepositoryName = "acme", "api"
	gh.AccessToken = store.NewSecret("ghp_reopen")
	require.NoError(t, first.CreateGitHubIntegration(ctx, gh))
	slack := store.NewSlackIntegration("alice")
	slack.BotToken = store.NewSecret("xoxb-reopen")
	require.NoError(t, first.CreateSlackIntegration(ctx, slack))
	email := store.NewEmailSettings("alice", "alice@example.test")
	require.NoError(t, first.CreateEmailSettings(ctx, email))
	require.NoError(t, first.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{
		Access: store.AsUser("alice"), IntegrationID: gh.ID, SyncedAt: storetest.BaseTime(),
		PullRequests: []store.PullRequest{{Number: 7, Title: "Fix", State: "open"}},
	}))
	ids := storetest.Enqueue(t, first, storetest.NewDelivery(store.ChannelWebhook, e.ID, "alice", storetest.BaseTime()))
	_, err = first.RecordAttempts(ctx, store.RecordParams{Now: storetest.BaseTime(), Records: []store.AttemptRecord{{
		Attempt: store.Attempt{DeliveryID: ids[0], Status: store.AttemptSuccess, ResponseStatus: 200,
			StartedAt: storetest.BaseTime()},
		Status: store.StatusSuccess,
	}}})
	require.NoError(t, err)
	wantEndpoint, err := first.GetWebhookEndpoint(ctx, store.AsAdmin(), e.ID)
	require.NoError(t, err)
	wantDelivery, err := first.GetDelivery(ctx, store.AsAdmin(), ids[0])
	require.NoError(t, err)
	require.NoError(t, first.Close())

	second := openAt(t, path, nil)
	gotEndpoint, err := second.GetWebhookEndpoint(ctx, store.AsUser("alice"), e.ID)
	require.NoError(t, err)
	require.Equal(t, wantEndpoint, gotEndpoint)
	gotGH, err := second.GetGitHubIntegration(ctx, store.AsUser("alice"), gh.ID)
	require.NoError(t, err)
	require.Equal(t, "ghp_reopen", gotGH.AccessToken.Reveal())
	gotSlack, err := second.GetSlackIntegration(ctx, store.AsUser("alice"), slack.ID)
	require.NoError(t, err)
	require.Equal(t, "xoxb-reopen", gotSlack.BotToken.Reveal())
	gotEmail, err := second.GetEmailSettings(ctx, store.AsUser("alice"), "alice")
	require.NoError(t, err)
	require.Equal(t, email.ID, gotEmail.ID)
	prs, err := second.ListPullRequests(ctx, store.ListPullRequestsParams{Access: store.AsUser("alice"), IntegrationID: gh.ID})
	require.NoError(t, err)
	require.Len(t, prs, 1)
	require.Equal(t, 7, prs[0].Number)
	gotDelivery, err := second.GetDelivery(ctx, store.AsUser("alice"), ids[0])
	require.NoError(t, err)
	require.Equal(t, wantDelivery, gotDelivery)
}

func TestTwoStoresShareFile(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	a := openAt(t, path, nil)
	b := openAt(t, path, nil)
	e := storetest.CreateWebhookEndpoint(t, a, "alice", "ci")

	// Both stores enqueue and record on the same endpoint at once.
	const perStore = 50
	var wg sync.WaitGroup
	errs := make(chan error, 2*perStore)
	for _, s := range []*sqlite.Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perStore {
				d := storetest.NewDelivery(store.ChannelWebhook, e.ID, "alice", storetest.BaseTime())
				if _, err := s.EnqueueDeliveries(ctx, []*store.Delivery{d}); err != nil {
					errs <- err
					return
				}
				_, err := s.RecordAttempts(ctx, store.RecordParams{Now: storetest.BaseTime(), Records: []store.AttemptRecord{{
					Attempt: store.Attempt{DeliveryID: d.ID, Status: store.AttemptSuccess,
						StartedAt: storetest.BaseTime().Add(time.Duration(i) * time.Millisecond)},
					Status: store.StatusSuccess,
				}}})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	for name, s := range map[string]*sqlite.Store{"first": a, "second": b} {
		got, err := s.GetWebhookEndpoint(ctx, store.AsAdmin(), e.ID)
		require.NoError(t, err, name)
		require.Equal(t, int64(2*perStore), got.SuccessCount, "%s store sees every success", name)
		list, err := s.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsAdmin(), TargetID: e.ID})
		require.NoError(t, err, name)
		require.Len(t, list, 2*perStore, name)
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	path := tempPath(t)
	first := openAt(t, path, nil)
	storetest.CreateWebhookEndpoint(t, first, "alice", "ci")
	require.NoError(t, first.Close())

	// Opening again, and from two Stores at once, applies nothing twice.
	second := openAt(t, path, nil)
	third := openAt(t, path, nil)
	for _, s := range []*sqlite.Store{second, third} {
		list, err := s.ListWebhookEndpoints(t.Context(), store.ListParams{Access: store.AsUser("alice")})
		require.NoError(t, err)
		require.Len(t, list, 1)
	}
	require.Equal(t, sqlite.SchemaVersion(), userVersion(t, path))
}

func TestMigrationsConcurrentFirstOpen(t *testing.T) {
	path := tempPath(t)
	keys := testKeyring(t, testKey)
	const opens = 4
	var wg sync.WaitGroup
	errs := make([]error, opens)
	for i := range opens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := sqlite.Open(t.Context(), path, sqlite.Options{Keys: keys})
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "open %d", i)
	}
	require.Equal(t, sqlite.SchemaVersion(), userVersion(t, path))
}

func TestOpenNewerSchemaFails(t *testing.T) {
	path := tempPath(t)
	require.NoError(t, openAt(t, path, nil).Close())
	future := sqlite.SchemaVersion() + 5
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	_, err = db.Exec("PRAGMA user_version = " + strconv.Itoa(future))
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = sqlite.Open(t.Context(), path, sqlite.Options{Keys: testKeyring(t, testKey)})
	require.Error(t, err)
	require.Contains(t, err.Error(), "schema version "+strconv.Itoa(future))
	require.Contains(t, err.Error(), "supports up to "+strconv.Itoa(sqlite.SchemaVersion()))
}

// A database written at schema version 1 keeps its deliveries and their
// idempotency keys when Open upgrades it.
func TestMigrationFromVersion1KeepsIdempotency(t *testing.T) {
	path := tempPath(t)
	initSQL, err := os.ReadFile(filepath.Join("migrations", "0001_init.sql"))
	require.NoError(t, err)
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	_, err = db.Exec(string(initSQL))
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO deliveries (id, channel, target_id, user_id, event_type, idempotency_key,
		status, created_at, updated_at) VALUES ('old', 'webhook', 'target-1', 'alice', 'workflow.completed',
		'run-1', 'pending', 1, 1)`)
	require.NoError(t, err)
	_, err = db.Exec("PRAGMA user_version = 1")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s := openAt(t, path, nil)
	require.Equal(t, sqlite.SchemaVersion(), userVersion(t, path))
	d := &store.Delivery{Channel: store.ChannelWebhook, TargetID: "target-1", UserID: "alice",
		EventType: "workflow.completed", IdempotencyKey: "run-1"}
	other := &store.Delivery{Channel: store.ChannelWebhook, TargetID: "target-2", UserID: "alice",
		EventType: "workflow.completed", IdempotencyKey: "run-1"}
	res, err := s.EnqueueDeliveries(t.Context(), []*store.Delivery{d, other})
	require.NoError(t, err)
	require.Equal(t, store.EnqueueResult{ID: "old", Duplicate: true}, res[0], "the key of the version 1 row")
	require.False(t, res[1].Duplicate, "the same key for another target")
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	defer db.Close()
	var v int
	require.NoError(t, db.QueryRow("PRAGMA user_version").Scan(&v))

	return v
}

func TestSecretsEncryptedOnDisk(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	s := openAt(t, path, nil)
	secrets := []string{"ghp_plaintext_token", "github-inbound-secret", "xoxb-plaintext-bot", "whsec-current", "whsec-previous"}

	gh := store.NewGitHubIntegration("alice")
	gh.RepositoryOwner, gh.RepositoryName = "acme", "api"
	gh.AccessToken, gh.WebhookSecret = store.NewSecret(secrets[0]), store.NewSecret(secrets[1])
	require.NoError(t, s.CreateGitHubIntegration(ctx, gh))
	slack := store.NewSlackIntegration("alice")
	slack.BotToken = store.NewSecret(secrets[2])
	require.NoError(t, s.CreateSlackIntegration(ctx, slack))
	e := store.NewWebhookEndpoint("alice")
	e.Secret, e.PreviousSecret = store.NewSecret(secrets[3]), store.NewSecret(secrets[4])
	require.NoError(t, s.CreateWebhookEndpoint(ctx, e))

	// Read the file and its WAL before and after Close, which checkpoints.
	check := func(when string) {
		for _, name := range []string{path, path + "-wal"} {
			raw, err := os.ReadFile(name)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			require.NoError(t, err)
			for _, secret := range secrets {
				require.False(t, bytes.Contains(raw, []byte(secret)), "%s contains %q %s", filepath.Base(name), secret, when)
			}
		}
	}
	check("while open")
	require.NoError(t, s.Close())
	check("after close")
}

// TestWrongKeyFailsOpen opens a file whose secrets another key sealed: Open
// fails at once, rather than every later read of those records.
func TestWrongKeyFailsOpen(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	s := openAt(t, path, nil)
	createEndpointWithSecret(t, s, "whsec-wrong-key", "")
	require.NoError(t, s.Close())

	_, err := sqlite.Open(ctx, path, sqlite.Options{Keys: testKeyring(t, otherKey)})
	require.ErrorContains(t, err, `key "k1" is not in the keyring`)
	require.ErrorContains(t, err, "the keyring (k2) cannot open the stored secrets")
	require.NotContains(t, err.Error(), "whsec-wrong-key")

	// The same key id with other key bytes fails authentication.
	_, err = sqlite.Open(ctx, path, sqlite.Options{Keys: testKeyring(t, "k1:"+otherKey[len("k2:"):])})
	require.ErrorContains(t, err, "authentication failed")
	require.ErrorContains(t, err, "webhook_endpoints.secret")

	// The right key still opens it.
	openAt(t, path, nil)
}

func TestKeyRotation(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	old := openAt(t, path, nil)
	before := store.NewWebhookEndpoint("alice")
	before.Secret = store.NewSecret("whsec-before-rotation")
	require.NoError(t, old.CreateWebhookEndpoint(ctx, before))
	require.NoError(t, old.Close())

	// The new key goes first; the old one stays to open older values.
	rotated := openAt(t, path, testKeyring(t, otherKey+","+testKey))
	got, err := rotated.GetWebhookEndpoint(ctx, store.AsUser("alice"), before.ID)
	require.NoError(t, err)
	require.Equal(t, "whsec-before-rotation", got.Secret.Reveal())

	after := store.NewWebhookEndpoint("alice")
	after.Secret = store.NewSecret("whsec-after-rotation")
	require.NoError(t, rotated.CreateWebhookEndpoint(ctx, after))
	// Writing the old record again seals it under the new key.
	require.NoError(t, rotated.UpdateWebhookEndpoint(ctx, store.UpdateWebhookParams{Access: store.AsUser("alice"), Endpoint: got}))

	require.Equal(t, "k2", sealedKeyID(t, path, after.ID))
	require.Equal(t, "k2", sealedKeyID(t, path, before.ID))
	require.NoError(t, rotated.Close())

	// Every value now opens with the new key alone.
	newOnly := openAt(t, path, testKeyring(t, otherKey))
	for _, id := range []string{before.ID, after.ID} {
		_, err := newOnly.GetWebhookEndpoint(ctx, store.AsUser("alice"), id)
		require.NoError(t, err, id)
	}
}

// TestResealSecrets rotates the key, reseals, and opens the file with the
// new key alone.
func TestResealSecrets(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	old := openAt(t, path, nil)
	e := createEndpointWithSecret(t, old, "whsec-reseal", "whsec-previous")
	slack := store.NewSlackIntegration("alice")
	slack.ChannelID, slack.BotToken = "C1", store.NewSecret("xoxb-reseal")
	require.NoError(t, old.CreateSlackIntegration(ctx, slack))
	version := e.UpdatedAt
	require.NoError(t, old.Close())

	rotated := openAt(t, path, testKeyring(t, otherKey+","+testKey))
	n, err := rotated.ResealSecrets(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n, "the secret, the previous secret and the bot token")
	n, err = rotated.ResealSecrets(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "nothing is left under the old key")
	require.Equal(t, "k2", sealedKeyID(t, path, e.ID))
	require.NoError(t, rotated.Close())

	newOnly := openAt(t, path, testKeyring(t, otherKey))
	got, err := newOnly.GetWebhookEndpoint(ctx, store.AsUser("alice"), e.ID)
	require.NoError(t, err)
	require.Equal(t, "whsec-reseal", got.Secret.Reveal())
	require.Equal(t, "whsec-previous", got.PreviousSecret.Reveal())
	require.True(t, got.UpdatedAt.Equal(version), "resealing is not a change of the record")
	gotSlack, err := newOnly.GetSlackIntegration(ctx, store.AsUser("alice"), slack.ID)
	require.NoError(t, err)
	require.Equal(t, "xoxb-reseal", gotSlack.BotToken.Reveal())
}

// createEndpointWithSecret stores an endpoint of alice with the given
// secret, and previous secret when it is not empty.
func createEndpointWithSecret(t *testing.T, s *sqlite.Store, secret, previous string) *store.WebhookEndpoint {
	t.Helper()
	e := store.NewWebhookEndpoint("alice")
	e.Secret = store.NewSecret(secret)
	if previous != "" {
		e.PreviousSecret = store.NewSecret(previous)
	}
	require.NoError(t, s.CreateWebhookEndpoint(t.Context(), e))

	return e
}

func sealedKeyID(t *testing.T, path, endpointID string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	defer db.Close()
	var sealed string
	require.NoError(t, db.QueryRow("SELECT secret FROM webhook_endpoints WHERE id = ?", endpointID).Scan(&sealed))

	return store.SealedKeyID(sealed)
}

func TestSecretBoundToRow(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	s := openAt(t, path, nil)
	a := store.NewWebhookEndpoint("alice")
	a.Secret = store.NewSecret("whsec-a")
	require.NoError(t, s.CreateWebhookEndpoint(ctx, a))
	b := store.NewWebhookEndpoint("alice")
	b.Secret = store.NewSecret("whsec-b")
	require.NoError(t, s.CreateWebhookEndpoint(ctx, b))

	// Copy a's sealed secret into b's row behind the store's back.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("UPDATE webhook_endpoints SET secret = (SELECT secret FROM webhook_endpoints WHERE id = ?) WHERE id = ?", a.ID, b.ID)
	require.NoError(t, err)

	_, err = s.GetWebhookEndpoint(ctx, store.AsUser("alice"), b.ID)
	require.ErrorContains(t, err, "authentication failed", "a sealed value does not open in another row")
}

func TestConcurrentReadThenWriteNeverBusy(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	stores := []*sqlite.Store{openAt(t, path, nil), openAt(t, path, nil)}
	e := storetest.CreateWebhookEndpoint(t, stores[0], "alice", "ci")

	// Each goroutine reads the endpoint, then writes it back, then
	// enqueues, claims and records: every write transaction reads first.
	const goroutines, rounds = 16, 10
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*rounds)
	for g := range goroutines {
		s := stores[g%len(stores)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				err := updateUntilCurrent(ctx, s, e.ID)
				if err == nil {
					d := storetest.NewDelivery(store.ChannelWebhook, e.ID, "alice", storetest.BaseTime())
					_, err = s.EnqueueDeliveries(ctx, []*store.Delivery{d})
				}
				if err == nil {
					var claimed []*store.Delivery
					claimed, err = s.ClaimDeliveries(ctx, store.ClaimParams{
						Now: storetest.BaseTime(), Limit: 1, Lease: time.Minute, LeaseMargin: time.Minute,
					})
					if err == nil && len(claimed) == 1 {
						_, err = s.RecordAttempts(ctx, store.RecordParams{Now: storetest.BaseTime(), Records: []store.AttemptRecord{{
							Attempt: store.Attempt{DeliveryID: claimed[0].ID, Status: store.AttemptFailed, StartedAt: storetest.BaseTime()},
							Status:  store.StatusFailed,
						}}})
					}
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NotErrorIs(t, err, store.ErrBusy)
		require.NoError(t, err)
	}
	got, err := stores[1].GetWebhookEndpoint(ctx, store.AsAdmin(), e.ID)
	require.NoError(t, err)
	claimedTotal := got.FailureCount
	list, err := stores[1].ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsAdmin(), Status: store.StatusPending})
	require.NoError(t, err)
	require.Equal(t, int64(goroutines*rounds), claimedTotal+int64(len(list)), "every delivery is either recorded or still pending")
}

// updateUntilCurrent reads the endpoint id and writes it back, reading it
// again each time another writer changed it in between.
func updateUntilCurrent(ctx context.Context, s *sqlite.Store, id string) error {
	for {
		got, err := s.GetWebhookEndpoint(ctx, store.AsUser("alice"), id)
		if err != nil {
			return err
		}
		err = s.UpdateWebhookEndpoint(ctx, store.UpdateWebhookParams{Access: store.AsUser("alice"), Endpoint: got})
		if !errors.Is(err, store.ErrStale) {
			return err
		}
	}
}

func TestDriverErrorsDoNotLeak(t *testing.T) {
	ctx := t.Context()
	s := openAt(t, tempPath(t), nil)
	gh := store.NewGitHubIntegration("alice")
	gh.RepositoryOwner, gh.RepositoryName = "acme", "api"
	require.NoError(t, s.CreateGitHubIntegration(ctx, gh))
	dup := store.NewGitHubIntegration("alice")
	dup.RepositoryOwner, dup.RepositoryName = "acme", "api"
	err := s.CreateGitHubIntegration(ctx, dup)
	require.ErrorIs(t, err, store.ErrConflict)
	var driverErr *driver.Error
	require.False(t, errors.As(err, &driverErr), "the driver's error type leaked: %T", errors.Unwrap(err))
	require.Contains(t, err.Error(), "acme/api", "the error names the repository")
}

func TestCloseTwice(t *testing.T) {
	s, err := sqlite.Open(t.Context(), tempPath(t), sqlite.Options{Keys: testKeyring(t, testKey)})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	_, err = s.GetWebhookEndpoint(t.Context(), store.AsAdmin(), "x")
	require.ErrorIs(t, err, store.ErrClosed)
	_, err = s.EnqueueDeliveries(t.Context(), []*store.Delivery{
		storetest.NewDelivery(store.ChannelWebhook, "x", "alice", storetest.BaseTime()),
	})
	require.ErrorIs(t, err, store.ErrClosed)
}

func TestPruneInBatches(t *testing.T) {
	ctx := t.Context()
	s := openAt(t, tempPath(t), nil)
	e := storetest.CreateWebhookEndpoint(t, s, "alice", "ci")
	var ds []*store.Delivery
	for range 25 {
		ds = append(ds, storetest.NewDelivery(store.ChannelWebhook, e.ID, "alice", storetest.BaseTime()))
	}
	ids := storetest.Enqueue(t, s, ds...)
	var records []store.AttemptRecord
	for _, id := range ids[:22] {
		records = append(records, store.AttemptRecord{
			Attempt: store.Attempt{DeliveryID: id, Status: store.AttemptSuccess, StartedAt: storetest.BaseTime()},
			Status:  store.StatusSuccess,
		})
	}
	_, err := s.RecordAttempts(ctx, store.RecordParams{Now: storetest.BaseTime(), Records: records})
	require.NoError(t, err)

	n, err := s.PruneDeliveries(ctx, store.PruneParams{Before: storetest.BaseTime().Add(time.Second), BatchSize: 5})
	require.NoError(t, err)
	require.Equal(t, 22, n, "every final delivery, over five batches")
	left, err := s.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsAdmin()})
	require.NoError(t, err)
	require.Len(t, left, 3, "queued deliveries stay")
}

// TestCancelledWriterDoesNotUndoOthers runs enqueues side by side, half of
// them with contexts cancelled while they wait or run. Writes that share a
// transaction must not fail because another caller gave up, and a call
// that reports an error must have written nothing.
func TestCancelledWriterDoesNotUndoOthers(t *testing.T) {
	s := openAt(t, tempPath(t), nil)
	e := storetest.CreateWebhookEndpoint(t, s, "alice", "ci")
	const calls = 60
	type outcome struct {
		ids     []string
		results int
		err     error
	}
	results := make([]outcome, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if i%2 == 1 {
				go cancel()
			}
			ds := []*store.Delivery{
				storetest.NewDelivery(store.ChannelWebhook, e.ID, "alice", storetest.BaseTime()),
				storetest.NewDelivery(store.ChannelWebhook, e.ID, "alice", storetest.BaseTime()),
			}
			res, err := s.EnqueueDeliveries(ctx, ds)
			out := outcome{err: err, results: len(res)}
			for _, d := range ds {
				out.ids = append(out.ids, d.ID)
			}
			results[i] = out
		}()
	}
	wg.Wait()

	for i, r := range results {
		if i%2 == 0 {
			require.NoError(t, r.err, "call %d was not cancelled", i)
		}
		if r.err == nil {
			require.Equal(t, 2, r.results, "call %d results", i)
		}
		for _, id := range r.ids {
			_, err := s.GetDelivery(context.Background(), store.AsAdmin(), id)
			if r.err == nil {
				require.NoError(t, err, "call %d succeeded but delivery %s is missing", i, id)
			} else {
				require.ErrorIs(t, err, store.ErrNotFound, "call %d failed but delivery %s exists", i, id)
			}
		}
	}
}
