// Package workflows holds ccflow's follow-up workflow: a deterministic
// interpreter of an entry's steps, run once per matching entry and ended
// interaction.
package workflows

import (
	"errors"
	"fmt"
	"reflect"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/core/vars"
)

// FollowUp runs the steps of in.Entry for the interaction in in.Event. Its
// result is the final State; a step that fails without on_error steps fails
// the run with an ErrStepFailed application error saying which step and why.
func FollowUp(ctx workflow.Context, in FollowUpInput) (State, error) {
	return followUp(ctx, in, currentChanges)
}

// followUp is FollowUp with the gated interpreter changes that changesOf
// says the run has.
func followUp(ctx workflow.Context, in FollowUpInput, changesOf func(workflow.Context) changes) (State, error) {
	r := newRun(in)
	// Handlers come before any blocking call so no update or query is lost.
	if err := r.registerHandlers(ctx); err != nil {
		return r.state, err
	}
	r.changes = changesOf(ctx)
	if r.changes.leanCommands {
		r.publishWhenWaiting(ctx)
	}
	// A step of a fired event that fails stops the main steps and the
	// other events through this context, as a failed main step does by
	// returning.
	stepsCtx, stop := workflow.WithCancel(ctx)
	r.stop = stop
	r.watchSignals(ctx)
	stepsCtx = withThread(stepsCtx, r.main)
	err := r.runSteps(stepsCtx, in.Entry.Steps, "steps", "")
	if err == nil {
		err = r.awaitEvents(stepsCtx)
	}
	return r.finish(ctx, err)
}

// run is one follow-up in progress. State.Variables is vars itself, so the
// state query always shows the variables as they are.
type run struct {
	in      FollowUpInput
	changes changes
	vars    vars.Vars
	// lang is the language the run reads its texts in (run.language),
	// chosen once from the customer's (entry.RunLanguage).
	lang  string
	state State
	// publishedStep is the value of CurrentStepAttr the run last set;
	// triedStep the one publishWhenWaiting last tried to set.
	publishedStep, triedStep string
	// surveys are the surveys waiting for an answer, by survey id: the
	// main steps and a fired event's may each wait on one.
	surveys map[string]*pendingSurvey

	// main is the main steps' thread; threads are the fired events' whose
	// steps are running, in the order they fired.
	main    *thread
	threads []*thread
	// pending are the scheduled events not yet due, in scheduling order.
	pending []*event
	// stop cancels every step still running; eventFailure is the failure
	// of a fired event's step that made the run stop.
	stop         workflow.CancelFunc
	eventFailure error
	// contactedAgain is the reason the run ends early because its
	// customer contacted ccflow again, once they did.
	contactedAgain string
	// posted are the events posted for the run, the latest of each name
	// (see watchPostedEvents); statuses the delivery statuses reported
	// for its messages, by delivery id (see watchDeliveryStatuses).
	posted   map[string]PostedEvent
	statuses map[string]DeliveryStatus
	// timeline is what happened, for TimelineQuery.
	timeline Timeline
}

// pendingSurvey is a survey a send_survey step is waiting on; the update
// handler fills answer and the step picks it up.
type pendingSurvey struct {
	id     string
	scale  scale.Scale
	answer *SurveyAnswer
	// byReply marks a survey answered by SMS reply; unclear is set when
	// a reply without a number on the scale came, and clarified once the
	// step has sent (or begun to send) its clarifying SMS.
	byReply, unclear, clarified bool
}

// place is where a step sits in the entry: its path ("steps[1].then[0]"),
// its id (its own or its path), the id of the step that runs after it (""
// when its list ends after it) and the event whose steps it is part of
// ("" for the main steps); and the step itself, for what every step has
// (its type and on_error steps).
type place struct {
	path, id, next, event string
	step                  entry.Step
}

