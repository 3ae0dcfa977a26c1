package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

func closeTests() []conformanceTest {
	return []conformanceTest{
		{"Close/EveryMethodReturnsErrClosed", testClosed},
	}
}

func testClosed(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	d := Enqueue(t, s, NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()))[0]
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "second Close")

	ctx := t.Context()
	admin := store.AsAdmin()
	list := store.ListParams{Access: admin}
	calls := map[string]func(context.Context) error{
		"CreateGitHubIntegration": func(ctx context.Context) error {
			rec := store.NewGitHubIntegration("alice")
			rec.RepositoryOwner, rec.RepositoryName = "acme", "api"
			return s.CreateGitHubIntegration(ctx, rec)
		},
		"GetGitHubIntegration": func(ctx context.Context) error {
			_, err := s.GetGitHubIntegration(ctx, admin, store.NewID())
			return err
		},
		"UpdateGitHubIntegration": func(ctx context.Context) error {
			return s.UpdateGitHubIntegration(ctx, admin, &store.GitHubIntegration{ID: store.NewID(), UserID: "alice"})
		},
		"DeleteGitHubIntegration": func(ctx context.Context) error { return s.DeleteGitHubIntegration(ctx, admin, store.NewID()) },
		"ListGitHubIntegrations": func(ctx context.Context) error {
			_, err := s.ListGitHubIntegrations(ctx, list)
			return err
		},
		"CreateSlackIntegration": func(ctx context.Context) error {
			return s.CreateSlackIntegration(ctx, store.NewSlackIntegration("alice"))
		},
		"GetSlackIntegration": func(ctx context.Context) error {
			_, err := s.GetSlackIntegration(ctx, admin, store.NewID())
			return err
		},
		"UpdateSlackIntegration": func(ctx context.Context) error {
			return s.UpdateSlackIntegration(ctx, admin, &store.SlackIntegration{ID: store.NewID(), UserID: "alice"})
		},
		"DeleteSlackIntegration": func(ctx context.Context) error { return s.DeleteSlackIntegration(ctx, admin, store.NewID()) },
		"ListSlackIntegrations": func(ctx context.Context) error {
			_, err := s.ListSlackIntegrations(ctx, list)
			return err
		},
		"CreateEmailSettings": func(ctx context.Context) error {
			return s.CreateEmailSettings(ctx, store.NewEmailSettings("carol", "carol@example.test"))
		},
		"GetEmailSettings": func(ctx context.Context) error {
			_, err := s.GetEmailSettings(ctx, admin, "alice")
			return err
		},
		"UpdateEmailSettings": func(ctx context.Context) error {
			return s.UpdateEmailSettings(ctx, admin, &store.EmailSettings{ID: store.NewID(), UserID: "alice"})
		},
		"ListEmailSettings": func(ctx context.Context) error {
			_, err := s.ListEmailSettings(ctx, list)
			return err
		},
		"CreateWebhookEndpoint": func(ctx context.Context) error {
			return s.CreateWebhookEndpoint(ctx, store.NewWebhookEndpoint("alice"))
		},
		"GetWebhookEndpoint": func(ctx context.Context) error {
			_, err := s.GetWebhookEndpoint(ctx, admin, e.ID)
			return err
		},
		"UpdateWebhookEndpoint": func(ctx context.Context) error {
			return s.UpdateWebhookEndpoint(ctx, store.UpdateWebhookParams{Access: admin, Endpoint: e})
		},
		"DeleteWebhookEndpoint": func(ctx context.Context) error { return s.DeleteWebhookEndpoint(ctx, admin, e.ID) },
		"ListWebhookEndpoints": func(ctx context.Context) error {
			_, err := s.ListWebhookEndpoints(ctx, list)
			return err
		},
		"UpsertPullRequests": func(ctx context.Context) error {
			return s.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{Access: admin, IntegrationID: store.NewID()})
		},
		"ListPullRequests": func(ctx context.Context) error {
			_, err := s.ListPullRequests(ctx, store.ListPullRequestsParams{Access: admin, IntegrationID: store.NewID()})
			return err
		},
		"EnqueueDeliveries": func(ctx context.Context) error {
			_, err := s.EnqueueDeliveries(ctx, []*store.Delivery{NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())})
			return err
		},
		"ClaimDeliveries": func(ctx context.Context) error {
			_, err := s.ClaimDeliveries(ctx, store.ClaimParams{Now: BaseTime(), Limit: 1})
			return err
		},
		"ReleaseDeliveries": func(ctx context.Context) error { return s.ReleaseDeliveries(ctx, []string{d}) },
		"RecordAttempts": func(ctx context.Context) error {
			_, err := s.RecordAttempts(ctx, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
				{Attempt: successAttempt(d, BaseTime()), Status: store.StatusSuccess},
			}})
			return err
		},
		"GetDelivery": func(ctx context.Context) error {
			_, err := s.GetDelivery(ctx, admin, d)
			return err
		},
		"ListDeliveries": func(ctx context.Context) error {
			_, err := s.ListDeliveries(ctx, store.DeliveryQuery{Access: admin})
			return err
		},
		"RetryDelivery": func(ctx context.Context) error {
			_, err := s.RetryDelivery(ctx, store.RetryParams{Access: admin, ID: d, Now: BaseTime()})
			return err
		},
		"PruneDeliveries": func(ctx context.Context) error {
			_, err := s.PruneDeliveries(ctx, store.PruneParams{Before: BaseTime()})
			return err
		},
	}
	for name, call := range calls {
		require.ErrorIs(t, call(ctx), store.ErrClosed, name)
	}
}
