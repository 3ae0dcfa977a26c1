package memory_test

import (
	"testing"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
	"github.com/hishamos/integrations-external/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := memory.New(memory.Options{})
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
