package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
)

// Every step type that can fail hands its failure to its own on_error
// steps, which see error.step and error.message, and the run goes on.
// (clear_event cannot fail: clearing a name that is not pending is a no-op.)
func TestOnErrorRunsForAFailureOfEveryStepType(t *testing.T) {
	tests := []struct {
		step    entry.Step
		message string
	}{
		{entry.Step{Spec: &entry.SendSurvey{Channel: "email", Subject: entry.Plain("How did we do?"), Question: entry.Plain("Rate $(product)"),
			Text: entry.Plain("$(survey.url)"), Wait: "1d"}}, "question: $(product) is not defined"},
		{entry.Step{Spec: &entry.Wait{Duration: "3 dayz"}}, `"3 dayz" is not a duration`},
		{entry.Step{Spec: &entry.SendEmail{Subject: entry.Plain("Order $(order_ref)"), Text: entry.Plain("Hi")}}, "subject: $(order_ref) is not defined"},
		{entry.Step{Spec: &entry.SendSMS{To: "$(supervisor_phone)", Text: entry.Plain("Call Ada")}}, "to: $(supervisor_phone) is not defined"},
		{entry.Step{Spec: &entry.SetVariable{Name: "greeting", Value: "Hi $(nickname)"}}, "value: $(nickname) is not defined"},
		{entry.Step{Spec: &entry.If{Condition: "order_id > 3", Then: []entry.Step{{Spec: &entry.SetVariable{Name: "gold", Value: "yes"}}}}},
			`condition "order_id > 3": no such overload`},
		{entry.Step{Spec: &entry.ScheduleEvent{Name: "renewal", At: "$(renewal_date)",
			Steps: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("Renew today")}}}}}, "$(renewal_date) is not defined"},
		{entry.Step{Spec: &entry.HTTPRequest{Method: "GET", URL: "https://crm.example/customers/$(crm_id)"}}, "$(crm_id) is not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.step.Type(), func(t *testing.T) {
			h := newHarness(t)
			failing := tt.step
			failing.ID = "failing"
			failing.OnError = tellOps
			after := entry.Step{ID: "after", Spec: &entry.SetVariable{Name: "went_on", Value: "yes"}}

			st := h.complete(input(failing, after))

			require.Equal(t, "failing", st.Variables["error.step"])
			require.Contains(t, st.Variables["error.message"], tt.message)
			require.Len(t, h.emails, 1, "only the on_error email is sent")
			require.Equal(t, "Follow-up failed at failing", h.emails[0].Subject)
			require.Equal(t, "yes", st.Variables["went_on"], "the run goes on after on_error")
		})
	}
}
