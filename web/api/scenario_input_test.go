//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// The scenario steps' and the policy's bad input is a 400 naming the
// field, through the API.
func TestScenarioStepsWithBadInputAre400NamingTheField(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	branches := func(weights ...int) []any {
		var out []any
		for i, w := range weights {
			out = append(out, map[string]any{"id": string(rune('a' + i)), "weight": w})
		}
		return out
	}
	tests := []struct {
		name  string
		step  map[string]any
		field string
	}{
		{"wait_until at 25:00", map[string]any{"type": "wait_until", "time": "25:00"}, "steps[0].time"},
		{"an unknown day", map[string]any{"type": "wait_until", "time": "10:00", "days": []any{"mon", "funday"}}, "steps[0].days[1]"},
		{"weights summing to 90", map[string]any{"id": "ab", "type": "split", "branches": branches(50, 40)}, "steps[0].branches"},
		{"a zero weight", map[string]any{"id": "ab", "type": "split", "branches": branches(60, 40, 0)}, "steps[0].branches[2].weight"},
		{"a split with one branch", map[string]any{"id": "ab", "type": "split", "branches": branches(100)}, "steps[0].branches"},
		{"a split without an id", map[string]any{"type": "split", "branches": branches(50, 50)}, "steps[0].id"},
		{"an event name that is not a simple name", map[string]any{"type": "wait_for_event", "name": "case closed", "timeout": "1d"}, "steps[0].name"},
		{"fallback_after on an email", map[string]any{"type": "send_email", "subject": "Hi", "text": "x", "fallback_after": "10m"},
			"steps[0].fallback_after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := surveyEntry("Bad " + tt.name)
			body["steps"] = []any{tt.step}
			e := requireError(t, a.call(http.MethodPost, "/v1/entries", body), http.StatusBadRequest)
			require.Equal(t, tt.field, e.Field, e.Message)
		})
	}
}

func TestPolicyCapsAndHolidaysWithBadInputAre400NamingTheField(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	tests := []struct{ doc, field string }{
		{`{"caps": [{"channel": "any", "max": 4, "per": "30s"}]}`, "caps[0].per"},
		{`{"caps": [{"channel": "any", "max": 0, "per": "2d"}]}`, "caps[0].max"},
		{`{"caps": [{"channel": "fax", "max": 1, "per": "2d"}]}`, "caps[0].channel"},
		{`{"holidays": [{"date": "Christmas"}]}`, "holidays[0].date"},
		{`{"holidays_quiet": 1}`, "holidays_quiet"},
	}
	for _, tt := range tests {
		e := requireError(t, a.call(http.MethodPut, "/v1/policy", tt.doc), http.StatusBadRequest)
		require.Equal(t, tt.field, e.Field, tt.doc)
	}

	saved := decode[map[string]any](t, a.call(http.MethodPut, "/v1/policy", `{"caps": [{"channel": "any", "max": 4, "per": "2d"}],
		"holidays": [{"date": "2026-12-25"}, {"date": "2027-01-01", "service": "Billing Support"}], "holidays_quiet": true}`), http.StatusOK)
	require.Equal(t, []any{map[string]any{"channel": "any", "max": float64(4), "per": "2d"}}, saved["caps"])
	require.Equal(t, true, saved["holidays_quiet"])
	got := decode[map[string]any](t, a.call(http.MethodGet, "/v1/policy", nil), http.StatusOK)
	require.Len(t, got["holidays"], 2)
}
