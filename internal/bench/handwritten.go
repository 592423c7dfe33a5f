package bench

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/workflows"
)

// HandWrittenWorkflow is the workflow type of HandWritten.
const HandWrittenWorkflow = "BenchHandWritten"

// stepsEntry is the entry the interpreter runs in the interpreter figure:
// a variable, an email, a condition and an SMS. HandWritten does the same
// in plain Go, calling the same activities with the same payloads (the
// record of how the run ended included, which results need of every run),
// so the two differ only by the interpreter.
const stepsEntry = `{
  "id": "bench-steps", "name": "Bench steps", "service": "Bench Steps",
  "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
  "steps": [
    {"id": "greeting", "type": "set_variable", "name": "greeting", "value": "Hi $(customer.first_name)"},
    {"id": "email", "type": "send_email", "subject": "About order $(order_id)",
     "text": "$(greeting), is everything fine with order $(order_id)?"},
    {"id": "check", "type": "if", "condition": "order_id == \"A-17\"",
     "then": [{"id": "sms", "type": "send_sms", "text": "$(greeting), we emailed you about order $(order_id)."}]}
  ]}`

// render is templates.Render, as the interpreter calls it: a template looks
// values up in a map, whatever order the map keeps.
var render = templates.Render

// HandWritten is stepsEntry written by hand as a Go workflow: the
// reference the interpreter is measured against.
func HandWritten(ctx workflow.Context, in workflows.FollowUpInput) (string, error) {
	// Vars copies a map into a map: the order it walks in changes nothing.
	//workflowcheck:ignore
	v := in.Event.Vars()
	greeting, err := render("Hi $(customer.first_name)", v)
	if err != nil {
		return "", err
	}
	v["greeting"] = greeting
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    workflows.SendTimeout,
		ScheduleToCloseTimeout: 2 * time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute},
	})

	// What the contact policy judges each send by, as the interpreter
	// passes it: the policy takes the customer's lock and reads their
	// contact history for both.
	contact := func() *workflows.Contact {
		c := &workflows.Contact{Service: in.Event.Service, EntryID: in.Entry.ID, InteractionID: in.Event.InteractionID,
			QuietHours: in.Entry.QuietHours, CancelOnNewInteraction: in.Entry.CancelOnNewInteraction,
			RunStartedAt: workflow.GetInfo(ctx).WorkflowStartTime}
		if cu := in.Event.Customer; cu != nil {
			c.CustomerID, c.TimeZone, c.Recipient = cu.ID, cu.TimeZone, true
		}
		return c
	}
	email := workflows.EmailInput{Key: workflows.StepKey(id, "email"), WorkflowID: id, StepID: "email", Contact: contact()}
	if email.To, err = render("$(customer.email)", v); err != nil {
		return "", err
	}
	if email.Subject, err = render("About order $(order_id)", v); err != nil {
		return "", err
	}
	if email.Text, err = render("$(greeting), is everything fine with order $(order_id)?", v); err != nil {
		return "", err
	}
	var d workflows.Delivery
	if err := workflow.ExecuteActivity(ctx, workflows.SendEmailActivity, email).Get(ctx, &d); err != nil {
		return "", err
	}
	if v["order_id"] != "A-17" {
		return recordEnd(ctx, id)
	}
	sms := workflows.SMSInput{Key: workflows.StepKey(id, "sms"), WorkflowID: id, StepID: "sms", Contact: contact()}
	if sms.To, err = render("$(customer.phone)", v); err != nil {
		return "", err
	}
	if sms.Text, err = render("$(greeting), we emailed you about order $(order_id).", v); err != nil {
		return "", err
	}
	if err := workflow.ExecuteActivity(ctx, workflows.SendSMSActivity, sms).Get(ctx, &d); err != nil {
		return "", err
	}
	return recordEnd(ctx, id)
}

// recordEnd records how the run ended, as every run of the interpreter
// does last.
func recordEnd(ctx workflow.Context, id string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	end := workflows.RunEnd{WorkflowID: id, RunID: workflow.GetInfo(ctx).WorkflowExecution.RunID,
		Status: workflows.StatusCompleted, EndedAt: workflow.Now(ctx)}
	if err := workflow.ExecuteActivity(ctx, workflows.RecordRunEndActivity, end).Get(ctx, nil); err != nil {
		return "", err
	}
	return "done", nil
}
