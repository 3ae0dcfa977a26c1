package integrations

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/internal/fakegithub"
	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/internal/fakesmtp"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/sqlite"
)

// serviceFixture is a Service on a SQLite file whose leaves talk to fake
// servers on 127.0.0.1.
type serviceFixture struct {
	svc    *Service
	st     store.Store
	github *fakegithub.Server
	slack  *fakeslack.Server
	smtp   *fakesmtp.Server
}

func newServiceFixture(t *testing.T, configure func(*Config)) *serviceFixture {
	t.Helper()
	key, err := store.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := store.ParseKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "svc.db"), sqlite.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	gh := fakegithub.New()
	t.Cleanup(gh.Close)
	sl := fakeslack.New(t)
	mail, err := fakesmtp.Start(fakesmtp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mail.Close() })

	cfg := Config{
		Store:                st,
		AllowPrivateNetworks: true,
		SlackAPIURL:          sl.URL(),
		GitHubAPIURL:         gh.URL,
		Email: &email.Config{
			Host: mail.Host(), Port: mail.Port(), TLSPolicy: email.TLSNone,
			From: "noreply@example.com", Timeout: 5 * time.Second,
		},
	}
	if configure != nil {
		configure(&cfg)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc := d.Service()

	return &serviceFixture{svc: svc, st: st, github: gh, slack: sl, smtp: mail}
}

func ptr[T any](v T) *T { return &v }

func TestVerifyGitHubBadCredentials(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "hello"})
	rec, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("hello"), AccessToken: ptr("ghp_wrong_token_value"),
	})
	if err != nil {
		t.Fatal(err)
	}

	_, err = fx.svc.VerifyGitHubIntegration(ctx, alice, rec.ID)
	var rerr *RemoteError
	if !errors.As(err, &rerr) {
		t.Fatalf("error = %v, want *RemoteError", err)
	}
	if got := rerr.Error(); got != "GitHub API error: Bad credentials" {
		t.Errorf("error text = %q, want %q", got, "GitHub API error: Bad credentials")
	}
	if !rerr.AuthFailed || !rerr.Permanent {
		t.Errorf("AuthFailed %v Permanent %v, want both true", rerr.AuthFailed, rerr.Permanent)
	}
	after, err := fx.svc.GetGitHubIntegration(ctx, alice, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.IsActive {
		t.Error("integration still active after bad credentials")
	}
	if after.LastError != "GitHub API error: Bad credentials" || after.DisabledReason == "" {
		t.Errorf("LastError %q DisabledReason %q", after.LastError, after.DisabledReason)
	}
}

func TestVerifyAndSyncGitHub(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	fx.github.AddToken("ghp_good", "octo")
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "hello", PullRequests: 130})
	rec, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("hello"), AccessToken: ptr("ghp_good"),
	})
	if err != nil {
		t.Fatal(err)
	}
	verified, err := fx.svc.VerifyGitHubIntegration(ctx, alice, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if verified.LastVerifiedAt.IsZero() {
		t.Error("LastVerifiedAt not set")
	}

	n, err := fx.svc.SyncPullRequests(ctx, alice, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n != 130 {
		t.Errorf("synced %d, want 130", n)
	}
	prs, err := fx.svc.ListPullRequests(ctx, alice, rec.ID, PullRequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(prs) != 130 || prs[0].Number != 130 {
		t.Errorf("stored %d pull requests, first #%d; want 130, #130", len(prs), prs[0].Number)
	}
	after, _ := fx.svc.GetGitHubIntegration(ctx, alice, rec.ID)
	if after.LastSyncAt.IsZero() {
		t.Error("LastSyncAt not set after a successful sync")
	}
	if _, err := fx.svc.SyncPullRequests(ctx, Caller{UserID: "bob"}, rec.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob's sync error = %v, want not found", err)
	}
}

func TestCreateGitHubIssue(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	fx.github.AddToken("ghp_good", "octo")
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "hello"})
	rec, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("hello"), AccessToken: ptr("ghp_good"),
	})
	if err != nil {
		t.Fatal(err)
	}
	issue, err := fx.svc.CreateGitHubIssue(ctx, alice, rec.ID, IssueInput{Title: "Build failed", Body: "details"})
	if err != nil {
		t.Fatal(err)
	}
	if issue.Number == 0 || issue.Title != "Build failed" {
		t.Errorf("issue = %+v", issue)
	}
	if got := fx.github.Issues("octo", "hello"); len(got) != 1 {
		t.Errorf("fake GitHub holds %d issues, want 1", len(got))
	}
}

