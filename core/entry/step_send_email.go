package entry

// StepSendEmail is the type of SendEmail steps.
const StepSendEmail = "send_email"

// SendEmail sends an email through SMTP.
type SendEmail struct {
	To      string `json:"to" kind:"template" label:"To" help:"The recipient's address; $(customer.email) when empty."`
	Subject string `json:"subject" kind:"template" required:"true" label:"Subject" help:"The subject line."`
	Text    string `json:"text" kind:"message" label:"Text" help:"The plain-text body; give text, html or both."`
	HTML    string `json:"html" kind:"html" label:"HTML" help:"The HTML body, whose $(variables) are escaped; give text, html or both."`
}

func init() {
	define[SendEmail](StepSendEmail, "Send email", "Sends an email through the server's SMTP relay.", inGroup(GroupMessages))
}

// check requires a body, of either form.
func (s *SendEmail) check(c *checker) {
	if s.Text == "" && s.HTML == "" {
		c.addf("text", "text or html is required")
	}
}
