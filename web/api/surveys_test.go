//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

const question = "How did Sam & the team do today?"

// openSurvey records a survey, as a send_survey step does, for a run with
// workflowID that need not exist, and returns its link's token.
func (a *testAPI) openSurvey(workflowID string, expiresAt time.Time) (string, store.Survey) {
	a.t.Helper()
	tokenID, err := tokens.NewID()
	require.NoError(a.t, err)
	sv, err := a.store.CreateSurvey(context.Background(), store.Survey{
		ID: workflowID + "/survey", TokenID: tokenID, WorkflowID: workflowID, RunID: "run-1", StepID: "survey",
		EntryID: "post-call-survey", InteractionID: "INT-1", Channel: "email", Question: question,
		WaitUntil: time.Now().Add(time.Hour), ExpiresAt: expiresAt,
	})
	require.NoError(a.t, err)
	return a.signer.Sign(tokenID), sv
}

// openSurveyNow opens a survey of a run that does not exist, so answers to
// it are stored as late ones.
func (a *testAPI) openSurveyNow() (string, store.Survey) {
	return a.openSurvey(uniqueID("post-call-survey/INT-"), time.Now().Add(24*time.Hour))
}

func (a *testAPI) postForm(token string, form url.Values) *http.Response {
	a.t.Helper()
	rec := a.do(http.MethodPost, "/s/"+token, form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	return rec.Result()
}

// surveyAnswer is the answer stored for sv, or nil.
func (a *testAPI) surveyAnswer(sv store.Survey) *store.SurveyAnswer {
	a.t.Helper()
	list, err := a.store.SurveysForWorkflow(context.Background(), sv.WorkflowID)
	require.NoError(a.t, err)
	require.Len(a.t, list, 1)
	return list[0].Answer
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

func TestSurveyPageShowsTheQuestion(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, _ := a.openSurveyNow()

	rec := a.do(http.MethodGet, "/s/"+token, "")

	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	require.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
	page := rec.Body.String()
	require.Contains(t, page, "How did Sam &amp; the team do today?")
	require.Equal(t, 5, strings.Count(page, `type="radio"`))
	require.Contains(t, page, `maxlength="2000"`)
	require.Contains(t, page, `action="/s/`+token+`"`)
}

func TestSurveyLinksThatAreNotValid(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.openSurveyNow()
	unknownID, err := tokens.NewID()
	require.NoError(t, err)
	otherServer := tokens.NewSigner([]byte("another key, another server......"))
	tests := []struct {
		name  string
		token string
	}{
		{"forged", otherServer.Sign(unknownID)},
		{"malformed", "not-a-token"},
		{"signed but unknown", a.signer.Sign(unknownID)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, rec := range []*http.Response{
				a.do(http.MethodGet, "/s/"+tt.token, "").Result(),
				a.postForm(tt.token, url.Values{"score": {"5"}}),
			} {
				page := body(t, rec)
				require.Equal(t, http.StatusNotFound, rec.StatusCode)
				require.Contains(t, page, "This survey link is not valid")
				require.NotContains(t, page, "the team do today", "never another customer's survey")
			}
			e := requireError(t, a.call(http.MethodPost, "/v1/surveys/"+tt.token+"/responses", map[string]any{"score": 5}), http.StatusNotFound)
			require.Equal(t, "not_found", e.Code)
		})
	}
}

func TestSurveyPageOfAnExpiredSurvey(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, _ := a.openSurvey(uniqueID("post-call-survey/INT-"), time.Now().Add(-time.Minute))

	rec := a.do(http.MethodGet, "/s/"+token, "")

	require.Equal(t, http.StatusGone, rec.Code)
	require.Contains(t, rec.Body.String(), "closed")
}

func TestSurveyFormRecordsTheAnswer(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, sv := a.openSurveyNow()

	res := a.postForm(token, url.Values{"score": {"4"}, "comment": {"Quick and kind"}})

	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, body(t, res), "Thank you")
	answer := a.surveyAnswer(sv)
	require.NotNil(t, answer)
	require.Equal(t, 4, answer.Score)
	require.Equal(t, "Quick and kind", answer.Comment)
	require.False(t, answer.Delivered, "no run waits for it: kept as a late answer")
}

