//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// browser starts Debian's Chromium headless, sized like a phone, with the
// flags that keep it off the network it must not reach, and extra ones a
// test needs.
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: `make test` installs Debian's chromium package (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	opts = append(opts, extra...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// screenshot keeps a picture of what the customer saw under
// .dev/screenshots, for a person to look at after `make test`.
func screenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := filepath.Join("..", ".dev", "screenshots")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
}

func TestACustomerAnswersTheSurveyInABrowser(t *testing.T) {
	s := startSystem(t)
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", seedEntry(), nil))
	id := interactionID("INT-4004")
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", seedEvent(id), nil))
	link := surveyLink.FindString(s.smtp.WaitForMessages(t, 1, 30*time.Second)[0].Text)
	require.NotEmpty(t, link)

	ctx := browser(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(link)))
	question, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("legend")))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`label[for="score-4"]`)),
		chromedp.SendKeys(chromedp.ID("comment"), "Sam was quick and kind."),
	))
	form, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	heading, thanks := submitForm(t, ctx)
	screenshot(t, "survey-form.png", form)
	screenshot(t, "survey-thanks.png", thanks)
	require.Equal(t, "How happy are you with Sam's help?", question)
	require.Equal(t, "Thank you!", heading)

	sms := s.twilio.WaitForMessages(t, 1, 30*time.Second)[0]
	require.Equal(t, "Thanks for the 4/5!", sms.Body)
	run := s.waitForRun("post-call-survey/"+id, "completed", 30*time.Second)
	require.Equal(t, "Sam was quick and kind.", run["variables"].(map[string]any)["survey.comment"])
}

// submitForm submits the page's form as a person does, waits for the page
// that answers to say how it went, and returns its heading and a
// screenshot of it.
func submitForm(t *testing.T, ctx context.Context) (heading string, shot []byte) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[role="status"]`)),
	))
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	require.NoError(t, err)
	shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	return heading, shot
}
