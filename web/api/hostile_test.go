//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// hostileValue is a string as a careless or hostile client sends it: its
// JSON text (escapes, raw bytes that are not UTF-8 and all) and the Go
// string for paths and forms.
type hostileValue struct {
	name string
	json string
	raw  string
}

// hostileValues are the strings every text input is tried with.
var hostileValues = []hostileValue{
	{"NUL escaped", `"a\u0000b"`, "a\x00b"},
	{"NUL alone", `"\u0000"`, "\x00"},
	{"raw bytes not UTF-8", "\"a\xff\xfeb\"", "a\xff\xfeb"},
	{"unpaired high surrogate", `"a\ud800b"`, "a\xed\xa0\x80b"},
	{"unpaired low surrogate", `"\udc00"`, "\xed\xb0\x80"},
	{"3,000 characters", `"` + strings.Repeat("x", 3000) + `"`, strings.Repeat("x", 3000)},
	{"100,000 characters", `"` + strings.Repeat("é", 100000) + `"`, strings.Repeat("é", 100000)},
	{"line breaks", `"a\r\nX-Admin: 1"`, "a\r\nX-Admin: 1"},
	{"C1 control", `"a\u0085b"`, "a\u0085b"},
	{"right-to-left override", `"\u202egnp.exe\u202c"`, "\u202egnp.exe\u202c"},
	{"right-to-left mark and Arabic", `"\u200fمرحبا"`, "\u200fمرحبا"},
	{"zero-width characters", `"a\u200b\u200c\u200db\ufeff"`, "a\u200b\u200c\u200db\ufeff"},
	{"emoji", `"👩‍💻🎉"`, "👩‍💻🎉"},
	{"empty", `""`, ""},
	{"spaces", `"   "`, "   "},
	{"a template", `"$(customer.email)"`, "$(customer.email)"},
	{"SQL", `"'; DROP TABLE entries; --"`, "'; DROP TABLE entries; --"},
}

// placeholder marks where a hostile value goes in a body built as a map.
const placeholder = "\x01hostile\x01"

// withHostile marshals body and puts v's JSON text where the placeholder
// is, as a value or as a key.
func withHostile(t *testing.T, body any, v hostileValue) string {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	quoted, err := json.Marshal(placeholder)
	require.NoError(t, err)
	require.True(t, bytes.Contains(data, quoted), "no placeholder in %s", data)
	return string(bytes.ReplaceAll(data, quoted, []byte(v.json)))
}

// requireNoServerError fails unless the answer is 2xx or 4xx: a 5xx means
// ccflow or a server it needs is broken, never the caller's input.
func requireNoServerError(t *testing.T, rec *httptest.ResponseRecorder, what string) {
	t.Helper()
	require.Less(t, rec.Code, 500, "%s: %d %s", what, rec.Code, rec.Body.String())
	require.GreaterOrEqual(t, rec.Code, 200, what)
}

// set puts value at the dotted path of a JSON object built of maps.
func set(obj map[string]any, path string, value any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		child, ok := obj[p].(map[string]any)
		if !ok {
			child = map[string]any{}
			obj[p] = child
		}
		obj = child
	}
	obj[parts[len(parts)-1]] = value
}

