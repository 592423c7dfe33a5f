package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(sendSurvey) }

// sendSurvey opens a survey, sends its link by email or SMS and waits up to
// the step's wait for the answer. It sets survey.url, survey.id and
// survey.answered, and survey.score and survey.comment when answered.
func sendSurvey(r *run, ctx workflow.Context, s *entry.SendSurvey, p place) error {
	wait, err := durations.Parse(s.Wait)
	if err != nil {
		return fmt.Errorf("wait: %w", err)
	}
	on := s.ScaleOf()
	// The message goes out as a send_email or send_sms step's would; an
	// email with the rating buttons of the survey's scale.
	var send func(survey Survey, question string) (sent, error)
	switch s.Channel {
	case ChannelEmail:
		send = func(survey Survey, question string) (sent, error) {
			return sendEmailWith(r, ctx, &entry.SendEmail{To: s.To, Subject: s.Subject, Text: s.Text, HTML: s.HTML}, p, true,
				&SurveyEmail{URL: survey.URL, Question: question, Scale: on, Language: r.lang, Service: r.in.Event.Service})
		}
	case ChannelSMS:
		send = func(Survey, string) (sent, error) {
			return sendSMSMessage(r, ctx, &entry.SendSMS{To: s.To, Text: s.Text}, p, true)
		}
	default:
		return fmt.Errorf("channel: %q is neither %q nor %q", s.Channel, ChannelEmail, ChannelSMS)
	}
	f := r.fields()
	question := f.localText("question", s.Question)
	if f.err != nil {
		return f.err
	}

	// One deadline for the link and the wait, so the survey page and the
	// run agree on when answers stop counting.
	until := workflow.Now(ctx).Add(wait)
	survey, err := r.openSurvey(ctx, s, question, until, p)
	if err != nil {
		return err
	}
	r.vars["survey.url"] = survey.URL
	r.vars["survey.id"] = survey.ID
	r.vars["survey.scale"] = string(on)
	// Pending before the link goes out: a quick customer can answer before
	// the send activity has reported back.
	pending := &pendingSurvey{id: survey.ID, scale: on}
	r.surveys[survey.ID] = pending
	defer delete(r.surveys, survey.ID)

	out, err := send(survey, question)
	if err != nil {
		return err
	}
	if out.Status == SendSkipped {
		// The contact policy kept the survey from the customer: there is
		// no answer to wait for.
		r.vars["survey.answered"] = false
		r.vars["survey.skipped"] = true
		delete(r.vars, "survey.score")
		delete(r.vars, "survey.comment")
		return nil
	}
	r.vars["survey.skipped"] = false
	if out.held {
		// The wait is the customer's time to answer, from when the link
		// reached them.
		until = workflow.Now(ctx).Add(wait)
	}

	r.setDetails(ctx, fmt.Sprintf("waiting for the survey answer from step %s until %s", p.id, formatTime(until)))
	r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineWaited, Reason: "up to " + span(wait) + " for the survey's answer"})
	var answered bool
	if left := until.Sub(workflow.Now(ctx)); left <= 0 && r.changes.answerDuringSendCounts {
		// The send reported back after the wait had ended (it was retried
		// after a crash or an outage), and the customer may have answered
		// the link meanwhile: the update handler took that answer and its
		// caller was told so. The SDK's Await with no time left returns
		// false without looking at the condition, so look here.
		answered = pending.answer != nil
	} else {
		answered, err = workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout:      left,
			TimerOptions: workflow.TimerOptions{Summary: "survey answer for step " + p.id},
		}, func() bool { return pending.answer != nil })
		if err != nil {
			return err
		}
	}
	r.vars["survey.answered"] = answered
	if !answered {
		r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineEvent, Reason: "survey not answered within " + span(wait)})
		// A survey answered earlier in the run must not pass for this one.
		delete(r.vars, "survey.score")
		delete(r.vars, "survey.comment")
		return nil
	}
	r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineEvent, Reason: fmt.Sprintf("survey answered: %d", pending.answer.Score)})
	r.vars["survey.score"] = pending.answer.Score
	r.vars["survey.comment"] = pending.answer.Comment
	return nil
}

// openSurvey records the survey and returns its id and signed link.
func (r *run) openSurvey(ctx workflow.Context, s *entry.SendSurvey, question string, waitUntil time.Time, p place) (Survey, error) {
	r.setDetails(ctx, "opening the survey (step "+p.id+")")
	info := workflow.GetInfo(ctx)
	in := OpenSurveyInput{
		WorkflowID:    info.WorkflowExecution.ID,
		RunID:         info.WorkflowExecution.RunID,
		StepID:        p.id,
		EntryID:       r.in.Entry.ID,
		EntryVersion:  r.in.Entry.Version,
		InteractionID: r.in.Event.InteractionID,
		Channel:       s.Channel,
		Question:      question,
		WaitUntil:     waitUntil,
		Scale:         string(s.ScaleOf()),
		Language:      r.lang,
		Service:       r.in.Event.Service,
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		Summary:             "open survey for step " + p.id,
	})
	var survey Survey
	if err := workflow.ExecuteActivity(ctx, OpenSurveyActivity, in).Get(ctx, &survey); err != nil {
		return Survey{}, &activityError{doing: "opening the survey", err: err}
	}
	return survey, nil
}
