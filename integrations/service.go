package integrations

import (
	"time"

	"github.com/hishamos/integrations-external/store"
)

// Service holds every operation the REST API offers: CRUD on each record
// with ownership, email settings, delivery history and manual retry, secret
// generation and rotation, and the synchronous verify, sync and test
// operations. Get one from Dispatcher.Service. A Service is safe for
// concurrent use.
//
// Every method takes the Caller it acts for. Ordinary callers see and
// change only their own records. Another user's record is reported as not
// found (an error wrapping store.ErrNotFound), so ids do not leak.
// Invalid input is a *ValidationError; a failure of Slack, GitHub or the
// SMTP server is a *RemoteError.
type Service struct {
	d  *Dispatcher
	st store.Store
}

func (s *Service) now() time.Time { return s.d.cfg.Now().UTC() }
