package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hishamos/integrations-external/webhook"
)

// TestMain fails the run when a test leaves a goroutine behind, such as a
// server that serve did not shut down.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	plainSecret    = "test-secret"
	standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	testBody       = `{"event": "command.executed", "status": "success"}`
)

// syncBuffer is a bytes.Buffer that the handler's goroutines and the test
// can share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.String()
}

// fixture is a receiver serving in-process on 127.0.0.1 and a sender that
// signs with the webhook package's sender-side code.
type fixture struct {
	url    string
	out    *syncBuffer
	sender *webhook.Sender
}

// setup starts serve with args (without -addr) and stops it at the end of
// the test, checking that it shut down cleanly.
func setup(t *testing.T, args ...string) *fixture {
	t.Helper()

	cfg, err := parseFlags(append([]string{"-addr", "127.0.0.1:0"}, args...), emptyEnv, io.Discard)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", cfg.addr)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	f := &fixture{
		url:    "http://" + ln.Addr().String() + "/",
		out:    &syncBuffer{},
		sender: webhook.NewSender(webhook.WithAllowPrivateNetworks(true)),
	}
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, cfg, f.out) }()

	t.Cleanup(func() {
		f.sender.Close()
		cancel()
		assert.NoError(t, <-served, "serve after cancel")
		assert.True(t, strings.HasSuffix(f.out.String(), "stopped\n"), "output ends with the stop line:\n%s", f.out.String())
	})

	return f
}

// send signs body with secret under scheme and posts it.
func (f *fixture) send(t *testing.T, scheme webhook.Scheme, secret, deliveryID string) webhook.Result {
	t.Helper()

	res := f.sender.Send(context.Background(), webhook.Request{
		URL: f.url, Body: []byte(testBody), EventType: "command.executed", DeliveryID: deliveryID,
		Secrets: []webhook.Secret{webhook.Secret(secret)}, Scheme: scheme, Timeout: 5 * time.Second,
	})
	require.NotZero(t, res.StatusCode, "no response: %v", res.Err)

	return res
}

// post sends body with the given headers and no computed signature.
func (f *fixture) post(t *testing.T, headers map[string]string) int {
	t.Helper()

	req, err := http.NewRequest(http.MethodPost, f.url, strings.NewReader(testBody))
	require.NoError(t, err)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()

	return resp.StatusCode
}

func emptyEnv(string) string { return "" }

func TestReceiverPrintsVerifiedWebhook(t *testing.T) {
	f := setup(t, "-secret", plainSecret)

	res := f.send(t, webhook.SchemeHishamOS, plainSecret, "delivery-1")

	assert.Equal(t, http.StatusOK, res.StatusCode)
	out := f.out.String()
	assert.Contains(t, out, "(scheme hishamos)")
	assert.Contains(t, out, "command.executed delivery delivery-1, signature ok\n")
	assert.Contains(t, out, `  {"event":"command.executed","status":"success"}`+"\n")
}

func TestReceiverRejectsWrongSignature(t *testing.T) {
	f := setup(t, "-secret", plainSecret)

	wrongSecret := f.send(t, webhook.SchemeHishamOS, "another-secret", "delivery-1")
	badHex := f.post(t, map[string]string{
		"X-HishamOS-Signature":   "sha256=" + strings.Repeat("0", 64),
		"X-HishamOS-Event":       "command.executed",
		"X-HishamOS-Delivery-ID": "delivery-2",
	})
	unsigned := f.post(t, map[string]string{"X-HishamOS-Delivery-ID": "delivery-3"})

	assert.Equal(t, http.StatusUnauthorized, wrongSecret.StatusCode)
	assert.Equal(t, http.StatusUnauthorized, badHex)
	assert.Equal(t, http.StatusUnauthorized, unsigned)
	out := f.out.String()
	assert.Equal(t, 2, strings.Count(out, "X-HishamOS-Signature: signature does not match"), out)
	assert.Equal(t, 1, strings.Count(out, "X-HishamOS-Signature: signature header missing"), out)
	assert.NotContains(t, out, "signature ok")
	assert.NotContains(t, out, plainSecret, "the secret must never be printed")
}

func TestReceiverDropsDuplicateDelivery(t *testing.T) {
	f := setup(t, "-secret", plainSecret)

	first := f.send(t, webhook.SchemeHishamOS, plainSecret, "delivery-1")
	again := f.send(t, webhook.SchemeHishamOS, plainSecret, "delivery-1")
	other := f.send(t, webhook.SchemeHishamOS, plainSecret, "delivery-2")

	assert.Equal(t, http.StatusOK, first.StatusCode)
	assert.Equal(t, http.StatusOK, again.StatusCode)
	assert.Equal(t, http.StatusOK, other.StatusCode)
	out := f.out.String()
	assert.Equal(t, 1, strings.Count(out, "delivery delivery-1, signature ok"), out)
	assert.Equal(t, 1, strings.Count(out, "duplicate command.executed delivery delivery-1: acknowledged"), out)
	assert.Equal(t, 1, strings.Count(out, "delivery delivery-2, signature ok"), out)
	assert.Equal(t, 2, strings.Count(out, `{"event":"command.executed"`), "payload printed once per delivery:\n%s", out)
}

