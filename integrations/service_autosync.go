package integrations

import (
	"context"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// autoSyncPage is how many integrations one store read returns.
const autoSyncPage = 100

// runAutoSync syncs the pull requests of every active integration with
// auto_sync_prs on, once per interval, until ctx ends. The dispatcher runs
// it on its own goroutine between Start and Stop.
func (s *Service) runAutoSync(ctx context.Context) {
	ticker := time.NewTicker(s.d.cfg.AutoSyncInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			s.autoSyncOnce(ctx)
		}
	}
}

// autoSyncOnce runs one background sync pass and returns how many
// integrations synced successfully. Failures are logged and recorded on
// the integration; they do not stop the pass. The pass lists every
// integration before it syncs any, because a sync can deactivate one (a
// revoked token), which would shift later pages of the list.
func (s *Service) autoSyncOnce(ctx context.Context) int {
	log := s.d.cfg.Logger
	var due []*store.GitHubIntegration
	for offset := 0; ctx.Err() == nil; offset += autoSyncPage {
		p := store.ListParams{Access: store.AsAdmin(), ActiveOnly: true, Limit: autoSyncPage, Offset: offset}
		recs, err := s.st.ListGitHubIntegrations(ctx, p)
		if err != nil {
			log.ErrorContext(ctx, "integrations: auto sync could not list GitHub integrations", "error", err)
			return 0
		}
		for _, rec := range recs {
			if rec.AutoSyncPRs {
				due = append(due, rec)
			}
		}
		if len(recs) < autoSyncPage {
			break
		}
	}
	synced := 0
	for _, rec := range due {
		if ctx.Err() != nil {
			break
		}
		n, err := s.syncPullRequests(ctx, store.AsAdmin(), rec)
		if err != nil {
			log.WarnContext(ctx, "integrations: auto sync of pull requests failed",
				"integration_id", rec.ID, "error", err)
			continue
		}
		synced++
		log.DebugContext(ctx, "integrations: auto sync stored pull requests",
			"integration_id", rec.ID, "count", n)
	}

	return synced
}
