package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/workflows"
)

// start is when every test run starts: the interaction of SPEC's example.
var start = time.Date(2026, 11, 23, 10, 15, 0, 0, time.UTC)

const workflowID = "post-call-survey/INT-1001"

// harness runs FollowUp in the test environment with fake activities that
// record what they were asked to send.
type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	surveys []workflows.OpenSurveyInput
	emails  []workflows.EmailInput
	sms     []workflows.SMSInput
	// ends are the run's ends it recorded.
	ends []workflows.RunEnd
	// failures holds, per step id, the errors the next send attempts of
	// that step return before one succeeds.
	failures map[string][]error
	attempts map[string]int
	// updates counts the updates sent, to give each its own id.
	updates int
	// outcomes holds, per step id, what a send of that step comes to
	// instead of being sent (skipped, say); its ID and To are filled in.
	outcomes map[string]workflows.Delivery
	// plans are the wait_until plans asked for; plan answers them.
	plans []workflows.WaitUntilInput
	plan  func(workflows.WaitUntilInput) workflows.WaitUntilPlan
	// kept is what KeptEvent finds, by event name.
	kept map[string]*workflows.PostedEvent
	// replyElsewhere, when set, is why OpenSurvey does not open a survey
	// for SMS replies (another survey waits for a reply from its number).
	replyElsewhere string
}

func newHarness(t *testing.T) *harness {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflowID})
	env.RegisterWorkflow(workflows.FollowUp)
	registerActivityStubs(env)
	h := &harness{t: t, env: env, failures: map[string][]error{}, attempts: map[string]int{},
		outcomes: map[string]workflows.Delivery{}, kept: map[string]*workflows.PostedEvent{}}

	env.OnActivity(workflows.OpenSurveyActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.OpenSurveyInput) (workflows.Survey, error) {
			h.surveys = append(h.surveys, in)
			sv := workflows.Survey{ID: in.WorkflowID + "/" + in.StepID, URL: "https://ccflow.example/s/" + in.StepID}
			if in.Reply != nil {
				sv.ByReply, sv.Reason = h.replyElsewhere == "", h.replyElsewhere
			}
			return sv, nil
		}).Maybe()
	env.OnActivity(workflows.RecordRunEndActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.RunEnd) (workflows.RunEndRecorded, error) {
			h.ends = append(h.ends, in)
			return workflows.RunEndRecorded{Recorded: true}, nil
		}).Maybe()
	env.OnActivity(workflows.SendEmailActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.EmailInput) (workflows.Delivery, error) {
			if err := h.fail(in.StepID); err != nil {
				return workflows.Delivery{}, err
			}
			if d, ok := h.outcomes[in.StepID]; ok {
				d.ID, d.Channel, d.To = in.Key, "email", in.To
				return d, nil
			}
			h.emails = append(h.emails, in)
			return workflows.Delivery{ID: in.Key, Channel: "email", To: in.To, ProviderID: "smtp-" + in.StepID}, nil
		}).Maybe()
	env.OnActivity(workflows.SendSMSActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.SMSInput) (workflows.Delivery, error) {
			if err := h.fail(in.StepID); err != nil {
				return workflows.Delivery{}, err
			}
			if d, ok := h.outcomes[in.StepID]; ok && d.Status != workflows.SendSent {
				d.ID, d.Channel, d.To = in.Key, "sms", in.To
				return d, nil
			}
			h.sms = append(h.sms, in)
			d := h.outcomes[in.StepID] // a status reported before the send was recorded
			d.ID, d.Channel, d.To, d.ProviderID, d.Status = in.Key, "sms", in.To, "SM-"+in.StepID, workflows.SendSent
			return d, nil
		}).Maybe()
	env.OnActivity(workflows.PlanWaitUntilActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.WaitUntilInput) (workflows.WaitUntilPlan, error) {
			h.plans = append(h.plans, in)
			return h.plan(in), nil
		}).Maybe()
	env.OnActivity(workflows.KeptEventActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in workflows.KeptEventInput) (workflows.KeptEventResult, error) {
			require.Equal(t, workflowID, in.WorkflowID)
			return workflows.KeptEventResult{Event: h.kept[in.Name]}, nil
		}).Maybe()
	return h
}

func (h *harness) fail(stepID string) error {
	h.attempts[stepID]++
	errs := h.failures[stepID]
	if len(errs) == 0 {
		return nil
	}
	h.failures[stepID] = errs[1:]
	return errs[0]
}

