// Package storetest is the conformance suite for store.Store backends.
//
// A backend's tests call [Run] with a function that opens a fresh, empty
// store. Every subtest takes its own store, so subtests run in parallel and
// never see each other's records.
//
// # Decisions the suite fixes
//
// Where the documentation of package store leaves a choice open, an
// assertion in this suite fixes it, and a comment beside the assertion
// starting with "Contract:" states the rule. A backend that passes the suite
// behaves like every other backend, so hosts can switch backends freely.
//
// # Time
//
// Times that drive the queue (claim, record, retry, prune) come from the
// params structs, so the suite uses a fixed base time and never sleeps.
// Only CreatedAt and UpdatedAt of configuration records come from the
// backend's own clock.
package storetest

import (
	"testing"

	"github.com/hishamos/integrations-external/store"
)

// NewStoreFunc opens a fresh, empty store for one test. It should register
// the store's Close with t.Cleanup and fail t when the store cannot open.
type NewStoreFunc func(t *testing.T) store.Store

// conformanceTest is one subtest of the suite.
type conformanceTest struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// Run runs the conformance suite against the backend that newStore opens.
// Each subtest calls newStore once and runs in parallel with the others.
// The concurrency subtests also start goroutines on their own store.
func Run(t *testing.T, newStore NewStoreFunc) {
	t.Helper()

	var tests []conformanceTest
	tests = append(tests, configTests()...)
	tests = append(tests, emailTests()...)
	tests = append(tests, webhookTests()...)
	tests = append(tests, pullRequestTests()...)
	tests = append(tests, enqueueTests()...)
	tests = append(tests, claimTests()...)
	tests = append(tests, recordTests()...)
	tests = append(tests, historyTests()...)
	tests = append(tests, versionTests()...)
	tests = append(tests, closeTests()...)

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newStore(t))
		})
	}
}
