package usecase

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.temporal.io/api/serviceerror"

	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// The contact policy's use cases: opt-outs (suppressions) kept through the
// API, the console, SMS keywords and unsubscribe links; the policy
// document; the delivery statuses Twilio reports; and stopping a
// customer's runs when they contact the contact center again.

// maxSuppressionReason bounds the free-text reason of an opt-out.
const maxSuppressionReason = 500

// maxSuppressionList bounds one listing of opt-outs.
const maxSuppressionList = 500

// Suppression is an opt-out as the API and the console show it.
type Suppression = store.Suppression

// SuppressionRequest asks to opt an address out of a channel.
type SuppressionRequest struct {
	Channel string `json:"channel"`
	Address string `json:"address"`
	Reason  string `json:"reason"`
}

// normalizedAddress checks a channel and address from a caller, naming the
// field at fault, and returns the address normalized and its hash.
func normalizedAddress(channel, address string) (string, string, error) {
	if channel != policy.ChannelEmail && channel != policy.ChannelSMS {
		return "", "", validation.Errorf("channel", "%q is not a channel (use email or sms)", channel)
	}
	n, err := policy.NormalizeAddress(channel, address)
	if err != nil {
		return "", "", validation.Errorf("address", "%v", err)
	}
	return n, policy.AddressHash(n), nil
}

// Suppressions lists opt-outs, newest first: all of them, those of one
// channel, or (with an address) that address's on one channel.
func (s *Service) Suppressions(ctx context.Context, channel, address string) ([]Suppression, error) {
	if channel != "" && channel != policy.ChannelEmail && channel != policy.ChannelSMS {
		return nil, validation.Errorf("channel", "%q is not a channel (use email or sms)", channel)
	}
	hash := ""
	if address != "" {
		if channel == "" {
			return nil, validation.Errorf("channel", "is required with an address (email or sms)")
		}
		var err error
		if _, hash, err = normalizedAddress(channel, address); err != nil {
			return nil, err
		}
	}
	list, err := s.Store.Suppressions(ctx, channel, hash, maxSuppressionList)
	return list, classify(err)
}

// AddSuppression opts an address out of a channel; source says who asked
// (store.SourceAPI, store.SourceConsole). It reports whether the opt-out is
// new: one that exists already is kept as it was.
func (s *Service) AddSuppression(ctx context.Context, req SuppressionRequest, source string) (Suppression, bool, error) {
	address, hash, err := normalizedAddress(req.Channel, req.Address)
	if err != nil {
		return Suppression{}, false, err
	}
	reason := strings.TrimSpace(req.Reason)
	if n := utf8.RuneCountInString(reason); n > maxSuppressionReason {
		return Suppression{}, false, validation.Errorf("reason", "is %d characters long; at most %d are allowed", n, maxSuppressionReason)
	}
	if strings.ContainsFunc(reason, unicode.IsControl) {
		return Suppression{}, false, validation.Errorf("reason", "may not contain control characters")
	}
	sup, created, err := s.Store.AddSuppression(ctx, store.Suppression{Channel: req.Channel, AddressHash: hash, Address: &address,
		Reason: reason, Source: source})
	if err != nil {
		return Suppression{}, false, classify(err)
	}
	s.logger().InfoContext(ctx, "opt-out recorded", "channel", req.Channel, "source", source, "new", created)
	return sup, created, nil
}

// RemoveSuppression opts an address back in; ErrNotFound when it was not
// opted out.
func (s *Service) RemoveSuppression(ctx context.Context, channel, address string) error {
	_, hash, err := normalizedAddress(channel, address)
	if err != nil {
		return err
	}
	if err := s.Store.RemoveSuppression(ctx, channel, hash); err != nil {
		return classify(err)
	}
	s.logger().InfoContext(ctx, "opt-out removed", "channel", channel)
	return nil
}

// Policy returns the contact policy in force, with the server's default
// time zone filled in where the document leaves it to the server.
func (s *Service) Policy(ctx context.Context) (policy.Policy, error) {
	p, err := s.Store.Policy(ctx)
	if err != nil {
		return policy.Policy{}, classify(err)
	}
	return p, nil
}

