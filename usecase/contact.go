package usecase

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.temporal.io/api/serviceerror"

	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/keywords"
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
type Suppression struct {
	Channel string `json:"channel"`
	// AddressHash is what identifies the address for good: it stays when
	// the address itself is erased.
	AddressHash string `json:"address_hash"`
	// Address is nil once retention or an erasure has cleared it.
	Address   *string   `json:"address"`
	Reason    string    `json:"reason"`
	Source    string    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
}

// suppressionOf is the opt-out the store recorded, as callers see it.
func suppressionOf(sup store.Suppression) Suppression {
	return Suppression{Channel: sup.Channel, AddressHash: sup.AddressHash, Address: sup.Address,
		Reason: sup.Reason, Source: sup.Source, CreatedAt: sup.CreatedAt}
}

// SuppressionRequest asks to opt an address out of a channel.
type SuppressionRequest struct {
	Channel string `json:"channel"`
	Address string `json:"address"`
	Reason  string `json:"reason"`
}

// normalizedAddress checks a channel and address from a caller, naming the
// field at fault, and returns the address normalized.
func normalizedAddress(channel, address string) (string, error) {
	if channel != policy.ChannelEmail && channel != policy.ChannelSMS {
		return "", validation.Errorf("channel", "%q is not a channel (use email or sms)", channel)
	}
	n, err := policy.NormalizeAddress(channel, address)
	if err != nil {
		return "", validation.Errorf("address", "%v", err)
	}
	return n, nil
}

// Suppressions lists opt-outs, newest first: all of them, those of one
// channel, or (with an address) that address's on one channel.
func (s *Service) Suppressions(ctx context.Context, channel, address string) ([]Suppression, error) {
	if channel != "" && channel != policy.ChannelEmail && channel != policy.ChannelSMS {
		return nil, validation.Errorf("channel", "%q is not a channel (use email or sms)", channel)
	}
	var hashes []string
	if address != "" {
		if channel == "" {
			return nil, validation.Errorf("channel", "is required with an address (email or sms)")
		}
		n, err := normalizedAddress(channel, address)
		if err != nil {
			return nil, err
		}
		hashes = s.keys().Addresses.Forms(n)
	}
	list, err := s.Store.Suppressions(ctx, channel, hashes, maxSuppressionList)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]Suppression, len(list))
	for i, sup := range list {
		out[i] = suppressionOf(sup)
	}
	return out, nil
}

// AddSuppression opts an address out of a channel; source says who asked
// (SuppressionFromAPI, SuppressionFromConsole). It reports whether the opt-out is
// new: one that exists already is kept as it was.
func (s *Service) AddSuppression(ctx context.Context, req SuppressionRequest, source string) (Suppression, bool, error) {
	address, err := normalizedAddress(req.Channel, req.Address)
	if err != nil {
		return Suppression{}, false, err
	}
	hash := s.keys().Addresses.Hash(address)
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
	return suppressionOf(sup), created, nil
}

