package integrations

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// fixedResolver returns the same addresses for every name, so no test
// looks up a real name.
type fixedResolver []netip.Addr

func (r fixedResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return r, nil
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error = %v, want *ValidationError", err)
	}
	return verr.Fields
}

func TestWebhookValidation(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, func(c *Config) {
		c.AllowPrivateNetworks = false
		c.Resolver = fixedResolver{netip.MustParseAddr("93.184.215.14")}
	})
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	cases := []struct {
		name  string
		in    WebhookInput
		field string
	}{
		{"loopback", WebhookInput{URL: ptr("http://127.0.0.1:8080/h")}, "url"},
		{"metadata", WebhookInput{URL: ptr("http://169.254.169.254/latest")}, "url"},
		{"private", WebhookInput{URL: ptr("https://10.1.2.3/")}, "url"},
		{"mapped", WebhookInput{URL: ptr("http://[::ffff:127.0.0.1]/")}, "url"},
		{"localhost", WebhookInput{URL: ptr("http://localhost/")}, "url"},
		{"scheme", WebhookInput{URL: ptr("file:///etc/passwd")}, "url"},
		{"credentials", WebhookInput{URL: ptr("https://u:p@example.com/")}, "url"},
		{"method", WebhookInput{Method: ptr("GET")}, "method"},
		{"retry low", WebhookInput{RetryCount: ptr(0)}, "retry_count"},
		{"retry high", WebhookInput{RetryCount: ptr(11)}, "retry_count"},
		{"timeout", WebhookInput{TimeoutSeconds: ptr(121)}, "timeout_seconds"},
		{"scheme name", WebhookInput{SignatureScheme: ptr("md5")}, "signature_scheme"},
		{"reserved header", WebhookInput{Headers: &map[string]string{"X-HishamOS-Signature": "x"}}, "headers"},
		{"header newline", WebhookInput{Headers: &map[string]string{"X-Team": "a\r\nB: c"}}, "headers"},
		{"header name", WebhookInput{Headers: &map[string]string{"Bad Name": "v"}}, "headers"},
		{"empty event", WebhookInput{CustomEvents: &[]string{""}}, "custom_events"},
		{"event chars", WebhookInput{CustomEvents: &[]string{"a b"}}, "custom_events"},
		{"name", WebhookInput{Name: ptr("")}, "name"},
	}
	for _, c := range cases {
		in := c.in
		if in.Name == nil {
			in.Name = ptr("hook")
		}
		if in.URL == nil {
			in.URL = ptr("https://hooks.example.com/in")
		}
		_, _, err := fx.svc.CreateWebhookEndpoint(ctx, alice, in)
		if fields := fieldsOf(t, err); fields[c.field] == "" {
			t.Errorf("%s: fields = %v, want a problem on %s", c.name, fields, c.field)
		}
	}

	ep, secret, err := fx.svc.CreateWebhookEndpoint(ctx, alice, WebhookInput{
		Name: ptr("ok"), URL: ptr("https://hooks.example.com/in"), CustomEvents: &[]string{"deploy.finished"},
	})
	if err != nil {
		t.Fatalf("valid endpoint rejected: %v", err)
	}
	if !strings.HasPrefix(secret, "whsec_") || len(secret) != len("whsec_")+44 {
		t.Errorf("generated secret has the wrong form (length %d)", len(secret))
	}
	if ep.Secret.Reveal() != secret {
		t.Error("stored secret differs from the one returned")
	}
}

func TestWebhookPutPatchAndRotate(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	ep, generated, err := fx.svc.CreateWebhookEndpoint(ctx, alice, WebhookInput{
		Name: ptr("hook"), URL: ptr("http://127.0.0.1:9/h"), Secret: ptr("test-secret"),
		TriggerOnWorkflowCompletion: ptr(true), CustomEvents: &[]string{"a.b"}, RetryCount: ptr(5),
	})
	if err != nil {
		t.Fatal(err)
	}
	if generated != "" {
		t.Error("a secret was generated although one was given")
	}

	put, err := fx.svc.UpdateWebhookEndpoint(ctx, alice, ep.ID, WebhookInput{Name: ptr("renamed")})
	if err != nil {
		t.Fatal(err)
	}
	if put.TriggerOnWorkflowCompletion || len(put.CustomEvents) != 0 || put.RetryCount != 3 || put.IsActive {
		t.Errorf("PUT kept omitted fields: %+v", put)
	}
	if put.Secret.Reveal() != "test-secret" || put.URL != "http://127.0.0.1:9/h" {
		t.Error("PUT dropped the secret or the URL")
	}
	patched, err := fx.svc.PatchWebhookEndpoint(ctx, alice, ep.ID, WebhookInput{IsActive: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if !patched.IsActive || patched.Name != "renamed" {
		t.Errorf("PATCH result: active %v name %q", patched.IsActive, patched.Name)
	}

	rotated, secret, err := fx.svc.RotateWebhookSecret(ctx, alice, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "whsec_") || rotated.Secret.Reveal() != secret {
		t.Error("rotation did not store the returned secret")
	}
	if rotated.PreviousSecret.Reveal() != "test-secret" {
		t.Error("rotation did not keep the old secret as previous")
	}
	if d := time.Until(rotated.PreviousSecretExpiresAt); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("previous secret expires in %v, want about 24h", d)
	}
	if _, _, err := fx.svc.RotateWebhookSecret(ctx, Caller{UserID: "bob"}, ep.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob's rotation error = %v, want not found", err)
	}
}

func TestFieldValidation(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	_, err := fx.svc.CreateSlackIntegration(ctx, alice, SlackInput{
		WorkspaceName: ptr("w"), ChannelID: ptr("#general"), BotToken: ptr("xoxb-1"),
	})
	if fieldsOf(t, err)["channel_id"] == "" {
		t.Error("channel id #general accepted")
	}
	_, err = fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("-bad-"), RepositoryName: ptr(".."), AccessToken: ptr("t"),
	})
	fields := fieldsOf(t, err)
	if fields["repository_owner"] == "" || fields["repository_name"] == "" {
		t.Errorf("fields = %v, want owner and name problems", fields)
	}
	for _, addr := range []string{"a@b.c\r\nBcc: x@y.z", "Alice <a@example.com>", "not-an-address"} {
		_, err = fx.svc.UpdateEmailSettings(ctx, alice, "", EmailInput{EmailAddress: ptr(addr)})
		if fieldsOf(t, err)["email_address"] == "" {
			t.Errorf("address %q accepted", addr)
		}
	}
}

