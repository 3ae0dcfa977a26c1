package integrations

import "github.com/hishamos/integrations-external/store"

// Service holds every operation the REST API offers: CRUD on each record
// with ownership, email settings, delivery history and manual retry, secret
// generation and rotation, and the synchronous verify, sync and test
// operations. Get one from Dispatcher.Service.
type Service struct {
	d  *Dispatcher
	st store.Store
}
