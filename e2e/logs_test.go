//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// loggedEntry emails and texts the customer, and fails in the ways that
// used to log them: an internal API that refuses the request echoing the
// customer's data, and an SMTP server that refuses the last email naming
// the address.
func loggedEntry() map[string]any {
	return map[string]any{
		"name":     "Log check",
		"service":  "Billing Support",
		"triggers": []any{map[string]any{"type": "disposition", "disposition": "Problem solved"}},
		"steps": []any{
			map[string]any{"id": "survey", "type": "send_survey", "channel": "email",
				"subject":  "How did we do, $(customer.first_name) $(customer.last_name)?",
				"question": "How did we do?", "text": "Answer here: $(survey.url)", "wait": "1h"},
			map[string]any{"id": "crm-note", "type": "http_request", "method": "POST", "connection": "crm",
				"path": "/notes/$(customer.id)?email=$(customer.email)&phone=$(customer.phone)",
				"body": `{"name": "$(customer.first_name) $(customer.last_name)", "comment": "$(survey.comment)"}`,
				"on_error": []any{map[string]any{"id": "sorry", "type": "send_sms",
					"text": "Sorry $(customer.first_name) $(customer.last_name), we could not note it."}}},
			map[string]any{"id": "thanks", "type": "send_sms", "text": "Thanks $(customer.first_name), we noted: $(survey.comment)"},
			map[string]any{"id": "last-word", "type": "send_email", "subject": "Bye $(customer.first_name)", "text": "$(survey.comment)"},
		},
	}
}

