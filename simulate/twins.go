package simulate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/workflows"
)

// twin is the simulated stand-in of one activity: it takes the activity's
// input payloads and answers its result payloads, as the activity would.
type twin func(ctx context.Context, in *commonpb.Payloads) (*commonpb.Payloads, error)

// twinOf makes a twin of a function with an activity's signature.
func twinOf[I, O any](fn func(context.Context, I) (O, error)) twin {
	dc := converter.GetDefaultDataConverter()
	return func(ctx context.Context, in *commonpb.Payloads) (*commonpb.Payloads, error) {
		var arg I
		if err := dc.FromPayloads(in, &arg); err != nil {
			return nil, temporal.NewNonRetryableApplicationError("decoding the activity's input: "+err.Error(), workflows.ErrTypeInvalidInput, err)
		}
		out, err := fn(ctx, arg)
		if err != nil {
			return nil, err
		}
		return dc.ToPayloads(out)
	}
}

// notInAFollowUp is the twin of an activity of another workflow than
// FollowUp (retention, webhook deliveries): a simulation runs none.
func notInAFollowUp(name string) twin {
	return func(context.Context, *commonpb.Payloads) (*commonpb.Payloads, error) {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("activity %s belongs to no follow-up: a simulation runs none", name), workflows.ErrTypeInvalidInput, nil)
	}
}

// twins are the simulated activities of one run, by the names of the
// activity contract (workflows.…Activity). Every name the worker registers
// has one (TestEveryActivityHasATwin): a new activity needs its twin here,
// which does what the activity does without sending, calling or writing
// anything, or notInAFollowUp when no follow-up calls it.
func (r *runSim) twins() map[string]twin {
	return map[string]twin{
		workflows.OpenSurveyActivity:     twinOf(r.openSurvey),
		workflows.SendEmailActivity:      twinOf(r.sendEmail),
		workflows.SendSMSActivity:        twinOf(r.sendSMS),
		workflows.HTTPRequestActivity:    twinOf(r.httpRequest),
		workflows.PlanWaitUntilActivity:  twinOf(r.planWaitUntil),
		workflows.KeptEventActivity:      twinOf(r.keptEvent),
		workflows.RecordRunEndActivity:   twinOf(r.recordRunEnd),
		workflows.PurgeExpiredActivity:   notInAFollowUp(workflows.PurgeExpiredActivity),
		workflows.DeliverWebhookActivity: notInAFollowUp(workflows.DeliverWebhookActivity),
		workflows.FinishWebhookActivity:  notInAFollowUp(workflows.FinishWebhookActivity),
	}
}

// TwinNames are the names of the activities a simulation has twins of.
func TwinNames() []string {
	var names []string
	for name := range (&runSim{}).twins() {
		names = append(names, name)
	}
	return names
}

// SimulatedLink is the path of every survey link a simulation opens: it
// leads to no survey.
const SimulatedLink = "/s/simulated"

// openSurvey opens the survey under the id the real one has, with a link
// that leads nowhere.
func (r *runSim) openSurvey(_ context.Context, in workflows.OpenSurveyInput) (workflows.Survey, error) {
	if in.WorkflowID == "" || in.StepID == "" {
		return workflows.Survey{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("survey needs a workflow ID and a step id, got %q and %q", in.WorkflowID, in.StepID), workflows.ErrTypeInvalidInput, nil)
	}
	return workflows.Survey{ID: workflows.StepKey(in.WorkflowID, in.StepID), URL: strings.TrimRight(r.engine.cfg.PublicURL, "/") + SimulatedLink}, nil
}

// sendEmail decides the email as the send activity would, and sends
// nothing.
func (r *runSim) sendEmail(ctx context.Context, in workflows.EmailInput) (workflows.Delivery, error) {
	return r.send(ctx, workflows.ChannelEmail, in.Key, in.WorkflowID, in.StepID, in.To, in.Contact, emailPreview(in))
}

// sendSMS decides the SMS as the send activity would, and sends nothing.
func (r *runSim) sendSMS(ctx context.Context, in workflows.SMSInput) (workflows.Delivery, error) {
	return r.send(ctx, workflows.ChannelSMS, in.Key, in.WorkflowID, in.StepID, in.To, in.Contact, in.Text)
}

// emailPreview is an email as its recipient reads it: the subject, then
// the text part, or the HTML part's text where there is no text part.
func emailPreview(in workflows.EmailInput) string {
	body := in.Text
	if body == "" {
		body = htmlText(in.HTML)
	}
	return "Subject: " + in.Subject + "\n\n" + body
}