func TestSlackTestMessageAndChannelNotFound(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	fx.slack.AddToken("xoxb-good", "chat:write")
	fx.slack.AddChannel(fakeslack.Channel{ID: "C0ALERTS", Name: "alerts", Member: true})

	good, err := fx.svc.CreateSlackIntegration(ctx, alice, SlackInput{
		WorkspaceName: ptr("acme"), ChannelID: ptr("C0ALERTS"), BotToken: ptr("xoxb-good"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.svc.VerifySlackIntegration(ctx, alice, good.ID); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := fx.svc.SendSlackTestMessage(ctx, alice, good.ID, ""); err != nil {
		t.Fatal(err)
	}
	msgs, err := fx.slack.WaitForMessages(ctx, "C0ALERTS", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msgs[0].Text, "Test message from HishamOS") {
		t.Errorf("posted text = %q, want the default test message", msgs[0].Text)
	}

	bad, err := fx.svc.CreateSlackIntegration(ctx, alice, SlackInput{
		WorkspaceName: ptr("acme"), ChannelID: ptr("C0MISSING"), BotToken: ptr("xoxb-good"),
	})
	if err != nil {
		t.Fatal(err)
	}
	err = fx.svc.SendSlackTestMessage(ctx, alice, bad.ID, "hi")
	if err == nil || err.Error() != "Slack API error: channel_not_found" {
		t.Fatalf("error = %v, want Slack API error: channel_not_found", err)
	}
	var rerr *RemoteError
	if !errors.As(err, &rerr) || !rerr.Permanent {
		t.Errorf("error %#v is not a permanent *RemoteError", err)
	}
}

func TestVerifySlackRevokedTokenDeactivates(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	fx.slack.AddChannel(fakeslack.Channel{ID: "C0ALERTS", Name: "alerts", Member: true})
	rec, err := fx.svc.CreateSlackIntegration(ctx, alice, SlackInput{
		WorkspaceName: ptr("acme"), ChannelID: ptr("C0ALERTS"), BotToken: ptr("xoxb-unknown"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.svc.VerifySlackIntegration(ctx, alice, rec.ID); err == nil {
		t.Fatal("verify with an unknown token succeeded")
	}
	after, _ := fx.svc.GetSlackIntegration(ctx, alice, rec.ID)
	if after.IsActive || after.DisabledReason != "invalid_auth" {
		t.Errorf("IsActive %v DisabledReason %q, want false, invalid_auth", after.IsActive, after.DisabledReason)
	}
}

func TestSendTestEmail(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice", Email: "alice@example.com"}
	if err := fx.svc.SendTestEmail(ctx, alice); err != nil {
		t.Fatal(err)
	}
	msgs, err := fx.smtp.WaitForMessages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs[0].To) != 1 || msgs[0].To[0] != "alice@example.com" {
		t.Errorf("recipients = %v, want alice@example.com", msgs[0].To)
	}
	if !strings.Contains(string(msgs[0].Data), "Subject: Test Email from HishamOS") {
		t.Errorf("message lacks the test subject:\n%s", msgs[0].Data)
	}

	nobody := Caller{UserID: "carol"}
	var verr *ValidationError
	if err := fx.svc.SendTestEmail(ctx, nobody); !errors.As(err, &verr) {
		t.Errorf("error without an address = %v, want *ValidationError", err)
	}
}

func TestAutoSyncOnce(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	fx.github.AddToken("ghp_good", "octo")
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "auto", PullRequests: 3})
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "manual", PullRequests: 2})
	auto, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("auto"), AccessToken: ptr("ghp_good"), AutoSyncPRs: ptr(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	manual, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("manual"), AccessToken: ptr("ghp_good"),
	})
	if err != nil {
		t.Fatal(err)
	}

	if n := fx.svc.autoSyncOnce(ctx); n != 1 {
		t.Errorf("autoSyncOnce synced %d integrations, want 1", n)
	}
	prs, _ := fx.svc.ListPullRequests(ctx, alice, auto.ID, PullRequestFilter{})
	if len(prs) != 3 {
		t.Errorf("auto integration has %d pull requests, want 3", len(prs))
	}
	prs, _ = fx.svc.ListPullRequests(ctx, alice, manual.ID, PullRequestFilter{})
	if len(prs) != 0 {
		t.Errorf("manual integration has %d pull requests, want 0", len(prs))
	}
}

func TestTestMessagesUseProductName(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, func(c *Config) { c.ProductName = "AcmeOps" })
	ctx := context.Background()
	alice := Caller{UserID: "alice", Email: "alice@example.com"}
	fx.slack.AddToken("xoxb-good")
	fx.slack.AddChannel(fakeslack.Channel{ID: "C0ALERTS", Name: "alerts", Member: true})
	rec, err := fx.svc.CreateSlackIntegration(ctx, alice, SlackInput{
		WorkspaceName: ptr("acme"), ChannelID: ptr("C0ALERTS"), BotToken: ptr("xoxb-good"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.svc.SendSlackTestMessage(ctx, alice, rec.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := fx.svc.SendTestEmail(ctx, alice); err != nil {
		t.Fatal(err)
	}

	posts, err := fx.slack.WaitForMessages(ctx, "C0ALERTS", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(posts[0].Text, "Test message from AcmeOps") {
		t.Errorf("posted text = %q, want the product name", posts[0].Text)
	}
	mails, err := fx.smtp.WaitForMessages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mails[0].Data), "Subject: Test Email from AcmeOps") {
		t.Errorf("test email lacks the product name:\n%s", mails[0].Data)
	}
}
