//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./activities).

package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/providers/smtp"
	"github.com/ccflow/ccflow/providers/twilio"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// senders are activities that send through both a Twilio-shaped API and
// an SMTP server on loopback, recording in one real store.
type senders struct {
	acts   *activities.Activities
	twilio *testenv.TwilioServer
	smtp   *testenv.SMTP
	// optOuts is the use case the API and the console opt an address out
	// through, on the same store.
	optOuts *usecase.Service
}

func newSenders(t *testing.T) *senders {
	t.Helper()
	s := &senders{twilio: testenv.Twilio(t), smtp: testenv.SMTPServer(t), acts: newActivities(t)}
	s.acts.SMS = twilio.New(twilio.Config{AccountSID: s.twilio.AccountSID, AuthToken: s.twilio.AuthToken,
		From: "+15550001111", BaseURL: s.twilio.URL})
	mailer, err := smtp.New(s.smtp.URL())
	require.NoError(t, err)
	s.acts.Mailer = mailer
	s.optOuts = &usecase.Service{Store: s.acts.Store, Signer: s.acts.Signer}
	return s
}

// send sends one message of a run of the customer to address on channel,
// as step.
func (s *senders) send(t *testing.T, channel, address, step string) (workflows.Delivery, error) {
	t.Helper()
	key := "post-call/INT-1/" + step
	if channel == workflows.ChannelSMS {
		return execute(t, s.acts, s.acts.SendSMS, workflows.SMSInput{Key: key, WorkflowID: "post-call/INT-1", StepID: step,
			To: address, Text: "Ada, your order A-17 ships today.", Contact: contact()})
	}
	return execute(t, s.acts, s.acts.SendEmail, workflows.EmailInput{Key: key, WorkflowID: "post-call/INT-1", StepID: step,
		To: address, Subject: "Your order", Text: "Your order A-17 ships today.", Contact: contact()})
}

// received counts what the providers took.
func (s *senders) received() int { return len(s.twilio.Messages()) + len(s.smtp.Messages()) }

// An opt-out holds for the address, however the opt-out and the send write
// it: a phone number with spaces, dashes, dots or brackets is the same
// number as its E.164 form, an email address is the same in any case and
// with spaces around it. Each way an opt-out is made (the API and console's
// use case, the unsubscribe link of an email, Twilio's 21610) records the
// address as the send's decision looks it up, through the real store and
// the real send activity; a send to another address still goes.
func TestAnOptOutStopsASendToTheSameAddressWrittenAnotherWay(t *testing.T) {
	tests := []struct {
		name    string
		channel string
		// optOut opts the address out as written, the way the case says.
		optOut  func(t *testing.T, s *senders, address string)
		written string // the address as the opt-out names it
		sendTo  string // the address as the later send names it
		other   string // another address, which stays reachable
	}{
		{name: "sms opted out through the API in E.164, sent with spaces", channel: "sms", optOut: throughTheAPI("sms"),
			written: "+15551234567", sendTo: "+1 555 123 4567", other: "+15559876543"},
		{name: "sms opted out through the API with spaces, sent in E.164", channel: "sms", optOut: throughTheAPI("sms"),
			written: "+1 555 123 4567", sendTo: "+15551234567", other: "+15559876543"},
		{name: "sms opted out through the API with brackets and a dash, sent with dots", channel: "sms", optOut: throughTheAPI("sms"),
			written: "+1 (555) 123-4567", sendTo: "+1.555.123.4567", other: "+1 555 987 6543"},
		{name: "sms opted out by Twilio's 21610 on a number with spaces, sent in E.164", channel: "sms", optOut: throughTwilio21610,
			written: "+1 555 123 4567", sendTo: "+15551234567", other: "+15559876543"},
		{name: "sms opted out by Twilio's 21610 in E.164, sent with dashes", channel: "sms", optOut: throughTwilio21610,
			written: "+15551234567", sendTo: "+1-555-123-4567", other: "+15559876543"},
		{name: "email opted out through the API in mixed case, sent in lower case", channel: "email", optOut: throughTheAPI("email"),
			written: "Ada@Example.COM", sendTo: "ada@example.com", other: "grace@example.com"},
		{name: "email opted out through the API in lower case, sent in mixed case with spaces around", channel: "email", optOut: throughTheAPI("email"),
			written: "ada@example.com", sendTo: "  Ada@Example.COM ", other: "Grace@Example.com"},
		{name: "email opted out through the unsubscribe link of a mail to the mixed-case address, sent in lower case", channel: "email",
			optOut: throughTheUnsubscribeLink, written: "Ada@Example.COM", sendTo: "ada@example.com", other: "grace@example.com"},
		{name: "email opted out through the unsubscribe link of a mail in lower case, sent in mixed case", channel: "email",
			optOut: throughTheUnsubscribeLink, written: "ada@example.com", sendTo: "ADA@EXAMPLE.COM", other: "grace@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSenders(t)
			tt.optOut(t, s, tt.written)
			before := s.received()

			d, err := s.send(t, tt.channel, tt.sendTo, "later")

			require.NoError(t, err)
			require.Equal(t, workflows.SendSkipped, d.Status, "a send to %q after %q opted out", tt.sendTo, tt.written)
			require.Equal(t, "opted out", d.Reason)
			require.Equal(t, before, s.received(), "nothing more reached a provider")

			d, err = s.send(t, tt.channel, tt.other, "to-another")
			require.NoError(t, err)
			require.Equal(t, workflows.SendSent, d.Status, "another address is not opted out")
			require.Equal(t, before+1, s.received())
		})
	}
}