// run runs steps to the end and returns the run's error.
func (h *harness) run(in workflows.FollowUpInput) error {
	h.env.ExecuteWorkflow(workflows.FollowUp, in)
	require.True(h.t, h.env.IsWorkflowCompleted(), "the run did not end")
	return h.env.GetWorkflowError()
}

// complete runs steps, requires the run to complete and returns its State.
func (h *harness) complete(in workflows.FollowUpInput) workflows.State {
	require.NoError(h.t, h.run(in))
	var st workflows.State
	require.NoError(h.t, h.env.GetWorkflowResult(&st))
	require.Equal(h.t, workflows.StatusCompleted, st.Status)
	return st
}

// state queries the run's State.
func (h *harness) state() workflows.State {
	v, err := h.env.QueryWorkflow(workflows.StateQuery)
	require.NoError(h.t, err)
	var st workflows.State
	require.NoError(h.t, v.Get(&st))
	return st
}

// at runs f when the run has been going for d.
func (h *harness) at(d time.Duration, f func()) {
	h.env.RegisterDelayedCallback(f, d)
}

// answer sends a survey answer. The test environment validates it once the
// workflow next runs, so the outcome is read from the result after the run.
func (h *harness) answer(ans workflows.SurveyAnswer) *updateResult {
	res := &updateResult{}
	h.env.UpdateWorkflow(workflows.SurveyAnswerUpdate, "", &testsuite.TestUpdateCallback{
		OnReject:   func(err error) { res.rejection = err },
		OnAccept:   func() { res.accepted = true },
		OnComplete: func(any, error) {},
	}, ans)
	return res
}

// updateResult is how an update was received.
type updateResult struct {
	accepted  bool
	rejection error
}

// input is SPEC's example event for an entry with steps.
func input(steps ...entry.Step) workflows.FollowUpInput {
	sentiment := 0.62
	return workflows.FollowUpInput{
		Entry: entry.Entry{ID: "post-call-survey", Name: "Post-call survey", Version: 3, Enabled: true, Steps: steps},
		Event: interaction.Event{
			InteractionID:    "INT-1001",
			Service:          "Billing Support",
			Channel:          "voice",
			Disposition:      "Problem solved",
			AverageSentiment: &sentiment,
			Agent:            &interaction.Agent{ID: "A-7", Name: "Sam"},
			Customer: &interaction.Customer{ID: "C-77", FirstName: "Ada", LastName: "Lovelace",
				Email: "ada@example.com", Phone: "+15551234567", TimeZone: "America/New_York", Language: "en"},
			Case:      &interaction.Case{ID: "CASE-9", Number: "9", Disposition: "Need more information"},
			Variables: map[string]any{"order_id": "A-17"},
		},
		Trigger: "disposition",
	}
}

// registerActivityStubs registers every activity of the contract under its
// name with a body that fails the test: each test mocks the ones it uses.
func registerActivityStubs(env *testsuite.TestWorkflowEnvironment) {
	stubs := map[string]any{
		workflows.OpenSurveyActivity: func(context.Context, workflows.OpenSurveyInput) (workflows.Survey, error) {
			panic("OpenSurvey is not mocked")
		},
		workflows.SendEmailActivity: func(context.Context, workflows.EmailInput) (workflows.Delivery, error) {
			panic("SendEmail is not mocked")
		},
		workflows.SendSMSActivity: func(context.Context, workflows.SMSInput) (workflows.Delivery, error) {
			panic("SendSMS is not mocked")
		},
		workflows.HTTPRequestActivity: func(context.Context, workflows.HTTPRequestInput) (workflows.HTTPResponse, error) {
			panic("HTTPRequest is not mocked")
		},
		workflows.RecordRunEndActivity: func(context.Context, workflows.RunEnd) (workflows.RunEndRecorded, error) {
			panic("RecordRunEnd is not mocked")
		},
		workflows.PlanWaitUntilActivity: func(context.Context, workflows.WaitUntilInput) (workflows.WaitUntilPlan, error) {
			panic("PlanWaitUntil is not mocked")
		},
		workflows.KeptEventActivity: func(context.Context, workflows.KeptEventInput) (workflows.KeptEventResult, error) {
			panic("KeptEvent is not mocked")
		},
	}
	for name, fn := range stubs {
		env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
}
