package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/sqlite"
)

// Example opens a store, saves a webhook endpoint with a secret, queues a
// delivery, claims it and records a successful attempt.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "integrations-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	// A host reads the keyring from its configuration; GenerateKey makes
	// a fresh key for this example.
	key, err := store.GenerateKey()
	if err != nil {
		fmt.Println(err)
		return
	}
	keys, err := store.ParseKeyring("k1:" + key)
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "integrations.db"), sqlite.Options{Keys: keys})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()

	endpoint := store.NewWebhookEndpoint("alice")
	endpoint.Name, endpoint.URL = "ci", "https://ci.example/hooks"
	endpoint.Secret = store.NewSecret("whsec-example")
	if err := st.CreateWebhookEndpoint(ctx, endpoint); err != nil {
		fmt.Println(err)
		return
	}

	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	_, err = st.EnqueueDeliveries(ctx, []*store.Delivery{{
		Channel: store.ChannelWebhook, TargetID: endpoint.ID, UserID: "alice",
		EventType: "workflow.completed", Payload: []byte(`{"ok":true}`), MaxAttempts: 3, TriggeredAt: now,
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	claimed, err := st.ClaimDeliveries(ctx, store.ClaimParams{Now: now, Limit: 10, LeaseMargin: 10 * time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("claimed:", len(claimed), "lease:", claimed[0].LeaseUntil.Sub(now))

	_, err = st.RecordAttempts(ctx, store.RecordParams{Now: now, Records: []store.AttemptRecord{{
		Attempt: store.Attempt{DeliveryID: claimed[0].ID, Status: store.AttemptSuccess, ResponseStatus: 200, StartedAt: now},
		Status:  store.StatusSuccess,
	}}})
	if err != nil {
		fmt.Println(err)
		return
	}

	got, err := st.GetWebhookEndpoint(ctx, store.AsUser("alice"), endpoint.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("successes:", got.SuccessCount, "secret:", got.Secret)
	// Output:
	// claimed: 1 lease: 40s
	// successes: 1 secret: [redacted]
}

// ExampleStore_ResealSecrets rotates the encryption key: the new key goes
// first in the keyring, ResealSecrets moves every stored secret to it, and
// then the old key can leave the keyring.
func ExampleStore_ResealSecrets() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "integrations-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "integrations.db")
	oldKey, _ := store.GenerateKey()
	newKey, _ := store.GenerateKey()

	open := func(keyring string) (*sqlite.Store, error) {
		keys, err := store.ParseKeyring(keyring)
		if err != nil {
			return nil, err
		}
		return sqlite.Open(ctx, path, sqlite.Options{Keys: keys})
	}
	st, err := open("old:" + oldKey)
	if err != nil {
		fmt.Println(err)
		return
	}
	endpoint := store.NewWebhookEndpoint("alice")
	endpoint.Secret = store.NewSecret("whsec-example")
	if err := st.CreateWebhookEndpoint(ctx, endpoint); err != nil {
		fmt.Println(err)
		return
	}
	_ = st.Close()

	st, err = open("new:" + newKey + ",old:" + oldKey)
	if err != nil {
		fmt.Println(err)
		return
	}
	n, err := st.ResealSecrets(ctx)
	fmt.Println("resealed:", n, err)
	_ = st.Close()

	st, err = open("new:" + newKey)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	got, err := st.GetWebhookEndpoint(ctx, store.AsUser("alice"), endpoint.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("secret:", got.Secret.Reveal())
	// Output:
	// resealed: 1 <nil>
	// secret: whsec-example
}
