package sqlite_test

import (
	"testing"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openAt(t, tempPath(t), nil)
	})
}
