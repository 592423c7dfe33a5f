//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./activities).

package activities_test

import (
	"testing"

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
	}
}
