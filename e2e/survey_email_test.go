//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// acmeLogo is a small logo: a blue bar with a white stripe.
func acmeLogo(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 40))
	for x := range 120 {
		for y := range 40 {
			c := color.RGBA{R: 11, G: 95, B: 255, A: 255}
			if y > 16 && y < 24 && x > 10 && x < 110 {
				c = color.RGBA{R: 255, G: 255, B: 255, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

// surveyEmailEntry asks by email, in English and Spanish, with ccflow's
// own HTML: the question, a button per score and the brand.
func surveyEmailEntry() map[string]any {
	e := seedEntry()
	e["steps"] = []any{
		map[string]any{"id": "survey", "type": "send_survey", "channel": "email", "wait": "1h",
			"subject":  map[string]any{"en": "How did we do, $(customer.first_name)?", "es": "¿Qué tal lo hicimos, $(customer.first_name)?"},
			"question": map[string]any{"en": "How happy are you with $(agent.name)'s help?", "es": "¿Qué tan satisfecho está con la ayuda de $(agent.name)?"},
			"text": map[string]any{"en": "Hi $(customer.first_name), tell us: $(survey.url)",
				"es": "Hola $(customer.first_name), cuéntenos: $(survey.url)"}},
		map[string]any{"id": "thanks", "type": "send_sms", "text": map[string]any{"en": "Thanks for the $(survey.score)!", "es": "¡Gracias por el $(survey.score)!"}},
	}
	return e
}

var (
	hrefs    = regexp.MustCompile(`href="([^"]+)"`)
	textURLs = regexp.MustCompile(`https?://\S+`)
)

// A survey email as a customer gets it through a real SMTP server: text
// and HTML as alternatives, the logo inside, a button per score, in the
// customer's language and the service's brand, its Message-ID in the
// sender's domain. A mail scanner that opens every link of it (GET and
// HEAD) answers nothing; the customer's tap on a button opens the page
// with the score chosen, and only the page's Send records the answer.
// The HTML is looked at in Chromium at a phone's and a desktop's width.
func TestASurveyEmailIsAnsweredWithOneTapAndScannersAnswerNothing(t *testing.T) {
	s := startSystem(t)
	require.Equal(t, http.StatusOK, s.call(http.MethodPut, "/v1/brand", map[string]any{
		"name": "Acme Support", "accent": "#0B5FFF", "contact": "Call us at +1 555 0100",
		"services": map[string]any{"Billing Support": map[string]any{"name": "Acme Billing", "logo": acmeLogo(t)}},
	}, nil))
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", surveyEmailEntry(), nil))
	event := seedEvent(interactionID("INT-MAIL"))
	event["customer"].(map[string]any)["language"] = "es-MX"
	event["customer"].(map[string]any)["first_name"] = `Ada <img src=x onerror=alert(1)>`
	var started ingestAnswer
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", event, &started))
	workflowID := started.Matches[0].WorkflowID

	m := s.smtp.WaitForMessages(t, 1, 30*time.Second)[0]

	// The message itself.
	require.Regexp(t, `^<[0-9a-f]{32}@example\.com>$`, m.Header.Get("Message-Id"), "in EMAIL_FROM's domain")
	require.Contains(t, m.Header.Get("Content-Type"), "multipart/related")
	require.Contains(t, string(m.Raw), "multipart/alternative")
	require.Equal(t, "¿Qué tal lo hicimos, Ada <img src=x onerror=alert(1)>?", m.Subject)
	require.Contains(t, m.Text, "Hola Ada <img src=x onerror=alert(1)>, cuéntenos: "+s.baseURL+"/s/", "the text part is the customer's words, unescaped")
	require.Contains(t, m.Text, "Responda con un clic:\n1 (Muy malo): "+s.baseURL+"/s/")
	require.Contains(t, m.HTML, `<html lang="es" dir="ltr">`)
	require.Contains(t, m.HTML, "Acme Billing")
	require.NotContains(t, m.HTML, "<img src=x", "a customer's name never becomes markup in the HTML")
	require.Len(t, m.Inline, 1, "the logo comes with the message")
	require.NotContains(t, m.HTML, `src="http`, "no remote image")
	var buttons []string
	for _, h := range hrefs.FindAllStringSubmatch(m.HTML, -1) {
		if strings.Contains(h[1], "?score=") {
			buttons = append(buttons, h[1])
		}
	}
	require.Len(t, buttons, 5, "one button per score of 1-5")

	// A mail scanner opens every link, of both parts, twice over.
	links := map[string]bool{}
	for _, h := range hrefs.FindAllStringSubmatch(m.HTML, -1) {
		links[html.UnescapeString(h[1])] = true
	}
	for _, u := range textURLs.FindAllString(m.Text, -1) {
		links[u] = true
	}
	links[strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")] = true
	require.GreaterOrEqual(t, len(links), 8, "the page, five scores, the unsubscribe links")
	for link := range links {
		for _, method := range []string{http.MethodHead, http.MethodGet, http.MethodGet} {
			req, err := http.NewRequest(method, link, nil)
			require.NoError(t, err)
			req.Header.Set("User-Agent", "Mozilla/5.0 (compatible; LinkScanner/1.0)")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err, link)
			resp.Body.Close()
			require.Less(t, resp.StatusCode, 500, "%s %s", method, link)
		}
	}
	run := s.waitForRun(workflowID, "running", 10*time.Second)
	require.Equal(t, "survey", run["current_step"], "still waiting for the answer")
	surveys := run["surveys"].([]any)
	require.Len(t, surveys, 1)
	require.Nil(t, surveys[0].(map[string]any)["answer"], "the scanner answered nothing")
	var optOuts map[string][]any
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/suppressions?channel=email", nil, &optOuts))
	require.Empty(t, optOuts["suppressions"], "nor did it unsubscribe anyone: a GET only shows the page")

	// The email as a client shows it, at a phone's and a desktop's width.
	ctx, requested := mailBrowser(t)
	file := filepath.Join(t.TempDir(), "email.html")
	require.NoError(t, os.WriteFile(file, []byte(m.HTMLAsAClientShowsIt()), 0o644))
	for _, v := range []viewport{phone, desktop} {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(v.width, v.height), chromedp.Navigate("file://"+file), chromedp.Sleep(200*time.Millisecond)))
		width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
		require.NoError(t, err)
		require.EqualValues(t, v.width, width, "the email fits a %s %dpx wide", v.name, v.width)
		logo, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("img").naturalWidth`))
		require.NoError(t, err)
		require.EqualValues(t, 120, logo, "the inline logo shows")
		sizes, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[...document.querySelectorAll("a[href*='score=']")].map(a => Math.min(a.getBoundingClientRect().width, a.getBoundingClientRect().height))`))
		require.NoError(t, err)
		for _, side := range sizes {
			require.GreaterOrEqual(t, side, 44.0, "each button is a target a thumb hits (44 px)")
		}
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		screenshot(t, "survey-email-"+v.name+".png", shot)
	}
	require.Empty(t, requested(), "showing the email asks no server for anything")

	// The unsubscribe page of the email's footer: the run's language and
	// the service's brand, at both widths; opening it changes nothing.
	unsubscribe := ""
	for _, h := range hrefs.FindAllStringSubmatch(m.HTML, -1) {
		if strings.Contains(h[1], "/u/") {
			unsubscribe = html.UnescapeString(h[1])
		}
	}
	require.Contains(t, unsubscribe, "?lang=es&service=Billing+Support", "the run's language (es of the entry's en and es) and service")
	for _, v := range []viewport{phone, desktop} {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(v.width, v.height), chromedp.Navigate(unsubscribe), chromedp.WaitVisible(chromedp.CSS("button"))))
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		require.NoError(t, err)
		require.Contains(t, text, "Darse de baja")
		require.Contains(t, text, "Acme Billing")
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		screenshot(t, "unsubscribe-page-"+v.name+".png", shot)
	}
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/suppressions?channel=email", nil, &optOuts))
	require.Empty(t, optOuts["suppressions"])

	// The customer taps 4 in the email; the page opens with 4 chosen.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(phone.width, phone.height), chromedp.Navigate("file://"+file),
		chromedp.Click(chromedp.CSS(`a[href$="score=4"]`)), chromedp.WaitVisible(chromedp.CSS(".chosen"))))
	chosen, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("input[name=score]:checked").value`))
	require.NoError(t, err)
	require.Equal(t, "4", chosen)
	lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	require.NoError(t, err)
	require.Equal(t, "es", lang)
	for _, v := range []viewport{desktop, phone} {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(v.width, v.height), chromedp.Sleep(150*time.Millisecond)))
		width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
		require.NoError(t, err)
		require.EqualValues(t, v.width, width, "the page fits a %s", v.name)
		page, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		screenshot(t, "survey-page-chosen-"+v.name+".png", page)
	}
	run = s.waitForRun(workflowID, "running", 10*time.Second)
	require.Nil(t, run["surveys"].([]any)[0].(map[string]any)["answer"], "opening the page answered nothing")
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("comment"), "Muy amable.")))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[type="submit"]`)), chromedp.WaitNotPresent(chromedp.CSS(".chosen"))))
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	require.NoError(t, err)
	thanks, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	screenshot(t, "survey-page-thanks.png", thanks)
	require.Equal(t, "¡Gracias!", heading)

	run = s.waitForRun(workflowID, "completed", 30*time.Second)
	vars := run["variables"].(map[string]any)
	require.EqualValues(t, 4, vars["survey.score"])
	require.Equal(t, "Muy amable.", vars["survey.comment"])
	require.Equal(t, "es", vars["run.language"])
	require.Equal(t, "¡Gracias por el 4!", s.twilio.WaitForMessages(t, 1, 30*time.Second)[0].Body)
}

// mailBrowser is Chromium that records every request it makes to a
// server (not a file: or data: URL), as a mail client that loads no
// remote content would not make any.
func mailBrowser(t *testing.T) (ctx context.Context, requested func() []string) {
	t.Helper()
	c := browser(t)
	var mu sync.Mutex
	var urls []string
	require.NoError(t, chromedp.Do(c, chromedp.Navigate("about:blank")))
	require.NoError(t, chromedp.Listen(c, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			if u, err := url.Parse(e.Request.URL); err == nil && u.Scheme != "file" && u.Scheme != "data" && u.Scheme != "about" {
				mu.Lock()
				urls = append(urls, e.Request.URL)
				mu.Unlock()
			}
		}
	}))
	_, err := chromedp.Call(c, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	return c, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), urls...)
	}
}
