//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/examples"
	"github.com/ccflow/ccflow/store"
)

// example is SPEC's example event, as a value to change.
func example(t *testing.T) map[string]any {
	t.Helper()
	var ev map[string]any
	require.NoError(t, json.Unmarshal(examples.InteractionEnded, &ev))
	return ev
}

// apologyDraft is a post-call survey that apologizes for a low score.
func apologyDraft(name string) map[string]any {
	e := surveyEntry(name)
	e["steps"] = []any{
		map[string]any{"id": "survey", "type": "send_survey", "channel": "email", "question": "How did we do?",
			"subject": "How did we do, $(customer.first_name)?", "text": "Tell us: $(survey.url)", "wait": "2d"},
		map[string]any{"id": "check", "type": "if", "condition": "survey.answered && survey.score <= 2",
			"then": []any{map[string]any{"id": "apology", "type": "send_sms", "text": "Sorry, $(customer.first_name). We will call you."}}},
	}
	return e
}

// noonNewYork is a moment inside every default sending window of SPEC's
// example customer.
const noonNewYork = "2026-11-23T17:00:00Z"

func TestASimulationAnswersEachRunsTimeline(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	res := decode[map[string]any](t, a.call(http.MethodPost, "/v1/simulations", map[string]any{
		"entry":    apologyDraft("Simulated apology"),
		"event":    example(t),
		"customer": map[string]any{"answers": map[string]any{"score": 2, "after": "3h"}, "delivery": "delivered"},
		"now":      noonNewYork,
	}), http.StatusOK)

	runs := res["runs"].([]any)
	require.Len(t, runs, 1)
	run := runs[0].(map[string]any)
	require.Equal(t, "simulated-apology", run["entry_id"])
	require.Equal(t, "INT-1001", run["interaction_id"])
	var kinds []string
	for _, s := range run["timeline"].([]any) {
		st := s.(map[string]any)
		kinds = append(kinds, fmt.Sprintf("%s %s %s", st["at"], st["step_id"], st["kind"]))
	}
	require.Equal(t, []string{
		"2026-11-23T17:00:00Z survey sent", "2026-11-23T17:00:00Z survey waited", "2026-11-23T20:00:00Z survey event",
		"2026-11-23T20:00:00Z check branch", "2026-11-23T20:00:00Z apology sent",
	}, kinds)
	apology := run["timeline"].([]any)[4].(map[string]any)
	require.Equal(t, "Sorry, Ada. We will call you.", apology["preview"])
	require.Equal(t, "+15551234567", apology["to"])
	require.Equal(t, map[string]any{"at": "2026-11-23T20:00:00Z", "status": "completed"}, run["ended"])
	totals := res["totals"].(map[string]any)
	require.EqualValues(t, 1, totals["events"])
	require.EqualValues(t, 1, totals["match_share"])
	require.Equal(t, map[string]any{"sent": 1.0, "skipped": 0.0, "answered": 1.0}, totals["surveys"])

	// Nothing of it was written.
	for _, table := range []string{"deliveries", "surveys", "survey_answers", "runs"} {
		var n int
		require.NoError(t, a.store.DB().Get(&n, `SELECT count(*) FROM `+table))
		require.Zero(t, n, table)
	}
}

func TestASimulationOfASavedEntryAndAnEventItDoesNotMatch(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(apologyDraft("Saved apology"))
	spam := example(t)
	spam["disposition"] = "Spam"

	matched := decode[map[string]any](t, a.call(http.MethodPost, "/v1/simulations",
		map[string]any{"entry_id": "saved-apology", "event": example(t), "now": noonNewYork}), http.StatusOK)
	none := decode[map[string]any](t, a.call(http.MethodPost, "/v1/simulations",
		map[string]any{"entry_id": "saved-apology", "event": spam}), http.StatusOK)

	require.Len(t, matched["runs"], 1)
	require.Equal(t, "survey not answered within 2d", matched["runs"].([]any)[0].(map[string]any)["timeline"].([]any)[2].(map[string]any)["reason"])
	require.Empty(t, none["runs"])
	require.EqualValues(t, 0, none["totals"].(map[string]any)["match_share"])
}

