package workflows_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/workflows"
)

func TestASurveyEmailListsALinkPerScoreAndNamesItsSurvey(t *testing.T) {
	h := newHarness(t)

	h.complete(input(surveyStep()))

	require.Len(t, h.emails, 1)
	m := h.emails[0]
	require.Equal(t, "Tell us: https://ccflow.example/s/survey\n\n"+
		"Answer with one click:\n"+
		"1 (Very poor): https://ccflow.example/s/survey?score=1\n"+
		"2 (Poor): https://ccflow.example/s/survey?score=2\n"+
		"3 (Okay): https://ccflow.example/s/survey?score=3\n"+
		"4 (Good): https://ccflow.example/s/survey?score=4\n"+
		"5 (Excellent): https://ccflow.example/s/survey?score=5", m.Text)
	require.Equal(t, `<a href="https://ccflow.example/s/survey">Tell us</a>`, m.HTML)
	require.Equal(t, &workflows.SurveyEmail{URL: "https://ccflow.example/s/survey", Question: "How did we do, Ada?",
		Scale: scale.CSAT, Language: "en", Service: "Billing Support"}, m.Survey)
}

func TestTheRatingLinksStandWhereTheEntrySaysOnTheSurveysScale(t *testing.T) {
	h := newHarness(t)
	step := surveyStep()
	s := step.Spec.(*entry.SendSurvey)
	s.Scale = "0-10"
	s.Text = entry.Plain("$(survey.rating_links)\n\nOr: $(survey.url)")
	s.HTML = entry.Plain(`<p>Hi $(customer.first_name)</p>$(survey.rating_links)`)

	st := h.complete(input(step))

	m := h.emails[0]
	require.Equal(t, "Answer with one click:\n0 (Not at all likely): https://ccflow.example/s/survey?score=0\n"+
		"1: https://ccflow.example/s/survey?score=1\n", m.Text[:len("Answer with one click:\n0 (Not at all likely): https://ccflow.example/s/survey?score=0\n1: https://ccflow.example/s/survey?score=1\n")])
	require.Contains(t, m.Text, "10 (Extremely likely): https://ccflow.example/s/survey?score=10\n\nOr: https://ccflow.example/s/survey")
	require.Equal(t, `<p>Hi Ada</p>`+workflows.RatingLinksMarker, m.HTML, "the activity puts the buttons in the marker's place")
	require.Equal(t, scale.NPS, m.Survey.Scale)
	require.Equal(t, "0-10", st.Variables["survey.scale"])
	require.NotContains(t, st.Variables, "survey.rating_links", "the links are the message's, not a variable of the run")
}

func TestARunReadsItsTextsInTheCustomersLanguage(t *testing.T) {
	h := newHarness(t)
	step := surveyStep()
	s := step.Spec.(*entry.SendSurvey)
	s.Question = entry.Translated(map[string]string{"en": "How did we do?", "es": "¿Qué tal, $(customer.first_name)?"})
	s.Subject = entry.Translated(map[string]string{"en": "Your call", "es": "Su llamada"})
	s.Text = entry.Translated(map[string]string{"en": "Tell us: $(survey.url)", "es": "Cuéntenos: $(survey.url)"})
	s.HTML = entry.Text{}
	sms := entry.Step{ID: "thanks", Spec: &entry.SendSMS{Text: entry.Translated(map[string]string{"en": "Thanks", "ja": "ありがとう"})}}
	in := input(step, sms)
	in.Event.Customer.Language = "es-MX"

	st := h.complete(in)

	require.Equal(t, "es", st.Variables["run.language"])
	require.Equal(t, "Su llamada", h.emails[0].Subject)
	require.Contains(t, h.emails[0].Text, "Cuéntenos: https://ccflow.example/s/survey\n\nResponda con un clic:\n1 (Muy malo): ")
	require.Empty(t, h.emails[0].HTML, "without an html of its own the activity writes ccflow's")
	require.Equal(t, "¿Qué tal, Ada?", h.emails[0].Survey.Question)
	require.Equal(t, "es", h.emails[0].Survey.Language)
	require.Equal(t, "es", h.surveys[0].Language, "the survey page speaks the run's language")
	require.Equal(t, "Billing Support", h.surveys[0].Service)
	require.Equal(t, "Thanks", h.sms[0].Text, "a text without the run's language is in the entry's default")
}

