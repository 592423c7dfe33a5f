//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// messageOf returns the message of step in a run's answer.
func messageOf(t *testing.T, run map[string]any, step string) map[string]any {
	t.Helper()
	for _, m := range run["messages"].([]any) {
		if m.(map[string]any)["step_id"] == step {
			return m.(map[string]any)
		}
	}
	t.Fatalf("no message of step %s in %v", step, run["messages"])
	return nil
}

// A customer replies STOP: Twilio posts it, signed, to the inbound webhook,
// and the run's next SMS is skipped as opted out; the first one's delivery
// statuses came back through the signed status callback.
func TestAnSMSOptOutByReplyingSTOPSkipsTheNextSMS(t *testing.T) {
	s := startSystem(t)
	entry := entryWithSteps(
		map[string]any{"id": "first", "type": "send_sms", "text": "Hi $(customer.first_name), your case is open."},
		map[string]any{"id": "pause", "type": "wait", "duration": "3s"},
		map[string]any{"id": "second", "type": "send_sms", "text": "Is everything fine?"},
	)
	id := s.startRun(entry, "INT-STOP")
	first := s.twilio.WaitForMessages(t, 1, 30*time.Second)[0]
	require.Equal(t, s.baseURL+"/webhooks/twilio/status", first.StatusCallback)

	status, contentType, answer := s.twilio.PostInbound(t, s.baseURL+"/webhooks/twilio/inbound", "+15551234567", "+15550001111", " Stop ")
	require.Equal(t, http.StatusOK, status, answer)
	require.Equal(t, "text/xml", contentType)

	run := s.waitForRun(id, "completed", 30*time.Second)
	require.Equal(t, "skipped", messageOf(t, run, "second")["status"])
	require.Equal(t, "opted out", messageOf(t, run, "second")["reason"])
	require.Len(t, s.twilio.Messages(), 1, "nothing more reached Twilio")

	for _, cb := range s.twilio.WaitForCallbacks(t, 3, 30*time.Second) {
		require.Equal(t, http.StatusNoContent, cb.Answer, "callback %s %s", cb.MessageSID, cb.Status)
	}
	run = s.waitForState(id, "the delivery status", func(run map[string]any) bool {
		return messageOf(t, run, "first")["delivery_status"] == "delivered"
	})
	require.Equal(t, "sent", messageOf(t, run, "first")["status"])

	var sups struct{ Suppressions []map[string]any }
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/suppressions?channel=sms&address=%2B15551234567", nil, &sups))
	require.Len(t, sups.Suppressions, 1)
	require.Equal(t, "sms_keyword", sups.Suppressions[0]["source"])

	// START opts back in.
	status, _, _ = s.twilio.PostInbound(t, s.baseURL+"/webhooks/twilio/inbound", "+15551234567", "+15550001111", "START")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/suppressions?channel=sms&address=%2B15551234567", nil, &sups))
	require.Empty(t, sups.Suppressions)

	// The STOP post, captured and posted again byte for byte (signature
	// and idempotency token included), is answered as before and changes
	// nothing: each message is handled once, by its MessageSid.
	stop := s.twilio.InboundPosts()[0]
	require.Equal(t, " Stop ", stop.Form.Get("Body"))
	status, contentType, again := s.twilio.Repost(t, stop)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "text/xml", contentType)
	require.Equal(t, answer, again, "the same empty TwiML")
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/suppressions?channel=sms&address=%2B15551234567", nil, &sups))
	require.Empty(t, sups.Suppressions, "the replayed STOP did not opt the customer out again")

	// A post without Twilio's signature changes nothing.
	resp, err := http.PostForm(s.baseURL+"/webhooks/twilio/inbound", url.Values{"From": {"+15551234567"}, "Body": {"STOP"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
}

// Twilio refuses an SMS with 21610 (the number opted out at Twilio): the
// send is skipped, not failed, and the opt-out is recorded.
func TestTwilio21610SkipsTheSMSAndRecordsTheOptOut(t *testing.T) {
	s := startSystem(t)
	s.twilio.FailNext(400, 21610, 1)
	id := s.startRun(entryWithSteps(map[string]any{"id": "hello", "type": "send_sms", "text": "Hello"}), "INT-21610")
	run := s.waitForRun(id, "completed", 30*time.Second)
	require.Equal(t, "skipped", messageOf(t, run, "hello")["status"])
	var sups struct{ Suppressions []map[string]any }
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/suppressions?channel=sms", nil, &sups))
	require.Equal(t, "twilio_21610", sups.Suppressions[0]["source"])
}

// An SMS due outside its window is held, says so in the run and in
// Temporal's current details, and goes when the window opens.
func TestAHeldSMSGoesWhenItsWindowOpens(t *testing.T) {
	s := startSystem(t)
	now := time.Now().UTC()
	opens := now.Truncate(time.Minute).Add(time.Minute)
	if opens.Sub(now) < 5*time.Second {
		opens = opens.Add(time.Minute) // time to see it held
	}
	window := map[string]any{"start": opens.Format("15:04"), "end": opens.Add(2 * time.Hour).Format("15:04")}
	require.Equal(t, http.StatusOK, s.call(http.MethodPut, "/v1/policy", map[string]any{"time_zone": "UTC",
		"quiet_hours": map[string]any{"sms": window}}, nil))
	id := s.startRun(entryWithSteps(map[string]any{"id": "reminder", "type": "send_sms", "text": "A reminder"}), "INT-HELD")

	want := "quiet hours until " + opens.Format("2006-01-02 15:04") + " UTC"
	run := s.waitForState(id, "the SMS held", func(run map[string]any) bool {
		ms, _ := run["messages"].([]any)
		return len(ms) == 1 && ms[0].(map[string]any)["status"] == "held"
	})
	require.Equal(t, want, messageOf(t, run, "reminder")["reason"])
	require.Equal(t, "held until "+opens.Format("15:04")+" UTC (quiet hours) before sending SMS (step reminder)", run["details"])
	require.Empty(t, s.twilio.Messages())

	sms := s.twilio.WaitForMessages(t, 1, time.Until(opens)+30*time.Second)[0]
	require.Equal(t, "A reminder", sms.Body)
	require.False(t, time.Now().Before(opens), "sent once the window opened")
	run = s.waitForRun(id, "completed", 30*time.Second)
	require.Equal(t, "sent", messageOf(t, run, "reminder")["status"])
}

var unsubscribeHeader = regexp.MustCompile(`^<(http://[^>]+/u/[A-Za-z0-9._-]+)>$`)

// Every email carries a one-click unsubscribe link; following it opts the
// address out, and the next email to it is skipped.
func TestTheUnsubscribeLinkOfAnEmailOptsTheAddressOut(t *testing.T) {
	s := startSystem(t)
	entry := entryWithSteps(map[string]any{"id": "hello", "type": "send_email", "subject": "Hello", "text": "Hi $(customer.first_name)"})
	first := s.startRun(entry, "INT-UNSUB")
	mail := s.smtp.WaitForMessages(t, 1, 30*time.Second)[0]
	require.Equal(t, "List-Unsubscribe=One-Click", mail.Header.Get("List-Unsubscribe-Post"))
	m := unsubscribeHeader.FindStringSubmatch(mail.Header.Get("List-Unsubscribe"))
	require.NotNil(t, m, "List-Unsubscribe: %q", mail.Header.Get("List-Unsubscribe"))
	// The address in any form a link could carry it; not "ada" alone,
	// which a random token holds now and then.
	for _, form := range []string{"ada@example.com", url.QueryEscape("ada@example.com"), base64.RawURLEncoding.EncodeToString([]byte("ada@example.com"))} {
		require.NotContains(t, strings.ToLower(m[1]), strings.ToLower(form))
	}
	s.waitForRun(first, "completed", 30*time.Second)

	// What a mail client does for one-click unsubscribe (RFC 8058).
	resp, err := http.Post(m[1], "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	second := s.postEvent("INT-UNSUB2")
	run := s.waitForRun(second, "completed", 30*time.Second)
	require.Equal(t, "skipped", messageOf(t, run, "hello")["status"])
	require.Equal(t, "opted out", messageOf(t, run, "hello")["reason"])
	require.Len(t, s.smtp.Messages(), 1)
}

// The unsubscribe page on a phone-sized screen: one button, and a page that
// says it worked.
func TestTheUnsubscribePageInABrowser(t *testing.T) {
	s := startSystem(t)
	s.startRun(entryWithSteps(map[string]any{"id": "hello", "type": "send_email", "subject": "Hello", "text": "Hi"}), "INT-UNSUBPAGE")
	mail := s.smtp.WaitForMessages(t, 1, 30*time.Second)[0]
	link := unsubscribeHeader.FindStringSubmatch(mail.Header.Get("List-Unsubscribe"))[1]

	ctx := browser(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(link)))
	buttons, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("button")))
	require.NoError(t, err)
	page, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	heading, done := submitForm(t, ctx)
	screenshot(t, "unsubscribe-page.png", page)
	screenshot(t, "unsubscribe-done.png", done)
	require.Equal(t, "Unsubscribe", buttons)
	require.Equal(t, "You are unsubscribed", heading)
	var sups struct{ Suppressions []map[string]any }
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/suppressions?channel=email&address=ada%40example.com", nil, &sups))
	require.Len(t, sups.Suppressions, 1)
}