func TestSimulationsWithBadInputAre400NamingTheField(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	good := func(change func(body map[string]any)) map[string]any {
		body := map[string]any{"entry": apologyDraft("Bad input"), "event": example(t)}
		change(body)
		return body
	}
	badStep := apologyDraft("Bad step")
	badStep["steps"] = []any{map[string]any{"type": "wait", "duration": "3 dayz"}}
	noName := apologyDraft("")
	tests := []struct {
		name  string
		body  any
		field string
	}{
		{"an invalid draft", good(func(b map[string]any) { b["entry"] = badStep }), "entry.steps[0].duration"},
		{"a draft without a name (the entry API's words)", good(func(b map[string]any) { b["entry"] = noName }), "entry.id"},
		{"a draft with an unknown field", good(func(b map[string]any) { b["entry"] = map[string]any{"name": "x", "stepz": []any{}} }), "entry.stepz"},
		{"no entry", good(func(b map[string]any) { delete(b, "entry") }), "entry"},
		{"an entry that does not exist", good(func(b map[string]any) { delete(b, "entry"); b["entry_id"] = "nope" }), "entry_id"},
		{"a draft and an entry id", good(func(b map[string]any) { b["entry_id"] = "nope" }), "entry_id"},
		{"no event", good(func(b map[string]any) { delete(b, "event") }), "event"},
		{"an event and events", good(func(b map[string]any) { b["events"] = []any{example(t)} }), "event"},
		{"an invalid event", good(func(b map[string]any) { b["event"] = map[string]any{"service": "x"} }), "event.interaction_id"},
		{"an invalid event in a list", good(func(b map[string]any) {
			bad := example(t)
			bad["customer"].(map[string]any)["email"] = "not an address"
			delete(b, "event")
			b["events"] = []any{example(t), bad}
		}), "events[1].customer.email"},
		{"a period over 31 days", good(func(b map[string]any) {
			delete(b, "event")
			b["recorded"] = map[string]any{"from": "2026-10-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}
		}), "recorded.to"},
		{"a period that ends before it starts", good(func(b map[string]any) {
			delete(b, "event")
			b["recorded"] = map[string]any{"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"}
		}), "recorded.to"},
		{"a period without its start", good(func(b map[string]any) {
			delete(b, "event")
			b["recorded"] = map[string]any{"to": "2026-11-01T00:00:00Z"}
		}), "recorded.from"},
		{"now with a period", good(func(b map[string]any) {
			delete(b, "event")
			b["now"] = noonNewYork
			b["recorded"] = map[string]any{"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}
		}), "now"},
		{"a policy with bad values", good(func(b map[string]any) {
			b["policy"] = map[string]any{"caps": []any{map[string]any{"channel": "any", "max": 4, "per": "30s"}}}
		}),
			"policy.caps[0].per"},
		{"a policy with a bad quiet window", good(func(b map[string]any) {
			b["policy"] = map[string]any{"quiet_hours": map[string]any{"sms": map[string]any{"start": "25:00", "end": "21:00"}}}
		}), "policy.quiet_hours.sms.start"},
		{"a score off the scale", good(func(b map[string]any) { b["customer"] = map[string]any{"answers": map[string]any{"score": 9}} }), "customer.answers.score"},
		{"an answer without a score", good(func(b map[string]any) { b["customer"] = map[string]any{"answers": map[string]any{"after": "1h"}} }), "customer.answers.score"},
		{"an answer after a bad duration", good(func(b map[string]any) {
			b["customer"] = map[string]any{"answers": map[string]any{"score": 2, "after": "3 dayz"}}
		}), "customer.answers.after"},
		{"answers that are neither none nor an answer", good(func(b map[string]any) { b["customer"] = map[string]any{"answers": "sometimes"} }), "customer.answers"},
		{"an unknown field of an answer", good(func(b map[string]any) {
			b["customer"] = map[string]any{"answers": map[string]any{"score": 2, "comment": "x"}}
		}),
			"customer.answers.comment"},
		{"a delivery that is neither", good(func(b map[string]any) { b["customer"] = map[string]any{"delivery": "lost"} }), "customer.delivery"},
		{"an unknown member", good(func(b map[string]any) { b["customers"] = map[string]any{} }), "customers"},
		{"a NUL in the draft", good(func(b map[string]any) { b["entry"].(map[string]any)["name"] = "a\x00b" }), "entry.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := requireError(t, a.call(http.MethodPost, "/v1/simulations", tt.body), http.StatusBadRequest)
			require.Equal(t, tt.field, e.Field, e.Message)
		})
	}
}

// recordMany keeps n interactions that ended in the hour after start, as
// ingest keeps them.
func recordMany(t *testing.T, st *store.Store, start time.Time, n int) {
	t.Helper()
	_, err := st.DB().Exec(`
		INSERT INTO recorded_interactions (interaction_id, customer_id, ended_at, event)
		SELECT 'REC-' || i, 'C-' || i, $1::timestamptz + (i % 3600) * interval '1 second',
			convert_to('{"interaction_id": "REC-' || i || '", "service": "Billing Support", "disposition": "Problem solved"}', 'UTF8')
		FROM generate_series(1, $2) AS i`, start, n)
	require.NoError(t, err)
}

func TestASimulationOfMoreThan100000RecordedInteractionsIs400(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	recordMany(t, a.store, start, 100_001)

	e := requireError(t, a.call(http.MethodPost, "/v1/simulations", map[string]any{"entry": apologyDraft("Too many"),
		"recorded": map[string]any{"from": "2026-11-01T00:00:00Z", "to": "2026-11-08T00:00:00Z"}}), http.StatusBadRequest)

	require.Equal(t, "recorded", e.Field, e.Message)
}

// A simulation of many events answers the job to poll; another one while
// it runs is refused with when to try again; the job ends with the totals.
func TestALongSimulationIsAJobAndASecondOneWaits(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.service.Simulation.Wait = 100 * time.Millisecond
	start := time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC)
	recordMany(t, a.store, start, 3000)
	body := map[string]any{"entry": apologyDraft("Long"), "recorded": map[string]any{"from": "2026-11-02T00:00:00Z", "to": "2026-11-03T00:00:00Z"}}

	first := a.call(http.MethodPost, "/v1/simulations", body)
	job := decode[map[string]any](t, first, http.StatusAccepted)
	second := a.call(http.MethodPost, "/v1/simulations", body)

	require.Equal(t, "/v1/simulations/"+job["id"].(string), first.Header().Get("Location"))
	require.Equal(t, "running", job["status"])
	require.EqualValues(t, 3000, job["progress"].(map[string]any)["total"])
	requireError(t, second, http.StatusTooManyRequests)
	retry, err := strconv.Atoi(second.Header().Get("Retry-After"))
	require.NoError(t, err)
	require.Positive(t, retry)

	var done map[string]any
	require.Eventually(t, func() bool {
		done = decode[map[string]any](t, a.call(http.MethodGet, first.Header().Get("Location"), nil), http.StatusOK)
		return done["status"] != "running"
	}, 2*time.Minute, 200*time.Millisecond)
	require.Equal(t, "done", done["status"], done["error"])
	totals := done["result"].(map[string]any)["totals"].(map[string]any)
	require.EqualValues(t, 3000, totals["events"])
	require.EqualValues(t, 3000, totals["runs"])
	require.Len(t, done["result"].(map[string]any)["runs"], 100)
	require.EqualValues(t, 2900, done["result"].(map[string]any)["runs_left_out"])
	require.Equal(t, map[string]any{"events": 3000.0, "total": 3000.0}, done["progress"])

	// The slot is free again.
	again := a.call(http.MethodPost, "/v1/simulations", map[string]any{"entry": apologyDraft("Long"), "event": example(t)})
	require.Equal(t, http.StatusOK, again.Code, again.Body.String())
}