// An event with a hostile value in any field is started or refused, never
// a 5xx; a refused one leaves no run in Temporal and none in the store,
// and a started one has both.
func TestHostileEventsNeverGetA5xxAndTheRunAndTheStoreAgree(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))
	fields := []string{"interaction_id", "service", "channel", "disposition", "agent.id", "agent.name",
		"customer.id", "customer.first_name", "customer.last_name", "customer.email", "customer.phone",
		"customer.time_zone", "customer.language", "case.id", "case.number", "case.disposition",
		"variables.note", "ended_at"}
	ctx := context.Background()
	for _, field := range append(fields, "variables.<key>", "<key>") {
		for _, v := range hostileValues {
			id := uniqueID("INT-")
			ev := endedEvent(id)
			switch field {
			case "variables.<key>":
				set(ev, "variables."+placeholder, "x")
			case "<key>":
				ev[placeholder] = "x"
			default:
				set(ev, field, placeholder)
			}
			body := withHostile(t, ev, v)

			for _, target := range []string{"/v1/interactions/ended?dry_run=true", "/v1/interactions/ended"} {
				rec := a.call(http.MethodPost, target, body)
				requireNoServerError(t, rec, field+" "+v.name+" "+target)
				if strings.Contains(target, "dry_run") || field == "interaction_id" {
					continue
				}
				workflowID := workflows.WorkflowID("post-call-survey", id)
				_, runErr := a.store.Run(ctx, workflowID)
				_, descErr := a.temporal.DescribeWorkflow(ctx, workflowID, "")
				if rec.Code == http.StatusOK {
					res := decode[interaction.Result](t, rec, http.StatusOK)
					if len(res.Matches) > 0 {
						a.terminateAtCleanup(workflowID)
						require.NoError(t, runErr, "%s %s: started, so recorded", field, v.name)
						require.NoError(t, descErr, "%s %s: started in Temporal", field, v.name)
					}
					continue
				}
				var notFound *serviceerror.NotFound
				require.ErrorIs(t, runErr, store.ErrNotFound, "%s %s: refused, so not recorded", field, v.name)
				require.True(t, errors.As(descErr, &notFound), "%s %s: refused, so not started: %v", field, v.name, descErr)
			}
		}
	}
}

// An entry with a hostile value anywhere is stored or refused, never a
// 5xx; a refused one is not stored.
func TestHostileEntriesNeverGetA5xxAndAreStoredOnlyWhenAccepted(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	fields := []string{"name", "service", "id", "triggers.0.disposition", "steps.0.id", "steps.0.subject", "steps.0.text",
		"steps.0.to", "steps.1.condition", "steps.2.duration", "steps.3.url", "steps.3.headers.X-Note", "steps.3.headers.<key>",
		"steps.3.body", "steps.0.<key>", "<key>"}
	for _, field := range fields {
		for _, v := range hostileValues {
			e := map[string]any{
				"name":     "Hostile " + uniqueID(""),
				"service":  "Billing Support",
				"triggers": []any{map[string]any{"type": "disposition", "disposition": "Problem solved"}},
				"steps": []any{
					map[string]any{"id": "mail", "type": "send_email", "subject": "Hi", "text": "Hello"},
					map[string]any{"type": "if", "condition": "true", "then": []any{map[string]any{"type": "wait", "duration": "1m"}}},
					map[string]any{"type": "wait", "duration": "1d"},
					map[string]any{"type": "http_request", "method": "POST", "url": "https://crm.example.com/x",
						"headers": map[string]any{"X-Note": "n"}, "body": "{}"},
				},
			}
			switch {
			case field == "<key>":
				e[placeholder] = "x"
			case strings.HasSuffix(field, ".<key>"):
				setIn(e, strings.TrimSuffix(field, ".<key>")+"."+placeholder, "x")
			default:
				setIn(e, field, placeholder)
			}
			before := len(decode[struct {
				Entries []any `json:"entries"`
			}](t, a.call(http.MethodGet, "/v1/entries", nil), http.StatusOK).Entries)

			rec := a.call(http.MethodPost, "/v1/entries", withHostile(t, e, v))

			requireNoServerError(t, rec, field+" "+v.name)
			after := len(decode[struct {
				Entries []any `json:"entries"`
			}](t, a.call(http.MethodGet, "/v1/entries", nil), http.StatusOK).Entries)
			if rec.Code == http.StatusCreated {
				require.Equal(t, before+1, after, "%s %s", field, v.name)
				continue
			}
			require.Equal(t, before, after, "%s %s: refused, so not stored", field, v.name)
		}
	}
}

// setIn is set for paths through lists: "steps.0.subject".
func setIn(obj map[string]any, path string, value any) {
	parts := strings.Split(path, ".")
	var cur any = obj
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[p] = value
				return
			}
			cur = c[p]
		case []any:
			n := 0
			for _, d := range p {
				n = n*10 + int(d-'0')
			}
			if last {
				c[n] = value
				return
			}
			cur = c[n]
		}
	}
}