// The customer calls again: their run of an entry that says
// cancel_on_new_interaction ends at once, completed, with the reason,
// though the new interaction matches no entry.
func TestACustomerContactingAgainEndsTheirRunAtOnce(t *testing.T) {
	s := startSystem(t)
	entry := entryWithSteps(
		map[string]any{"id": "hold", "type": "wait", "duration": "1h"},
		map[string]any{"id": "never", "type": "send_sms", "text": "never sent"},
	)
	entry["cancel_on_new_interaction"] = true
	id := s.startRun(entry, "INT-AGAIN")
	s.waitForState(id, "the wait", func(run map[string]any) bool { return run["current_step"] == "hold" })

	again := seedEvent(interactionID("INT-AGAIN2"))
	again["disposition"] = "Spam"
	var started ingestAnswer
	asked := time.Now()
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", again, &started))
	require.Empty(t, started.Matches)

	run := s.waitForRun(id, "completed", 30*time.Second)
	require.Less(t, time.Since(asked), 10*time.Second, "within seconds")
	require.Equal(t, fmt.Sprintf("customer contacted again (%s)", again["interaction_id"]), run["reason"])
	require.Equal(t, run["reason"], run["details"])
	require.Empty(t, s.twilio.Messages())
}

// Two runs text one customer at the same moment under a daily cap of one:
// exactly one SMS goes, the other is skipped with the cap's words.
func TestTwoRunsSendingAtOnceNeverPassTheDailyCapTogether(t *testing.T) {
	s := startSystem(t)
	require.Equal(t, http.StatusOK, s.call(http.MethodPut, "/v1/policy", map[string]any{
		"quiet_hours": map[string]any{"sms": nil}, "max_per_day": map[string]any{"sms": 1}}, nil))
	for _, name := range []string{"Courtesy text A", "Courtesy text B"} {
		e := entryWithSteps(map[string]any{"id": "text", "type": "send_sms", "text": name})
		e["name"] = name
		require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", e, nil))
	}
	var started ingestAnswer
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", seedEvent(interactionID("INT-CAP")), &started))
	require.Len(t, started.Matches, 2)
	var reasons []any
	for _, m := range started.Matches {
		run := s.waitForRun(m.WorkflowID, "completed", 30*time.Second)
		msg := messageOf(t, run, "text")
		if msg["status"] == "skipped" {
			reasons = append(reasons, msg["reason"])
		}
	}
	require.Equal(t, []any{"daily cap 1 reached"}, reasons)
	require.Len(t, s.twilio.Messages(), 1)
}
