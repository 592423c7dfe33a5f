package usecase

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/reply"
	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// What an SMS read as a reply to a survey answered by reply did, beside
// InboundKept (a late reply without a number, or one after another reply
// answered).
const (
	// InboundAnswered: the reply is the survey's answer (late or not).
	InboundAnswered = store.InboundAnswered
	// InboundUnclear: no number on the scale while the survey waited; the
	// run sends its one clarifying SMS.
	InboundUnclear = store.InboundUnclear
	// InboundReceived: on its way to the run when the post ended (Temporal
	// could not be reached); Twilio's retry, or the starter, finishes it.
	InboundReceived = store.InboundReceived
)

// Survey replies. An SMS that is no keyword, from a number a survey
// answered by reply went to, is read against the newest such survey while
// it has no answer and has not expired (store.ReplySurveyFor):
//
//  1. the message is recorded as received, with the survey, once by its
//     MessageSid: a repeated post of a finished message changes nothing,
//     and one of a message whose work was cut short (Temporal could not
//     be reached) does that work again, which is idempotent;
//  2. a reply holding a number on the survey's scale (core/reply) is
//     handed to the run as the page's answers are (SurveyAnswerUpdate,
//     its update ID the survey's: the run takes one answer, and every
//     caller learns which), then stored: late when the run no longer
//     waits, stored and shown all the same;
//  3. a reply without one, while the survey is open, asks the run for its
//     clarifying SMS (UnclearReplySignal), which it sends once;
//  4. the message's action says what it did: answered (at most one
//     message a survey), unclear, or kept.

// replyOrKeep records m, a message that is no keyword: as a reply to the
// survey it answers when it comes from a number a survey answered by
// reply went to (and does what the reply says), else kept for an
// operator.
func (s *Service) replyOrKeep(ctx context.Context, m store.InboundMessage, address string) (InboundSMSResult, error) {
	rs, err := s.Store.ReplySurveyFor(ctx, s.keys().Addresses.Forms(address))
	switch {
	case errors.Is(err, store.ErrNotFound):
		m.Action = InboundKept
	case err != nil:
		return InboundSMSResult{}, classify(err)
	default:
		m.Action, m.SurveyID = InboundReceived, &rs.ID
	}
	got, fresh, err := s.Store.HandleInbound(ctx, m, store.InboundEffect{})
	switch {
	case err != nil:
		return InboundSMSResult{}, classify(err)
	case got.Action != InboundReceived && !fresh:
		s.logger().InfoContext(ctx, "inbound SMS handled before; nothing changed", "message_sid", got.MessageSID, "action", got.Action)
		return InboundSMSResult{Action: got.Action, Repeated: true}, nil
	case got.Action != InboundReceived:
		s.logger().InfoContext(ctx, "inbound SMS", "message_sid", m.MessageSID, "action", m.Action)
		return InboundSMSResult{Action: got.Action}, nil
	case !fresh:
		// A post of this message was cut short: finish its work on the
		// survey it was read against.
		if got.SurveyID == nil {
			return InboundSMSResult{}, fmt.Errorf("inbound SMS %s was received for no survey", got.MessageSID)
		}
		if rs, err = s.Store.ReplySurveyByID(ctx, *got.SurveyID); err != nil {
			return InboundSMSResult{}, classify(err)
		}
	}
	action, err := s.readReply(ctx, rs, got)
	if err != nil {
		return InboundSMSResult{}, err
	}
	return InboundSMSResult{Action: action}, nil
}

// readReply reads the reply m to the survey rs and does what it says,
// then records what it did.
func (s *Service) readReply(ctx context.Context, rs store.ReplySurvey, m store.InboundMessage) (string, error) {
	var body string
	if m.Body != nil {
		body = *m.Body
	}
	r := reply.Read(body, scale.Of(rs.Scale))
	var action string
	switch {
	case r.Scored:
		a := workflows.SurveyAnswer{SurveyID: rs.ID, Score: r.Score, Comment: r.Comment, Reply: m.MessageSID}
		if err := a.Check(scale.Of(rs.Scale)); err != nil {
			// A score the run and the store do not take on this scale:
			// the message is kept for an operator, not lost.
			s.logger().WarnContext(ctx, "survey reply not handed over", "message_sid", m.MessageSID, "survey_id", rs.ID, "reason", err.Error())
			action = InboundKept
			break
		}
		var err error
		if action, err = s.answerByReply(ctx, rs.Survey, a, handOverTimeout); err != nil {
			s.finishReplyLater(ctx, rs.Survey, a, err)
			return "", err
		}
	case rs.Open:
		var err error
		if action, err = s.askToClarify(ctx, rs.Survey); err != nil {
			return "", err
		}
	default:
		action = InboundKept // a late reply without a number: an operator reads it
	}
	done, err := s.Store.FinishReply(ctx, m.MessageSID, action)
	if err != nil {
		return "", classify(err)
	}
	s.logger().InfoContext(ctx, "inbound SMS read as a survey reply", "message_sid", m.MessageSID, "survey_id", rs.ID,
		"action", done, "open", rs.Open)
	return done, nil
}

