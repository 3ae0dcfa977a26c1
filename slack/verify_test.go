package slack_test

import (
	"context"
	"slices"
	"testing"

	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/slack"
)

func TestVerifyReportsTeamAndBot(t *testing.T) {
	t.Parallel()
	b := setup(t)

	v, err := b.client.Verify(context.Background(), testChannel)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if v.TeamID != fakeslack.TeamID || v.Team != fakeslack.TeamName {
		t.Errorf("got team %q %q, want %q %q", v.TeamID, v.Team, fakeslack.TeamID, fakeslack.TeamName)
	}
	if v.BotUserID != fakeslack.BotUserID {
		t.Errorf("got bot user %q, want %q", v.BotUserID, fakeslack.BotUserID)
	}
	if v.ChannelID != testChannel || v.ChannelName != "alerts" {
		t.Errorf("got channel %q %q, want %q alerts", v.ChannelID, v.ChannelName, testChannel)
	}
	if !v.IsMember {
		t.Error("got IsMember false, want true")
	}
	if !slices.Contains(v.Scopes, "chat:write") {
		t.Errorf("got scopes %v, want chat:write among them", v.Scopes)
	}
}

func TestVerifyChannelProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		channel  fakeslack.Channel
		scopes   []string
		wantCode string
	}{
		{"unknown channel", fakeslack.Channel{ID: "C0OTHER"}, nil, "channel_not_found"},
		{"archived", fakeslack.Channel{ID: "C0X", Archived: true, Member: true}, nil, "is_archived"},
		{"not a member", fakeslack.Channel{ID: "C0X"}, []string{"chat:write"}, "not_in_channel"},
		{"private, not a member", fakeslack.Channel{ID: "C0X", Private: true}, []string{"chat:write", "chat:write.public"}, "channel_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := fakeslack.New(t)
			srv.AddToken(testToken, tt.scopes...)
			srv.AddChannel(tt.channel)
			client, err := slack.New(testToken, slack.WithAPIURL(srv.URL()))
			if err != nil {
				t.Fatal(err)
			}

			_, err = client.Verify(context.Background(), "C0X")
			serr := asSlackError(t, err)
			if serr.Code != tt.wantCode {
				t.Errorf("got code %q, want %q", serr.Code, tt.wantCode)
			}
			if serr.Retryable {
				t.Error("got Retryable true, want false")
			}
			if got, want := err.Error(), "Slack API error: "+tt.wantCode; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestVerifyPublicScopeWithoutMembership(t *testing.T) {
	t.Parallel()
	srv := fakeslack.New(t)
	srv.AddToken(testToken, "chat:write", "chat:write.public", "channels:read")
	srv.AddChannel(fakeslack.Channel{ID: "C0PUB", Name: "public"})
	client, err := slack.New(testToken, slack.WithAPIURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}

	v, err := client.Verify(context.Background(), "C0PUB")
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if v.IsMember {
		t.Error("got IsMember true, want false")
	}
	if !v.HasScope(slack.ScopeChatWritePublic) {
		t.Errorf("got scopes %v, want chat:write.public", v.Scopes)
	}

	if _, err := client.Post(context.Background(), "C0PUB", slack.TestMessage{}.Build()); err != nil {
		t.Errorf("Post after Verify: %v", err)
	}
}

func TestVerifyInvalidAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.RemoveToken(testToken)

	_, err := b.client.Verify(context.Background(), testChannel)
	serr := asSlackError(t, err)
	if serr.Code != "invalid_auth" || !serr.AuthFailed {
		t.Errorf("got code %q auth failed %v, want invalid_auth, true", serr.Code, serr.AuthFailed)
	}
	if serr.Op != "auth.test" {
		t.Errorf("got Op %q, want auth.test", serr.Op)
	}
	if n := b.srv.Calls("conversations.info"); n != 0 {
		t.Errorf("got %d conversations.info calls after a rejected token, want 0", n)
	}
}

func TestVerifyRateLimited(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.FailNext("conversations.info", 1, fakeslack.Failure{Status: 429, RetryAfter: "2"})

	_, err := b.client.Verify(context.Background(), testChannel)
	serr := asSlackError(t, err)
	if !serr.RateLimited || !serr.Retryable || serr.Op != "conversations.info" {
		t.Errorf("got %+v, want a retryable rate limit on conversations.info", serr)
	}
}
