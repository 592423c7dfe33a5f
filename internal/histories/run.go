package histories

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// patience bounds every wait on a run: the scenarios' own waits are
// seconds long, so a run that takes longer is stuck.
const patience = time.Minute

// run is a follow-up a scenario started, acted on the way the starter's
// API does.
type run struct {
	temporal   client.Client
	workflowID string
	runID      string
	// ingest posts further interactions, as the contact center's backend
	// does; interactionID is the run's own.
	ingest        *usecase.Service
	interactionID string
	// replies counts the SMS the customer sent, for their MessageSids.
	replies int
}

// state asks the run for its State.
func (r *run) state(ctx context.Context) (workflows.State, error) {
	v, err := r.temporal.QueryWorkflow(ctx, r.workflowID, r.runID, workflows.StateQuery)
	if err != nil {
		return workflows.State{}, fmt.Errorf("querying %s: %w", r.workflowID, err)
	}
	var st workflows.State
	if err := v.Get(&st); err != nil {
		return workflows.State{}, fmt.Errorf("decoding the state of %s: %w", r.workflowID, err)
	}
	return st, nil
}

// waitUntil polls the run's State until holds says yes; what names the
// awaited moment in the error.
func (r *run) waitUntil(ctx context.Context, what string, holds func(workflows.State) bool) error {
	deadline := time.Now().Add(patience)
	for {
		st, err := r.state(ctx)
		switch {
		case err == nil && holds(st):
			return nil
		case time.Now().After(deadline):
			//nolint:errorlint // err is often nil here: it is a detail of the timeout, not its cause
			return fmt.Errorf("%s never came within %s (last state %+v, error %v)", what, patience, st, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// answerSurvey answers the survey of step stepID once the run waits for it,
// with the update the starter sends for a customer's answer.
func (r *run) answerSurvey(ctx context.Context, stepID string, score int, comment string) error {
	surveyID := workflows.StepKey(r.workflowID, stepID)
	err := r.waitUntil(ctx, "the wait for survey "+surveyID, func(st workflows.State) bool {
		return st.CurrentStep == stepID && st.Variables["survey.id"] == surveyID
	})
	if err != nil {
		return err
	}
	_, err = usecase.SendSurveyAnswer(ctx, r.temporal, r.workflowID,
		workflows.SurveyAnswer{SurveyID: surveyID, Score: score, Comment: comment})
	if err != nil {
		return fmt.Errorf("answering survey %s: %w", surveyID, err)
	}
	return nil
}

// clearEvent clears the pending event called name, as DELETE
// /v1/workflows/{id}/events/{name} does.
func (r *run) clearEvent(ctx context.Context, name string) error {
	err := r.waitUntil(ctx, "event "+name+" pending", func(st workflows.State) bool {
		for _, ev := range st.Events {
			if ev.Name == name && ev.Status == workflows.EventPending {
				return true
			}
		}
		return false
	})
	if err != nil {
		return err
	}
	res, err := usecase.SendClearEvent(ctx, r.temporal, r.workflowID, r.runID, workflows.ClearEvent{Name: name, By: "api"})
	if err == nil && !res.WasPending {
		err = fmt.Errorf("the run says it was not pending")
	}
	if err != nil {
		return fmt.Errorf("clearing event %s: %w", name, err)
	}
	return nil
}

// cancel cancels the run once it is at step stepID, as POST
// /v1/workflows/{id}/cancel does: it says who and why, then cancels.
func (r *run) cancel(ctx context.Context, stepID string, req workflows.CancelRequest) error {
	err := r.waitUntil(ctx, "step "+stepID, func(st workflows.State) bool { return st.CurrentStep == stepID })
	if err != nil {
		return err
	}
	if err := usecase.RequestCancel(ctx, r.temporal, r.workflowID, r.runID, req); err != nil {
		return fmt.Errorf("cancelling %s: %w", r.workflowID, err)
	}
	return nil
}

// contactAgain waits until the run is at stepID, then posts another ended
// interaction of the same customer, one that matches no entry: the run
// ends, completed, before its next send.
func (r *run) contactAgain(ctx context.Context, stepID string) error {
	err := r.waitUntil(ctx, "step "+stepID, func(st workflows.State) bool { return st.CurrentStep == stepID })
	if err != nil {
		return err
	}
	ev := event(r.interactionID + "-again")
	ev.Disposition, ev.Case = "Spam", nil
	res, err := r.ingest.Ingest(ctx, ev, false)
	if err != nil {
		return fmt.Errorf("posting interaction %s: %w", ev.InteractionID, err)
	}
	if len(res.Matches) != 0 {
		return fmt.Errorf("interaction %s should match no entry, got %+v", ev.InteractionID, res.Matches)
	}
	return nil
}

// postEvent posts the event case_closed with data once the run is at
// stepID, as POST …/events/case_closed does, for the run, its interaction
// or its case (scope and target).
func (r *run) postEvent(ctx context.Context, stepID, scope, target string, data map[string]any) error {
	err := r.waitUntil(ctx, "step "+stepID, func(st workflows.State) bool { return st.CurrentStep == stepID })
	if err != nil {
		return err
	}
	posted, err := r.ingest.PostEvent(ctx, usecase.EventTarget{Scope: scope, ID: target},
		usecase.EventRequest{Name: "case_closed", Data: data})
	if err != nil {
		return fmt.Errorf("posting case_closed for %s %s: %w", scope, target, err)
	}
	if !slices.ContainsFunc(posted.Runs, func(er usecase.EventRun) bool { return er.WorkflowID == r.workflowID }) {
		return fmt.Errorf("the run did not take case_closed: %+v", posted)
	}
	return nil
}

// reportStatus reports a delivery status of the SMS of step stepID once
// it was sent, as Twilio's signed status callback does.
func (r *run) reportStatus(ctx context.Context, stepID, status, errorCode string) error {
	var providerID string
	err := r.waitUntil(ctx, "the SMS of step "+stepID+" sent", func(st workflows.State) bool {
		for _, m := range st.Messages {
			if m.StepID == stepID && m.Status == workflows.SendSent {
				providerID = m.ProviderID
				return true
			}
		}
		return false
	})
	if err != nil {
		return err
	}
	if err := r.ingest.SMSStatus(ctx, providerID, status, errorCode); err != nil {
		return fmt.Errorf("reporting status %s of %s: %w", status, providerID, err)
	}
	return nil
}

// waitClosed waits for the run to close and requires it to close as want.
func (r *run) waitClosed(ctx context.Context, want enumspb.WorkflowExecutionStatus) error {
	ctx, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	// Its error is the run's failure, which a scenario may well expect.
	_ = r.temporal.GetWorkflow(ctx, r.workflowID, r.runID).Get(ctx, nil)
	desc, err := r.temporal.DescribeWorkflow(ctx, r.workflowID, r.runID)
	if err != nil {
		return fmt.Errorf("describing %s: %w", r.workflowID, err)
	}
	if got := desc.Status; got != want {
		return fmt.Errorf("run %s ended %s, want %s", r.workflowID, got, want)
	}
	return nil
}

// writeHistory writes the run's whole history to file as the Temporal CLI
// does (`temporal workflow show --output json`), which is what
// worker.WorkflowReplayer reads; it returns the number of events.
func (r *run) writeHistory(ctx context.Context, file string) (int, error) {
	hist := &historypb.History{}
	iter := r.temporal.GetWorkflowHistory(ctx, r.workflowID, r.runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return 0, fmt.Errorf("reading the history of %s: %w", r.workflowID, err)
		}
		hist.Events = append(hist.Events, ev)
	}
	data, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		return 0, fmt.Errorf("encoding the history of %s: %w", r.workflowID, err)
	}
	if err := os.WriteFile(file, append(data, '\n'), 0o644); err != nil {
		return 0, fmt.Errorf("writing %s: %w", file, err)
	}
	return len(hist.Events), nil
}

// reply texts body from the customer's phone once the run waits for the
// SMS reply to the survey of step stepID, as Twilio posts it to the
// starter's inbound webhook; want is what the message must do.
func (r *run) reply(ctx context.Context, stepID, body, want string) error {
	surveyID := workflows.StepKey(r.workflowID, stepID)
	err := r.waitUntil(ctx, "the wait for the reply to survey "+surveyID, func(st workflows.State) bool {
		return st.CurrentStep == stepID && st.Variables["survey.id"] == surveyID && st.Variables["survey.answer_by"] == "reply"
	})
	if err != nil {
		return err
	}
	r.replies++
	res, err := r.ingest.InboundSMS(ctx, usecase.InboundSMSRequest{
		MessageSID: fmt.Sprintf("SM%x", sha256.Sum256(fmt.Appendf(nil, "%s/%d", r.workflowID, r.replies)))[:34],
		From:       event(r.interactionID).Customer.Phone, To: "+15550001111", Body: body})
	switch {
	case err != nil:
		return fmt.Errorf("replying %q to survey %s: %w", body, surveyID, err)
	case res.Action != want:
		return fmt.Errorf("the reply %q to survey %s did %s, want %s", body, surveyID, res.Action, want)
	}
	return nil
}

// clarified waits until the survey of step stepID has sent its
// clarifying SMS.
func (r *run) clarified(ctx context.Context, stepID string) error {
	return r.waitUntil(ctx, "the clarifying SMS of step "+stepID, func(st workflows.State) bool {
		return slices.ContainsFunc(st.Messages, func(m workflows.Message) bool {
			return m.StepID == stepID+"/clarify" && m.Status == workflows.SendSent
		})
	})
}
