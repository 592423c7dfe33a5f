package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/interaction"
)

// fakeCcflow answers the health check, and each posted event with one
// match whose status says whether it was a dry run; every failEvery-th
// event (0: none) gets a 503. It returns its URL and the posted paths.
func fakeCcflow(t *testing.T, failEvery int) (string, func() []string) {
	t.Helper()
	var (
		mu    sync.Mutex
		paths []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			return
		}
		require.Equal(t, "Bearer secret", r.Header.Get("Authorization"))
		var ev interaction.Event
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || ev.Validate() != nil {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		mu.Lock()
		paths = append(paths, r.URL.RequestURI())
		n := len(paths)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if failEvery > 0 && n%failEvery == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error": {"code": "unavailable", "message": "Temporal is unavailable"}}`)
			return
		}
		status := "started"
		if r.URL.Query().Get("dry_run") == "true" {
			status = "would_start"
		}
		fmt.Fprintf(w, `{"interaction_id": %q, "matches": [{"entry_id": "a", "workflow_id": "a/%s", "status": %q}]}`,
			ev.InteractionID, ev.InteractionID, status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return paths
	}
}

func runLoad(url string, args ...string) (string, error) {
	var out strings.Builder
	err := run(context.Background(), append([]string{"load", "--url", url, "--token", "secret"}, args...), strings.NewReader(""), &out)
	return out.String(), err
}

func TestLoadPostsEveryEventAndSummarizes(t *testing.T) {
	url, posted := fakeCcflow(t, 0)

	out, err := runLoad(url, "--events", "12", "--concurrency", "3")

	require.NoError(t, err)
	require.Len(t, posted(), 12)
	require.Equal(t, "/v1/interactions/ended", posted()[0])
	require.Contains(t, out, "events       12 of 12 sent\n")
	require.Contains(t, out, "matches      12 started, 0 already started, 0 would start; 0 events matched no entry\n")
	require.Contains(t, out, "errors       0\n")
}

func TestLoadDryRunStartsNothing(t *testing.T) {
	url, posted := fakeCcflow(t, 0)

	out, err := runLoad(url, "--events", "3", "--dry-run")

	require.NoError(t, err)
	require.Equal(t, "/v1/interactions/ended?dry_run=true", posted()[0])
	require.Contains(t, out, "0 started, 0 already started, 3 would start")
}

func TestLoadFailsWhenARequestFails(t *testing.T) {
	url, _ := fakeCcflow(t, 5)

	out, err := runLoad(url, "--events", "10", "--concurrency", "1")

	require.EqualError(t, err, "2 of 10 requests failed")
	require.Contains(t, out, "errors       2\n  HTTP 503 ×2, e.g. event load-")
}

func TestLoadFailsWhenCcflowDoesNotAnswer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()

	out, err := runLoad(srv.URL, "--events", "1")

	require.ErrorContains(t, err, "ccflow at "+srv.URL+" is not ready")
	require.Empty(t, out, "nothing is sent")
}

func TestLoadRejectsWrongOptions(t *testing.T) {
	url, posted := fakeCcflow(t, 0)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--events", "0"}, "--events must be between 1 and 1000000"},
		{[]string{"--concurrency", "0"}, "--concurrency must be between 1 and 1000"},
		{[]string{"--rate", "-1"}, "--rate must not be negative"},
		{[]string{"--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"--event", "no-such-file.json"}, "reading the event template"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := runLoad(url, tt.args...)

			require.ErrorContains(t, err, tt.want)
		})
	}
	require.Empty(t, posted())
}

func TestLoadTakesNoArguments(t *testing.T) {
	_, err := runLoad("http://127.0.0.1:1", "events.json")

	require.ErrorIs(t, err, errUsage)
}
