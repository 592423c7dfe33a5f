//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/console).

package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/store"
)

// apologyEntry surveys by email and apologizes by SMS for a low score.
func apologyEntry(t *testing.T) entry.Entry {
	t.Helper()
	e, err := entry.Decode([]byte(`{"id": "apology", "name": "Apology",
	  "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
	  "steps": [
	    {"id": "survey", "type": "send_survey", "channel": "email", "question": "How did we do?", "subject": "How did we do?",
	     "text": "Tell us: $(survey.url)", "wait": "2d"},
	    {"id": "check", "type": "if", "condition": "survey.answered && survey.score <= 2",
	     "then": [{"id": "sorry", "type": "send_sms", "text": "Sorry, $(customer.first_name)."}]}]}`))
	require.NoError(t, err)
	return e
}

// blockOf is the form key of the block whose step id is id.
func (e *editor) blockOf(id string) string {
	e.c.t.Helper()
	for k, v := range e.form {
		if strings.HasSuffix(k, ".id") && len(v) == 1 && v[0] == id {
			return strings.TrimSuffix(k, ".id")
		}
	}
	e.c.t.Fatalf("no block with id %q in the form", id)
	return ""
}

func TestSimulateShowsTheTimelineOfTheUnsavedEntry(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.service.Simulation.PublicURL = "http://localhost"
	c.signIn(testToken)
	_, err := c.service.CreateEntry(context.Background(), apologyEntry(t))
	require.NoError(t, err)
	e := c.openEditor("/console/entries/apology")
	require.Contains(t, e.form.Get(fieldSimEvent), `"interaction_id": "INT-1001"`, "the screen starts with SPEC's example event")

	e.form.Set(e.blockOf("sorry")+".f.text", "We are sorry, $(customer.first_name). Call us back.") // not saved
	e.form.Set(fieldSimAnswer, "2")
	e.form.Set(fieldSimAfter, "3h")
	e.form.Set(fieldSimWhen, "2026-11-23T17:00")
	e.press(opSimulate)

	require.Equal(t, http.StatusOK, e.status, string(e.page))
	page := string(e.page)
	for _, want := range []string{"survey answered: 2", "then (survey.answered &amp;&amp; survey.score &lt;= 2 holds)",
		"We are sorry, Ada. Call us back.", "Tell us: http://localhost/s/simulated", "+3h", "Mon 23 Nov 20:00 UTC"} {
		require.Contains(t, page, want)
	}
	saved, err := c.service.Entry(context.Background(), "apology")
	require.NoError(t, err)
	require.Equal(t, 1, saved.Version, "simulating saves nothing")
	require.Equal(t, "We are sorry, $(customer.first_name). Call us back.", e.form.Get(e.blockOf("sorry")+".f.text"), "the change is kept")

	e.form.Set(fieldSimEvent, `{"interaction_id": "INT-1", "service": "x", "disposition": "Spam"}`)
	e.press(opSimulate)
	require.Contains(t, string(e.page), "This entry would start no run for this event")
}

func TestSimulateSaysWhatIsWrongAndWhere(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	_, err := c.service.CreateEntry(context.Background(), apologyEntry(t))
	require.NoError(t, err)
	e := c.openEditor("/console/entries/apology")

	e.form.Set(fieldSimEvent, `{"interaction_id": "INT-1", "service": 7}`)
	e.press(opSimulate)
	require.Equal(t, http.StatusOK, e.status, string(e.page))
	require.Contains(t, string(e.page), `id="sim-event-error"`)
	require.Contains(t, string(e.page), "service: expected a string, got number")

	e.form.Set(fieldSimEvent, `{"interaction_id": "INT-1", "service": "Billing Support", "disposition": "Problem solved"}`)
	e.form.Set(fieldSimAnswer, "2")
	e.form.Set(fieldSimAfter, "3 dayz")
	e.press(opSimulate)
	require.Contains(t, string(e.page), `id="sim-after-error"`)

	e.form.Set(fieldSimAfter, "1h")
	e.form.Set(e.blockOf("check")+".f.condition", "survey.score <=")
	e.press(opSimulate)
	require.Contains(t, string(e.page), "Fix the entry&#39;s problems (marked on the page) to simulate it.")
	require.Contains(t, string(e.page), "error-summary", "the condition's problem shows as a save's would")
}

