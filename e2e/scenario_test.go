//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Twilio reports the SMS failed (30003, unreachable handset) through the
// signed status callback: the run, waiting on the status, sends its
// fallback email instead, saying why, and goes on.
func TestAnSMSThatNeverArrivesBecomesAnEmail(t *testing.T) {
	s := startSystem(t)
	s.twilio.FailDeliveryNext(30003, 1)
	id := s.startRun(entryWithSteps(
		map[string]any{"id": "sms", "type": "send_sms", "text": "How did we do? Reply 1-5", "fallback_after": "2m",
			"fallback": []any{map[string]any{"id": "email-instead", "type": "send_email", "subject": "How did we do?",
				"text": "We could not text you ($(message.fallback)). How did we do, $(customer.first_name)?"}}},
		map[string]any{"id": "done", "type": "set_variable", "name": "done", "value": "yes"},
	), "INT-FALLBACK")

	email := s.smtp.WaitForMessages(t, 1, 30*time.Second)[0]
	require.Equal(t, "How did we do?", email.Subject)
	require.Contains(t, email.Text, "We could not text you (failed 30003). How did we do, Ada?")
	run := s.waitForRun(id, "completed", 30*time.Second)
	require.Equal(t, "failed 30003", run["variables"].(map[string]any)["message.fallback"])
	require.Equal(t, "yes", run["variables"].(map[string]any)["done"])
	sms := messageOf(t, run, "sms")
	require.Equal(t, "sent", sms["status"])
	require.Equal(t, "failed", sms["delivery_status"])
	require.Equal(t, "failed 30003", sms["fallback"])
	require.Len(t, s.twilio.Messages(), 1)
}

// A delivered SMS sends no fallback, and the run goes on as soon as the
// status comes, not after fallback_after.
func TestADeliveredSMSGoesOnWithoutItsFallback(t *testing.T) {
	s := startSystem(t)
	start := time.Now()
	id := s.startRun(entryWithSteps(
		map[string]any{"id": "sms", "type": "send_sms", "text": "How did we do?", "fallback_after": "10m",
			"fallback": []any{map[string]any{"id": "email-instead", "type": "send_email", "subject": "x", "text": "y"}}},
	), "INT-DELIVERED")

	run := s.waitForRun(id, "completed", 30*time.Second)
	require.Less(t, time.Since(start), 2*time.Minute, "not the ten minutes of fallback_after")
	require.NotContains(t, run["variables"].(map[string]any), "message.fallback")
	require.Equal(t, "delivered", messageOf(t, run, "sms")["delivery_status"])
	require.Empty(t, s.smtp.Messages())
}

// The contact center posts case_closed for the case: every follow-up of
// the case waiting for it goes on with its data; the answer names them.
func TestACaseEventReachesEveryFollowUpOfTheCase(t *testing.T) {
	s := startSystem(t)
	entry := entryWithSteps(
		map[string]any{"id": "closed", "type": "wait_for_event", "name": "case_closed", "timeout": "5d"},
		map[string]any{"id": "closed-sms", "type": "send_sms", "text": "Case $(case.number) is $(case_closed.resolution)."},
	)
	first := s.startRun(entry, "INT-CASE-A")
	second := s.postEvent("INT-CASE-B")
	for _, id := range []string{first, second} {
		s.waitForState(id, "the wait for case_closed", func(run map[string]any) bool {
			return strings.HasPrefix(fmt.Sprint(run["details"]), "waiting for event case_closed")
		})
	}

	var answer struct {
		Event string `json:"event"`
		Runs  []struct {
			WorkflowID string `json:"workflow_id"`
		} `json:"runs"`
	}
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/cases/CASE-9/events/case_closed",
		map[string]any{"data": map[string]any{"resolution": "solved"}}, &answer))

	require.Equal(t, "case_closed", answer.Event)
	var took []string
	for _, r := range answer.Runs {
		took = append(took, r.WorkflowID)
	}
	require.ElementsMatch(t, []string{first, second}, took)
	for _, id := range []string{first, second} {
		run := s.waitForRun(id, "completed", 30*time.Second)
		require.Equal(t, true, run["variables"].(map[string]any)["case_closed.received"])
	}
	for _, m := range s.twilio.WaitForMessages(t, 2, 30*time.Second) {
		require.Equal(t, "Case 9 is solved.", m.Body)
	}
}

// wait_until waits for a local time of the customer's zone, says the
// moment in that zone and in UTC, and goes then.
func TestWaitUntilWaitsForTheCustomersLocalTime(t *testing.T) {
	s := startSystem(t)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	moment := time.Now().In(tokyo).Truncate(time.Minute).Add(time.Minute)
	if time.Until(moment) < 15*time.Second {
		moment = moment.Add(time.Minute) // time to see it wait
	}
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", entryWithSteps(
		map[string]any{"id": "callback", "type": "wait_until", "time": moment.Format("15:04")},
		map[string]any{"id": "call-back-sms", "type": "send_sms", "text": "We call you now."},
	), nil))
	ev := seedEvent(interactionID("INT-UNTIL"))
	ev["customer"].(map[string]any)["time_zone"] = "Asia/Tokyo"
	var started ingestAnswer
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", ev, &started))
	id := started.Matches[0].WorkflowID

	run := s.waitForState(id, "the wait", func(run map[string]any) bool {
		return strings.HasPrefix(fmt.Sprint(run["details"]), "waiting until")
	})
	require.Equal(t, "waiting until "+moment.Format("2006-01-02 15:04")+" Asia/Tokyo ("+moment.UTC().Format("2006-01-02 15:04")+
		" UTC) before step call-back-sms", run["details"])
	sms := s.twilio.WaitForMessages(t, 1, time.Until(moment)+30*time.Second)[0]
	require.Equal(t, "We call you now.", sms.Body)
	require.False(t, sms.Received.Before(moment), "sent at %s, before %s", sms.Received, moment)
}

// An event posted while the worker is down (it crashed) is taken by the
// run when a worker is back: the post needs no worker, the signal is in
// the run's history, and the run's wait goes on from there.
func TestAnEventPostedWhileTheWorkerIsDownIsTakenWhenItComesBack(t *testing.T) {
	s := startSystem(t)
	id := s.startRun(entryWithSteps(
		map[string]any{"id": "closed", "type": "wait_for_event", "name": "case_closed", "timeout": "1h"},
		map[string]any{"id": "closed-sms", "type": "send_sms", "text": "Case $(case.number) is $(case_closed.resolution)."},
	), "INT-DOWN")
	s.waitForState(id, "the wait for case_closed", func(run map[string]any) bool {
		return strings.HasPrefix(fmt.Sprint(run["details"]), "waiting for event case_closed")
	})

	s.worker.stop(syscall.SIGKILL)
	var answer struct {
		Runs []struct {
			WorkflowID string `json:"workflow_id"`
		} `json:"runs"`
	}
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/workflows/"+urlEscape(id)+"/events/case_closed",
		map[string]any{"data": map[string]any{"resolution": "solved"}}, &answer))
	require.Len(t, answer.Runs, 1, "the run took it with no worker running")
	require.Empty(t, s.twilio.Messages())

	s.worker = runProcess(t, "worker", s.env)
	require.Equal(t, "Case 9 is solved.", s.twilio.WaitForMessages(t, 1, 60*time.Second)[0].Body)
	s.waitForRun(id, "completed", 30*time.Second)
}
