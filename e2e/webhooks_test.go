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

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/testenv"
)

// An administrator subscribes a receiver in the console and copies its
// secret; opt-outs reach the receiver signed with it, one through a 500
// and one through a crash of the worker mid-delivery (each under one
// webhook-id); the deliveries show on the screen; the secret is rotated
// and the subscription removed. The real binaries run with 127.0.0.1 in
// CCFLOW_WEBHOOK_ALLOW and a short retry schedule.
func TestWebhooksFromTheConsoleToAReceiver(t *testing.T) {
	receiver := testenv.WebhookReceiverServer(t)
	s := startSystem(t, "CCFLOW_WEBHOOK_ALLOW=127.0.0.1", "CCFLOW_WEBHOOK_FIRST_RETRY=1s", "CCFLOW_WEBHOOK_MAX_RETRY_WAIT=2s",
		"CCFLOW_WEBHOOK_RETRY_FOR=5m", "CCFLOW_WEBHOOK_TIMEOUT=2s")
	b := newConsoleBrowser(t, s)
	b.signIn()

	b.click(`nav a[href="/console/webhooks"]`, `document.querySelector("h1").textContent === "Webhooks"`)
	b.look("webhooks-empty")
	b.fill("#f-add-url", receiver.URL)
	b.do(chromedp.Click(chromedp.CSS(`input[value="optout.created"]`)), chromedp.Click(chromedp.CSS(`input[value="survey.answered"]`)))
	b.fill("#f-add-description", "CRM callback queue")
	b.click(".webhook-add button.primary", `document.querySelector("#f-secret") !== null`)
	secret := fmt.Sprint(b.eval(`document.querySelector("#f-secret").value`))
	require.Regexp(t, `^whsec_`, secret)
	receiver.Trust(t, secret)
	b.look("webhooks-secret")
	b.do(chromedp.Navigate(s.baseURL + "/console/webhooks"))
	b.until("the list", `document.querySelector(".webhook") !== null`)
	require.EqualValues(t, 0, b.eval(`document.querySelectorAll("#f-secret").length`), "the secret is shown once")

	// The first opt-out gets a 500 first; the second is in flight when
	// the worker is killed.
	crashed := make(chan struct{})
	receiver.Behave(func(c testenv.WebhookCall, attempt int) (int, time.Duration) {
		switch {
		case c.Data != nil && attempt == 1 && contains(c.Data, "+15550000001"):
			return 500, 0
		case c.Data != nil && attempt == 1 && contains(c.Data, "+15550000002"):
			close(crashed)
			return 200, time.Minute
		}
		return 200, 0
	})
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/suppressions", map[string]any{"channel": "sms", "address": "+15550000001"}, nil))
	receiver.WaitAccepted(t, 1, time.Minute)
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/suppressions", map[string]any{"channel": "sms", "address": "+15550000002"}, nil))
	select {
	case <-crashed:
	case <-time.After(time.Minute):
		t.Fatal("the second delivery never reached the receiver")
	}
	s.worker.stop(syscall.SIGKILL)
	s.worker = runProcess(t, "worker", s.env)
	accepted := receiver.WaitAccepted(t, 2, 2*time.Minute)

	byID := map[string]int{}
	for _, c := range receiver.Calls() {
		require.True(t, c.Verified, "signed with the secret the console showed")
		require.Equal(t, "optout.created", c.Type)
		byID[c.ID]++
	}
	require.Len(t, byID, 2, "two events, one webhook-id each")
	for id, n := range byID {
		require.GreaterOrEqual(t, n, 2, "each was tried again with the same webhook-id %s", id)
		require.Contains(t, accepted, id)
	}

	b.do(chromedp.Navigate(s.baseURL + "/console/webhooks"))
	b.until("the deliveries", `document.querySelectorAll("table.deliveries tbody tr").length === 2`)
	require.Contains(t, b.text("table.deliveries tbody"), "delivered")
	require.Contains(t, b.text("table.deliveries tbody"), "optout.created")
	b.look("webhooks")

	b.click(`.webhook-actions form[action$="/rotate"] button`, `document.querySelector("#f-secret") !== null`)
	rotated := fmt.Sprint(b.eval(`document.querySelector("#f-secret").value`))
	require.NotEqual(t, secret, rotated)
	require.Contains(t, b.text("#new-secret"), "For 24 hours")

	b.click(`.webhook-actions form[action$="/remove"] button`, `document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("is removed")`)
	require.Contains(t, b.text(".empty-list"), "No webhook yet.")

	b.mu.Lock()
	defer b.mu.Unlock()
	require.Equal(t, map[string]bool{s.baseURL: true}, b.hosts, "the browser asked nothing of any other host")
	require.Empty(t, b.problems)
}

func contains(data []byte, s string) bool { return strings.Contains(string(data), s) }
