package histories

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/examples"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// scenario is one recorded history: an entry, what a customer or an
// operator does to its run, and how the run must end. Waits are seconds
// long so a recording takes seconds; a history replays the same whatever
// the durations were.
type scenario struct {
	name  string
	entry entry.Entry
	// drive acts on the run once it started; nil lets it run its course.
	drive func(context.Context, *run) error
	want  enumspb.WorkflowExecutionStatus
	// at is when the run's sends are decided, for the contact policy;
	// zero is midday in the customer's zone.
	at time.Time
	// prepare readies the system before the event is posted (an opt-out).
	prepare func(context.Context, *system) error
	// start starts a run of another workflow than FollowUp, which has no
	// entry; nil posts the entry's event.
	start func(context.Context, *system) (*run, error)
}

const (
	completed = enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	failed    = enumspb.WORKFLOW_EXECUTION_STATUS_FAILED
	canceled  = enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED
)

// scenarios cover each step type and each way a run ends.
var scenarios = []scenario{
	{
		name: "survey-answered",
		entry: newEntry("survey-answered", "Survey answered",
			entry.Step{ID: "survey", Spec: &entry.SendSurvey{Channel: "email", Subject: "How did we do, $(customer.first_name)?",
				Question: "How happy are you with $(agent.name)'s help?", Text: "Tell us in one tap: $(survey.url)", Wait: "1h"}},
			entry.Step{ID: "score-check", Spec: &entry.If{Condition: "survey.answered && survey.score <= 2",
				Then: []entry.Step{{ID: "apology", Spec: &entry.SendSMS{Text: "Sorry, $(customer.first_name). A supervisor will call you."}}},
				Else: []entry.Step{{ID: "thanks", Spec: &entry.SendSMS{Text: "Thanks for the $(survey.score)/5!"}}}}},
		),
		drive: func(ctx context.Context, r *run) error {
			return r.answerSurvey(ctx, "survey", 4, "Sam was quick and kind.")
		},
		want: completed,
	},
	{
		// A survey on 0-10, answered with a 0: a detractor gets a call back.
		name: "nps-detractor",
		entry: newEntry("nps-detractor", "NPS detractor",
			entry.Step{ID: "nps", Spec: &entry.SendSurvey{Channel: "sms", Scale: "0-10",
				Question: "How likely are you to recommend us?", Text: "From 0 to 10, $(customer.first_name): $(survey.url)", Wait: "1h"}},
			entry.Step{ID: "detractor", Spec: &entry.If{Condition: `survey.scale == "0-10" && survey.score <= 6`,
				Then: []entry.Step{{ID: "call-back", Spec: &entry.SendEmail{Subject: "We will call you back",
					Text: "Hi $(customer.first_name), a supervisor will call you about case $(case.number)."}}}}},
		),
		drive: func(ctx context.Context, r *run) error {
			return r.answerSurvey(ctx, "nps", 0, "Never again.")
		},
		want: completed,
	},
	{
		name: "survey-timed-out",
		entry: newEntry("survey-timed-out", "Survey timed out",
			entry.Step{ID: "survey", Spec: &entry.SendSurvey{Channel: "sms",
				Question: "How did we do?", Text: "Rate us, $(customer.first_name): $(survey.url)", Wait: "3s"}},
			entry.Step{ID: "missed-you", Spec: &entry.If{Condition: "!survey.answered",
				Then: []entry.Step{{ID: "missed-you-email", Spec: &entry.SendEmail{Subject: "We missed your answer",
					Text: "Hi $(customer.first_name), tell us about case $(case.number) whenever you like."}}}}},
		),
		want: completed,
	},
	{
		name: "wait-then-email",
		entry: newEntry("wait-then-email", "Wait then email",
			entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "2s"}},
			entry.Step{ID: "follow-up-email", Spec: &entry.SendEmail{Subject: "Your case $(case.number)",
				Text: "Hi $(customer.first_name), is everything still fine with order $(order_id)?",
				HTML: "<p>Hi $(customer.first_name), is everything still fine with order <b>$(order_id)</b>?</p>"}},
		),
		want: completed,
	},
	{
		name: "set-variable-and-if",
		entry: newEntry("set-variable-and-if", "Set variable and if",
			entry.Step{ID: "tier", Spec: &entry.SetVariable{Name: "tier", Value: "gold"}},
			entry.Step{ID: "greeting", Spec: &entry.SetVariable{Name: "greeting", Value: "Hi $(customer.first_name)"}},
			entry.Step{ID: "gold-check", Spec: &entry.If{Condition: "tier == 'gold' && interaction.average_sentiment > 0.5",
				Then: []entry.Step{{ID: "gold-sms", Spec: &entry.SendSMS{Text: "$(greeting), thanks for being a gold customer."}}},
				Else: []entry.Step{{ID: "plain-sms", Spec: &entry.SendSMS{Text: "$(greeting), thanks for calling."}}}}},
		),
		want: completed,
	},
	{
		name: "error-exit-on-error",
		entry: newEntry("error-exit-on-error", "Error exit on error",
			entry.Step{ID: "order-lookup", Spec: &entry.HTTPRequest{Connection: "crm", Path: "/orders/$(order_id)", SaveAs: "order"},
				OnError: []entry.Step{{ID: "tell-ops", Spec: &entry.SendEmail{To: "ops@example.com",
					Subject: "Follow-up failed at $(error.step)", Text: "$(error.message)"}}}},
			entry.Step{ID: "after", Spec: &entry.SendSMS{Text: "We are looking into order $(order_id)."}},
		),
		want: completed,
	},
	{
		name: "run-failed",
		entry: newEntry("run-failed", "Run failed",
			entry.Step{ID: "invoice-email", Spec: &entry.SendEmail{Subject: "Your invoice", Text: "Invoice $(invoice_id) is attached."}},
			entry.Step{ID: "never", Spec: &entry.SendSMS{Text: "never sent"}},
		),
		want: failed,
	},
	{
		name: "http-request-through-connection",
		entry: newEntry("http-request-through-connection", "HTTP request through connection",
			entry.Step{ID: "crm-lookup", Spec: &entry.HTTPRequest{Connection: "crm", Path: "/customers/$(customer.id)", SaveAs: "crm"}},
			entry.Step{ID: "vip-check", Spec: &entry.If{Condition: "crm.status == 200 && crm.body.tier == 'gold'",
				Then: []entry.Step{{ID: "vip-sms", Spec: &entry.SendSMS{Text: "Hi $(customer.first_name), $(crm.body.agent.name) will call you."}}}}},
		),
		want: completed,
	},
	{
		// The event fires while the main steps wait, so its steps run
		// beside them.
		name: "event-fired",
		entry: newEntry("event-fired", "Event fired",
			entry.Step{ID: "schedule-reminder", Spec: &entry.ScheduleEvent{Name: "reminder", After: "1s",
				Steps: []entry.Step{{ID: "reminder-sms", Spec: &entry.SendSMS{Text: "A reminder about case $(case.number)."}}}}},
			entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "2s"}},
			entry.Step{ID: "follow-up-email", Spec: &entry.SendEmail{Subject: "Your case $(case.number)", Text: "All done?"}},
		),
		want: completed,
	},
	{
		// A clear_event step clears one event and the API the other, after
		// which the run has nothing left to wait for.
		name: "event-cleared",
		entry: newEntry("event-cleared", "Event cleared",
			entry.Step{ID: "schedule-callback", Spec: &entry.ScheduleEvent{Name: "callback", After: "1h",
				Steps: []entry.Step{{ID: "callback-sms", Spec: &entry.SendSMS{Text: "We will call you back."}}}}},
			entry.Step{ID: "schedule-reminder", Spec: &entry.ScheduleEvent{Name: "reminder", After: "1h",
				Steps: []entry.Step{{ID: "reminder-sms", Spec: &entry.SendSMS{Text: "A reminder about case $(case.number)."}}}}},
			entry.Step{ID: "no-callback", Spec: &entry.ClearEvent{Name: "callback"}},
		),
		drive: func(ctx context.Context, r *run) error { return r.clearEvent(ctx, "reminder") },
		want:  completed,
	},
	{
		// SPEC's own condition on a survey nobody answered: before the
		// condition-missing-variable change the if step fails and its
		// on_error runs; after it the condition does not hold.
		name: "unanswered-score-condition",
		entry: newEntry("unanswered-score-condition", "Unanswered score condition",
			entry.Step{ID: "survey", Spec: &entry.SendSurvey{Channel: "sms",
				Question: "How did we do?", Text: "Rate us, $(customer.first_name): $(survey.url)", Wait: "2s"}},
			entry.Step{ID: "low-score", Spec: &entry.If{Condition: "survey.score <= 2",
				Then: []entry.Step{{ID: "apology", Spec: &entry.SendSMS{Text: "Sorry, $(customer.first_name)."}}}},
				OnError: []entry.Step{{ID: "tell-ops", Spec: &entry.SendEmail{To: "ops@example.com",
					Subject: "Follow-up failed at $(error.step)", Text: "$(error.message)"}}}},
			entry.Step{ID: "bye", Spec: &entry.SendSMS{Text: "Thanks for calling, $(customer.first_name)."}},
		),
		want: completed,
	},
	{
		// A condition that walks a map: it takes the same branch on every
		// replay only when maps iterate in a fixed order.
		name: "map-order-condition",
		entry: newEntry("map-order-condition", "Map order condition",
			entry.Step{ID: "first-field", Spec: &entry.If{Condition: `customer.map(k, k)[0] == "email"`,
				Then: []entry.Step{{ID: "by-email", Spec: &entry.SendEmail{Subject: "Hi", Text: "Hello $(customer.first_name)"}}},
				Else: []entry.Step{{ID: "by-sms", Spec: &entry.SendSMS{Text: "Hello $(customer.first_name)"}}}}},
		),
		want: completed,
	},
	{
		name: "cancelled",
		entry: newEntry("cancelled", "Cancelled",
			entry.Step{ID: "ack", Spec: &entry.SendEmail{Subject: "We got your case", Text: "Case $(case.number) is with us."}},
			entry.Step{ID: "hold", Spec: &entry.Wait{Duration: "1h"}},
			entry.Step{ID: "never", Spec: &entry.SendSMS{Text: "never sent"}},
		),
		drive: func(ctx context.Context, r *run) error {
			return r.cancel(ctx, "hold", workflows.CancelRequest{By: "api", Reason: "the customer called back"})
		},
		want: canceled,
	},
}