func TestEmailSettingsGetOrCreate(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice", Email: "alice@example.com"}
	got, err := fx.svc.GetEmailSettings(ctx, alice, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.EmailAddress != "alice@example.com" || !got.NotifyWorkflowCompletion || got.NotifyCommandExecution {
		t.Errorf("new settings = %+v", got)
	}
	again, err := fx.svc.GetEmailSettings(ctx, alice, "")
	if err != nil || again.ID != got.ID {
		t.Errorf("second read gave %v, %v; want the same record", again, err)
	}
	put, err := fx.svc.UpdateEmailSettings(ctx, alice, "", EmailInput{NotifyCommandExecution: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if put.NotifyWorkflowCompletion || !put.NotifyCommandExecution || put.EmailAddress != "alice@example.com" {
		t.Errorf("after PUT: %+v", put)
	}
	if _, err := fx.svc.GetEmailSettings(ctx, Caller{UserID: "bob"}, "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob reading alice's settings: %v, want not found", err)
	}
	if _, err := fx.svc.GetEmailSettings(ctx, Caller{UserID: "root", Admin: true}, "alice"); err != nil {
		t.Errorf("admin reading alice's settings: %v", err)
	}
}

// TestEventNameRuleIsShared checks that an endpoint can subscribe to an
// event name exactly when CustomEvent can dispatch it.
func TestEventNameRuleIsShared(t *testing.T) {
	names := map[string]bool{
		"deploy.finished": true, "deploy:finished": true, "a_b-c": true, "9lives": true,
		".hidden": false, "-x": false, "a b": false, "": false, strings.Repeat("x", 101): false,
	}
	for name, valid := range names {
		f := fieldErrors{}
		checkCustomEvents(f, []string{name})
		_, err := CustomEvent(name, "alice", nil, time.Now())
		if subscribable := len(f) == 0; subscribable != valid {
			t.Errorf("custom_events entry %q accepted = %v, want %v", name, subscribable, valid)
		}
		if dispatchable := err == nil; dispatchable != valid {
			t.Errorf("CustomEvent(%q) accepted = %v, want %v (error %v)", name, dispatchable, valid, err)
		}
	}
}

// TestMaskWithoutStoredValueRejected sends the header mask for a header
// the endpoint does not have, on create and on update.
func TestMaskWithoutStoredValueRejected(t *testing.T) {
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	masked := map[string]string{"Authorization": MaskedHeaderValue}

	_, _, err := fx.svc.CreateWebhookEndpoint(ctx, alice, WebhookInput{
		Name: ptr("ci"), URL: ptr("http://127.0.0.1:9/in"), Headers: &masked,
	})
	requireFieldError(t, err, "headers")

	ep, _, err := fx.svc.CreateWebhookEndpoint(ctx, alice, WebhookInput{Name: ptr("ci"), URL: ptr("http://127.0.0.1:9/in")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = fx.svc.PatchWebhookEndpoint(ctx, alice, ep.ID, WebhookInput{Headers: &masked})
	requireFieldError(t, err, "headers")
}

// requireFieldError fails t unless err is a *ValidationError on field.
func requireFieldError(t *testing.T, err error, field string) {
	t.Helper()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error = %v, want a validation error on %s", err, field)
	}
	if _, ok := verr.Fields[field]; !ok {
		t.Fatalf("fields = %v, want one on %s", verr.Fields, field)
	}
}

// TestAdminReadCreatesNoEmailSettings reads, then patches, the email
// settings of a user who has none, as an administrator.
func TestAdminReadCreatesNoEmailSettings(t *testing.T) {
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	admin := Caller{UserID: "root", Admin: true}

	_, err := fx.svc.GetEmailSettings(ctx, admin, "nobody")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("error = %v, want store.ErrNotFound", err)
	}
	if _, err := fx.st.GetEmailSettings(ctx, store.AsAdmin(), "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the read stored settings (error %v)", err)
	}

	rec, err := fx.svc.PatchEmailSettings(ctx, admin, "nobody", EmailInput{EmailAddress: ptr("nobody@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if rec.UserID != "nobody" || rec.EmailAddress != "nobody@example.com" {
		t.Fatalf("patched settings = %+v, want nobody's with the new address", rec)
	}
}

func TestIsCredentialHeader(t *testing.T) {
	for name, want := range map[string]bool{
		"Authorization": true, "X-Api-Key": true, "X-Credentials": true, "X-Passwd": true,
		"X-Session-Id": true, "Cookie": true, "X-Env": false, "Content-Language": false,
	} {
		if got := IsCredentialHeader(name); got != want {
			t.Errorf("IsCredentialHeader(%q) = %v, want %v", name, got, want)
		}
	}
}