func newRun(in FollowUpInput) *run {
	// Vars copies a map into a map: the order it walks in changes nothing.
	//workflowcheck:ignore
	v := in.Event.Vars()
	v["entry.id"] = in.Entry.ID
	v["entry.name"] = in.Entry.Name
	v["entry.version"] = in.Entry.Version
	// The run's language is a pure function of its input: a replay
	// chooses the same. (workflowcheck sees x/text's tag parser reach
	// fmt's reflection and the runtime's allocator, and the entry's
	// languages come from a map: they are sorted before they are matched.)
	var customerLanguage string
	if in.Event.Customer != nil {
		customerLanguage = in.Event.Customer.Language
	}
	//workflowcheck:ignore
	lang := entry.RunLanguage(in.Entry, customerLanguage)
	v["run.language"] = lang
	return &run{
		in:       in,
		lang:     lang,
		vars:     v,
		surveys:  map[string]*pendingSurvey{},
		posted:   map[string]PostedEvent{},
		statuses: map[string]DeliveryStatus{},
		main:     &thread{},
		timeline: Timeline{Entries: []TimelineEntry{}},
		state: State{
			Status:        StatusRunning,
			EntryID:       in.Entry.ID,
			EntryName:     in.Entry.Name,
			EntryVersion:  in.Entry.Version,
			InteractionID: in.Event.InteractionID,
			Variables:     v,
			Messages:      []Message{},
			Events:        []ScheduledEvent{},
		},
	}
}