// startRefusingCRM is an internal API that refuses every note, echoing in
// its answer what the request carried: the customer's name, address and
// phone.
func startRefusingCRM(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": "no such account", "request": string(body), "query": r.URL.RawQuery})
	}))
	t.Cleanup(srv.Close)
	return srv
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// consolePost posts form to a console page as its own form would: signed
// in with client's session, with the page's CSRF token.
func consolePost(t *testing.T, s *system, client *http.Client, page, action string, form url.Values) int {
	t.Helper()
	resp, err := client.Get(s.baseURL + page)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	require.NotNil(t, m, "a CSRF token on %s", page)
	form.Set("csrf", string(m[1]))
	req, err := http.NewRequest(http.MethodPost, s.baseURL+action, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.baseURL)
	resp, err = client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// Every log line of a run that emails and texts a customer, and of what
// the customer and an administrator do about it afterwards, is free of the
// customer's address, phone number, name and words: the sends and their
// failures, the survey answer, the internal API's refusal, the unsubscribe
// link, STOP and a message for an operator, the opt-out API (refused and
// allowed), the console's opt-out form and the erasure.
func TestNoLogLineOfARunNamesTheCustomer(t *testing.T) {
	crm := startRefusingCRM(t)
	s := startSystem(t, "CCFLOW_CONNECTION_CRM_URL="+crm.URL+"/api", "CCFLOW_CONNECTION_CRM_TOKEN=crm-token", "CCFLOW_LOG_LEVEL=debug")
	var created map[string]any
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", loggedEntry(), &created), "%v", created)
	id := interactionID("INT-1815")
	workflowID := "log-check/" + id
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", privateEvent(id), nil))

	survey := s.smtp.WaitForMessages(t, 1, 30*time.Second)[0]
	link := surveyLink.FindString(survey.Text)
	require.NotEmpty(t, link)
	s.smtp.FailNext(550, 1) // "550 … refuses <augusta.king@example.org> as told"
	answer, err := http.PostForm(link, url.Values{"score": {"2"}, "comment": {privateComment}})
	require.NoError(t, err)
	answer.Body.Close()
	require.Equal(t, http.StatusOK, answer.StatusCode)
	texts := s.twilio.WaitForMessages(t, 2, 30*time.Second)
	require.Contains(t, texts[0].Body, privateLast, "the on_error SMS reached the customer")
	run := s.waitForRun(workflowID, "failed", 30*time.Second)
	require.Equal(t, "failed", messageOf(t, run, "last-word")["status"])

	// The customer unsubscribes with the survey email's link, and texts.
	unsubscribe := unsubscribeHeader.FindStringSubmatch(survey.Header.Get("List-Unsubscribe"))
	require.NotNil(t, unsubscribe)
	resp, err := http.PostForm(unsubscribe[1], url.Values{"List-Unsubscribe": {"One-Click"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	inbound := s.baseURL + "/webhooks/twilio/inbound"
	for _, body := range []string{"STOP", "don't stop the refund, " + privateFirst + " here"} {
		status, _, _ := s.twilio.PostInbound(t, inbound, privatePhone, "+15550001111", body)
		require.Equal(t, http.StatusOK, status)
	}
	status, _, _ := s.twilio.Repost(t, s.twilio.InboundPosts()[0])
	require.Equal(t, http.StatusOK, status)

	// The opt-out shows its address to the administrator.
	var sups struct{ Suppressions []map[string]any }
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/suppressions?channel=email", nil, &sups))
	require.Len(t, sups.Suppressions, 1)
	require.Equal(t, privateEmail, sups.Suppressions[0]["address"])

	// The opt-out API, without a token (401) and with one.
	for _, token := range []string{"", "a-wrong-token"} {
		req, err := http.NewRequest(http.MethodDelete, s.baseURL+"/v1/suppressions/sms/"+url.PathEscape(privatePhone), nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	require.Equal(t, http.StatusNoContent, s.call(http.MethodDelete, "/v1/suppressions/sms/"+url.PathEscape(privatePhone), nil, nil))

	// The console's opt-out form, signed in.
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	admin := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	require.Equal(t, http.StatusSeeOther, consolePost(t, s, admin, "/console/sign-in", "/console/sign-in", url.Values{"token": {apiToken}}))
	require.Equal(t, http.StatusSeeOther, consolePost(t, s, admin, "/console/opt-outs", "/console/opt-outs/add",
		url.Values{"channel": {"sms"}, "address": {privatePhone}, "reason": {"asked " + privateFirst}}))
	require.Equal(t, http.StatusSeeOther, consolePost(t, s, admin, "/console/opt-outs?channel=sms&address="+url.QueryEscape(privatePhone),
		"/console/opt-outs/remove", url.Values{"channel": {"sms"}, "address": {privatePhone}}))

	// And the customer's data is erased.
	require.Equal(t, http.StatusOK, s.call(http.MethodDelete, "/v1/customers/C-1815", nil, nil))

	time.Sleep(500 * time.Millisecond) // the last lines are written
	logs := map[string]string{"worker": s.worker.output(), "starter": s.starter.output()}
	// The grep below must have something to read: the lines of each part
	// of the run are there.
	for part, want := range map[string][]string{
		"worker": {"Provider refused the message", "HTTP response", "Sent", "Opened survey"},
		"starter": {"inbound SMS", "inbound SMS handled before", "unsubscribed through a link", "opt-out recorded",
			"path=/v1/suppressions/sms/…", "erased a customer's data", "console sign-in", "method=POST path=/console/opt-outs/add"},
	} {
		for _, w := range want {
			if !strings.Contains(logs[part], w) && !(w == "console sign-in" && strings.Contains(logs[part], "/console/sign-in")) {
				t.Errorf("the %s's log lacks %q: the grep would prove nothing", part, w)
			}
		}
	}
	forbidden := []string{privateFirst, privateLast, privateEmail, url.QueryEscape(privateEmail), privatePhone,
		strings.TrimPrefix(privatePhone, "+"), url.QueryEscape(privatePhone), url.PathEscape(privatePhone), privateComment}
	for part, text := range logs {
		lines := strings.Split(text, "\n")
		require.Greater(t, len(lines), 20, "the %s logged", part)
		for _, line := range lines {
			lower := strings.ToLower(line)
			for _, pii := range forbidden {
				if strings.Contains(lower, strings.ToLower(pii)) {
					t.Errorf("a line of the %s's log names the customer (%q):\n%s", part, pii, line)
				}
			}
		}
	}
}
