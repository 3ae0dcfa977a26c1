package integrations_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run when a test leaves a goroutine behind, such as a
// worker that Stop did not join.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
