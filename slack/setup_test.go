package slack_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/slack"
)

const (
	testToken   = "xoxb-test-1234-secret"
	testChannel = "C0ALERTS"
)

type bundle struct {
	srv    *fakeslack.Server
	client *slack.Client
}

// setup starts a fake Slack that accepts testToken and testChannel (the bot
// is a member) and returns a client aimed at it.
func setup(t *testing.T, opts ...slack.Option) bundle {
	t.Helper()
	srv := fakeslack.New(t)
	srv.AddToken(testToken)
	srv.AddChannel(fakeslack.Channel{ID: testChannel, Name: "alerts", Member: true})

	opts = append([]slack.Option{slack.WithAPIURL(srv.URL()), slack.WithTimeout(5 * time.Second)}, opts...)
	client, err := slack.New(testToken, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	return bundle{srv: srv, client: client}
}

// asSlackError returns err as *slack.Error or stops the test.
func asSlackError(t *testing.T, err error) *slack.Error {
	t.Helper()
	if err == nil {
		t.Fatal("got nil error, want *slack.Error")
	}
	var serr *slack.Error
	if !errors.As(err, &serr) {
		t.Fatalf("got %T (%v), want *slack.Error", err, err)
	}

	return serr
}