// SavePolicy replaces the contact policy with the JSON document data
// (policy.Decode: every mistake is a validation error naming its field).
// It applies to every send from then on, runs in flight included.
func (s *Service) SavePolicy(ctx context.Context, data []byte) (policy.Policy, error) {
	p, err := policy.Decode(data)
	if err != nil {
		return policy.Policy{}, err
	}
	saved, err := s.Store.SavePolicy(ctx, p)
	if err != nil {
		return policy.Policy{}, classify(err)
	}
	s.logger().InfoContext(ctx, "contact policy saved", "updated_at", saved.UpdatedAt)
	return saved, nil
}

// SavePolicyDocument is SavePolicy for a caller that built the document
// itself (the console's form): it is normalized and validated the same way.
func (s *Service) SavePolicyDocument(ctx context.Context, p policy.Policy) (policy.Policy, error) {
	p.Normalize()
	if err := p.Validate(); err != nil {
		return policy.Policy{}, err
	}
	saved, err := s.Store.SavePolicy(ctx, p)
	if err != nil {
		return policy.Policy{}, classify(err)
	}
	s.logger().InfoContext(ctx, "contact policy saved", "updated_at", saved.UpdatedAt)
	return saved, nil
}

// SMS keywords, as SPEC lists them.
var (
	optOutKeywords = []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
	optInKeywords  = []string{"START", "UNSTOP", "YES"}
)

// What an inbound SMS did.
const (
	InboundOptedOut = "opted_out"
	InboundOptedIn  = "opted_in"
	InboundIgnored  = "ignored"
)

// InboundSMS takes a message a customer texted to the contact center's
// number: a keyword (any case, spaces ignored) opts the sender out of SMS
// or back in; anything else is left alone. from is Twilio's From.
func (s *Service) InboundSMS(ctx context.Context, from, body string) (string, error) {
	if strings.TrimSpace(from) == "" {
		return "", validation.Errorf("From", "is required")
	}
	keyword := strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, body))
	var action string
	switch {
	case slices.Contains(optOutKeywords, keyword):
		action = InboundOptedOut
	case slices.Contains(optInKeywords, keyword):
		action = InboundOptedIn
	default:
		return InboundIgnored, nil
	}
	address, hash, err := normalizedAddress(policy.ChannelSMS, from)
	if err != nil {
		return "", validation.Errorf("From", "%q is not an E.164 phone number", from)
	}
	if action == InboundOptedOut {
		_, _, err = s.Store.AddSuppression(ctx, store.Suppression{Channel: policy.ChannelSMS, AddressHash: hash, Address: &address,
			Reason: "replied " + keyword, Source: store.SourceSMSKeyword})
	} else if err = s.Store.RemoveSuppression(ctx, policy.ChannelSMS, hash); errors.Is(err, store.ErrNotFound) {
		err = nil // not opted out: nothing to undo
	}
	if err != nil {
		return "", classify(err)
	}
	s.logger().InfoContext(ctx, "SMS keyword", "keyword", keyword, "action", action)
	return action, nil
}

// SMSStatus records a delivery status Twilio reported for a message; an
// unknown status is logged and ignored (Twilio adds statuses).
func (s *Service) SMSStatus(ctx context.Context, messageSID, status, errorCode string) error {
	switch {
	case messageSID == "":
		return validation.Errorf("MessageSid", "is required")
	case status == "":
		return validation.Errorf("MessageStatus", "is required")
	}
	known, err := s.Store.RecordSMSStatus(ctx, messageSID, status, errorCode)
	if err != nil {
		return classify(err)
	}
	if !known {
		s.logger().WarnContext(ctx, "unknown SMS status ignored", "message_sid", messageSID, "status", status)
		return nil
	}
	return s.tellRunOfStatus(ctx, workflows.DeliveryStatus{Status: status, ErrorCode: errorCode}, messageSID)
}