func TestSurveyPageOfAnAnsweredSurvey(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, _ := a.openSurveyNow()
	require.Equal(t, http.StatusOK, a.postForm(token, url.Values{"score": {"4"}}).StatusCode)

	for _, res := range []*http.Response{
		a.do(http.MethodGet, "/s/"+token, "").Result(),
		a.postForm(token, url.Values{"score": {"1"}}),
	} {
		require.Equal(t, http.StatusConflict, res.StatusCode)
		require.Contains(t, body(t, res), "already been answered")
	}
}

func TestSurveyFormShowsWhatIsWrong(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, sv := a.openSurveyNow()
	tests := []struct {
		name  string
		form  url.Values
		field string
	}{
		{"score out of range", url.Values{"score": {"7"}, "comment": {"Kept as typed"}}, "score"},
		{"no score", url.Values{"comment": {"Kept as typed"}}, "score"},
		{"score not a number", url.Values{"score": {"great"}, "comment": {"Kept as typed"}}, "score"},
		{"comment too long", url.Values{"score": {"3"}, "comment": {"Kept as typed" + strings.Repeat("é", 2000)}}, "comment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.postForm(token, tt.form)

			page := body(t, res)
			require.Equal(t, http.StatusBadRequest, res.StatusCode)
			require.Contains(t, page, `id="`+tt.field+`-error"`)
			require.Contains(t, page, "the team do today", "the form is shown again")
			require.Contains(t, page, "Kept as typed", "with what the customer typed")
			require.Nil(t, a.surveyAnswer(sv))
		})
	}
}

func TestSurveyAnswerJSON(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, sv := a.openSurveyNow()

	rec := a.call(http.MethodPost, "/v1/surveys/"+token+"/responses", map[string]any{"score": 4, "comment": "Fine"})

	require.JSONEq(t, `{"status": "late"}`, rec.Body.String())
	require.Equal(t, 4, a.surveyAnswer(sv).Score)
}

func TestSurveyAnswerJSONOnlyOnce(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, sv := a.openSurveyNow()
	require.Equal(t, http.StatusOK, a.call(http.MethodPost, "/v1/surveys/"+token+"/responses", map[string]any{"score": 4}).Code)

	e := requireError(t, a.call(http.MethodPost, "/v1/surveys/"+token+"/responses", map[string]any{"score": 1}), http.StatusConflict)

	require.Equal(t, "already_answered", e.Code)
	require.Equal(t, 4, a.surveyAnswer(sv).Score)
}

func TestSurveyAnswerJSONNamesTheBadField(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, _ := a.openSurveyNow()
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{"score missing", `{"comment": "x"}`, "score"},
		{"score too high", `{"score": 7}`, "score"},
		{"score not whole", `{"score": 4.5}`, "score"},
		{"score as text", `{"score": "4"}`, "score"},
		{"comment too long", `{"score": 4, "comment": "` + strings.Repeat("x", 2001) + `"}`, "comment"},
		{"unknown field", `{"score": 4, "rating": 4}`, "rating"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := requireError(t, a.call(http.MethodPost, "/v1/surveys/"+token+"/responses", tt.body), http.StatusBadRequest)

			require.Equal(t, tt.field, e.Field)
		})
	}
}

func TestSurveyAnswerWhileTemporalIsDownIsNotStored(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, unreachableTemporal(t))
	token, sv := a.openSurveyNow()

	e := requireError(t, a.call(http.MethodPost, "/v1/surveys/"+token+"/responses", map[string]any{"score": 4}), http.StatusServiceUnavailable)

	require.Equal(t, "unavailable", e.Code)
	require.Nil(t, a.surveyAnswer(sv), "the customer can try again")
	res := a.postForm(token, url.Values{"score": {"4"}, "comment": {"Kept as typed"}})
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	require.Contains(t, body(t, res), "Kept as typed", "the form keeps the answer for the retry")
}

