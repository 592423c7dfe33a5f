package entry

import (
	"slices"

	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/core/templates"
)

// StepSendSurvey is the type of SendSurvey steps.
const StepSendSurvey = "send_survey"

// surveyURLField is the variable a survey message must show: without the
// link the customer has no way to answer.
const surveyURLField = "survey.url"

// SendSurvey opens a survey, sends its link by email or SMS and waits up
// to Wait for the answer, setting survey.answered, survey.scale,
// survey.score (on the scale) and survey.comment.
type SendSurvey struct {
	Channel  string `json:"channel" kind:"enum" options:"email,sms" noun:"survey channel" required:"true" label:"Channel" help:"How the survey link goes out: by email or by SMS."`
	Question string `json:"question" kind:"template" required:"true" label:"Question" help:"The question the survey page asks above its rating."`
	Scale    string `json:"scale" kind:"enum" options:"1-5,0-10" noun:"survey scale" label:"Scale" help:"The rating: 1-5 (the default; CSAT: how satisfied) or 0-10 (NPS: how likely to recommend)."`
	To       string `json:"to" kind:"template" label:"To" help:"Who gets the link; $(customer.email) for email and $(customer.phone) for SMS when empty."`
	Subject  string `json:"subject" kind:"template" label:"Subject" help:"The subject line of the email; email surveys need one, SMS surveys have none."`
	Text     string `json:"text" kind:"message" required:"is required and must contain $(survey.url)" label:"Text" help:"The message, which must show the survey link $(survey.url)."`
	HTML     string `json:"html" kind:"html" label:"HTML" help:"An HTML version of the email, which must show $(survey.url) too; email surveys only."`
	Wait     string `json:"wait" kind:"duration" required:"true" label:"Wait" help:"How long to wait for the answer, such as 1d; the run goes on without one after it."`
}

func init() {
	define[SendSurvey](StepSendSurvey, "Send survey",
		"Sends a survey link by email or SMS and waits for the customer's rating (1 to 5, or 0 to 10) and comment.")
}

// check applies what depends on the channel: only emails have a subject
// and an HTML body, and every body shows the link.
func (s *SendSurvey) check(c *checker) {
	switch s.Channel {
	case "email":
		if s.Subject == "" {
			c.addf("subject", "is required")
		}
		checkSurveyLink(c, "html", s.HTML)
	case "sms":
		if s.Subject != "" {
			c.addf("subject", "only email surveys have a subject")
		}
		if s.HTML != "" {
			c.addf("html", "only email surveys have an html body")
		}
	}
	checkSurveyLink(c, "text", s.Text)
}

// checkSurveyLink checks that a survey message body shows the link. A
// body that is no template at all is its kind's to report.
func checkSurveyLink(c *checker, field, text string) {
	if text == "" {
		return
	}
	if names, err := templates.Names(text); err == nil && !slices.Contains(names, surveyURLField) {
		c.addf(field, "must contain $(%s) so the customer can reach the survey", surveyURLField)
	}
}

// ScaleOf is the step's rating scale: its scale, else the default (1-5).
func (s *SendSurvey) ScaleOf() scale.Scale { return scale.Of(s.Scale) }
