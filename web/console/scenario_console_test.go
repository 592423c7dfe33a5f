//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/console).

package console

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/policy"
)

func TestThePolicyFormSavesRollingCapsAndHolidays(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	_, page := c.do(http.MethodGet, "/console/opt-outs", nil)
	form := formOf(t, page, "/console/opt-outs/policy")

	form.Set("caps", "any 4 per 30s")
	resp, page := c.do(http.MethodPost, "/console/opt-outs/policy", form)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, string(page), `id="f-caps-error"><p>&#34;30s&#34; is shorter than a minute`)

	form.Set("caps", "any 4 per 2d\r\nsms 6 per 14d")
	form.Set("holidays", "2026-12-25\r\n2027-01-01 Billing Support")
	form.Set("holidays_quiet", "1")
	resp, _ = c.do(http.MethodPost, "/console/opt-outs/policy", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	saved, err := c.service.Policy(context.Background())
	require.NoError(t, err)
	require.Equal(t, []policy.Cap{{Channel: "any", Max: 4, Per: "2d"}, {Channel: "sms", Max: 6, Per: "14d"}}, saved.Caps)
	require.Equal(t, []policy.Holiday{{Date: "2026-12-25"}, {Date: "2027-01-01", Service: "Billing Support"}}, saved.Holidays)
	require.True(t, saved.HolidaysQuiet)

	_, page = c.do(http.MethodGet, "/console/opt-outs", nil)
	again := formOf(t, page, "/console/opt-outs/policy")
	require.Equal(t, "any 4 per 2d\r\nsms 6 per 14d", again.Get("caps"), "the form shows what was saved")
	require.Equal(t, "1", again.Get("holidays_quiet"))
}

// Try it says when an entry matches but leaves the customer out of its
// sample, and starts nothing for them.
func TestTryItSaysWhenTheCustomerIsSampledOut(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	ctx := context.Background()
	pct := 10
	e, err := c.service.CreateEntry(ctx, entry.Entry{Name: "Sampled callers", Enabled: true, SamplePercent: &pct,
		Triggers: []entry.Trigger{{Type: entry.TriggerAverageSentiment, Operator: ">", Threshold: threshold(0.5)}},
		Steps:    []entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}})
	require.NoError(t, err)
	out := ""
	for i := 0; out == ""; i++ {
		if id := fmt.Sprintf("C-%d", i); !entry.Sampled(e, id, "") {
			out = id
		}
	}
	_, page := c.do(http.MethodGet, "/console/try?entry=sampled-callers", nil)
	form := formOf(t, page, "/console/try")
	id := fmt.Sprintf("INT-%d", time.Now().UnixNano())
	form.Set("event", fmt.Sprintf(`{"interaction_id": %q, "service": "S", "average_sentiment": 0.62, "customer": {"id": %q}}`, id, out))

	for _, op := range []string{tryDryRun, tryStart} {
		form.Set(fieldOp, op)
		resp, page := c.do(http.MethodPost, "/console/try", form)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, string(page), "matches, but this customer is not in its sample")
		require.Contains(t, string(page), "sampled out (this customer is not in the entry&#39;s sample)")
		require.NotContains(t, string(page), "See the run")
	}
	_, err = c.service.Store.Run(ctx, "sampled-callers/"+id)
	require.Error(t, err, "no run was started")
}
