package entry

// StepSendEmail is the type of SendEmail steps.
const StepSendEmail = "send_email"

// SendEmail sends an email through SMTP.
type SendEmail struct {
	To      string `json:"to" kind:"template" label:"To" help:"The recipient's address; $(customer.email) when empty."`
	Subject Text   `json:"subject" kind:"template" required:"true" label:"Subject" help:"The subject line."`
	Text    Text   `json:"text" kind:"message" label:"Text" help:"The plain-text body; give text, html or both."`
	HTML    Text   `json:"html" kind:"html" label:"HTML" help:"The HTML body, whose $(variables) are escaped for where they land; give text, html or both."`
	// Fallback runs in the email's place when it cannot go: email has no
	// delivery status, so a skip or a permanent failure only.
	Fallback []Step `json:"fallback" kind:"steps" label:"Fallback" help:"Steps that run instead of going on when the contact policy skips the email (opted out, capped) or it fails for good; $(message.fallback) says why."`
}

func init() {
	define[SendEmail](StepSendEmail, "Send email", "Sends an email through the server's SMTP relay.", inGroup(GroupMessages))
}

// check requires a body, of either form.
//
// Email has no fallback_after: SMTP reports no delivery status ccflow
// could wait for, so the step's decoder refuses the field as one of
// send_sms steps.
func (s *SendEmail) check(c *checker) {
	if s.Text.IsEmpty() && s.HTML.IsEmpty() {
		c.addf("text", "text or html is required")
	}
}
