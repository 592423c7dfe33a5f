//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./activities).

package activities_test

import (
	"testing"
	"time"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/internal/testenv"
)

// newActivities returns activities on a fresh store, sending from
// support@example.com through whatever the test plugs in.
func newActivities(t *testing.T) *activities.Activities {
	t.Helper()
	return &activities.Activities{
		Store:     testenv.Store(t),
		Signer:    tokens.NewSigner([]byte("test key, 32 bytes long at least")),
		PublicURL: "https://surveys.example.com",
		From:      "support@example.com",
		Now:       middayClock(),
	}
}

// middayClock runs from 17:00 UTC (noon in New York) on, so SMS sends fall inside the default
// window (08:00 to 21:00) in UTC and in New York whenever the tests run.
func middayClock() func() time.Time {
	start := time.Now()
	noon := time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)
	return func() time.Time { return noon.Add(time.Since(start)) }
}