// tellRunOfStatus hands a final delivery status to the run that sent the
// message, found from the message's provider id in the store, for a
// send_sms step with fallback that waits for it. A message the store does
// not know as sent yet is no error: the send records it with the status
// it finds (store.MarkDelivered), and the two take turns under one lock,
// so one of them sees the other. A run that has ended needs nothing.
func (s *Service) tellRunOfStatus(ctx context.Context, st workflows.DeliveryStatus, messageSID string) error {
	if !st.Final() {
		return nil
	}
	d, err := s.Store.DeliveryByProviderID(ctx, messageSID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return classify(err)
	case d.WorkflowID == "":
		return nil
	}
	st.DeliveryID = d.Key
	err = s.Temporal.SignalWorkflow(ctx, d.WorkflowID, "", workflows.DeliveryStatusSignal, st)
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return nil
	case err != nil:
		return classify(fmt.Errorf("telling run %s of the delivery status of message %s: %w", d.WorkflowID, messageSID, err))
	}
	return nil
}

// ErrInvalidUnsubscribeLink: an unsubscribe link that is forged or mangled.
var ErrInvalidUnsubscribeLink = errors.New("unsubscribe link not valid")

// CheckUnsubscribeLink tells whether token is an unsubscribe link ccflow
// made, and for which channel.
func (s *Service) CheckUnsubscribeLink(ctx context.Context, token string) (string, error) {
	channel, _, err := s.unsubscribeTarget(ctx, token)
	return channel, err
}

// Unsubscribe opts the address an unsubscribe link names out of its
// channel at once (RFC 8058 one-click: no login, no confirmation). The
// link carries only the address's hash, so it works after the address
// itself was erased.
func (s *Service) Unsubscribe(ctx context.Context, token string) (string, error) {
	channel, hash, err := s.unsubscribeTarget(ctx, token)
	if err != nil {
		return "", err
	}
	if _, _, err := s.Store.AddSuppression(ctx, store.Suppression{Channel: channel, AddressHash: hash,
		Reason: "unsubscribe link", Source: store.SourceUnsubscribe}); err != nil {
		return "", classify(err)
	}
	s.logger().InfoContext(ctx, "unsubscribed through a link", "channel", channel)
	return channel, nil
}

func (s *Service) unsubscribeTarget(ctx context.Context, token string) (string, string, error) {
	id, err := s.Signer.Verify(token)
	if err == nil {
		var channel, hash string
		if channel, hash, err = policy.ParseUnsubscribeID(id); err == nil {
			return channel, hash, nil
		}
	}
	s.logger().InfoContext(ctx, "unsubscribe link refused", "reason", err.Error())
	return "", "", ErrInvalidUnsubscribeLink
}

// CustomerContactedAgain is what ingest does first with an ended
// interaction of a known customer: record it, then stop that customer's
// running follow-ups of entries with cancel_on_new_interaction. Each run
// gets CustomerContactedAgainSignal and ends at once, completed, saying
// "customer contacted again (<interaction>)"; even a run the signal does
// not reach sends nothing more, since its next send finds the recorded
// interaction. The runs come from PostgreSQL (runs.customer_id), not from
// Temporal's visibility. Calling it again for the same interaction is
// harmless.
func (s *Service) CustomerContactedAgain(ctx context.Context, ev interaction.Event) error {
	if ev.Customer == nil || ev.Customer.ID == "" {
		return nil
	}
	customer := ev.Customer.ID
	runs, err := s.Store.NewCustomerInteraction(ctx, customer, ev.InteractionID)
	if err != nil {
		return classify(err)
	}
	for _, r := range runs {
		err := s.Temporal.SignalWorkflow(ctx, r.WorkflowID, r.RunID, workflows.CustomerContactedAgainSignal,
			workflows.CustomerContactedAgain{InteractionID: ev.InteractionID})
		var notFound *serviceerror.NotFound
		switch {
		case errors.As(err, &notFound) && r.RunID == "":
			// A claim whose run has not started yet (or never will): it
			// stays listed, so a later interaction of the customer, or a
			// retry of this one, tells the run once it runs.
			continue
		case errors.As(err, &notFound):
			// The run has ended: nothing to stop.
		case err != nil:
			return classify(fmt.Errorf("telling run %s that customer %s contacted again: %w", r.WorkflowID, customer, err))
		default:
			s.logger().InfoContext(ctx, "stopping a follow-up: the customer contacted again",
				slog.String("workflow_id", r.WorkflowID), slog.String("interaction", ev.InteractionID))
		}
		if err := s.Store.MarkRunStopped(ctx, r.WorkflowID, ev.InteractionID); err != nil {
			return classify(err)
		}
	}
	return nil
}
