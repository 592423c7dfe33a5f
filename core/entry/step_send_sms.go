package entry

// StepSendSMS is the type of SendSMS steps.
const StepSendSMS = "send_sms"

// SendSMS sends an SMS through Twilio.
type SendSMS struct {
	To   string `json:"to" kind:"template" label:"To" help:"The recipient's phone number; $(customer.phone) when empty."`
	Text string `json:"text" kind:"message" required:"true" label:"Text" help:"The message."`
}

func init() {
	define[SendSMS](StepSendSMS, "Send SMS", "Sends a text message through the server's SMS provider.", inGroup(GroupMessages))
}

// check has nothing to add to the kinds of the fields.
func (*SendSMS) check(*checker) {}