// Hostile values in paths, queries and the other bodies: never a 5xx.
func TestHostilePathsAndBodiesNeverGetA5xx(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	m := a.start(eventEntry("Check-in"))
	token, _ := a.openSurveyNow()
	for _, v := range hostileValues {
		escaped := url.PathEscape(v.raw)
		query := url.QueryEscape(v.raw)
		requests := []struct {
			method, target string
			body           any
		}{
			{http.MethodGet, "/v1/entries/" + escaped, nil},
			{http.MethodGet, "/v1/entries/check-in?version=" + query, nil},
			{http.MethodPut, "/v1/entries/" + escaped, surveyEntry("Renamed " + uniqueID(""))},
			{http.MethodDelete, "/v1/entries/" + escaped, nil},
			{http.MethodGet, "/v1/workflows/" + escaped, nil},
			{http.MethodGet, "/v1/workflows/check-in/" + escaped, nil},
			{http.MethodPost, "/v1/workflows/" + escaped + "/cancel", nil},
			{http.MethodDelete, "/v1/workflows/" + url.PathEscape(m.WorkflowID) + "/events/" + escaped, nil},
			{http.MethodPost, "/v1/interactions/ended?dry_run=" + query, endedEvent(uniqueID("INT-"))},
			{http.MethodPost, "/v1/surveys/" + escaped + "/responses", map[string]any{"score": 4}},
			{http.MethodPost, "/v1/dispositions", withHostile(t, map[string]any{"scope": "interaction", "name": placeholder}, v)},
			{http.MethodPost, "/v1/dispositions", withHostile(t, map[string]any{"scope": placeholder, "name": "x"}, v)},
			{http.MethodPost, "/v1/workflows/" + url.PathEscape(m.WorkflowID) + "/cancel",
				withHostile(t, map[string]any{"by": placeholder, "reason": "test"}, v)},
			{http.MethodPost, "/v1/workflows/" + url.PathEscape(m.WorkflowID) + "/cancel",
				withHostile(t, map[string]any{"by": "ops", "reason": placeholder}, v)},
			{http.MethodPost, "/v1/surveys/" + token + "/responses", withHostile(t, map[string]any{"score": placeholder}, v)},
		}
		for _, r := range requests {
			rec := a.call(r.method, r.target, r.body)
			requireNoServerError(t, rec, r.method+" "+r.target+" "+v.name)
			if strings.HasSuffix(r.target, "/cancel") && rec.Code == http.StatusAccepted {
				// A valid cancel ended the run: another interaction starts another.
				res := decode[interaction.Result](t, a.call(http.MethodPost, "/v1/interactions/ended", endedEvent(uniqueID("INT-"))), http.StatusOK)
				require.Len(t, res.Matches, 1)
				m = res.Matches[0]
				a.terminateAtCleanup(m.WorkflowID)
			}
		}
		page := a.do(http.MethodGet, "/s/"+escaped, "")
		require.Less(t, page.Code, 500, "GET /s/ %s", v.name)
	}
}

