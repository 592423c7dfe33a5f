package entry

import (
	"slices"

	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/core/templates"
)

// StepSendSurvey is the type of SendSurvey steps.
const StepSendSurvey = "send_survey"

// Variables a survey message shows: without the link, or the rating
// buttons whose links open the survey page, the customer has no way to
// answer.
const (
	surveyURLField = "survey.url"
	// RatingLinksVariable places the rating buttons (one link per score)
	// in an email survey's html, and their list in its text.
	RatingLinksVariable = "survey.rating_links"
)

// SendSurvey opens a survey, sends its link by email or SMS and waits up
// to Wait for the answer, setting survey.answered, survey.scale,
// survey.score (on the scale) and survey.comment. An SMS survey with
// AnswerBy "reply" asks the question in the SMS and takes the customer's
// reply as the answer (survey.answer_by says how it went out).
type SendSurvey struct {
	Channel  string `json:"channel" kind:"enum" options:"email,sms" noun:"survey channel" required:"true" label:"Channel" help:"How the survey link goes out: by email or by SMS."`
	Question Text   `json:"question" kind:"template" required:"true" label:"Question" help:"The question the survey page asks above its rating."`
	Scale    string `json:"scale" kind:"enum" options:"1-5,0-10" noun:"survey scale" label:"Scale" help:"The rating: 1-5 (the default; CSAT: how satisfied) or 0-10 (NPS: how likely to recommend)."`
	AnswerBy string `json:"answer_by" kind:"enum" options:"link,reply" noun:"way to answer" label:"Answer by" help:"link (the default): the customer answers on the survey page. reply (SMS only): the SMS asks the question and the customer texts back a number on the scale, with any words as the comment; no link needed. While another survey waits for a reply from the same number, this one goes as a link."`
	To       string `json:"to" kind:"template" label:"To" help:"Who gets the link; $(customer.email) for email and $(customer.phone) for SMS when empty."`
	Subject  Text   `json:"subject" kind:"template" label:"Subject" help:"The subject line of the email; email surveys need one, SMS surveys have none."`
	Text     Text   `json:"text" kind:"message" required:"is required and must contain $(survey.url)" label:"Text" help:"The message, which must show the survey link $(survey.url). An email's text also lists one link per score, where $(survey.rating_links) stands or else at its end. An SMS answered by reply needs no link: the question and the request for a number follow the text."`
	HTML     Text   `json:"html" kind:"html" label:"HTML" help:"Your own HTML for the email, which must show $(survey.url) or the rating buttons $(survey.rating_links); without it ccflow writes one with the question, the buttons and your brand. Email surveys only."`
	Wait     string `json:"wait" kind:"duration" required:"true" label:"Wait" help:"How long to wait for the answer, such as 1d; the run goes on without one after it."`
}

func init() {
	define[SendSurvey](StepSendSurvey, "Send survey",
		"Sends a survey by email (with one rating button per score) or SMS and waits for the customer's rating (1 to 5, or 0 to 10) and comment.", inGroup(GroupSurveys))
}

// check applies what depends on the channel: only emails have a subject
// and an HTML body, and every body shows the link (an email's HTML may
// show the rating buttons instead).
func (s *SendSurvey) check(c *checker) {
	switch s.Channel {
	case "email":
		if s.Subject.IsEmpty() {
			c.addf("subject", "is required")
		}
		checkSurveyLink(c, "html", s.HTML, surveyURLField, RatingLinksVariable)
	case "sms":
		if !s.Subject.IsEmpty() {
			c.addf("subject", "only email surveys have a subject")
		}
		if !s.HTML.IsEmpty() {
			c.addf("html", "only email surveys have an html body")
		}
	}
	if s.ByReply() {
		if s.Channel == "email" {
			c.addf("answer_by", "only SMS surveys are answered by reply; an email survey answers by link")
		}
		// The SMS asks the question and for a number: the text needs no
		// link (one it shows still works).
		return
	}
	checkSurveyLink(c, "text", s.Text, surveyURLField)
}

// Ways to answer a survey (SendSurvey.AnswerBy).
const (
	// AnswerByLink: the customer answers on the survey page. The default.
	AnswerByLink = "link"
	// AnswerByReply: the customer texts back a number (SMS surveys only).
	AnswerByReply = "reply"
)

// ByReply reports whether the survey is asked to be answered by SMS reply.
func (s *SendSurvey) ByReply() bool { return s.AnswerBy == AnswerByReply }

// checkSurveyLink checks that every text of a survey message body shows
// one of the variables that lead to the survey. A text that is no
// template at all is its kind's to report.
func checkSurveyLink(c *checker, field string, t Text, leads ...string) {
	t.Each(func(tag, text string) {
		if text == "" {
			return
		}
		names, err := templates.Names(text)
		if err != nil || slices.ContainsFunc(leads, func(n string) bool { return slices.Contains(names, n) }) {
			return
		}
		at := field
		if tag != "" {
			at += "." + tag
		}
		if len(leads) == 1 {
			c.addf(at, "must contain $(%s) so the customer can reach the survey", leads[0])
			return
		}
		c.addf(at, "must contain $(%s) or $(%s) so the customer can reach the survey", leads[0], leads[1])
	})
}

// ScaleOf is the step's rating scale: its scale, else the default (1-5).
func (s *SendSurvey) ScaleOf() scale.Scale { return scale.Of(s.Scale) }

// WidestScale is the widest rating scale of e's surveys: 0-10 when any of
// them is on it, else 1-5 (an entry without surveys included). A score on
// it may answer some survey of e.
func (e Entry) WidestScale() scale.Scale {
	widest := scale.Default
	walkSteps(e.Steps, func(s Step) {
		if sv, ok := s.Spec.(*SendSurvey); ok && sv.ScaleOf() == scale.NPS {
			widest = scale.NPS
		}
	})
	return widest
}