// The contact policy's scenarios: a send held by quiet hours, sends
// skipped for an opt-out, and a run the customer's next call ends.
func init() {
	ny, _ := time.LoadLocation("America/New_York")
	callBack := newEntry("customer-contacted-again", "Customer contacted again",
		entry.Step{ID: "hold", Spec: &entry.Wait{Duration: "1h"}},
		entry.Step{ID: "never", Spec: &entry.SendSMS{Text: "never sent"}},
	)
	callBack.CancelOnNewInteraction = true
	scenarios = append(scenarios,
		scenario{
			// Three seconds before the SMS window opens in New York: the
			// send is held, waits on its timer and goes at 08:00.
			name: "sms-held-quiet-hours",
			entry: newEntry("sms-held-quiet-hours", "SMS held in quiet hours",
				entry.Step{ID: "reminder", Spec: &entry.SendSMS{Text: "Hi $(customer.first_name), about case $(case.number)."}}),
			at:   time.Date(2026, 11, 24, 7, 59, 57, 0, ny),
			want: completed,
		},
		scenario{
			name: "opted-out-skipped",
			entry: newEntry("opted-out-skipped", "Opted out skipped",
				entry.Step{ID: "survey", Spec: &entry.SendSurvey{Channel: "sms", Question: "How did we do?",
					Text: "Rate us: $(survey.url)", Wait: "1h"}},
				entry.Step{ID: "thanks", Spec: &entry.SendEmail{Subject: "Thanks", Text: "Thanks for calling, $(customer.first_name)."}},
			),
			prepare: func(ctx context.Context, s *system) error {
				phone := "+15551234567"
				_, _, err := s.store.AddSuppression(ctx, store.Suppression{Channel: "sms",
					AddressHash: policy.AddressHash(phone), Address: &phone, Source: store.SourceAPI})
				return err
			},
			want: completed,
		},
		scenario{
			name:  "customer-contacted-again",
			entry: callBack,
			drive: func(ctx context.Context, r *run) error { return r.contactAgain(ctx, "hold") },
			want:  completed,
		},
		scenario{
			// The daily run the retention schedule starts, with something
			// past retention to delete.
			name: "retention",
			prepare: func(ctx context.Context, s *system) error {
				if err := s.store.RecordCustomerInteraction(ctx, "C-"+s.stamp, "INT-old-"+s.stamp); err != nil {
					return err
				}
				_, err := s.store.DB().ExecContext(ctx,
					`UPDATE customer_interactions SET received_at = now() - interval '100 days' WHERE customer_id = $1`, "C-"+s.stamp)
				return err
			},
			start: func(ctx context.Context, s *system) (*run, error) {
				wr, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "ccflow-retention-" + s.stamp, TaskQueue: s.taskQueue},
					workflows.RetentionWorkflow, workflows.RetentionInput{})
				if err != nil {
					return nil, fmt.Errorf("starting the retention workflow: %w", err)
				}
				return &run{temporal: s.temporal, workflowID: wr.GetID(), runID: wr.GetRunID()}, nil
			},
			want: completed,
		},
	)
}

func newEntry(id, name string, steps ...entry.Step) entry.Entry {
	return entry.Entry{
		ID: id, Name: name, Service: "Billing Support", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps:    steps,
	}
}

// event is SPEC's example of an ended interaction, as interactionID.
func event(interactionID string) interaction.Event {
	var ev interaction.Event
	if err := json.Unmarshal(examples.InteractionEnded, &ev); err != nil {
		panic(fmt.Errorf("the example event file does not decode: %w", err)) // checked by examples' tests
	}
	ev.InteractionID = interactionID
	return ev
}