// answerByReply hands a, read from the reply a.Reply, to the run waiting
// on sv (within wait), then stores the answer the run took, or a as a
// late answer when the run no longer waits, and says what the reply did:
// InboundAnswered when the answer stored is a, InboundKept when another
// answer came first (the page's, or another reply's).
func (s *Service) answerByReply(ctx context.Context, sv store.Survey, a workflows.SurveyAnswer, wait time.Duration) (string, error) {
	hctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	taken, delivered, err := handOverReply(hctx, s, sv, a)
	if err != nil {
		return "", err
	}
	recordCtx, cancelRecord := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancelRecord()
	stored, inserted, err := s.Store.RecordSurveyAnswer(recordCtx, sv.ID,
		store.SurveyAnswer{Score: taken.Score, Comment: taken.Comment, Delivered: delivered})
	if err != nil {
		return "", classify(err)
	}
	if replyAnswered(a, taken, delivered, stored, inserted) {
		return InboundAnswered, nil
	}
	return InboundKept, nil
}

// handOverReply hands a to the run of sv and returns the answer to store:
// the one the run took (delivered), which may be an earlier one of another
// caller's, or a itself, late, when the run no longer waits or has ended.
// Temporal being unreachable, or slow past ctx, is an error: nothing is
// stored yet.
func handOverReply(ctx context.Context, s *Service, sv store.Survey, a workflows.SurveyAnswer) (workflows.SurveyAnswer, bool, error) {
	taken, err := SendSurveyAnswer(ctx, s.Temporal, sv.WorkflowID, a)
	var (
		rejected *temporal.ApplicationError
		notFound *serviceerror.NotFound
	)
	switch {
	case err == nil:
		return taken, true, nil
	case errors.As(err, &rejected) && rejected.Type() == workflows.ErrSurveyNotPending, errors.As(err, &notFound):
		s.logger().InfoContext(ctx, "survey reply arrived after the run stopped waiting",
			"survey_id", sv.ID, "workflow_id", sv.WorkflowID, "message_sid", a.Reply)
		return a, false, nil
	}
	return workflows.SurveyAnswer{}, false, classify(fmt.Errorf("updating workflow %s with the reply %s to survey %s: %w",
		sv.WorkflowID, a.Reply, sv.ID, err))
}

// replyAnswered decides whether the reply a is the survey's answer, given
// what the run took (taken, when delivered) and what the store keeps
// (stored, inserted by this call or not). The run names the reply it took;
// a late answer is the first stored, which a reply whose post was cut
// short after storing finds as its own words. An answer the run took from
// a worker that predates Reply names none: it is the reply's when this
// call stored it as the reply's words.
func replyAnswered(a, taken workflows.SurveyAnswer, delivered bool, stored store.SurveyAnswer, inserted bool) bool {
	same := stored.Score == a.Score && stored.Comment == a.Comment
	switch {
	case delivered && taken.Reply != "":
		return taken.Reply == a.Reply
	case delivered:
		return inserted && same
	}
	return same && !stored.Delivered
}

// askToClarify asks the run waiting on sv for its clarifying SMS, and says
// what the reply did: InboundUnclear, or InboundKept when the run is gone
// (nothing waits for the survey any more).
func (s *Service) askToClarify(ctx context.Context, sv store.Survey) (string, error) {
	err := s.Temporal.SignalWorkflow(ctx, sv.WorkflowID, "", workflows.UnclearReplySignal, workflows.UnclearReply{SurveyID: sv.ID})
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return InboundKept, nil
	case err != nil:
		return "", classify(fmt.Errorf("asking run %s to clarify survey %s: %w", sv.WorkflowID, sv.ID, err))
	}
	return InboundUnclear, nil
}

// finishReplyLater keeps handing a reply over in the background after the
// post's hand-over failed without an answer from the run (as
// finishHandOver does for the page's answers), then stores it and
// records what the reply did. Twilio's retry of the post, when it makes
// one, does the same work, under the same update ID.
func (s *Service) finishReplyLater(ctx context.Context, sv store.Survey, a workflows.SurveyAnswer, handOverErr error) {
	s.finishLater(ctx, sv.ID, handOverErr, "Twilio's retry", func(bg context.Context) {
		action, err := s.answerByReply(bg, sv, a, finishTimeout)
		if err == nil {
			action, err = s.Store.FinishReply(bg, a.Reply, action)
		}
		if err != nil {
			s.logger().WarnContext(bg, "gave up handing a survey reply to its run", "survey_id", sv.ID, "message_sid", a.Reply, "error", err)
			return
		}
		s.logger().InfoContext(bg, "handed over a survey reply after its post gave up", "survey_id", sv.ID,
			"message_sid", a.Reply, "action", action)
	})
}