func TestATextErrorNamesTheLanguageItIsIn(t *testing.T) {
	h := newHarness(t)
	sms := entry.Step{ID: "thanks", Spec: &entry.SendSMS{Text: entry.Translated(map[string]string{"en": "Thanks", "ja": "$(nickname)さん、ありがとう"})}}
	in := input(sms)
	in.Event.Customer.Language = "ja"

	err := h.run(in)

	require.ErrorContains(t, err, "text.ja: $(nickname) is not defined")
}

func TestHTMLValuesAreEscapedForTheirContext(t *testing.T) {
	h := newHarness(t)
	email := entry.Step{ID: "note", Spec: &entry.SendEmail{Subject: entry.Plain("Hi"),
		HTML: entry.Plain(`<p title="$(customer.first_name)">$(customer.first_name)</p><a href="$(link)">x</a>`)}}
	in := input(email)
	in.Event.Customer.FirstName = `"><script>alert(1)</script>`
	in.Event.Variables["link"] = "javascript:alert(1)"

	h.complete(in)

	require.Equal(t, `<p title="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p><a href="#ZgotmplZ">x</a>`,
		h.emails[0].HTML)
}

// A run started before the HTML contexts keeps escaping values as text
// and sends its survey email as it did: plain links, no survey.
func TestARunFromBeforeTheHTMLContextsSendsAsItDid(t *testing.T) {
	h := newHarness(t)
	h.env.RegisterWorkflow(workflows.FollowUpBeforeHTMLContexts)
	in := input(surveyStep())

	h.env.ExecuteWorkflow(workflows.FollowUpBeforeHTMLContexts, in)

	require.NoError(t, h.env.GetWorkflowError())
	require.Equal(t, "Tell us: https://ccflow.example/s/survey", h.emails[0].Text)
	require.Nil(t, h.emails[0].Survey)
}

// A fallback's message and a split's branch's are ordinary steps: they
// are read in the run's language as every other text.
func TestFallbacksAndBranchesAreReadInTheRunsLanguage(t *testing.T) {
	h := newHarness(t)
	h.outcomes["sms"] = workflows.Delivery{Status: workflows.SendSkipped, Code: "opted_out", Reason: "opted out"}
	split := &entry.Split{Branches: []entry.Branch{
		{ID: "only", Weight: 99, Steps: []entry.Step{{ID: "branch-email", Spec: &entry.SendEmail{
			Subject: entry.Translated(map[string]string{"en": "One more thing", "es": "Una cosa más"}),
			Text:    entry.Translated(map[string]string{"en": "Thanks", "es": "Gracias, $(customer.first_name)"})}}}},
		{ID: "control", Weight: 1}}}
	require.Zero(t, entry.ChooseBranch(split, "ab", workflowID), "the harness's workflow ID takes the 99% branch")
	in := input(
		entry.Step{ID: "sms", Spec: &entry.SendSMS{Text: entry.Translated(map[string]string{"en": "Rate us", "es": "Valórenos"}),
			Fallback: []entry.Step{{ID: "email-instead", Spec: &entry.SendEmail{
				Subject: entry.Translated(map[string]string{"en": "Rate us", "es": "Valórenos"}),
				Text:    entry.Translated(map[string]string{"en": "We could not text you", "es": "No pudimos enviarle un SMS"})}}}}},
		entry.Step{ID: "ab", Spec: split},
	)
	in.Event.Customer.Language = "es-ES"

	st := h.complete(in)

	require.Equal(t, "es", st.Variables["run.language"])
	require.Equal(t, "opted out", st.Variables["message.fallback"])
	require.Len(t, h.emails, 2)
	require.Equal(t, "Valórenos", h.emails[0].Subject, "the fallback's email")
	require.Equal(t, "No pudimos enviarle un SMS", h.emails[0].Text)
	require.Equal(t, "Una cosa más", h.emails[1].Subject, "the branch's email")
	require.Equal(t, "Gracias, Ada", h.emails[1].Text)
}