// keep records ended interactions as ingest keeps them, ended hours ago.
func keep(t *testing.T, st *store.Store, dispositions ...string) {
	t.Helper()
	var list []store.RecordedInteraction
	for i, d := range dispositions {
		ended := time.Now().Add(-time.Duration(24*i+5) * time.Hour)
		ev := interaction.Event{InteractionID: fmt.Sprintf("KEPT-%d-%d", i, time.Now().UnixNano()), Service: "Billing Support", Disposition: d,
			EndedAt: &ended, Customer: &interaction.Customer{ID: fmt.Sprintf("C-%d", i), FirstName: "Ada", Email: fmt.Sprintf("c%d@example.com", i),
				Phone: fmt.Sprintf("+155500000%02d", i), TimeZone: "America/New_York"}}
		data, err := json.Marshal(ev)
		require.NoError(t, err)
		list = append(list, store.RecordedInteraction{InteractionID: ev.InteractionID, CustomerID: ev.Customer.ID, EndedAt: ended, Event: data})
	}
	require.NoError(t, st.RecordInteractions(context.Background(), list))
}

func TestTheForecastShowsTheLastSevenDaysAsAChartAndATable(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	keep(t, c.service.Store, "Problem solved", "Spam", "Problem solved", "Problem solved")
	e := c.openEditor("/console/entries/new")
	e.form.Set("name", "Forecast me")
	e.press(opAddTrigger)
	trigger := e.last("trigger")
	e.form.Set(trigger+".type", entry.TriggerDisposition)
	e.form.Set(trigger+".disposition", "Problem solved")
	e.press(opAdd + ":" + entry.StepSendSMS)
	e.form.Set(e.last("block")+".f.text", "Thanks, $(customer.first_name)")

	e.press(opForecast)

	page := string(e.page)
	require.Equal(t, http.StatusOK, e.status, page)
	require.Contains(t, page, "4 interactions in the period; the entry matches 75.0 % of them: 3 runs, 3 messages sent")
	require.Contains(t, page, `<svg class="bars bars-wide"`)
	require.Contains(t, page, `<svg class="bars bars-narrow"`, "and a row per day on a phone")
	require.Contains(t, page, `role="img" aria-label="Messages per day:`)
	require.Equal(t, 3, strings.Count(page, `<td class="num" data-label="SMS sent">1</td>`), "a row per day, each with its SMS")
	entries, err := c.service.Entries(context.Background())
	require.NoError(t, err)
	require.Empty(t, entries, "the new entry is not saved")
}

func TestAForecastStillRunningIsPolled(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.service.Simulation.Wait = time.Nanosecond
	c.signIn(testToken)
	keep(t, c.service.Store, "Problem solved", "Problem solved")
	_, err := c.service.CreateEntry(context.Background(), apologyEntry(t))
	require.NoError(t, err)
	e := c.openEditor("/console/entries/apology")

	e.press(opForecast)

	page := string(e.page)
	require.Contains(t, page, "Forecasting:")
	start := strings.Index(page, `hx-get="`) + len(`hx-get="`)
	poll := strings.ReplaceAll(page[start:start+strings.Index(page[start:], `"`)], "&amp;", "&")
	require.True(t, strings.HasPrefix(poll, "/console/simulations/sim_"), poll)
	require.Eventually(t, func() bool {
		resp, body := c.do(http.MethodGet, poll, nil)
		return resp.StatusCode == http.StatusOK && strings.Contains(string(body), "2 interactions in the period")
	}, 30*time.Second, 50*time.Millisecond)
}
