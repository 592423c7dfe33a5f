//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// uiPatience bounds the wait for the Web UI to show a run: the dev
// server's visibility store lags a little behind the run itself.
const uiPatience = 60 * time.Second

// temporalUI is the Temporal Web UI `make test` runs beside its dev server.
func temporalUI(t *testing.T) string {
	t.Helper()
	u := os.Getenv("TEMPORAL_UI_URL")
	if u == "" {
		t.Fatal("TEMPORAL_UI_URL is not set: run `make test`, which starts the Temporal dev server with its Web UI")
	}
	return u
}

// pageText is the visible text of the page and of the frames the UI
// renders Markdown (a run's summary and details) in.
const pageText = `[document, ...Array.from(document.querySelectorAll("iframe"), f => f.contentDocument)]
	.filter(d => d && d.body).map(d => d.body.innerText).join("\n")`

// waitForText loads pageURL until its visible text holds every one of
// wants, loading it again while the UI has not caught up with the run, and
// fails the test after uiPatience.
func waitForText(t *testing.T, ctx context.Context, pageURL string, wants ...string) {
	t.Helper()
	quoted, err := json.Marshal(wants)
	require.NoError(t, err)
	holds := fmt.Sprintf("((text) => %s.every(w => text.includes(w)))(%s)", quoted, pageText)
	deadline := time.Now().Add(uiPatience)
	for {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(pageURL)))
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](holds, chromedp.WithPollingTimeout(15*time.Second)))
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](pageText))
			t.Fatalf("%s did not show %q within %s (last error: %v); it showed:\n%s", pageURL, wants, uiPatience, err, text)
		}
	}
}

func TestOperatorsFindARunInTheWebUIByItsSearchAttributesAndReadItsSummary(t *testing.T) {
	ui := temporalUI(t)
	s := startSystem(t)
	waiting := seedEntry()
	waiting["steps"] = []any{map[string]any{"id": "hold", "type": "wait", "duration": "1h"}}
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", waiting, nil))
	id := interactionID("INT-5005")
	var started ingestAnswer
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", seedEvent(id), &started))
	require.Len(t, started.Matches, 1)
	workflowID, runID := started.Matches[0].WorkflowID, started.Matches[0].RunID
	t.Cleanup(func() { s.call(http.MethodPost, "/v1/workflows/"+urlEscape(workflowID)+"/cancel", nil, nil) })
	s.waitForRun(workflowID, "running", 30*time.Second)

	ctx := browser(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)))
	query := fmt.Sprintf(`CcflowEntryId = "post-call-survey" AND CcflowInteractionId = %q AND CcflowCurrentStep = "hold"`, id)
	waitForText(t, ctx, ui+"/namespaces/default/workflows?query="+url.QueryEscape(query), workflowID)
	list, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	screenshot(t, "webui-list.png", list)

	metadata := fmt.Sprintf("%s/namespaces/default/workflows/%s/%s/user-metadata", ui, url.PathEscape(workflowID), runID)
	waitForText(t, ctx, metadata,
		"Post-call survey · "+id+" · Problem solved", // summary
		"Average sentiment: 62%",                     // details
		"before the run completes (step hold)")       // current details
	page, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	screenshot(t, "webui-run.png", page)
}
