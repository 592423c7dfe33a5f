//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// loadEntry fires on the disposition of the load command's default event
// and finishes at once, so a load run leaves no run waiting.
func loadEntry() map[string]any {
	return map[string]any{
		"id":       "load-check",
		"name":     "Load check",
		"service":  "Billing Support",
		"triggers": []any{map[string]any{"type": "disposition", "disposition": "Problem solved"}},
		"steps":    []any{map[string]any{"id": "mark", "type": "set_variable", "name": "load", "value": "yes"}},
	}
}

// loadIDs finds the first and last interaction id in ccflowctl load's output.
var loadIDs = regexp.MustCompile(`interaction ids (\S+) … (\S+)\n`)

func TestLoadStartsOneRunPerEvent(t *testing.T) {
	s := startSystem(t)
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", loadEntry(), nil))

	out := s.mustCtl("load", "--events", "20", "--concurrency", "4")

	require.Contains(t, out, "events       20 of 20 sent\n")
	require.Contains(t, out, "matches      20 started, 0 already started, 0 would start; 0 events matched no entry\n")
	require.Contains(t, out, "errors       0\n")
	ids := loadIDs.FindStringSubmatch(out)
	require.NotNil(t, ids, "the output names the interaction ids")
	for _, id := range ids[1:] {
		run := s.waitForRun("load-check/"+id, "completed", 15*time.Second)
		require.Equal(t, "load-check", run["entry_id"])
		require.Equal(t, id, run["interaction_id"])
	}
}

func TestLoadDryRunStartsNoRun(t *testing.T) {
	s := startSystem(t)
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", loadEntry(), nil))

	out := s.mustCtl("load", "--events", "5", "--concurrency", "2", "--dry-run")

	require.Contains(t, out, "matches      0 started, 0 already started, 5 would start; 0 events matched no entry\n")
	ids := loadIDs.FindStringSubmatch(out)
	require.NotNil(t, ids, "the output names the interaction ids")
	require.Equal(t, http.StatusNotFound, s.call(http.MethodGet, "/v1/workflows/"+urlEscape("load-check/"+ids[1]), nil, nil))
}
