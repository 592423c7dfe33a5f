package workflows

import (
	"cmp"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(sendSurvey) }

// sendSurvey opens a survey, sends its link by email or SMS and waits up to
// the step's wait for the answer. It sets survey.url, survey.id and
// survey.answered, and survey.score and survey.comment when answered. An
// SMS survey answered by reply asks its question in the SMS and takes the
// customer's reply (survey.answer_by says whether it went so or as a
// link), in runs since smsReplyChange.
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
		send = func(survey Survey, question string) (sent, error) {
			sms := &entry.SendSMS{To: s.To, Text: s.Text}
			if !s.ByReply() {
				return sendSMSMessage(r, ctx, sms, p, true)
			}
			return sendSMSWith(r, ctx, sms, p, true, func(text string) string {
				return surveySMSText(text, question, survey, on, r.lang)
			})
		}
	default:
		return fmt.Errorf("channel: %q is neither %q nor %q", s.Channel, ChannelEmail, ChannelSMS)
	}
	f := r.fields()
	question := f.localText("question", s.Question)
	if f.err != nil {
		return f.err
	}
	var claim *ReplyClaim
	if s.Channel == ChannelSMS && s.ByReply() && r.changes.smsReply {
		f := r.fields()
		claim = &ReplyClaim{To: f.text("to", cmp.Or(s.To, defaultSMSTo)), Wait: wait}
		if f.err != nil {
			return f.err
		}
	}

	// One deadline for the link and the wait, so the survey page and the
	// run agree on when answers stop counting.
	until := workflow.Now(ctx).Add(wait)
	survey, err := r.openSurvey(ctx, s, question, until, p, claim)
	if err != nil {
		return err
	}
	survey.ByReply = survey.ByReply && claim != nil // only runs since smsReplyChange ask for replies
	r.vars["survey.url"] = survey.URL
	r.vars["survey.id"] = survey.ID
	r.vars["survey.scale"] = string(on)
	if r.changes.smsReply {
		r.vars["survey.answer_by"] = entry.AnswerByLink
		if survey.ByReply {
			r.vars["survey.answer_by"] = entry.AnswerByReply
		}
	}
	if claim != nil && !survey.ByReply {
		r.state.Notes = append(r.state.Notes, Note{StepID: p.id, At: workflow.Now(ctx),
			Message: "the survey went as a link, not to be answered by reply: " + survey.Reason})
	}
	// Pending before the link goes out: a quick customer can answer before
	// the send activity has reported back.
	pending := &pendingSurvey{id: survey.ID, scale: on, byReply: survey.ByReply}
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

	r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineWaited, Reason: "up to " + span(wait) + " for the survey's answer"})
	var answered bool
	switch {
	case survey.ByReply:
		answered, err = r.awaitReply(ctx, p, pending, until, claim.To, on)
	case claim != nil:
		answered, err = r.awaitAnswer(ctx, p, pending, until, " (sent as a link: "+survey.Reason+")")
	default:
		answered, err = r.awaitAnswer(ctx, p, pending, until, "")
	}
	if err != nil {
		return err
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

// awaitAnswer waits until until for the answer to the survey pending,
// and says whether it came; why ends the details' words (why a survey
// asked to be answered by reply went as a link).
func (r *run) awaitAnswer(ctx workflow.Context, p place, pending *pendingSurvey, until time.Time, why string) (bool, error) {
	r.setDetails(ctx, fmt.Sprintf("waiting for the survey answer from step %s until %s%s", p.id, formatTime(until), why))
	left := until.Sub(workflow.Now(ctx))
	if left <= 0 && r.changes.answerDuringSendCounts {
		// The send reported back after the wait had ended (it was retried
		// after a crash or an outage), and the customer may have answered
		// the link meanwhile: the update handler took that answer and its
		// caller was told so. The SDK's Await with no time left returns
		// false without looking at the condition, so look here.
		return pending.answer != nil, nil
	}
	var came bool
	err := r.waitDurably(ctx, func() (err error) {
		came, err = workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout:      left,
			TimerOptions: workflow.TimerOptions{Summary: "survey answer for step " + p.id},
		}, func() bool { return pending.answer != nil })
		return err
	})
	return came, err
}

// openSurvey records the survey and returns its id and signed link; with a
// claim, it opens it for SMS replies from the claim's number unless
// another survey is (Survey.ByReply).
func (r *run) openSurvey(ctx workflow.Context, s *entry.SendSurvey, question string, waitUntil time.Time, p place, claim *ReplyClaim) (Survey, error) {
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
		Reply:         claim,
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
