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
// the integration; they do not stop the pass.
func (s *Service) autoSyncOnce(ctx context.Context) int {
	log := s.d.cfg.Logger
	synced := 0
	for offset := 0; ctx.Err() == nil; offset += autoSyncPage {
		p := store.ListParams{Access: store.AsAdmin(), ActiveOnly: true, Limit: autoSyncPage, Offset: offset}
		recs, err := s.st.ListGitHubIntegrations(ctx, p)
		if err != nil {
			log.ErrorContext(ctx, "integrations: auto sync could not list GitHub integrations", "error", err)
			return synced
		}
		for _, rec := range recs {
			if !rec.AutoSyncPRs || ctx.Err() != nil {
				continue
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
		if len(recs) < autoSyncPage {
			return synced
		}
	}

	return synced
}