// RemoveSuppression opts an address back in; ErrNotFound when it was not
// opted out.
func (s *Service) RemoveSuppression(ctx context.Context, channel, address string) error {
	n, err := normalizedAddress(channel, address)
	if err != nil {
		return err
	}
	if err := s.Store.RemoveSuppression(ctx, channel, s.keys().Addresses.Forms(n)); err != nil {
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

// What an inbound SMS did.
const (
	InboundOptedOut = store.InboundOptedOut
	InboundOptedIn  = store.InboundOptedIn
	// InboundKept: not a keyword; kept for an operator to read.
	InboundKept = store.InboundKept
)

// maxInboundBody bounds the text of an inbound SMS kept: Twilio joins a
// long message's segments, 1,600 characters at most.
const maxInboundBody = 1600

// InboundSMSRequest is a message a customer texted to the contact
// center's number, as Twilio posts it.
type InboundSMSRequest struct {
	// MessageSID is Twilio's MessageSid: the message is handled once by it.
	MessageSID string
	// IdempotencyToken is Twilio's I-Twilio-Idempotency-Token header, ""
	// when the post had none.
	IdempotencyToken string
	From, To, Body   string
}

// InboundSMSResult says what the message did.
type InboundSMSResult struct {
	// Action is InboundOptedOut, InboundOptedIn or InboundKept, or for a
	// survey's reply InboundAnswered, InboundUnclear or InboundReceived.
	Action string
	// Repeated is true when the message had been handled before (Twilio
	// posted it again, or a post was replayed): nothing changed.
	Repeated bool
}

// InboundSMS takes a message a customer texted to the contact center's
// number, once per MessageSid (and idempotency token) however often it is
// posted: an opt-out keyword or phrase (keywords.Classify: "STOP", "Stop.",
// "ＳＴＯＰ", "opt out", …) opts the sender out of SMS, an opt-in keyword
// back in, and the message and what it did are recorded in one
// transaction. Any other message from a number a survey answered by reply
// went to is read as its reply (replyOrKeep: the answer, or a request for
// the clarifying SMS); else it is kept for an operator to read.
func (s *Service) InboundSMS(ctx context.Context, req InboundSMSRequest) (InboundSMSResult, error) {
	switch {
	case strings.TrimSpace(req.MessageSID) == "":
		return InboundSMSResult{}, validation.Errorf("MessageSid", "is required")
	case strings.TrimSpace(req.From) == "":
		return InboundSMSResult{}, validation.Errorf("From", "is required")
	}
	if err := validation.Line(64).Check("MessageSid", req.MessageSID); err != nil {
		return InboundSMSResult{}, err
	}
	if err := validation.Line(128).Check("I-Twilio-Idempotency-Token", req.IdempotencyToken); err != nil {
		return InboundSMSResult{}, err
	}
	address, err := policy.NormalizeAddress(policy.ChannelSMS, req.From)
	if err != nil {
		return InboundSMSResult{}, validation.Errorf("From", "is not an E.164 phone number")
	}
	body := strings.ToValidUTF8(strings.ReplaceAll(req.Body, "\x00", ""), "\uFFFD")
	if utf8.RuneCountInString(body) > maxInboundBody {
		body = string([]rune(body)[:maxInboundBody])
	}
	reading := keywords.Classify(body)
	hasher := s.keys().Addresses
	m := store.InboundMessage{MessageSID: req.MessageSID, Channel: policy.ChannelSMS, FromHash: hasher.Hash(address),
		From: &address, To: strings.TrimSpace(req.To), Body: &body, Keyword: reading.Keyword}
	if req.IdempotencyToken != "" {
		m.IdempotencyToken = &req.IdempotencyToken
	}
	var effect store.InboundEffect
	switch reading.Action {
	case keywords.OptOut:
		m.Action = InboundOptedOut
		effect.OptOut = &store.Suppression{Channel: policy.ChannelSMS, AddressHash: m.FromHash, Address: &address,
			Reason: "replied " + reading.Keyword, Source: store.SourceSMSKeyword}
	case keywords.OptIn:
		m.Action = InboundOptedIn
		effect.OptIn = hasher.Forms(address)
	default:
		// Not a keyword: a survey's answer by reply, or kept for an
		// operator (keywords win, so STOP never answers a survey).
		return s.replyOrKeep(ctx, m, address)
	}
	got, fresh, err := s.Store.HandleInbound(ctx, m, effect)
	if err != nil {
		return InboundSMSResult{}, classify(err)
	}
	if !fresh {
		s.logger().InfoContext(ctx, "inbound SMS handled before; nothing changed", "message_sid", got.MessageSID, "action", got.Action)
		return InboundSMSResult{Action: got.Action, Repeated: true}, nil
	}
	s.logger().InfoContext(ctx, "inbound SMS", "message_sid", m.MessageSID, "action", m.Action, "keyword", m.Keyword)
	return InboundSMSResult{Action: m.Action}, nil
}

// InboundMessages lists the SMS customers sent since since (at most
// maxSuppressionList), newest first: only those kept for an operator to
// read when keptOnly.
func (s *Service) InboundMessages(ctx context.Context, since time.Time, keptOnly bool) ([]InboundMessage, error) {
	list, err := s.Store.InboundMessages(ctx, since, keptOnly, maxSuppressionList)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]InboundMessage, len(list))
	for i, m := range list {
		out[i] = InboundMessage{MessageSID: m.MessageSID, Channel: m.Channel, From: m.From, To: m.To, Body: m.Body,
			Action: m.Action, Keyword: m.Keyword, SurveyID: m.SurveyID, ReceivedAt: m.ReceivedAt}
	}
	return out, nil
}