func TestReceiverAutoSchemeWithStandardSecret(t *testing.T) {
	f := setup(t, "-secret", standardSecret)

	standard := f.send(t, webhook.SchemeStandard, standardSecret, "delivery-1")
	legacy := f.send(t, webhook.SchemeHishamOS, standardSecret, "delivery-2")
	both := f.send(t, webhook.SchemeBoth, standardSecret, "delivery-3")
	wrong := f.send(t, webhook.SchemeStandard, "whsec_"+strings.Repeat("A", 32), "delivery-4")

	assert.Equal(t, http.StatusOK, standard.StatusCode)
	assert.Equal(t, http.StatusOK, legacy.StatusCode)
	assert.Equal(t, http.StatusOK, both.StatusCode)
	assert.Equal(t, http.StatusUnauthorized, wrong.StatusCode)
	out := f.out.String()
	assert.Contains(t, out, "(scheme both)")
	for _, id := range []string{"delivery-1", "delivery-2", "delivery-3"} {
		assert.Contains(t, out, "delivery "+id+", signature ok", out)
	}
	assert.Contains(t, out, "Webhook-Signature: signature does not match")
}

func TestReceiverStandardSchemeRejectsOldTimestamp(t *testing.T) {
	f := setup(t, "-secret", standardSecret, "-scheme", "standard")
	stale := webhook.NewSender(webhook.WithAllowPrivateNetworks(true),
		webhook.WithClock(func() time.Time { return time.Now().Add(-10 * time.Minute) }))
	defer stale.Close()

	legacy := f.send(t, webhook.SchemeHishamOS, standardSecret, "delivery-1")
	old := stale.Send(context.Background(), webhook.Request{
		URL: f.url, Body: []byte(testBody), EventType: "command.executed", DeliveryID: "delivery-2",
		Secrets: []webhook.Secret{standardSecret}, Scheme: webhook.SchemeStandard, Timeout: 5 * time.Second,
	})

	assert.Equal(t, http.StatusUnauthorized, legacy.StatusCode, "hishamos headers only, standard required")
	assert.Equal(t, http.StatusUnauthorized, old.StatusCode)
	out := f.out.String()
	assert.Contains(t, out, "Webhook-Id: signature header missing")
	assert.Contains(t, out, "Webhook-Timestamp: timestamp too old")
	assert.NotContains(t, out, "signature ok")
}

func TestParseFlags(t *testing.T) {
	env := func(k string) string {
		if k == "WEBHOOK_SECRET" {
			return "env-secret"
		}
		return ""
	}

	fromEnv, err := parseFlags(nil, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9000", fromEnv.addr)
	assert.Equal(t, []webhook.Secret{"env-secret"}, fromEnv.verifier.Secrets)
	assert.Equal(t, webhook.SchemeHishamOS, fromEnv.verifier.Scheme)
	assert.Equal(t, 10000, fromEnv.remember)

	fromFlag, err := parseFlags([]string{"-secret", standardSecret, "-product", "Acme"}, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []webhook.Secret{standardSecret}, fromFlag.verifier.Secrets, "-secret overrides WEBHOOK_SECRET")
	assert.Equal(t, webhook.SchemeBoth, fromFlag.verifier.Scheme)
	assert.Equal(t, "X-Acme-Signature", fromFlag.verifier.HeaderNames.Signature)
	assert.Equal(t, "X-Acme-Delivery-ID", fromFlag.names.DeliveryID)
}

func TestParseFlagsErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing secret", nil, "missing secret: set WEBHOOK_SECRET or pass -secret"},
		{"unknown scheme", []string{"-secret", "s", "-scheme", "md5"}, `invalid -scheme "md5"`},
		{"standard without whsec", []string{"-secret", "s", "-scheme", "standard"}, "invalid secret for -scheme standard: webhook: the standard signature scheme needs a secret of the form whsec_<base64>"},
		{"remember zero", []string{"-secret", "s", "-remember", "0"}, "invalid -remember 0: must be at least 1"},
		{"extra argument", []string{"-secret", "s", "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFlags(tt.args, emptyEnv, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestRecentIDsDropsOldest(t *testing.T) {
	ids := newRecentIDs(2)

	assert.True(t, ids.add("a"))
	assert.True(t, ids.add("b"))
	assert.False(t, ids.add("a"), "a is still remembered")
	assert.True(t, ids.add("c"), "c is new and evicts a")
	assert.True(t, ids.add("a"), "a was forgotten")
	assert.False(t, ids.add("c"), "c is still remembered")
	assert.True(t, ids.add("b"), "b was evicted by a")
}
