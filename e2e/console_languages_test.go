//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
)

// In the console, at a desktop's width and looked at on a phone: an email
// survey whose question and text are written in English and Spanish,
// with the 0-10 scale, refused while its English question is empty; the
// brand set with a logo file and a yellow accent,
// its contrast shown; Try it and the run say which language a run reads.
func TestTextsByLanguageAndTheBrandInTheConsole(t *testing.T) {
	s := startSystem(t)
	b := newConsoleBrowser(t, s)
	b.signIn()

	b.do(chromedp.Navigate(s.baseURL + "/console/entries/new"))
	b.until("the new entry", `document.querySelector("#f-name") !== null`)
	b.fill("#f-name", "Survey in two languages")
	b.choose("#f-service", "+other")
	b.fill("#f-new_service", "Billing Support")
	b.click("#add-trigger", `document.querySelector(".trigger.editing") !== null`)
	trigger := fmt.Sprint(b.eval(`document.querySelector(".trigger.editing input[name=trigger]").value`))
	b.choose("#f-"+trigger+"-type", entry.TriggerDisposition)
	b.choose("#f-"+trigger+"-disposition", "Problem solved")
	b.click(`.palette-item button[value="add:`+entry.StepSendSurvey+`"]`, `document.querySelector("input[name=block]") !== null`)
	survey := b.lastBlock()
	b.choose("#f-"+survey+"-channel", "email")
	b.choose("#f-"+survey+"-scale", "0-10")
	b.fill("#f-"+survey+"-question", "How likely are you to recommend us?")
	b.fill("#f-"+survey+"-subject", "A quick question")
	b.fill("#f-"+survey+"-text", "Tell us: $(survey.url)")
	b.fill("#f-"+survey+"-wait", "1d")
	b.fill("#f-"+survey+"-id", "survey")

	// Spanish for the question and the text.
	for _, field := range []string{"question", "text"} {
		b.fill("#f-"+survey+"-newlang-"+field, "ES")
		b.click(fmt.Sprintf(`button[value="add-lang:%s.%s"]`, survey, field), fmt.Sprintf(`document.querySelector("[id='f-%s-%s@es']") !== null`, survey, field))
		require.Equal(t, fmt.Sprintf("f-%s-%s@es", survey, field), b.eval(`document.activeElement.id`), "the new language's box takes the focus")
	}
	b.fill(fmt.Sprintf(`[id='f-%s-question@es']`, survey), "¿Nos recomendaría?")
	b.fill(fmt.Sprintf(`[id='f-%s-text@es']`, survey), "Cuéntenos: $(survey.url)")
	// A tag that is no language is said beside the field.
	b.fill("#f-"+survey+"-newlang-subject", "klingonese")
	b.click(fmt.Sprintf(`button[value="add-lang:%s.subject"]`, survey), `document.querySelector("#f-`+survey+`-subject-error") !== null`)
	require.Contains(t, b.text("#f-"+survey+"-subject-error"), `"klingonese" is not a known language tag`)
	b.look("entry-languages")

	// Every text written in more languages needs one in the default
	// language (en): the first box, left empty, is said beside the field.
	b.eval(`document.querySelector("#f-` + survey + `-question").value = ""`)
	b.click("#save", `document.querySelector("#error-summary") !== null`)
	require.Contains(t, b.text("#f-"+survey+"-question-error"), `has no "en" text, the entry's default_language`)
	b.fill("#f-"+survey+"-question", "How likely are you to recommend us?")
	b.click("#save", `location.pathname === "/console/entries/survey-in-two-languages"`)

	e := s.apiEntry("survey-in-two-languages")
	spec := e.Steps[0].Spec.(*entry.SendSurvey)
	require.Equal(t, entry.Translated(map[string]string{"en": "How likely are you to recommend us?", "es": "¿Nos recomendaría?"}), spec.Question)
	require.Equal(t, entry.Translated(map[string]string{"en": "Tell us: $(survey.url)", "es": "Cuéntenos: $(survey.url)"}), spec.Text)
	require.Equal(t, entry.Plain("A quick question"), spec.Subject)
	require.Equal(t, "0-10", spec.Scale)

	// Remove the Spanish text again: it is plain once more.
	b.do(chromedp.Click(chromedp.CSS("#sum-b2")))
	b.until("the block open", `document.querySelector("details.block-form[open]") !== null`)
	key := fmt.Sprint(b.eval(`document.querySelector("input[name=block]").value.split("/")[1]`))
	b.click(fmt.Sprintf(`button[value="remove-lang:%s.text@es"]`, key), fmt.Sprintf(`document.querySelector("[id='f-%s-text@es']") === null`, key))
	b.click("#save", `location.search.includes("saved=2")`)
	require.Equal(t, entry.Plain("Tell us: $(survey.url)"), s.apiEntry("survey-in-two-languages").Steps[0].Spec.(*entry.SendSurvey).Text)

	// Try it says which language a run would read.
	b.do(chromedp.Navigate(s.baseURL + "/console/try"))
	b.until("Try it", `document.querySelector("#event") !== null`)
	b.eval(`(() => { const e = document.querySelector("#event"); const ev = JSON.parse(e.value); ev.customer.language = "es-MX"; e.value = JSON.stringify(ev, null, 2) })()`)
	b.click("#try", `document.querySelector(".match") !== null`)
	require.Contains(t, b.text(".match"), "Language of its texts: es")

	// The brand, with a logo file and a yellow accent.
	logo := filepath.Join(t.TempDir(), "logo.png")
	data := acmeLogo(t)
	raw, err := decodeDataURL(data)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(logo, raw, 0o644))
	b.do(chromedp.Navigate(s.baseURL + "/console/brand"))
	b.until("the Brand screen", `document.querySelector("#f-default-name") !== null`)
	b.fill("#f-default-name", "Acme Support")
	b.fill("#f-default-accent", "#FFFF00")
	b.fill("#f-default-contact", "Call us at +1 555 0100")
	b.do(chromedp.SetUploadFiles(chromedp.CSS(`#f-default-logo`), []string{logo}))
	b.click("#save", `document.querySelector(".flash") !== null`)
	require.Contains(t, b.text(".brand-preview"), "text on it 19.6:1")
	var doc map[string]any
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/brand", nil, &doc))
	require.Equal(t, "#FFFF00", doc["accent"])
	require.NotEmpty(t, doc["logo_url"])
	b.look("brand")

	// A survey run in Spanish: the run's view says so.
	event := seedEvent(interactionID("INT-LANG"))
	event["customer"].(map[string]any)["language"] = "es-MX"
	var started ingestAnswer
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", event, &started))
	s.waitForState(started.Matches[0].WorkflowID, "the survey sent", func(run map[string]any) bool { return run["current_step"] == "survey" })
	b.do(chromedp.Navigate(s.baseURL + runPathOf(started.Matches[0].WorkflowID)))
	b.until("the run", `document.querySelector(".facts") !== null`)
	require.Contains(t, b.text(".facts"), "Language")
	require.Contains(t, b.text(".facts"), "es")
	b.do(chromedp.Sleep(100 * time.Millisecond))
	b.mu.Lock()
	defer b.mu.Unlock()
	require.Empty(t, b.problems)
	for host := range b.hosts {
		require.Equal(t, s.baseURL, host, "the console asks nothing of any other host")
	}
}

// runPathOf is a run's page in the console.
func runPathOf(workflowID string) string {
	entryID, interaction, _ := strings.Cut(workflowID, "/")
	return "/console/runs/" + url.PathEscape(entryID) + "/" + url.PathEscape(interaction)
}

// decodeDataURL is the bytes of a base64 data: URL.
func decodeDataURL(u string) ([]byte, error) {
	_, payload, _ := strings.Cut(u, ",")
	return base64.StdEncoding.DecodeString(payload)
}