func TestAnUnknownSimulationIs404(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	requireError(t, a.call(http.MethodGet, "/v1/simulations/sim_nope", nil), http.StatusNotFound)
}

// Ingest keeps each ended interaction, matching or not; a simulation
// replays the period's through a draft.
func TestIngestKeepsInteractionsASimulationReplays(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	day := time.Date(2026, 11, 4, 15, 0, 0, 0, time.UTC)
	for i, disposition := range []string{"Problem solved", "Spam", "Problem solved", "Answer provided"} {
		ev := example(t)
		ev["interaction_id"] = uniqueID(fmt.Sprintf("KEEP-%d", i))
		ev["disposition"] = disposition
		ev["ended_at"] = day.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		ev["customer"].(map[string]any)["id"] = fmt.Sprintf("C-keep-%d", i)
		decode[map[string]any](t, a.call(http.MethodPost, "/v1/interactions/ended", ev), http.StatusOK)
	}
	dry := example(t)
	dry["interaction_id"] = uniqueID("DRY")
	dry["ended_at"] = day.Format(time.RFC3339)
	decode[map[string]any](t, a.call(http.MethodPost, "/v1/interactions/ended?dry_run=true", dry), http.StatusOK)

	res := decode[map[string]any](t, a.call(http.MethodPost, "/v1/simulations", map[string]any{"entry": apologyDraft("Replay"),
		"recorded": map[string]any{"from": "2026-11-04T00:00:00Z", "to": "2026-11-05T00:00:00Z"}}), http.StatusOK)

	totals := res["totals"].(map[string]any)
	require.EqualValues(t, 4, totals["events"], "a dry run keeps nothing")
	require.EqualValues(t, 2, totals["matched"])
	require.EqualValues(t, 0.5, totals["match_share"])
	require.Len(t, res["runs"], 2)
	var n int
	require.NoError(t, a.store.DB().GetContext(context.Background(), &n, `SELECT count(*) FROM recorded_interactions`))
	require.Equal(t, 4, n)
}