// A number written with spaces or dashes goes to Twilio in E.164, the only
// form its Messages API takes for To; an email address goes as written.
func TestASendToAnAddressWrittenAnotherWayReachesTheProvider(t *testing.T) {
	tests := []struct {
		channel, sendTo, want string
	}{
		{"sms", "+1 555 123 4567", "+15551234567"},
		{"sms", "+1 (555) 123-4567", "+15551234567"},
		{"sms", " +1.555.123.4567 ", "+15551234567"},
		{"email", "Ada@Example.COM", "Ada@Example.COM"},
	}
	for _, tt := range tests {
		t.Run(tt.channel+" to "+tt.sendTo, func(t *testing.T) {
			s := newSenders(t)

			d, err := s.send(t, tt.channel, tt.sendTo, "first")

			require.NoError(t, err)
			require.Equal(t, workflows.SendSent, d.Status)
			if tt.channel == "sms" {
				require.Equal(t, tt.want, s.twilio.WaitForMessages(t, 1, 5*time.Second)[0].To)
			} else {
				require.Equal(t, []string{tt.want}, s.smtp.WaitForMessages(t, 1, 5*time.Second)[0].To)
			}
		})
	}
}

// throughTheAPI opts the address out as POST /v1/suppressions and the
// console do.
func throughTheAPI(channel string) func(t *testing.T, s *senders, address string) {
	return func(t *testing.T, s *senders, address string) {
		t.Helper()
		_, created, err := s.optOuts.AddSuppression(context.Background(),
			usecase.SuppressionRequest{Channel: channel, Address: address, Reason: "asked on the phone"}, store.SourceAPI)
		require.NoError(t, err)
		require.True(t, created)
	}
}

// throughTwilio21610 sends an SMS to the number as written, which Twilio
// refuses with 21610 (the number replied STOP), recording the opt-out.
func throughTwilio21610(t *testing.T, s *senders, address string) {
	t.Helper()
	s.twilio.FailNext(400, 21610, 1)
	d, err := s.send(t, "sms", address, "first")
	require.NoError(t, err)
	require.Equal(t, workflows.SendSkipped, d.Status)
}

// throughTheUnsubscribeLink mails the address as written and follows the
// mail's one-click unsubscribe link (RFC 8058), as a mail client does.
func throughTheUnsubscribeLink(t *testing.T, s *senders, address string) {
	t.Helper()
	d, err := s.send(t, "email", address, "first")
	require.NoError(t, err)
	require.Equal(t, workflows.SendSent, d.Status)
	link := strings.Trim(s.smtp.WaitForMessages(t, 1, 5*time.Second)[0].Header.Get("List-Unsubscribe"), "<>")
	token := link[strings.LastIndex(link, "/u/")+len("/u/"):]
	channel, err := s.optOuts.Unsubscribe(context.Background(), token)
	require.NoError(t, err)
	require.Equal(t, "email", channel)
}