// InboundMessage is an SMS a customer sent, as an operator reads it.
type InboundMessage struct {
	// MessageSID is Twilio's MessageSid.
	MessageSID string `json:"message_sid"`
	Channel    string `json:"channel"`
	// From is the sender's number, nil once their data was erased; To the
	// number it was sent to.
	From *string `json:"from"`
	To   string  `json:"to"`
	// Body is the text, nil once erased.
	Body *string `json:"body"`
	// Action is InboundOptedOut, InboundOptedIn or InboundKept; Keyword the
	// keyword read ("STOP", "OPT OUT"), "" when kept.
	Action  string `json:"action"`
	Keyword string `json:"keyword"`
	// SurveyID is the survey the message answers, when it does.
	SurveyID   *string   `json:"survey_id"`
	ReceivedAt time.Time `json:"received_at"`
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
// link carries only the keyed hash of the address, so it works after the
// address itself was erased; where ccflow still knows the address (a
// delivery to it is kept), the opt-out records it, so the administrator
// sees whose it is.
func (s *Service) Unsubscribe(ctx context.Context, token string) (string, error) {
	channel, hash, err := s.unsubscribeTarget(ctx, token)
	if err != nil {
		return "", err
	}
	sup := store.Suppression{Channel: channel, AddressHash: hash, Reason: "unsubscribe link", Source: store.SourceUnsubscribe}
	recipient, known, err := s.Store.RecipientByHash(ctx, channel, hash)
	if err != nil {
		return "", classify(err)
	}
	if known {
		address := recipient
		if n, err := policy.NormalizeAddress(channel, recipient); err == nil {
			address = n
		}
		// A link of before the keys names the legacy form: the address
		// found, the opt-out is kept under its keyed hash.
		sup.Address, sup.AddressHash = &address, s.keys().Addresses.Hash(address)
	}
	if _, _, err := s.Store.AddSuppression(ctx, sup); err != nil {
		return "", classify(err)
	}
	s.logger().InfoContext(ctx, "unsubscribed through a link", "channel", channel, "address_known", known)
	return channel, nil
}

// unsubscribeTarget reads the channel and the hash an unsubscribe link
// names: the keyed hash, or for a link of before the keys (which carries
// the unkeyed hash) its keyed legacy form.
func (s *Service) unsubscribeTarget(ctx context.Context, token string) (string, string, error) {
	id, err := s.keys().Unsubscribe.Verify(token)
	if err == nil {
		var u policy.Unsubscribe
		if u, err = policy.ParseUnsubscribeID(id); err == nil {
			if u.Legacy != "" {
				return u.Channel, s.keys().Addresses.LegacyForm(u.Legacy), nil
			}
			return u.Channel, u.Hash, nil
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
	runs, err := s.Store.NewCustomerInteraction(ctx, ev.Customer.ID, ev.InteractionID)
	if err != nil {
		return classify(err)
	}
	return s.stopEarlierRuns(ctx, ev, runs)
}

// stopEarlierRuns tells each of runs, the customer's earlier follow-ups
// that ev's interaction ends (NewCustomerInteraction), that the customer
// contacted again, and marks it stopped.
func (s *Service) stopEarlierRuns(ctx context.Context, ev interaction.Event, runs []store.Run) error {
	customer := customerID(ev)
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
