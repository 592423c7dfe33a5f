//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/policy"
)

// An administrator builds the scenario steps in the console, at desktop
// width and looked at on a phone: a wait until 10:00 on weekdays, a wait
// for case_closed, an A/B split with an SMS in one branch, an SMS whose
// fallback is an email, a 20 % sample; then rolling caps and holidays in
// the contact policy. What they saved reads back through the JSON API.
func TestAnAdministratorBuildsTheScenarioStepsInTheConsole(t *testing.T) {
	s := startSystem(t)
	b := newConsoleBrowser(t, s)
	b.signIn()
	b.click("a.add", `document.querySelector("h1").textContent === "New workflow entry"`)
	b.fill("#f-name", "Callback scenario")
	b.click("#add-trigger", `document.querySelector(".trigger.editing") !== null`)
	trigger := fmt.Sprint(b.eval(`document.querySelector(".trigger.editing input[name=trigger]").value`))
	b.choose("#f-"+trigger+"-type", entry.TriggerDisposition)
	b.choose("#f-"+trigger+"-disposition", "Problem solved")
	b.click("#apply-"+trigger, `document.querySelector("#edit-`+trigger+`") !== null`)
	b.fill("#f-sample_percent", "20")

	added := func(typ, list string) string {
		before := b.eval(`document.querySelectorAll("input[name=block]").length`)
		if list != "" {
			b.choose("#palette", list)
		}
		b.click(`.palette-item button[value="add:`+typ+`"]`, fmt.Sprintf(`document.querySelectorAll("input[name=block]").length > %v`, before))
		return fmt.Sprint(b.eval(`document.activeElement.id`))[len("sum-"):]
	}
	until := added(entry.StepWaitUntil, "")
	b.fill("#f-"+until+"-time", "10:00")
	for _, day := range entry.Weekdays {
		b.do(chromedp.Click(chromedp.CSS(`input[name="` + until + `.f.days"][value="` + day + `"]`)))
	}
	b.fill("#f-"+until+"-at_least", "12h")
	closed := added(entry.StepWaitForEvent, "")
	b.fill("#f-"+closed+"-name", "case_closed")
	b.fill("#f-"+closed+"-timeout", "5d")

	split := added(entry.StepSplit, "")
	b.fill("#f-"+split+"-id", "length")
	branches := b.eval(`[...document.querySelectorAll("input[name=block]")].filter(i => i.value.startsWith("` + split + `.branches/"))
		.map(i => i.value.split("/")[1])`).([]any)
	require.Len(t, branches, 2, "a split starts with two branches")
	a, second := fmt.Sprint(branches[0]), fmt.Sprint(branches[1])
	require.Equal(t, "50", b.eval(`document.querySelector("#f-`+a+`-weight").value`))
	b.click("#add-branch-"+split, `document.querySelectorAll("input[name=block][value^='`+split+`.branches/']").length === 3`)
	third := b.lastBlock()
	b.click("button[value='remove:"+third+"']", `document.querySelectorAll("input[name=block][value^='`+split+`.branches/']").length === 2`)
	b.eval(`(() => { const w = document.querySelector("#f-` + a + `-weight"); w.value = ""; })()`)
	b.fill("#f-"+a+"-weight", "70")
	b.eval(`(() => { const w = document.querySelector("#f-` + second + `-weight"); w.value = ""; })()`)
	b.fill("#f-"+second+"-weight", "30")
	short := added(entry.StepSendSMS, a+".steps")
	b.fill("#f-"+short+"-text", "Rate us 1-5")

	sms := added(entry.StepSendSMS, "steps")
	b.fill("#f-"+sms+"-text", "Your case is $(case_closed.resolution)")
	b.fill("#f-"+sms+"-fallback_after", "30m")
	email := added(entry.StepSendEmail, sms+".fallback")
	b.fill("#f-"+email+"-subject", "About your case")
	b.fill("#f-"+email+"-text", "We could not text you: $(message.fallback)")
	b.look("entry-scenario-steps")

	b.click("#save", `location.pathname === "/console/entries/callback-scenario"`)
	got := s.apiEntry("callback-scenario")
	require.Equal(t, 20, *got.SamplePercent)
	require.Equal(t, []entry.Step{
		{Spec: &entry.WaitUntil{Time: "10:00", Days: entry.Weekdays, AtLeast: "12h"}},
		{Spec: &entry.WaitForEvent{Name: "case_closed", Timeout: "5d"}},
		{ID: "length", Spec: &entry.Split{Branches: []entry.Branch{
			{ID: "a", Weight: 70, Steps: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("Rate us 1-5")}}}},
			{ID: "b", Weight: 30},
		}}},
		{Spec: &entry.SendSMS{Text: entry.Plain("Your case is $(case_closed.resolution)"), FallbackAfter: "30m",
			Fallback: []entry.Step{{Spec: &entry.SendEmail{Subject: entry.Plain("About your case"), Text: entry.Plain("We could not text you: $(message.fallback)")}}}}},
	}, got.Steps)

	// The split's weights must sum to 100: the problem shows beside them.
	b.eval(`(() => { const w = document.querySelector("input[name$='.f.weight']"); w.value = "60"; })()`)
	b.click("#save", `document.querySelector("#error-summary") !== null`)
	require.Contains(t, b.text("#error-summary"), "the weights sum to 90; they must sum to 100")
	b.look("entry-split-invalid")

	// Rolling caps and holidays in the contact policy.
	b.do(chromedp.Navigate(s.baseURL + "/console/opt-outs"))
	b.until("the policy form", `document.querySelector("#f-caps") !== null`)
	b.fill("#f-caps", "any 4 per 2d\nsms 6 per 14d")
	b.fill("#f-holidays", "2026-12-25\n2027-01-01 Billing Support")
	b.do(chromedp.Click(chromedp.CSS("#f-holidays_quiet")))
	b.look("policy-caps-holidays")
	b.click("#save-policy", `document.querySelector(".flash") !== null`)
	var saved policy.Policy
	require.Equal(t, 200, s.call("GET", "/v1/policy", nil, &saved))
	require.Equal(t, []policy.Cap{{Channel: "any", Max: 4, Per: "2d"}, {Channel: "sms", Max: 6, Per: "14d"}}, saved.Caps)
	require.Equal(t, []policy.Holiday{{Date: "2026-12-25"}, {Date: "2027-01-01", Service: "Billing Support"}}, saved.Holidays)
	require.True(t, saved.HolidaysQuiet)
	require.Empty(t, b.problems, "the pages reported no problem")
}
