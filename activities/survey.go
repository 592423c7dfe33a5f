package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// OpenSurvey records a survey for a send_survey step and returns its signed
// link. The survey's ID is the workflow ID and the step id, so a retry finds
// the survey the first attempt recorded and returns the same link. A
// survey answered by SMS reply is opened for replies from its number too,
// when no other survey is.
func (a *Activities) OpenSurvey(ctx context.Context, in workflows.OpenSurveyInput) (workflows.Survey, error) {
	if in.WorkflowID == "" || in.StepID == "" {
		return workflows.Survey{}, invalidInput(fmt.Sprintf("survey needs a workflow ID and a step id, got %q and %q", in.WorkflowID, in.StepID))
	}
	tokenID, err := tokens.NewID()
	if err != nil {
		return workflows.Survey{}, fmt.Errorf("making a survey token: %w", err)
	}
	ttl := a.SurveyTTL
	if ttl == 0 {
		ttl = config.DefaultSurveyTTL
	}
	sv, err := a.Store.CreateSurvey(ctx, store.Survey{
		ID:            workflows.StepKey(in.WorkflowID, in.StepID),
		TokenID:       tokenID,
		WorkflowID:    in.WorkflowID,
		RunID:         in.RunID,
		StepID:        in.StepID,
		EntryID:       in.EntryID,
		InteractionID: in.InteractionID,
		Channel:       in.Channel,
		Question:      in.Question,
		WaitUntil:     in.WaitUntil,
		ExpiresAt:     in.WaitUntil.Add(ttl),
		EntryVersion:  in.EntryVersion,
		Scale:         in.Scale,
		Language:      in.Language,
		Service:       in.Service,
	})
	if err != nil {
		return workflows.Survey{}, err
	}
	link := strings.TrimRight(a.PublicURL, "/") + "/s/" + a.surveyLinks().Sign(sv.TokenID) // tokens are URL-safe
	out := workflows.Survey{ID: sv.ID, URL: link}
	if in.Reply != nil {
		if out.ByReply, out.Reason, err = a.openForReplies(ctx, sv.ID, in); err != nil {
			return workflows.Survey{}, err
		}
	}
	a.logger(ctx).Info("Opened survey", "survey_id", sv.ID, "expires_at", sv.ExpiresAt, "by_reply", out.ByReply)
	return out, nil
}

// openForReplies opens survey id for SMS replies from the number in
// in.Reply, unless another survey is open for replies from that number:
// then it says why the survey goes as a link. A retried activity gets the
// same answer (store.OpenReplySurvey keeps a survey's claim).
func (a *Activities) openForReplies(ctx context.Context, id string, in workflows.OpenSurveyInput) (bool, string, error) {
	number, err := policy.NormalizeAddress(policy.ChannelSMS, in.Reply.To)
	if err != nil {
		// The send fails on it in its turn, with the provider's words.
		return false, "the SMS goes to no phone number a reply could come from", nil
	}
	addresses := a.keys().Addresses
	opened, other, err := a.Store.OpenReplySurvey(ctx, store.ReplySurveyClaim{
		SurveyID: id, NumberHash: addresses.Hash(number), Forms: addresses.Forms(number),
		Scale: string(scale.Of(in.Scale)), Wait: in.Reply.Wait,
	})
	if err != nil {
		return false, "", err
	}
	if !opened {
		// The other survey may be another customer's (a shared phone): its
		// id is for the log, not for this run's state.
		a.logger(ctx).Info("Survey sent as a link: another survey waits for a reply from its number",
			"survey_id", id, "open_survey_id", other)
		return false, "another survey waits for a reply from this number", nil
	}
	return true, "", nil
}

// RecordRunEnd records how a run ended in its run record. Recording it
// again (a retry) changes nothing; a run without a record (one started
// outside ingest, such as a test's) is no error: there is nothing to
// record it in.
func (a *Activities) RecordRunEnd(ctx context.Context, in workflows.RunEnd) (workflows.RunEndRecorded, error) {
	if in.WorkflowID == "" {
		return workflows.RunEndRecorded{}, invalidInput("a run's end needs its workflow ID")
	}
	_, ended, err := a.Store.RecordRunEnd(ctx, store.RunEnd{WorkflowID: in.WorkflowID, RunID: in.RunID,
		Status: in.Status, Reason: in.Reason, EndedAt: in.EndedAt})
	if errors.Is(err, store.ErrNotFound) {
		a.logger(ctx).Warn("The run has no record to record its end in", "workflow_id", in.WorkflowID)
		return workflows.RunEndRecorded{}, nil
	}
	if err != nil {
		return workflows.RunEndRecorded{}, err
	}
	a.logger(ctx).Info("Recorded how the run ended", "workflow_id", in.WorkflowID, "status", in.Status, "recorded_now", ended)
	return workflows.RunEndRecorded{Recorded: ended}, nil
}