// awaitSurveyAnswer stands in for a follow-up waiting on its survey: it
// takes one answer to surveyID through the same update, whose validator
// rejects any other, and returns it.
func awaitSurveyAnswer(ctx workflow.Context, surveyID string) (workflows.SurveyAnswer, error) {
	var got *workflows.SurveyAnswer
	err := workflow.SetUpdateHandlerWithOptions(ctx, workflows.SurveyAnswerUpdate,
		func(_ workflow.Context, a workflows.SurveyAnswer) (workflows.SurveyAnswer, error) {
			got = &a
			return a, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, a workflows.SurveyAnswer) error {
			if a.SurveyID != surveyID || got != nil {
				return temporal.NewApplicationError("not waiting for this answer", workflows.ErrSurveyNotPending)
			}
			return nil
		}})
	if err != nil {
		return workflows.SurveyAnswer{}, err
	}
	err = workflow.Await(ctx, func() bool { return got != nil })
	if err != nil {
		return workflows.SurveyAnswer{}, err
	}
	return *got, nil
}

// startWaitingRun runs awaitSurveyAnswer for the survey on a worker of the
// test's task queue.
func (a *testAPI) startWaitingRun(sv store.Survey, surveyID string) client.WorkflowRun {
	a.t.Helper()
	w := worker.New(a.temporal, a.taskQueue, worker.Options{})
	w.RegisterWorkflow(awaitSurveyAnswer)
	require.NoError(a.t, w.Start())
	a.t.Cleanup(w.Stop)
	run, err := a.temporal.ExecuteWorkflow(context.Background(),
		client.StartWorkflowOptions{ID: sv.WorkflowID, TaskQueue: a.taskQueue}, awaitSurveyAnswer, surveyID)
	require.NoError(a.t, err)
	a.terminateAtCleanup(sv.WorkflowID)
	return run
}

func TestSurveyAnswerIsDeliveredToTheWaitingRun(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, sv := a.openSurveyNow()
	run := a.startWaitingRun(sv, sv.ID)

	rec := a.call(http.MethodPost, "/v1/surveys/"+token+"/responses", map[string]any{"score": 5, "comment": "Great"})

	require.JSONEq(t, `{"status": "delivered"}`, rec.Body.String())
	var got workflows.SurveyAnswer
	require.NoError(t, run.Get(context.Background(), &got))
	require.Equal(t, workflows.SurveyAnswer{SurveyID: sv.ID, Score: 5, Comment: "Great"}, got)
	require.True(t, a.surveyAnswer(sv).Delivered)
}