// send is the send activities' twin: the contact policy's decision on the
// facts a real send reads, recorded, and no provider called.
func (r *runSim) send(ctx context.Context, channel, key, workflowID, stepID, to string, c *workflows.Contact, preview string) (workflows.Delivery, error) {
	if key == "" {
		return workflows.Delivery{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("the %s of step %q has no idempotency key", channel, stepID), workflows.ErrTypeInvalidInput, nil)
	}
	now := nowOf(ctx)
	r.previews[stepID] = preview
	if c == nil {
		c = &workflows.Contact{}
	}
	to = strings.TrimSpace(to)
	rcpt, ok := r.ledger.recipientOf(channel, to, c.Recipient, c.CustomerID)
	if !ok {
		// SMTP and Twilio refuse such an address for good.
		r.totals.failed(now, channel)
		return workflows.Delivery{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s of step %s refused: %q is not an address the provider takes", channel, stepID, to), workflows.ErrTypeSendRejected, nil)
	}
	if err := r.ledger.read(r.ctx, []recipient{rcpt}); err != nil {
		return workflows.Delivery{}, err
	}
	s := send{key: key, workflowID: workflowID, channel: channel, entryID: c.EntryID, survey: c.Survey,
		customerKey: rcpt.customerKey, customerID: c.CustomerID, interactionID: c.InteractionID, runStart: r.start,
		optOutForms: rcpt.forms}
	tz := ""
	if c.Recipient {
		tz = c.TimeZone
	}
	req := r.ledger.request(s, policy.Request{CustomerTimeZone: tz, Service: c.Service, EntryQuietHours: c.QuietHours,
		CancelOnNewInteraction: c.CancelOnNewInteraction}, now)
	d := r.in.Policy.Decide(req, r.engine.cfg.DefaultTimeZone)
	r.totals.decided(now, channel, c.Survey, d)
	out := workflows.Delivery{ID: key, Channel: channel, To: to}
	switch d.Outcome {
	case policy.Hold:
		out.Status, out.Until, out.Wait, out.Code, out.Reason, out.Zone = workflows.SendHeld, d.Until, d.Until.Sub(now), d.Code, d.Reason, d.Zone
	case policy.Skip:
		out.Status, out.Code, out.Reason = workflows.SendSkipped, d.Code, d.Reason
	default:
		out.Status, out.SentAt, out.ProviderID = workflows.SendSent, now, "simulated"
		r.ledger.sent(s, now)
		r.afterSent(channel, key, workflowID, stepID, c.Survey)
	}
	return out, nil
}

// deliveryReport is how long after an SMS went its delivery status comes
// in a simulation (Twilio's comes within seconds to minutes).
const deliveryReport = 30 * time.Second

// undeliveredCode is the Twilio error code of an undelivered SMS in a
// simulation: 30003, the handset unreachable.
const undeliveredCode = "30003"

// afterSent schedules what the customer's side does with a message that
// went: its delivery status (an SMS's), and the answer to a survey.
func (r *runSim) afterSent(channel, key, workflowID, stepID string, survey bool) {
	reached := true
	if channel == workflows.ChannelSMS {
		st := workflows.DeliveryStatus{DeliveryID: key, Status: "delivered"}
		if r.in.Customer.Undelivered {
			st.Status, st.ErrorCode = "undelivered", undeliveredCode
			reached = false
		}
		r.env.RegisterDelayedCallback(func() { r.env.SignalWorkflow(workflows.DeliveryStatusSignal, st) }, deliveryReport)
	}
	a := r.in.Customer.Answer
	if !survey || a == nil || !reached {
		return
	}
	answer := workflows.SurveyAnswer{SurveyID: workflows.StepKey(workflowID, stepID), Score: a.Score}
	r.env.RegisterDelayedCallback(func() { r.answer(stepID, answer) }, a.After)
}

// httpRequest records the request an http_request step would make and
// answers 200 with an empty JSON object, making none.
func (r *runSim) httpRequest(_ context.Context, in workflows.HTTPRequestInput) (workflows.HTTPResponse, error) {
	r.totals.Requests++
	var b strings.Builder
	b.WriteString(in.Method + " " + in.Target())
	for _, name := range sortedKeys(in.Headers) {
		b.WriteString("\n" + name + ": " + in.Headers[name])
	}
	if in.Body != "" {
		b.WriteString("\n\n" + in.Body)
	}
	b.WriteString("\n\n(not made in a simulation: answered " + SimulatedHTTPStatus + " with {})")
	r.previews[in.StepID] = b.String()
	return workflows.HTTPResponse{Status: 200, Headers: map[string]string{"content-type": "application/json"}, Body: map[string]any{}}, nil
}

// SimulatedHTTPStatus is the status a simulated request answers.
const SimulatedHTTPStatus = "200"

// planWaitUntil plans a wait_until step as the activity does, on the
// simulation's clock.
func (r *runSim) planWaitUntil(ctx context.Context, in workflows.WaitUntilInput) (workflows.WaitUntilPlan, error) {
	u, err := (&entry.WaitUntil{Time: in.Time, Days: in.Days}).Until()
	if err != nil {
		return workflows.WaitUntilPlan{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("wait_until of step %s: %v", in.StepID, err), workflows.ErrTypeInvalidInput, err)
	}
	u.AtLeast = in.AtLeast
	now := nowOf(ctx)
	plan, err := r.in.Policy.PlanUntil(now, u, in.CustomerTimeZone, in.Service, r.engine.cfg.DefaultTimeZone)
	if err != nil {
		return workflows.WaitUntilPlan{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("wait_until of step %s: %v", in.StepID, err), workflows.ErrTypeInvalidInput, err)
	}
	return workflows.WaitUntilPlan{At: plan.At, Wait: plan.At.Sub(now), Zone: plan.Zone, Holidays: plan.Holidays}, nil
}

// keptEvent finds no event kept for the run: a simulation posts none.
func (r *runSim) keptEvent(context.Context, workflows.KeptEventInput) (workflows.KeptEventResult, error) {
	return workflows.KeptEventResult{}, nil
}

// recordRunEnd is the twin of RecordRunEnd: a simulated run has no run
// record, and its end is in its timeline already. It reports nothing
// recorded, as the activity does for a run without a record.
func (r *runSim) recordRunEnd(context.Context, workflows.RunEnd) (workflows.RunEndRecorded, error) {
	return workflows.RunEndRecorded{}, nil
}

// errNoTwin fails an activity a simulation has no twin of.
var errNoTwin = errors.New("no simulated twin")
