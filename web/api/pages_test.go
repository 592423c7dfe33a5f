//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"context"
	"fmt"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
)

// openSurveyIn records a survey of a run in lang and service, as the
// interpreter's OpenSurvey does, and returns its link's token.
func (a *testAPI) openSurveyIn(lang, service string) (string, store.Survey) {
	a.t.Helper()
	tokenID, err := tokens.NewID()
	require.NoError(a.t, err)
	workflowID := uniqueID("post-call-survey/INT-")
	sv, err := a.store.CreateSurvey(context.Background(), store.Survey{
		ID: workflowID + "/survey", TokenID: tokenID, WorkflowID: workflowID, RunID: "run-1", StepID: "survey",
		EntryID: "post-call-survey", InteractionID: "INT-1", Channel: "email", Question: question,
		WaitUntil: time.Now().Add(time.Hour), ExpiresAt: time.Now().Add(24 * time.Hour), Language: lang, Service: service,
	})
	require.NoError(a.t, err)
	return a.signer.Sign(tokenID), sv
}

var checked = regexp.MustCompile(`id="score-(\d+)" name="score" value="\d+" checked`)

// A rating button's link opens the page with its score chosen and the
// comment box ready, and records nothing: only the form's post does.
func TestARatingLinkChoosesTheScoreAndRecordsNothing(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, sv := a.openSurveyNow()

	rec := a.do(http.MethodGet, "/s/"+token+"?score=4", "")

	require.Equal(t, http.StatusOK, rec.Code)
	page := rec.Body.String()
	require.Equal(t, [][]string{{`id="score-4" name="score" value="4" checked`, "4"}}, checked.FindAllStringSubmatch(page, -1))
	require.Contains(t, page, "You chose 4. Nothing is sent yet")
	require.Contains(t, page, `aria-describedby="comment-hint" autofocus`)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		for range 3 {
			require.Less(t, a.do(method, "/s/"+token+"?score=1", "").Code, 300)
		}
	}
	require.Nil(t, a.surveyAnswer(sv), "opening the links recorded nothing")

	res := a.postForm(token, url.Values{"score": {"4"}, "comment": {"Quick"}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, 4, a.surveyAnswer(sv).Score)
}

func TestARatingLinkWithAScoreOffTheScaleChoosesNoneAndSaysWhy(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	token, sv := a.openSurveyNow()
	for _, score := range []string{"7", "0", "4.5", "five", "", "%D9%A5", "04", strings.Repeat("9", 1000)} {
		rec := a.do(http.MethodGet, "/s/"+token+"?score="+score, "")

		require.Equal(t, http.StatusBadRequest, rec.Code, score)
		page := rec.Body.String()
		require.Empty(t, checked.FindAllString(page, -1), score)
		require.Contains(t, page, `<p class="error" id="score-error" role="alert">Please choose a rating from 1 to 5.</p>`, score)
		require.Contains(t, page, "the team do today", "the form is shown all the same")
	}
	require.Nil(t, a.surveyAnswer(sv))
	for _, score := range []string{"4.5", "five"} {
		res := a.postForm(token, url.Values{"score": {score}})
		require.Equal(t, http.StatusBadRequest, res.StatusCode, score)
		require.Contains(t, body(t, res), `id="score-error"`)
	}
}