// An earlier attempt's update reached the run, but its reply was lost and
// nothing was stored. The customer's retry, with another score, records the
// answer the run took, so the store and the run never disagree.
func TestSurveyAnswerRetriedAfterALostReplyRecordsTheAnswerTheRunTook(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, sv := a.openSurveyNow()
	run := a.startWaitingRun(sv, sv.ID)
	earlier, err := a.temporal.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{
		UpdateID: sv.ID, WorkflowID: sv.WorkflowID, UpdateName: workflows.SurveyAnswerUpdate,
		Args:         []any{workflows.SurveyAnswer{SurveyID: sv.ID, Score: 5, Comment: "first try"}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	require.NoError(t, err)
	require.NoError(t, earlier.Get(context.Background(), nil))

	rec := a.call(http.MethodPost, "/v1/surveys/"+token+"/responses", map[string]any{"score": 2, "comment": "retry"})

	require.JSONEq(t, `{"status": "delivered"}`, rec.Body.String())
	var got workflows.SurveyAnswer
	require.NoError(t, run.Get(context.Background(), &got))
	require.Equal(t, 5, got.Score)
	stored := a.surveyAnswer(sv)
	require.Equal(t, 5, stored.Score)
	require.Equal(t, "first try", stored.Comment)
	require.True(t, stored.Delivered)
}

func TestSurveyAnswerTheRunNoLongerWaitsForIsKeptAsLate(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, sv := a.openSurveyNow()
	a.startWaitingRun(sv, "an-earlier-survey")

	rec := a.call(http.MethodPost, "/v1/surveys/"+token+"/responses", map[string]any{"score": 2})

	require.JSONEq(t, `{"status": "late"}`, rec.Body.String())
	answer := a.surveyAnswer(sv)
	require.Equal(t, 2, answer.Score)
	require.False(t, answer.Delivered)
}

// openNPSSurvey opens a 0-10 survey of a run that does not exist.
func (a *testAPI) openNPSSurvey() (string, store.Survey) {
	a.t.Helper()
	tokenID, err := tokens.NewID()
	require.NoError(a.t, err)
	sv, err := a.store.CreateSurvey(context.Background(), store.Survey{
		ID: uniqueID("nps/INT-") + "/survey", TokenID: tokenID, WorkflowID: uniqueID("nps/INT-"), RunID: "run-1", StepID: "survey",
		EntryID: "nps", InteractionID: "INT-1", Channel: "sms", Question: "How likely are you to recommend us?",
		WaitUntil: time.Now().Add(time.Hour), ExpiresAt: time.Now().Add(24 * time.Hour), Scale: "0-10",
	})
	require.NoError(a.t, err)
	return a.signer.Sign(tokenID), sv
}

func TestZeroToTenSurveyPageHasElevenRatings(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, _ := a.openNPSSurvey()

	page := a.do(http.MethodGet, "/s/"+token, "").Body.String()

	require.Equal(t, 11, strings.Count(page, `type="radio"`))
	require.Contains(t, page, `id="score-0"`)
	require.Contains(t, page, `id="score-10"`)
	require.Contains(t, page, "0 is not at all likely, 10 is extremely likely.")
	require.Contains(t, page, "Extremely likely")
}

func TestZeroToTenSurveyTakesAZeroByFormAndJSON(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, sv := a.openNPSSurvey()
	res := a.postForm(token, url.Values{"score": {"0"}})
	require.Equal(t, http.StatusOK, res.StatusCode, body(t, res))
	require.Equal(t, 0, a.surveyAnswer(sv).Score)

	token, sv = a.openNPSSurvey()
	rec := a.call(http.MethodPost, "/v1/surveys/"+token+"/responses", `{"score": 0, "comment": "never again"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, 0, a.surveyAnswer(sv).Score)
}

func TestAScoreOffTheSurveysScaleIsRefusedNamingScore(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	for _, tt := range []struct {
		name, body string
		nps        bool
	}{
		{"0 on 1-5", `{"score": 0}`, false},
		{"10 on 1-5", `{"score": 10}`, false},
		{"11 on 0-10", `{"score": 11}`, true},
		{"-1 on 0-10", `{"score": -1}`, true},
		{"4.5", `{"score": 4.5}`, true},
		{"five", `{"score": "five"}`, true},
		{"null", `{"score": null}`, true},
		{"missing on 0-10", `{"comment": "no score"}`, true},
		{"an array", `{"score": [4]}`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			token, sv := a.openSurveyNow()
			if tt.nps {
				token, sv = a.openNPSSurvey()
			}
			e := requireError(t, a.call(http.MethodPost, "/v1/surveys/"+token+"/responses", tt.body), http.StatusBadRequest)
			require.Equal(t, "score", e.Field, e.Message)
			require.Nil(t, a.surveyAnswer(sv), "nothing stored")
		})
	}
	for _, score := range []string{"11", "4.5", "five", "-1"} {
		token, sv := a.openNPSSurvey()
		res := a.postForm(token, url.Values{"score": {score}, "comment": {"kept"}})
		page := body(t, res)
		require.Equal(t, http.StatusBadRequest, res.StatusCode, score)
		require.Contains(t, page, "Please choose a rating from 0 to 10.")
		require.Contains(t, page, ">kept</textarea>")
		require.Nil(t, a.surveyAnswer(sv))
	}
}
