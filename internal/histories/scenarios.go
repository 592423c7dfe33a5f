package histories

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/examples"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
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
	// prepare readies the system before the event is posted (an opt-out);
	// cleanup undoes it once the run has closed, so the scenarios after
	// it find the system as it was.
	prepare func(context.Context, *system) error
	cleanup func(context.Context, *system) error
	// start starts a run of another workflow than FollowUp, which has no
	// entry; nil posts the entry's event.
	start func(context.Context, *system) (*run, error)
	// customer changes the event's customer (their language) before it
	// is posted; nil posts SPEC's example customer.
	customer func(*interaction.Customer)
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
			entry.Step{ID: "survey", Spec: &entry.SendSurvey{Channel: "email", Subject: entry.Plain("How did we do, $(customer.first_name)?"),
				Question: entry.Plain("How happy are you with $(agent.name)'s help?"), Text: entry.Plain("Tell us in one tap: $(survey.url)"), Wait: "1h"}},
			entry.Step{ID: "score-check", Spec: &entry.If{Condition: "survey.answered && survey.score <= 2",
				Then: []entry.Step{{ID: "apology", Spec: &entry.SendSMS{Text: entry.Plain("Sorry, $(customer.first_name). A supervisor will call you.")}}},
				Else: []entry.Step{{ID: "thanks", Spec: &entry.SendSMS{Text: entry.Plain("Thanks for the $(survey.score)/5!")}}}}},
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
				Question: entry.Plain("How likely are you to recommend us?"), Text: entry.Plain("From 0 to 10, $(customer.first_name): $(survey.url)"), Wait: "1h"}},
			entry.Step{ID: "detractor", Spec: &entry.If{Condition: `survey.scale == "0-10" && survey.score <= 6`,
				Then: []entry.Step{{ID: "call-back", Spec: &entry.SendEmail{Subject: entry.Plain("We will call you back"),
					Text: entry.Plain("Hi $(customer.first_name), a supervisor will call you about case $(case.number).")}}}}},
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
				Question: entry.Plain("How did we do?"), Text: entry.Plain("Rate us, $(customer.first_name): $(survey.url)"), Wait: "3s"}},
			entry.Step{ID: "missed-you", Spec: &entry.If{Condition: "!survey.answered",
				Then: []entry.Step{{ID: "missed-you-email", Spec: &entry.SendEmail{Subject: entry.Plain("We missed your answer"),
					Text: entry.Plain("Hi $(customer.first_name), tell us about case $(case.number) whenever you like.")}}}}},
		),
		want: completed,
	},
	{
		name: "wait-then-email",
		entry: newEntry("wait-then-email", "Wait then email",
			entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "2s"}},
			entry.Step{ID: "follow-up-email", Spec: &entry.SendEmail{Subject: entry.Plain("Your case $(case.number)"),
				Text: entry.Plain("Hi $(customer.first_name), is everything still fine with order $(order_id)?"),
				HTML: entry.Plain("<p>Hi $(customer.first_name), is everything still fine with order <b>$(order_id)</b>?</p>")}},
		),
		want: completed,
	},
	{
		name: "set-variable-and-if",
		entry: newEntry("set-variable-and-if", "Set variable and if",
			entry.Step{ID: "tier", Spec: &entry.SetVariable{Name: "tier", Value: "gold"}},
			entry.Step{ID: "greeting", Spec: &entry.SetVariable{Name: "greeting", Value: "Hi $(customer.first_name)"}},
			entry.Step{ID: "gold-check", Spec: &entry.If{Condition: "tier == 'gold' && interaction.average_sentiment > 0.5",
				Then: []entry.Step{{ID: "gold-sms", Spec: &entry.SendSMS{Text: entry.Plain("$(greeting), thanks for being a gold customer.")}}},
				Else: []entry.Step{{ID: "plain-sms", Spec: &entry.SendSMS{Text: entry.Plain("$(greeting), thanks for calling.")}}}}},
		),
		want: completed,
	},
	{
		name: "error-exit-on-error",
		entry: newEntry("error-exit-on-error", "Error exit on error",
			entry.Step{ID: "order-lookup", Spec: &entry.HTTPRequest{Connection: "crm", Path: "/orders/$(order_id)", SaveAs: "order"},
				OnError: []entry.Step{{ID: "tell-ops", Spec: &entry.SendEmail{To: "ops@example.com",
					Subject: entry.Plain("Follow-up failed at $(error.step)"), Text: entry.Plain("$(error.message)")}}}},
			entry.Step{ID: "after", Spec: &entry.SendSMS{Text: entry.Plain("We are looking into order $(order_id).")}},
		),
		want: completed,
	},
	{
		name: "run-failed",
		entry: newEntry("run-failed", "Run failed",
			entry.Step{ID: "invoice-email", Spec: &entry.SendEmail{Subject: entry.Plain("Your invoice"), Text: entry.Plain("Invoice $(invoice_id) is attached.")}},
			entry.Step{ID: "never", Spec: &entry.SendSMS{Text: entry.Plain("never sent")}},
		),
		want: failed,
	},
	{
		name: "http-request-through-connection",
		entry: newEntry("http-request-through-connection", "HTTP request through connection",
			entry.Step{ID: "crm-lookup", Spec: &entry.HTTPRequest{Connection: "crm", Path: "/customers/$(customer.id)", SaveAs: "crm"}},
			entry.Step{ID: "vip-check", Spec: &entry.If{Condition: "crm.status == 200 && crm.body.tier == 'gold'",
				Then: []entry.Step{{ID: "vip-sms", Spec: &entry.SendSMS{Text: entry.Plain("Hi $(customer.first_name), $(crm.body.agent.name) will call you.")}}}}},
		),
		want: completed,
	},
	{
		// The event fires while the main steps wait, so its steps run
		// beside them.
		name: "event-fired",
		entry: newEntry("event-fired", "Event fired",
			entry.Step{ID: "schedule-reminder", Spec: &entry.ScheduleEvent{Name: "reminder", After: "1s",
				Steps: []entry.Step{{ID: "reminder-sms", Spec: &entry.SendSMS{Text: entry.Plain("A reminder about case $(case.number).")}}}}},
			entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "2s"}},
			entry.Step{ID: "follow-up-email", Spec: &entry.SendEmail{Subject: entry.Plain("Your case $(case.number)"), Text: entry.Plain("All done?")}},
		),
		want: completed,
	},
	{
		// A clear_event step clears one event and the API the other, after
		// which the run has nothing left to wait for.
		name: "event-cleared",
		entry: newEntry("event-cleared", "Event cleared",
			entry.Step{ID: "schedule-callback", Spec: &entry.ScheduleEvent{Name: "callback", After: "1h",
				Steps: []entry.Step{{ID: "callback-sms", Spec: &entry.SendSMS{Text: entry.Plain("We will call you back.")}}}}},
			entry.Step{ID: "schedule-reminder", Spec: &entry.ScheduleEvent{Name: "reminder", After: "1h",
				Steps: []entry.Step{{ID: "reminder-sms", Spec: &entry.SendSMS{Text: entry.Plain("A reminder about case $(case.number).")}}}}},
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
				Question: entry.Plain("How did we do?"), Text: entry.Plain("Rate us, $(customer.first_name): $(survey.url)"), Wait: "2s"}},
			entry.Step{ID: "low-score", Spec: &entry.If{Condition: "survey.score <= 2",
				Then: []entry.Step{{ID: "apology", Spec: &entry.SendSMS{Text: entry.Plain("Sorry, $(customer.first_name).")}}}},
				OnError: []entry.Step{{ID: "tell-ops", Spec: &entry.SendEmail{To: "ops@example.com",
					Subject: entry.Plain("Follow-up failed at $(error.step)"), Text: entry.Plain("$(error.message)")}}}},
			entry.Step{ID: "bye", Spec: &entry.SendSMS{Text: entry.Plain("Thanks for calling, $(customer.first_name).")}},
		),
		want: completed,
	},
	{
		// A condition that walks a map: it takes the same branch on every
		// replay only when maps iterate in a fixed order.
		name: "map-order-condition",
		entry: newEntry("map-order-condition", "Map order condition",
			entry.Step{ID: "first-field", Spec: &entry.If{Condition: `customer.map(k, k)[0] == "email"`,
				Then: []entry.Step{{ID: "by-email", Spec: &entry.SendEmail{Subject: entry.Plain("Hi"), Text: entry.Plain("Hello $(customer.first_name)")}}},
				Else: []entry.Step{{ID: "by-sms", Spec: &entry.SendSMS{Text: entry.Plain("Hello $(customer.first_name)")}}}}},
		),
		want: completed,
	},
	{
		name: "cancelled",
		entry: newEntry("cancelled", "Cancelled",
			entry.Step{ID: "ack", Spec: &entry.SendEmail{Subject: entry.Plain("We got your case"), Text: entry.Plain("Case $(case.number) is with us.")}},
			entry.Step{ID: "hold", Spec: &entry.Wait{Duration: "1h"}},
			entry.Step{ID: "never", Spec: &entry.SendSMS{Text: entry.Plain("never sent")}},
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
		entry.Step{ID: "never", Spec: &entry.SendSMS{Text: entry.Plain("never sent")}},
	)
	callBack.CancelOnNewInteraction = true
	scenarios = append(scenarios,
		scenario{
			// Three seconds before the SMS window opens in New York: the
			// send is held, waits on its timer and goes at 08:00.
			name: "sms-held-quiet-hours",
			entry: newEntry("sms-held-quiet-hours", "SMS held in quiet hours",
				entry.Step{ID: "reminder", Spec: &entry.SendSMS{Text: entry.Plain("Hi $(customer.first_name), about case $(case.number).")}}),
			at:   time.Date(2026, 11, 24, 7, 59, 57, 0, ny),
			want: completed,
		},
		scenario{
			name: "opted-out-skipped",
			entry: newEntry("opted-out-skipped", "Opted out skipped",
				entry.Step{ID: "survey", Spec: &entry.SendSurvey{Channel: "sms", Question: entry.Plain("How did we do?"),
					Text: entry.Plain("Rate us: $(survey.url)"), Wait: "1h"}},
				entry.Step{ID: "thanks", Spec: &entry.SendEmail{Subject: entry.Plain("Thanks"), Text: entry.Plain("Thanks for calling, $(customer.first_name).")}},
			),
			prepare: func(ctx context.Context, s *system) error {
				// Through the use case, which hashes the address with the keys
				// the activities check it with.
				_, _, err := s.ingest.AddSuppression(ctx, usecase.SuppressionRequest{Channel: "sms", Address: "+15551234567"},
					store.SourceAPI)
				return err
			},
			cleanup: optIn("sms", "+15551234567"),
			want:    completed,
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

// The webhook delivery's scenarios: one delivered on its second attempt,
// one whose receiver answers 410, one whose schedule runs out.
func init() {
	scenarios = append(scenarios,
		scenario{name: "webhook-delivered", start: webhookDelivery(false, webhook.Retry{First: time.Second, Coefficient: 2,
			Max: time.Second, For: time.Minute, Timeout: 5 * time.Second}), want: completed},
		scenario{name: "webhook-gone", start: webhookDelivery(true, webhook.Retry{First: time.Second, Coefficient: 2,
			Max: time.Second, For: time.Minute, Timeout: 5 * time.Second}), want: completed},
		scenario{name: "webhook-gave-up", start: webhookDelivery(false, webhook.Retry{First: time.Second, Coefficient: 2,
			Max: time.Second, For: 500 * time.Millisecond, Timeout: 5 * time.Second}), want: completed},
	)
}

// webhookDelivery subscribes the loopback receiver, writes an opt-out
// (its optout.created event) and dispatches the delivery as a worker's
// dispatcher does, with retry as its schedule.
func webhookDelivery(gone bool, retry webhook.Retry) func(context.Context, *system) (*run, error) {
	return func(ctx context.Context, s *system) (*run, error) {
		s.receiverMu.Lock()
		s.receiverGone = gone
		s.receiverMu.Unlock()
		// The previous scenario's subscription goes: its delivery has ended.
		earlier, err := s.ingest.Webhooks(ctx)
		if err != nil {
			return nil, err
		}
		for _, w := range earlier {
			if err := s.ingest.DeleteWebhook(ctx, w.ID); err != nil {
				return nil, err
			}
		}
		sub, err := s.ingest.CreateWebhook(ctx, usecase.WebhookRequest{URL: s.receiver.URL + "/hooks", Events: []string{webhook.OptOutCreated}})
		if err != nil {
			return nil, fmt.Errorf("subscribing the receiver: %w", err)
		}
		phone := "+1555" + fmt.Sprint(time.Now().UnixNano()%10_000_000)
		if _, _, err := s.ingest.AddSuppression(ctx, usecase.SuppressionRequest{Channel: "sms", Address: phone}, usecase.SuppressionFromAPI); err != nil {
			return nil, err
		}
		var id string
		if err := s.store.DB().GetContext(ctx, &id, `SELECT id FROM webhook_deliveries WHERE subscription_id = $1`, sub.ID); err != nil {
			return nil, fmt.Errorf("finding the delivery: %w", err)
		}
		d := &usecase.WebhookDispatcher{Store: s.store, Temporal: s.temporal, TaskQueue: s.taskQueue, Retry: retry}
		if _, err := d.DispatchOnce(ctx); err != nil {
			return nil, err
		}
		return &run{temporal: s.temporal, workflowID: workflows.WebhookWorkflowID(id)}, nil
	}
}

// The survey email's scenarios (rating buttons, languages): an entry
// whose html shows $(survey.rating_links), which runs before the buttons
// failed on (an undefined variable, so the step's on_error ran) and runs
// since render; and a survey in Spanish on the 0-10 scale, answered.
func init() {
	scenarios = append(scenarios,
		scenario{
			name: "survey-rating-links-html",
			entry: newEntry("survey-rating-links-html", "Survey rating links html",
				entry.Step{ID: "survey", Spec: &entry.SendSurvey{Channel: "email", Subject: entry.Plain("How did we do?"),
					Question: entry.Plain("How happy are you with $(agent.name)'s help?"), Text: entry.Plain("Tell us: $(survey.url)"),
					HTML: entry.Plain(`<p>Hi $(customer.first_name),</p>$(survey.rating_links)<p><a href="$(survey.url)">Open the survey</a></p>`),
					Wait: "2s"},
					OnError: []entry.Step{{ID: "survey-failed", Spec: &entry.SendEmail{To: "ops@example.com",
						Subject: entry.Plain("Survey failed"), Text: entry.Plain("$(error.message)")}}}},
			),
			want: completed,
		},
		scenario{
			name: "survey-email-es-nps",
			entry: func() entry.Entry {
				e := newEntry("survey-email-es-nps", "Survey email es nps",
					entry.Step{ID: "survey", Spec: &entry.SendSurvey{Channel: "email", Scale: "0-10",
						Subject: entry.Translated(map[string]string{"en": "How did we do?", "es": "¿Qué tal lo hicimos?"}),
						Question: entry.Translated(map[string]string{"en": "How likely are you to recommend us?",
							"es": "¿Qué probabilidad hay de que nos recomiende?"}),
						Text: entry.Translated(map[string]string{"en": "Tell us: $(survey.url)", "es": "Cuéntenos: $(survey.url)"}),
						Wait: "1h"}},
					entry.Step{ID: "thanks", Spec: &entry.SendSMS{Text: entry.Translated(map[string]string{
						"en": "Thanks for the $(survey.score)!", "es": "¡Gracias por el $(survey.score)!"})}},
				)
				return e
			}(),
			customer: func(c *interaction.Customer) { c.Language = "es-MX" },
			drive: func(ctx context.Context, r *run) error {
				return r.answerSurvey(ctx, "survey", 4, "Muy amable.")
			},
			want: completed,
		},
	)
}

// optIn removes the opt-out of address from channel.
func optIn(channel, address string) func(context.Context, *system) error {
	return func(ctx context.Context, s *system) error {
		err := s.ingest.RemoveSuppression(ctx, channel, address)
		if errors.Is(err, usecase.ErrNotFound) {
			return nil
		}
		return err
	}
}

// The scenario steps (issue 18): wait_until, wait_for_event with an event
// posted while it waits, before it waits and never, split, and fallbacks
// for an SMS reported undelivered, an email to an opted-out address and
// an SMS over a rolling cap.
func init() {
	ny, _ := time.LoadLocation("America/New_York")
	caseClosed := func(id string, timeout string) entry.Step {
		return entry.Step{ID: id, Spec: &entry.WaitForEvent{Name: "case_closed", Timeout: timeout}}
	}
	scenarios = append(scenarios,
		scenario{
			// Three seconds before 10:00 in New York, the customer's zone.
			name: "wait-until",
			entry: newEntry("wait-until", "Wait until",
				entry.Step{ID: "callback", Spec: &entry.WaitUntil{Time: "10:00", Days: entry.Weekdays}},
				entry.Step{ID: "call-back-sms", Spec: &entry.SendSMS{Text: entry.Plain("We will call you back now, $(customer.first_name).")}}),
			at:   time.Date(2026, 11, 24, 9, 59, 57, 0, ny),
			want: completed,
		},
		scenario{
			name: "wait-for-event-taken",
			entry: newEntry("wait-for-event-taken", "Wait for event taken",
				caseClosed("closed", "1h"),
				entry.Step{ID: "closed-sms", Spec: &entry.SendSMS{Text: entry.Plain("Your case is $(case_closed.resolution).")}}),
			drive: func(ctx context.Context, r *run) error {
				return r.postEvent(ctx, "closed", usecase.EventForWorkflow, r.workflowID, map[string]any{"resolution": "fixed"})
			},
			want: completed,
		},
		scenario{
			// Posted for the case while the run waits two seconds: seen
			// at once when the run gets to its wait.
			name: "wait-for-event-posted-before",
			entry: newEntry("wait-for-event-posted-before", "Wait for event posted before",
				entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "2s"}},
				caseClosed("closed", "1h"),
				entry.Step{ID: "closed-sms", Spec: &entry.SendSMS{Text: entry.Plain("Your case is $(case_closed.resolution).")}}),
			drive: func(ctx context.Context, r *run) error {
				return r.postEvent(ctx, "pause", usecase.EventForCase, "CASE-9", map[string]any{"resolution": "fixed"})
			},
			want: completed,
		},
		scenario{
			name: "wait-for-event-timed-out",
			entry: newEntry("wait-for-event-timed-out", "Wait for event timed out",
				caseClosed("closed", "2s"),
				entry.Step{ID: "nudge", Spec: &entry.If{Condition: "!case_closed.received",
					Then: []entry.Step{{ID: "nudge-sms", Spec: &entry.SendSMS{Text: entry.Plain("Is case $(case.number) still open?")}}}}}),
			want: completed,
		},
		scenario{
			name: "split",
			entry: newEntry("split", "Split",
				entry.Step{ID: "length", Spec: &entry.Split{Branches: []entry.Branch{
					{ID: "short", Weight: 50, Steps: []entry.Step{{ID: "short-sms", Spec: &entry.SendSMS{Text: entry.Plain("Rate us 1-5")}}}},
					{ID: "long", Weight: 50, Steps: []entry.Step{{ID: "long-email", Spec: &entry.SendEmail{Subject: entry.Plain("Tell us more"), Text: entry.Plain("How did we do?")}}}},
				}}},
				entry.Step{ID: "after", Spec: &entry.SetVariable{Name: "variant", Value: "$(split.length)"}}),
			want: completed,
		},
		scenario{
			// Twilio reports the SMS undelivered: the email goes instead.
			name: "sms-fallback-undelivered",
			entry: newEntry("sms-fallback-undelivered", "SMS fallback undelivered",
				entry.Step{ID: "sms", Spec: &entry.SendSMS{Text: entry.Plain("Rate us: reply 1-5"), FallbackAfter: "30s",
					Fallback: []entry.Step{{ID: "email-instead", Spec: &entry.SendEmail{Subject: entry.Plain("Rate us"),
						Text: entry.Plain("We could not text you ($(message.fallback)): how did we do?")}}}}}),
			drive: func(ctx context.Context, r *run) error { return r.reportStatus(ctx, "sms", "undelivered", "30007") },
			want:  completed,
		},
		scenario{
			name: "email-fallback-opted-out",
			entry: newEntry("email-fallback-opted-out", "Email fallback opted out",
				entry.Step{ID: "email", Spec: &entry.SendEmail{Subject: entry.Plain("Your case"), Text: entry.Plain("All done?"),
					Fallback: []entry.Step{{ID: "sms-instead", Spec: &entry.SendSMS{Text: entry.Plain("All done? ($(message.fallback))")}}}}}),
			prepare: func(ctx context.Context, s *system) error {
				_, _, err := s.ingest.AddSuppression(ctx, usecase.SuppressionRequest{Channel: "email", Address: "ada@example.com"},
					usecase.SuppressionFromAPI)
				return err
			},
			cleanup: optIn("email", "ada@example.com"),
			want:    completed,
		},
		scenario{
			// A rolling cap of one SMS an hour skips the second, whose
			// fallback emails. Two days after the other scenarios' sends,
			// by the activities' clock, so none of theirs counts.
			name: "sms-capped-fallback",
			entry: newEntry("sms-capped-fallback", "SMS capped fallback",
				entry.Step{ID: "first-sms", Spec: &entry.SendSMS{Text: entry.Plain("Thanks for calling.")}},
				entry.Step{ID: "second-sms", Spec: &entry.SendSMS{Text: entry.Plain("One more thing."),
					Fallback: []entry.Step{{ID: "email-instead", Spec: &entry.SendEmail{Subject: entry.Plain("One more thing"), Text: entry.Plain("$(message.fallback)")}}}}}),
			at: time.Date(2026, 11, 25, 12, 0, 0, 0, ny),
			prepare: func(ctx context.Context, s *system) error {
				p := policy.Default()
				p.Caps = []policy.Cap{{Channel: "sms", Max: 1, Per: "1h"}}
				_, err := s.store.SavePolicy(ctx, p)
				return err
			},
			cleanup: func(ctx context.Context, s *system) error {
				_, err := s.store.SavePolicy(ctx, policy.Default())
				return err
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

// Surveys answered by SMS reply (issue 17): a reply without a number gets
// the clarifying SMS and a number answers (its low score's branch taken);
// a survey whose clarified wait ends unanswered; and one sent as a link
// because another survey waits for a reply from the number.
func init() {
	replySurvey := func(wait string) entry.Step {
		return entry.Step{ID: "survey", Spec: &entry.SendSurvey{Channel: "sms", AnswerBy: entry.AnswerByReply,
			Question: entry.Plain("How happy are you with $(agent.name)'s help?"),
			Text:     entry.Plain("Hi $(customer.first_name), thanks for calling."), Wait: wait}}
	}
	lowScore := entry.Step{ID: "score-check", Spec: &entry.If{Condition: "survey.answered && survey.score <= 2",
		Then: []entry.Step{{ID: "apology", Spec: &entry.SendSMS{Text: entry.Plain("Sorry, $(customer.first_name). A supervisor will call you.")}}}}}
	// elsewhere is a survey of another run that waits for a reply from the
	// example customer's number.
	const elsewhere = "sms-reply-elsewhere/INT-0/survey"
	scenarios = append(scenarios,
		scenario{
			name:  "sms-reply-answered",
			entry: newEntry("sms-reply-answered", "SMS reply answered", replySurvey("1h"), lowScore),
			drive: func(ctx context.Context, r *run) error {
				if err := r.reply(ctx, "survey", "hmm", usecase.InboundUnclear); err != nil {
					return err
				}
				if err := r.clarified(ctx, "survey"); err != nil {
					return err
				}
				return r.reply(ctx, "survey", "2 the hold music was awful", usecase.InboundAnswered)
			},
			want: completed,
		},
		scenario{
			name:  "sms-reply-timed-out",
			entry: newEntry("sms-reply-timed-out", "SMS reply timed out", replySurvey("4s"), lowScore),
			drive: func(ctx context.Context, r *run) error {
				if err := r.reply(ctx, "survey", "", usecase.InboundUnclear); err != nil {
					return err
				}
				return r.clarified(ctx, "survey")
			},
			want: completed,
		},
		scenario{
			name:  "sms-reply-sent-as-link",
			entry: newEntry("sms-reply-sent-as-link", "SMS reply sent as link", replySurvey("2s"), lowScore),
			prepare: func(ctx context.Context, s *system) error {
				phone := event("INT-0").Customer.Phone
				if _, err := s.store.CreateSurvey(ctx, store.Survey{ID: elsewhere, TokenID: "elsewhere-" + s.stamp,
					WorkflowID: "sms-reply-elsewhere/INT-0", RunID: "r", StepID: "survey", EntryID: "sms-reply-elsewhere",
					InteractionID: "INT-0", Channel: "sms", Question: "How did we do?",
					WaitUntil: time.Now().Add(time.Hour), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
					return err
				}
				addresses := linkkeys.ForProcess().Addresses
				// An earlier scenario's survey of the same number stays open
				// for replies a moment after its run stopped waiting (until
				// its SMS's sending time plus the wait): those runs are over,
				// and this scenario's other survey must be the one open.
				if _, err := s.store.DB().ExecContext(ctx, `DELETE FROM reply_surveys WHERE number_hash = ANY($1)`,
					pq.Array(addresses.Forms(phone))); err != nil {
					return err
				}
				opened, _, err := s.store.OpenReplySurvey(ctx, store.ReplySurveyClaim{SurveyID: elsewhere,
					NumberHash: addresses.Hash(phone), Forms: addresses.Forms(phone), Scale: "1-5", Wait: time.Hour})
				if err == nil && !opened {
					err = errors.New("the other survey did not open for replies")
				}
				return err
			},
			cleanup: func(ctx context.Context, s *system) error {
				_, err := s.store.DB().ExecContext(ctx, `DELETE FROM surveys WHERE id = $1`, elsewhere)
				return err
			},
			want: completed,
		},
	)
}
