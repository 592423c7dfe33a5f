package entry

import (
	"time"

	"github.com/ccflow/ccflow/core/durations"
)

// StepSendSMS is the type of SendSMS steps.
const StepSendSMS = "send_sms"

// SendSMS sends an SMS through Twilio.
type SendSMS struct {
	To   string `json:"to" kind:"template" label:"To" help:"The recipient's phone number; $(customer.phone) when empty."`
	Text Text   `json:"text" kind:"message" required:"true" label:"Text" help:"The message."`
	// Fallback runs in the SMS's place when it is skipped, fails for good
	// or is reported undelivered or failed within FallbackAfter.
	Fallback      []Step `json:"fallback" kind:"steps" label:"Fallback" help:"Steps that run instead of going on when the contact policy skips the SMS, it fails for good, or Twilio reports it undelivered or failed within Fallback after; $(message.fallback) says why, such as undelivered 30007."`
	FallbackAfter string `json:"fallback_after" kind:"duration" label:"Fallback after" help:"How long the run waits for the SMS's delivery status before going on, such as 10m (the default); a status after that changes nothing. Only with fallback."`
}

// DefaultFallbackAfter is how long a send_sms step with fallback waits for
// the delivery status when it says nothing.
const DefaultFallbackAfter = 10 * time.Minute

// FallbackWindow is how long s waits for its delivery status: its
// fallback_after, or DefaultFallbackAfter.
func (s *SendSMS) FallbackWindow() (time.Duration, error) {
	if s.FallbackAfter == "" {
		return DefaultFallbackAfter, nil
	}
	return durations.Parse(s.FallbackAfter)
}

func init() {
	define[SendSMS](StepSendSMS, "Send SMS", "Sends a text message through the server's SMS provider.", inGroup(GroupMessages))
}

// check allows fallback_after only beside fallback, which it times.
func (s *SendSMS) check(c *checker) {
	if s.FallbackAfter != "" && len(s.Fallback) == 0 {
		c.addf("fallback_after", "only a step with fallback waits for the delivery status; add fallback steps or leave it out")
	}
}