// runSteps runs steps in order; they sit under path, and next is the id of
// the step that follows the whole list.
func (r *run) runSteps(ctx workflow.Context, steps []entry.Step, path, next string) error {
	event := r.thread(ctx).event
	for i, s := range steps {
		p := place{path: fmt.Sprintf("%s[%d]", path, i), next: next, event: event, step: s}
		p.id = entry.StepID(s, p.path)
		if i+1 < len(steps) {
			p.next = entry.StepID(steps[i+1], fmt.Sprintf("%s[%d]", path, i+1))
		}
		if err := r.runStep(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// runStep runs the step at p and, when it fails, its on_error steps. A
// failure inside an if branch counts as the if step's failure too, so the
// nearest enclosing on_error handles it, as a catch block would.
func (r *run) runStep(ctx workflow.Context, p place) error {
	r.setStep(ctx, p.id)
	return r.handleFailure(ctx, p, r.exec(ctx, p))
}

// handleFailure runs the on_error steps of the step at p when err, the
// failure of that step or of a step nested in it, is a step failure; it
// returns err when the step has no on_error steps.
func (r *run) handleFailure(ctx workflow.Context, p place, err error) error {
	s := p.step
	if err == nil {
		return nil
	}
	if ctx.Err() != nil || temporal.IsCanceledError(err) {
		return err // canceled: nothing more runs, on_error included
	}
	if _, ok := errors.AsType[*contactedAgain](err); ok {
		return err // the run ends, completed: no step failed
	}
	var se *stepError
	if !errors.As(err, &se) {
		se = &stepError{stepID: p.id, stepType: s.Type(), err: err}
	}
	if len(s.OnError) == 0 {
		return se
	}
	// The error's words stay out of the log: they may carry the customer's
	// data (a rendered path, a template's value). The run's state, its
	// history and GET /v1/workflows/{id} have them.
	workflow.GetLogger(ctx).Warn("Step failed, running its on_error steps",
		"step", se.stepID, "step_type", se.stepType, "error_type", failureType(se.err))
	r.state.Errors = append(r.state.Errors, StepError{StepID: se.stepID, Message: se.err.Error(), At: workflow.Now(ctx)})
	r.note(ctx, TimelineEntry{StepID: se.stepID, Kind: TimelineError, Reason: se.err.Error()})
	r.vars["error.message"] = se.err.Error()
	r.vars["error.step"] = se.stepID
	return r.runSteps(ctx, s.OnError, p.path+".on_error", p.next)
}

// interpreters run the steps of each type, by the Go type of its
// entry.Spec; each file step_<type>.go registers its own with interpret.
var interpreters = map[reflect.Type]func(r *run, ctx workflow.Context, spec entry.Spec, p place) error{}

// interpret registers do as what steps of the type S do, such as
// interpret(sendEmail) for *entry.SendEmail.
func interpret[S entry.Spec](do func(r *run, ctx workflow.Context, s S, p place) error) {
	interpreters[reflect.TypeFor[S]()] = func(r *run, ctx workflow.Context, spec entry.Spec, p place) error {
		return do(r, ctx, spec.(S), p)
	}
}

// exec does what the step at p does, as its type's interpreter says.
func (r *run) exec(ctx workflow.Context, p place) error {
	spec := p.step.Spec
	if do, ok := interpreters[reflect.TypeOf(spec)]; ok {
		return do(r, ctx, spec, p)
	}
	return fmt.Errorf("step type %q is not supported by this worker", p.step.Type())
}

// finish turns how the steps ended into the run's result. A run that ends
// otherwise than completed drops its pending events.
func (r *run) finish(ctx workflow.Context, err error) (State, error) {
	if r.eventFailure != nil {
		err = r.eventFailure // the main steps only saw themselves stopped
	}
	if ca, ok := errors.AsType[*contactedAgain](err); ok && r.contactedAgain == "" {
		r.contactedAgain = ca.reason
	}
	if r.contactedAgain != "" {
		// Completed, not canceled: the follow-up did what it should.
		r.dropPending(ctx)
		r.state.Status = StatusCompleted
		r.state.CurrentStep = ""
		r.state.Reason = r.contactedAgain
		r.noteEnd(ctx, StatusCompleted, r.contactedAgain)
		r.report(ctx, r.contactedAgain)
		r.recordEnd(ctx, r.contactedAgain)
		return r.state, nil
	}
	var se *stepError
	switch {
	case err == nil:
		r.state.Status = StatusCompleted
		r.state.CurrentStep = ""
		r.noteEnd(ctx, StatusCompleted, "")
		r.report(ctx, "completed")
		r.recordEnd(ctx, "")
		return r.state, nil
	case errors.As(err, &se):
		r.dropPending(ctx)
		r.state.Status = StatusFailed
		r.state.CurrentStep = se.stepID
		r.note(ctx, TimelineEntry{StepID: se.stepID, Kind: TimelineError, Reason: se.err.Error()})
		r.noteEnd(ctx, StatusFailed, se.Error())
		// The error names what failed with what, a recipient's address
		// among them: the Web UI says where the run failed, and the run's
		// failure (encrypted with the payload keys) says why.
		r.reportShown(ctx, se.Error(), se.shown())
		r.recordEnd(ctx, se.summary())
		return r.state, temporal.NewNonRetryableApplicationError(se.Error(), ErrStepFailed, se.err)
	default:
		r.dropPending(ctx)
		r.state.Status = StatusCanceled
		r.state.Canceled = r.cancellation(ctx)
		r.noteEnd(ctx, StatusCanceled, "canceled by "+r.state.Canceled.By)
		r.report(ctx, "canceled by "+r.state.Canceled.By)
		reason := "canceled by " + r.state.Canceled.By
		if r.state.Canceled.Reason != "" {
			reason += ": " + r.state.Canceled.Reason
		}
		r.recordEnd(ctx, reason)
		return r.state, err
	}
}

// recordEndTimeout bounds recording a run's end, retries included: a
// store down longer than that leaves the run's record without its end
// (the record says running) rather than keeping the run open.
const recordEndTimeout = time.Hour

// recordEnd records in the run's record how it ended (its State's status)
// and why, when the run has recordRunEndChange. It runs on a context of
// its own, so a canceled run records its end too, and a failure to record
// it is logged, never the run's failure.
func (r *run) recordEnd(ctx workflow.Context, reason string) {
	if !r.changes.recordRunEnd {
		return
	}
	ctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: recordEndTimeout,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
		Summary:                "record how the run ended",
	})
	info := workflow.GetInfo(ctx)
	end := RunEnd{WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
		Status: r.state.Status, Reason: reason, EndedAt: workflow.Now(ctx)}
	if err := workflow.ExecuteActivity(ctx, RecordRunEndActivity, end).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("Recording how the run ended failed; its record says it is running", "error", err.Error())
	}
}

// idempotencyKey is the key a send or request of the step is recorded under.
func idempotencyKey(ctx workflow.Context, stepID string) string {
	return StepKey(workflow.GetInfo(ctx).WorkflowExecution.ID, stepID)
}

// stepError is a step that failed after its retries.
type stepError struct {
	stepID   string
	stepType string
	err      error
}

func (e *stepError) Error() string {
	return fmt.Sprintf("step %q (%s) failed: %v", e.stepID, e.stepType, e.err)
}

func (e *stepError) Unwrap() error { return e.err }

// summary names the step that failed, without the cause, for the run's
// record: the cause may name the customer's address or echo their data.
func (e *stepError) summary() string {
	return fmt.Sprintf("step %q (%s) failed", e.stepID, e.stepType)
}

// shown is the error without its cause, for the Web UI's current details:
// the cause may name the customer's address or echo their data.
func (e *stepError) shown() string {
	return fmt.Sprintf("step %q (%s) failed: the run's failure says why", e.stepID, e.stepType)
}

// failureType names the kind of err for a log line, without its words:
// the type of the application error inside (ccflow.HTTPStatus, …), else
// "error".
func failureType(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() != "" {
		return appErr.Type()
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return "timeout"
	}
	return "error"
}
