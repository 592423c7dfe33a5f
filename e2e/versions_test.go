//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/activities"
)

// versionedEntry waits a few seconds, so the entry can change under a
// running run, then emails a text that tells the versions apart.
func versionedEntry(text string) map[string]any {
	return entryWithSteps(
		map[string]any{"id": "pause", "type": "wait", "duration": "3s"},
		map[string]any{"id": "follow-up-email", "type": "send_email", "subject": "Your case $(case.number)", "text": text},
	)
}

func TestARunFinishesOnTheEntryVersionItStartedWith(t *testing.T) {
	s := startSystem(t)
	first := s.startRun(versionedEntry("v1: Hi $(customer.first_name), all good?"), "INT-V1")

	var updated map[string]any
	require.Equal(t, http.StatusOK, s.call(http.MethodPut, "/v1/entries/post-call-survey",
		versionedEntry("v2: Hello $(customer.first_name), is everything fine?"), &updated))
	require.EqualValues(t, 2, updated["version"])
	second := s.postEvent("INT-V2")
	require.Equal(t, http.StatusNoContent, s.call(http.MethodDelete, "/v1/entries/post-call-survey", nil, nil),
		"deleting the entry stops neither run")

	texts := map[string]string{}
	for _, id := range []string{first, second} {
		run := s.waitForRun(id, "completed", 30*time.Second)
		texts[id] = emailText(t, s, run)
		if id == first {
			require.EqualValues(t, 1, run["entry_version"])
		} else {
			require.EqualValues(t, 2, run["entry_version"])
		}
	}
	require.Equal(t, "v1: Hi Ada, all good?", texts[first])
	require.Equal(t, "v2: Hello Ada, is everything fine?", texts[second])
}

// emailText is the text of the one email run sent, found on the SMTP
// server by the Message-ID its delivery id gives it.
func emailText(t *testing.T, s *system, run map[string]any) string {
	t.Helper()
	messages := run["messages"].([]any)
	require.Len(t, messages, 1)
	want := activities.MessageID(messages[0].(map[string]any)["delivery_id"].(string), "care@example.com")
	for _, m := range s.smtp.Messages() {
		if m.Header.Get("Message-Id") == want {
			return m.Text
		}
	}
	t.Fatalf("no email on the SMTP server has Message-ID %s", want)
	return ""
}
