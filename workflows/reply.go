package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/i18n"
	"github.com/ccflow/ccflow/core/rating"
	"github.com/ccflow/ccflow/core/scale"
)

// Surveys answered by SMS reply (answer_by: reply, in runs since
// smsReplyChange). The survey's SMS asks the question and what to reply,
// in the run's language; the starter reads the customer's reply
// (core/reply) and hands a score to the run through SurveyAnswerUpdate, as
// the survey page does. A reply without a number on the scale comes as
// UnclearReplySignal while the run waits: the step sends one clarifying
// SMS, through the contact policy like any message, beside its wait; the
// survey stays open. The clarifying SMS is its own message of the run,
// under the step id "<step>/clarify".

// clarifySuffix makes the id a survey step's clarifying SMS is recorded
// under: no step id holds a "/", so it is nobody else's.
const clarifySuffix = "/clarify"

// surveySMSText is the SMS of a survey asked to be answered by reply, from
// its rendered text: answered by reply, the text, the question and what to
// reply ("Reply with a number from 1 (Very poor) to 5 (Excellent)."); sent
// as a link instead (another survey waits for a reply from the number, or
// the run predates replies), the text as it is when it shows the link,
// else with the question and the link after it.
func surveySMSText(text, question string, survey Survey, on scale.Scale, lang string) string {
	words := i18n.For(lang)
	var tail string
	switch {
	case survey.ByReply:
		tail = question + "\n" + replyPrompt(on, words)
	case strings.Contains(text, survey.URL):
		return text
	default:
		tail = question + "\n" + words.T("sms.link.prompt", survey.URL)
	}
	if strings.TrimSpace(text) == "" {
		return tail
	}
	return text + "\n" + tail
}

// replyPrompt asks for a number on the scale, with the words of its two
// ends, in words' language.
func replyPrompt(on scale.Scale, words i18n.Words) string {
	return words.T("sms.reply.prompt", on.Min(), rating.Label(on, on.Min(), words), on.Max(), rating.Label(on, on.Max(), words))
}

// clarifyText is the clarifying SMS: just a number, from the lowest to the
// highest score.
func clarifyText(on scale.Scale, lang string) string {
	return i18n.For(lang).T("sms.reply.clarify", on.Min(), on.Max())
}

// takeUnclearReply marks the survey a reply without a number was for,
// while the run waits on it, so its step sends the clarifying SMS. A
// signal for a survey the run does not wait on (answered, its wait over)
// changes nothing.
func (r *run) takeUnclearReply(u UnclearReply) {
	if s := r.surveys[u.SurveyID]; s != nil && s.byReply && s.answer == nil {
		s.unclear = true
	}
}

// awaitReply waits until until for the reply answering the survey pending,
// sent by SMS to to on scale on, and says whether it came. The first
// reply without a number on the scale gets the clarifying SMS, sent
// beside the wait: an answer or the wait's end stops it, so one held for
// quiet hours never reaches a customer who has answered or whose survey
// has closed.
func (r *run) awaitReply(ctx workflow.Context, p place, pending *pendingSurvey, until time.Time, to string, on scale.Scale) (bool, error) {
	waiting := fmt.Sprintf("waiting for the SMS reply to the survey of step %s until %s", p.id, formatTime(until))
	r.setDetails(ctx, waiting)
	// The clarifying SMS is canceled when the survey is answered or its
	// wait ends, but one already with the provider is recorded as it went.
	clarifyCtx, stop := workflow.WithCancel(withFinishedSends(ctx))
	defer stop()
	for {
		left := until.Sub(workflow.Now(ctx))
		if left <= 0 {
			// An answer taken while the SMS was being sent counts (as in
			// awaitAnswer); Await with no time left would not look.
			return pending.answer != nil, nil
		}
		err := r.waitDurably(ctx, func() error {
			_, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      left,
				TimerOptions: workflow.TimerOptions{Summary: "SMS reply to the survey of step " + p.id},
			}, func() bool { return pending.answer != nil || (pending.unclear && !pending.clarified) })
			return err
		})
		switch {
		case err != nil:
			return false, err
		case pending.answer != nil:
			return true, nil
		case !pending.unclear || pending.clarified:
			return false, nil // the wait is over
		}
		pending.clarified = true
		workflow.Go(clarifyCtx, func(ctx workflow.Context) {
			r.clarify(ctx, p, to, on)
			if ctx.Err() == nil {
				r.setDetails(ctx, waiting)
			}
		})
	}
}

// clarify sends the survey's clarifying SMS to to, as the contact policy
// lets it (not as a survey: survey grace does not hold it back). It is no
// failure of the step when it fails or the survey closes before it goes:
// the run's notes say so.
func (r *run) clarify(ctx workflow.Context, p place, to string, on scale.Scale) {
	cp := p
	cp.id = p.id + clarifySuffix
	// The catalog's words are a pure function of the language (workflowcheck
	// sees x/text's tag parser reach fmt's reflection, as in newRun).
	//workflowcheck:ignore
	text := clarifyText(on, r.lang)
	in := SMSInput{
		Key:        idempotencyKey(ctx, cp.id),
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		StepID:     cp.id,
		To:         to,
		Text:       text,
		Contact:    r.contact(ctx, ChannelSMS, to, false),
	}
	_, err := r.send(ctx, cp, ChannelSMS, "the clarifying SMS", to, SendSMSActivity, in)
	switch {
	case err == nil:
	case ctx.Err() != nil || temporal.IsCanceledError(err):
		// The survey was answered, or its wait ended, while the SMS was
		// held or on its way.
		for i := range r.state.Messages {
			if m := &r.state.Messages[i]; m.StepID == cp.id && m.Status == SendHeld {
				m.Status, m.Reason, m.Until = SendSkipped, "the survey closed before it could go", time.Time{}
			}
		}
	default:
		// The error may quote the number: the store's delivery record and
		// the run's history say why.
		workflow.GetLogger(ctx).Warn("The clarifying SMS of a survey failed", "step", p.id, "error_type", failureType(err))
		r.state.Notes = append(r.state.Notes, Note{StepID: cp.id, At: workflow.Now(ctx),
			Message: "the clarifying SMS could not be sent; its delivery record says why"})
	}
}