func TestTheSurveyPageSpeaksTheRunsLanguageElseTheBrowsers(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	tests := []struct {
		lang, accept, want, submit string
	}{
		{"es-MX", "en-US,en;q=0.9", "es", "Enviar opinión"},
		{"ja", "", "ja", "送信する"},
		{"", "fr-CH, fr;q=0.9, en;q=0.8", "fr", "Envoyer mon avis"},
		{"", "de-AT", "de", "Feedback senden"},
		{"", "pt-BR", "en", "Send feedback"},
		{"pt-BR", "de", "en", "Send feedback"}, // the run's language, which ccflow does not speak yet
	}
	for _, tt := range tests {
		token, _ := a.openSurveyIn(tt.lang, "")
		rec := a.do(http.MethodGet, "/s/"+token, "", "Accept-Language", tt.accept)
		require.Equal(t, http.StatusOK, rec.Code)
		page := rec.Body.String()
		require.Contains(t, page, `<html lang="`+tt.want+`">`, "%s / %s", tt.lang, tt.accept)
		require.Contains(t, page, tt.submit)
		require.Equal(t, tt.want, rec.Header().Get("Content-Language"))
	}

	token, _ := a.openSurveyIn("de", "")
	res := a.postForm(token, url.Values{"score": {"9"}})
	require.Contains(t, body(t, res), "Bitte wählen Sie eine Bewertung von 1 bis 5.", "its errors too")
	require.Equal(t, http.StatusOK, a.postForm(token, url.Values{"score": {"5"}}).StatusCode)
	again := a.do(http.MethodGet, "/s/"+token, "", "Accept-Language", "en")
	require.Equal(t, http.StatusConflict, again.Code)
	require.Contains(t, again.Body.String(), "Bereits beantwortet", "an answered survey says so in its run's language")
	invalid := a.do(http.MethodGet, "/s/nope", "", "Accept-Language", "ja")
	require.Contains(t, invalid.Body.String(), "このアンケートのリンクは無効です", "a link that names no survey: the browser's")
}

func TestTheCustomersPagesShowTheBrandOfTheRunsService(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	saved := decode[usecase.BrandDocument](t, a.call(http.MethodPut, "/v1/brand", fmt.Sprintf(`{"name": "Acme <Support>",
		"accent": "#FFFF00", "contact": "Call us at +1 555 0100",
		"services": {"Billing Support": {"name": "Acme Billing", "logo": %q, "accent": "#777777"}}}`, pngDataURL(t, color.RGBA{R: 9, A: 255}))), http.StatusOK)

	token, _ := a.openSurveyIn("en", "Billing Support")
	page := a.do(http.MethodGet, "/s/"+token, "").Body.String()
	require.Contains(t, page, `<img src="`+saved.Services["Billing Support"].LogoURL+`" alt=""><span>Acme Billing</span>`)
	require.Contains(t, page, "--accent: #777777; --on-accent: #000000;", "#777777 reads only with black (4.69:1), not white (4.48:1)")
	require.Contains(t, page, "<footer>Call us at &#43;1 555 0100</footer>", "the default's contact line")

	other, _ := a.openSurveyIn("en", "Sales")
	page = a.do(http.MethodGet, "/s/"+other, "").Body.String()
	require.Contains(t, page, "<span>Acme &lt;Support&gt;</span>", "the default brand, its name as text")
	require.Contains(t, page, "--accent: #FFFF00; --on-accent: #000000; --strong: #", "yellow: black on it, darkened as text")
	require.NotContains(t, page, "--strong: #FFFF00")

	id, err := policy.UnsubscribeID("email", a.keys.Addresses.Hash("ada@example.com"))
	require.NoError(t, err)
	unsubToken := a.keys.Unsubscribe.Sign(id)
	unsub := a.do(http.MethodGet, "/u/"+unsubToken+"?lang=es-MX&service=Billing+Support", "", "Accept-Language", "en")
	require.Equal(t, http.StatusOK, unsub.Code)
	require.Contains(t, unsub.Body.String(), `<html lang="es">`)
	require.Contains(t, unsub.Body.String(), "Darse de baja")
	require.Contains(t, unsub.Body.String(), `<span>Acme Billing</span>`)
	require.Contains(t, unsub.Body.String(), `action="/u/`+unsubToken+`?lang=es-MX&amp;service=Billing&#43;Support"`)
	bad := a.do(http.MethodGet, "/u/"+unsubToken+"?lang=%00%FF&service="+strings.Repeat("x", 5000), "", "Accept-Language", "de")
	require.Equal(t, http.StatusOK, bad.Code, "hints that are no language or service are ignored")
	require.Contains(t, bad.Body.String(), `<html lang="de">`)
}
