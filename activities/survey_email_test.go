//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./activities).

package activities_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/brand"
	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/providers/smtp"
	"github.com/ccflow/ccflow/workflows"
)

// surveyEmailInput is a survey's email as the interpreter sends it: its
// text with a link per score, its HTML to be written by the activity.
func surveyEmailInput(key, service string, on scale.Scale) workflows.EmailInput {
	return workflows.EmailInput{
		Key: key, WorkflowID: "post-call/INT-1", StepID: "survey", To: "ada@example.com",
		Subject: "How did we do?", Text: "Tell us: https://surveys.example.com/s/tok",
		Survey: &workflows.SurveyEmail{URL: "https://surveys.example.com/s/tok", Question: `How happy are you with <b>Sam</b>'s help?`,
			Scale: on, Language: "es-MX", Service: service},
	}
}

// plainSMTP returns activities mailing through a loopback SMTP server.
func plainSMTP(t *testing.T) (*activities.Activities, *testenv.SMTP) {
	t.Helper()
	srv := testenv.SMTPServer(t)
	mailer, err := smtp.New(srv.URL())
	require.NoError(t, err)
	acts := newActivities(t)
	acts.Mailer = mailer
	return acts, srv
}

func saveBrand(t *testing.T, acts *activities.Activities, d brand.Document) {
	t.Helper()
	_, err := acts.Store.SaveBrand(context.Background(), d)
	require.NoError(t, err)
}

func testLogo(t *testing.T) *brand.Logo {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))))
	logo, err := brand.ParseLogo("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()))
	require.NoError(t, err)
	return logo
}

var buttonLinks = regexp.MustCompile(`href="https://surveys\.example\.com/s/tok\?score=(\d+)"`)

func TestASurveyEmailWithoutHTMLGetsCcflowsInTheServicesBrand(t *testing.T) {
	acts, srv := plainSMTP(t)
	logo := testLogo(t)
	saveBrand(t, acts, brand.Document{
		Brand:    brand.Brand{Name: "Acme Support", Accent: "#0B5FFF", Contact: "Call us at +1 555 0100"},
		Services: map[string]brand.Brand{"Billing Support": {Name: "Acme Billing", Logo: logo, Accent: "#FFFF00"}},
	})

	_, err := execute(t, acts, acts.SendEmail, surveyEmailInput("post-call/INT-1/survey", "Billing Support", scale.NPS))
	require.NoError(t, err)

	m := srv.WaitForMessages(t, 1, 5*time.Second)[0]
	require.Equal(t, "Tell us: https://surveys.example.com/s/tok", m.Text)
	var scores []string
	for _, s := range buttonLinks.FindAllStringSubmatch(m.HTML, -1) {
		scores = append(scores, s[1])
	}
	require.Equal(t, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, scores, "one button per score on 0-10")
	require.Contains(t, m.HTML, `<html lang="es"`)
	require.Contains(t, m.HTML, "Acme Billing", "the service's own name")
	require.Contains(t, m.HTML, "Call us at &#43;1 555 0100", "the default's contact, which the service did not set")
	require.Contains(t, m.HTML, "background-color:#FFFF00;color:#000000", "the service's accent, with readable text")
	require.Contains(t, m.HTML, "How happy are you with &lt;b&gt;Sam&lt;/b&gt;&#39;s help?", "the question is text, never markup")
	require.Contains(t, m.HTML, "lang=es-MX&amp;service=Billing&#43;Support", "the unsubscribe page speaks the run's language, in its brand")
	cid := regexp.MustCompile(`src="cid:([^"]+)"`).FindStringSubmatch(m.HTML)
	require.NotNil(t, cid, "the logo comes with the message")
	require.True(t, strings.HasSuffix(cid[1], "@example.com"))
	require.Equal(t, testenv.InlinePart{Type: "image/png", Data: logo.Data}, m.Inline[cid[1]])
	require.NotContains(t, m.HTML, "https://surveys.example.com/brand", "no remote image")
}

func TestTheRatingButtonsGoWhereTheEntrysHTMLSays(t *testing.T) {
	acts, srv := plainSMTP(t)
	in := surveyEmailInput("post-call/INT-2/survey", "Sales", scale.CSAT)
	in.HTML = "<p>Hola Ada</p>" + workflows.RatingLinksMarker + "<p>Gracias</p>"

	_, err := execute(t, acts, acts.SendEmail, in)
	require.NoError(t, err)

	m := srv.WaitForMessages(t, 1, 5*time.Second)[0]
	require.True(t, strings.HasPrefix(m.HTML, "<p>Hola Ada</p><table role=\"presentation\""), m.HTML)
	require.True(t, strings.HasSuffix(m.HTML, "</table><p>Gracias</p>"), m.HTML)
	require.Len(t, buttonLinks.FindAllString(m.HTML, -1), 5, "one button per score on 1-5")
	require.Contains(t, m.HTML, "1 = Muy malo")
	require.NotContains(t, m.HTML, workflows.RatingLinksMarker)
	require.Contains(t, m.HTML, "background-color:"+brand.DefaultAccent, "no brand saved: the default accent")
	require.Empty(t, m.Inline, "an entry's own html shows no logo of ccflow's")
}
