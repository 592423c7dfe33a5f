package usecase

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.temporal.io/api/serviceerror"

	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// maxCustomerID is the longest customer id: an event's customer.id is at
// most this long, so no longer one can name a customer ccflow knows.
const maxCustomerID = 200

// erasureBy is who a run canceled for an erasure says canceled it.
const erasureBy = "customer data erasure"

// CustomerErasure says what erasing a customer's data did.
type CustomerErasure struct {
	CustomerID string `json:"customer_id"`
	// RunsCanceled are the customer's runs that were still running and
	// were canceled, so nothing more is sent to them.
	RunsCanceled int `json:"runs_canceled"`
	// What was deleted or cleared in PostgreSQL, by kind.
	Deliveries           int64 `json:"deliveries"`
	SMSStatuses          int64 `json:"sms_statuses"`
	Surveys              int64 `json:"surveys"`
	SurveyAnswers        int64 `json:"survey_answers"`
	CustomerInteractions int64 `json:"customer_interactions"`
	// SuppressionsAnonymized are opt-outs of the customer's addresses kept
	// as the hash alone, address and reason cleared.
	SuppressionsAnonymized int64 `json:"suppressions_anonymized"`
	// RunsUnlinked are run records whose customer id was cleared.
	RunsUnlinked int64 `json:"runs_unlinked"`
	// WebhookEvents are webhook events that held the customer's data,
	// deleted with their deliveries: those not yet delivered never are.
	WebhookEvents int64 `json:"webhook_events"`
	// InboundMessages are SMS the customer sent from a number ccflow sent
	// to for them, deleted.
	InboundMessages int64 `json:"inbound_messages"`
	// PostedEvents are events posted to the customer's runs, with their
	// data.
	PostedEvents int64 `json:"posted_events"`
	// RecordedInteractions are the customer's ended interactions kept for
	// simulations.
	RecordedInteractions int64 `json:"recorded_interactions"`
}

// setErased puts what the store erased in e.
func (e *CustomerErasure) setErased(by store.Erased) {
	e.Deliveries, e.SMSStatuses, e.Surveys, e.SurveyAnswers = by.Deliveries, by.SMSStatuses, by.Surveys, by.SurveyAnswers
	e.CustomerInteractions, e.SuppressionsAnonymized, e.RunsUnlinked = by.CustomerInteractions, by.SuppressionsAnonymized, by.RunsUnlinked
	e.WebhookEvents, e.InboundMessages, e.PostedEvents = by.WebhookEvents, by.InboundMessages, by.PostedEvents
	e.RecordedInteractions = by.RecordedInteractions
}

// EraseCustomer erases what ccflow stores about the customer with
// customerID (the events' customer.id): it cancels their runs still
// running, so nothing more is sent to them, then erases, in one
// transaction, their deliveries, surveys and answers, interactions, the
// addresses and reasons of their opt-outs (which stay, as the address's
// hash) and the customer id of their run records (store.EraseCustomer).
//
// It is idempotent: erasing a customer ccflow does not know, or again,
// erases nothing and is no error. When Temporal cannot be reached nothing
// is erased (an UnavailableError), so the caller retries. What it cannot
// erase: Temporal's histories of the customer's runs, until the
// namespace's retention removes them (their payloads encrypted when
// CCFLOW_PAYLOAD_KEYS is set), and what providers keep (SMTP and Twilio
// logs). A run canceled at this moment may still record the send it was
// making: erasing again removes it.
func (s *Service) EraseCustomer(ctx context.Context, customerID string) (CustomerErasure, error) {
	if customerID == "" {
		return CustomerErasure{}, validation.Errorf("customer_id", "is required")
	}
	if err := validation.Line(maxCustomerID).Check("customer_id", customerID); err != nil {
		return CustomerErasure{}, err
	}
	res := CustomerErasure{CustomerID: customerID}
	runs, err := s.Store.CustomerRuns(ctx, customerID)
	if err != nil {
		return res, classify(err)
	}
	for _, workflowID := range runs {
		canceled, err := s.cancelForErasure(ctx, workflowID)
		if err != nil {
			return CustomerErasure{CustomerID: customerID}, err
		}
		if canceled {
			res.RunsCanceled++
		}
	}
	erased, err := s.Store.EraseCustomer(ctx, customerID)
	if err != nil {
		return CustomerErasure{CustomerID: customerID}, classify(err)
	}
	res.setErased(erased)
	// The customer id is the contact center's own, not a name or address.
	s.logger().InfoContext(ctx, "erased a customer's data", slog.String("customer_id", customerID),
		slog.Int("runs_canceled", res.RunsCanceled), slog.Int64("deliveries", res.Deliveries),
		slog.Int64("surveys", res.Surveys), slog.Int64("customer_interactions", res.CustomerInteractions),
		slog.Int64("suppressions_anonymized", res.SuppressionsAnonymized), slog.Int64("runs_unlinked", res.RunsUnlinked))
	return res, nil
}

// cancelForErasure cancels the run if it is still running and says
// whether it was; a run that has ended, or that Temporal no longer holds,
// is left be.
func (s *Service) cancelForErasure(ctx context.Context, workflowID string) (bool, error) {
	err := RequestCancel(ctx, s.Temporal, workflowID, "", workflows.CancelRequest{By: erasureBy,
		Reason: "the customer's data was erased"})
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
		return false, nil
	case err != nil:
		return false, classify(fmt.Errorf("canceling run %s before erasing its customer's data: %w", workflowID, err))
	}
	return true, nil
}
