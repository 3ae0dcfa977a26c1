package integrations

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/store"
)

// rereadGateStore passes every call to the fixture's SQLite store. Once
// armed, the next administrator read of a Slack integration (the worker's
// check of the token after Slack rejected it) returns what it read only
// after the test lets it go on.
type rereadGateStore struct {
	store.Store

	mu     sync.Mutex
	armed  bool
	reread chan struct{} // closed once the gated read has read the row
	resume chan struct{} // closed by the test to return that row
}

func (s *rereadGateStore) arm() {
	s.mu.Lock()
	s.armed = true
	s.mu.Unlock()
}

func (s *rereadGateStore) GetSlackIntegration(ctx context.Context, access store.Access, id string) (*store.SlackIntegration, error) {
	s.mu.Lock()
	gate := s.armed && access.IsAdmin()
	if gate {
		s.armed = false
	}
	s.mu.Unlock()

	rec, err := s.Store.GetSlackIntegration(ctx, access, id)
	if gate {
		close(s.reread)
		<-s.resume
	}

	return rec, err
}

// TestSlackTokenSavedAfterRereadKept lets Slack reject a revoked token
// and saves a new, valid token just after the worker has read the
// integration again to compare tokens, before the attempt is recorded.
// The integration with the valid token must stay active.
func TestSlackTokenSavedAfterRereadKept(t *testing.T) {
	sl := fakeslack.New(t)
	sl.AddToken("xoxb-new-valid")
	sl.AddChannel(fakeslack.Channel{ID: "C0ALERTS", Name: "alerts", Member: true})
	gated, arrived, release := gatedGitHub(t, strings.TrimSuffix(sl.URL(), "api/"))
	gate := &rereadGateStore{reread: make(chan struct{}), resume: make(chan struct{})}
	fx := newServiceFixture(t, func(c *Config) {
		gate.Store = c.Store
		c.Store = gate
		c.SlackAPIURL = gated + "api/"
		c.PollInterval = 20 * time.Millisecond
		c.RetryBase = 20 * time.Millisecond
	})
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	rec, err := fx.svc.CreateSlackIntegration(ctx, alice, SlackInput{
		WorkspaceName: ptr("acme"), ChannelID: ptr("C0ALERTS"), BotToken: ptr("xoxb-revoked-old"),
	})
	if err != nil {
		t.Fatal(err)
	}
	startDispatcher(t, fx)

	ids, err := fx.svc.d.WorkflowCompleted(ctx, WorkflowRun{
		WorkflowName: "nightly", Status: StatusCompleted, ExecutionID: "exec-1", UserID: "alice",
	})
	if err != nil {
		t.Fatal(err)
	}
	<-arrived
	gate.arm()
	close(release)
	<-gate.reread
	if _, err := fx.svc.PatchSlackIntegration(ctx, alice, rec.ID, SlackInput{BotToken: ptr("xoxb-new-valid")}); err != nil {
		t.Fatal(err)
	}
	close(gate.resume)
	del := finalDelivery(t, fx.st, ids, store.ChannelSlack)

	after, err := fx.svc.GetSlackIntegration(ctx, alice, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.IsActive {
		t.Errorf("integration with the new, valid token was deactivated (disabled_reason %q, delivery %s: %s)",
			after.DisabledReason, del.Status, del.LatestAttempt().ErrorMessage)
	}
}