// A survey answer with a hostile comment is either taken by the run and
// stored as the run took it, or refused before the run sees it and stored
// nowhere; the customer can then answer.
func TestHostileSurveyAnswersLeaveTheRunAndTheStoreAgreeing(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	for _, v := range hostileValues {
		for _, form := range []bool{false, true} {
			token, sv := a.openSurveyNow()
			run := a.startWaitingRun(sv, sv.ID)

			var code int
			if form {
				res := a.postForm(token, url.Values{"score": {"4"}, "comment": {v.raw}})
				code = res.StatusCode
			} else {
				rec := a.call(http.MethodPost, "/v1/surveys/"+token+"/responses",
					withHostile(t, map[string]any{"score": 4, "comment": placeholder}, v))
				code = rec.Code
			}

			what := v.name
			if form {
				what += " (form)"
			}
			require.Less(t, code, 500, what)
			if code >= 400 {
				require.Nil(t, a.surveyAnswer(sv), "%s: refused, so not stored", what)
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				err := run.Get(ctx, nil)
				cancel()
				require.Error(t, err, "%s: refused, so the run still waits", what)
				// The customer answers again, plainly.
				rec := a.call(http.MethodPost, "/v1/surveys/"+token+"/responses", map[string]any{"score": 4, "comment": "ok"})
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			}
			var took workflows.SurveyAnswer
			require.NoError(t, run.Get(context.Background(), &took), what)
			stored := a.surveyAnswer(sv)
			require.NotNil(t, stored, what)
			require.Equal(t, took.Score, stored.Score, what)
			require.Equal(t, took.Comment, stored.Comment, "%s: the store keeps what the run took", what)
		}
	}
}

// The contact policy's inputs too: opt-outs, the policy document, the
// unsubscribe page and Twilio's webhooks (unsigned, so refused) answer a
// 2xx or a 4xx, and a refused opt-out is not stored.
func TestHostilePolicyInputsNeverGetA5xx(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	for _, v := range hostileValues {
		requests := []struct {
			method, target string
			body           any
			optOut         bool
		}{
			{http.MethodPost, "/v1/suppressions", withHostile(t, map[string]any{"channel": "sms", "address": "+15551234567", "reason": placeholder}, v), true},
			{http.MethodPost, "/v1/suppressions", withHostile(t, map[string]any{"channel": "email", "address": placeholder, "reason": "asked"}, v), true},
			{http.MethodPost, "/v1/suppressions", withHostile(t, map[string]any{"channel": placeholder, "address": "ada@example.com"}, v), true},
			{http.MethodGet, "/v1/suppressions?channel=sms&address=" + url.QueryEscape(v.raw), nil, false},
			{http.MethodGet, "/v1/suppressions?channel=" + url.QueryEscape(v.raw), nil, false},
			{http.MethodDelete, "/v1/suppressions/sms/" + url.PathEscape(v.raw), nil, false},
			{http.MethodDelete, "/v1/suppressions/" + url.PathEscape(v.raw) + "/ada@example.com", nil, false},
			{http.MethodPut, "/v1/policy", withHostile(t, map[string]any{"time_zone": placeholder}, v), false},
			{http.MethodPut, "/v1/policy", withHostile(t, map[string]any{"survey_grace": placeholder}, v), false},
			{http.MethodPut, "/v1/policy", withHostile(t, map[string]any{"quiet_hours": map[string]any{"sms": map[string]any{"start": placeholder, "end": "21:00"}}}, v), false},
			{http.MethodPut, "/v1/policy", withHostile(t, map[string]any{"max_per_day": map[string]any{placeholder: 1}}, v), false},
		}
		for _, r := range requests {
			before := a.call(http.MethodGet, "/v1/suppressions", nil).Body.String()

			rec := a.call(r.method, r.target, r.body)

			requireNoServerError(t, rec, r.method+" "+r.target+" "+v.name)
			if r.optOut && rec.Code >= 400 {
				require.Equal(t, before, a.call(http.MethodGet, "/v1/suppressions", nil).Body.String(), "%s: refused, so not stored", v.name)
			}
		}
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			rec := a.do(method, "/u/"+url.PathEscape(v.raw), "")
			require.Less(t, rec.Code, 500, "%s /u/ %s", method, v.name)
		}
		for _, hook := range []string{"/webhooks/twilio/inbound", "/webhooks/twilio/status"} {
			rec := a.do(http.MethodPost, hook, "From="+url.QueryEscape(v.raw)+"&Body="+url.QueryEscape(v.raw)+"&MessageSid="+url.QueryEscape(v.raw),
				"Content-Type", "application/x-www-form-urlencoded", "X-Twilio-Signature", url.QueryEscape(v.raw))
			require.Less(t, rec.Code, 500, "%s %s", hook, v.name)
		}
	}
}
