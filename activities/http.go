package activities

import (
	"context"
	"errors"
	"net/url"
	"sync"

	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/providers/connections"
	"github.com/ccflow/ccflow/providers/httpcall"
	"github.com/ccflow/ccflow/providers/netguard"
	"github.com/ccflow/ccflow/workflows"
)

// HTTPClient makes the requests of http_request steps; *httpcall.Client is
// the one the worker uses.
type HTTPClient interface {
	Do(ctx context.Context, r httpcall.Request) (httpcall.Response, error)
}

// defaultHTTP serves Activities without an HTTP client of their own.
var defaultHTTP = sync.OnceValue(func() *httpcall.Client {
	return httpcall.New(netguard.New(), connections.Set{})
})

// HTTPRequest makes the request of an http_request step. External requests
// only reach the addresses the guard allows; requests through a connection
// carry its credentials and stay on its host. A non-2xx answer is a
// workflows.ErrTypeHTTPStatus error, retryable for 5xx, 408 and 429;
// network errors and timeouts are retried; every other failure is final.
func (a *Activities) HTTPRequest(ctx context.Context, in workflows.HTTPRequestInput) (workflows.HTTPResponse, error) {
	client := a.HTTP
	if client == nil {
		client = defaultHTTP()
	}
	log := a.logger(ctx)
	// The target is logged without its path and query, which an entry
	// fills with the customer's data ("/customers/$(customer.email)").
	log.Info("HTTP request", "step", in.StepID, "method", in.Method, "target", loggedTarget(in))
	resp, err := client.Do(ctx, httpcall.Request{
		Method:         in.Method,
		URL:            in.URL,
		Connection:     in.Connection,
		Path:           in.Path,
		Headers:        in.Headers,
		Body:           in.Body,
		IdempotencyKey: in.IdempotencyKey,
		Timeout:        in.Timeout,
	})
	if err != nil {
		if status, ok := errors.AsType[*httpcall.StatusError](err); ok {
			log.Info("HTTP response", "step", in.StepID, "status", status.Code)
		}
		return workflows.HTTPResponse{}, httpError(err)
	}
	log.Info("HTTP response", "step", in.StepID, "status", resp.Status)
	return workflows.HTTPResponse{Status: resp.Status, Headers: resp.Headers, Body: resp.Body}, nil
}

// httpError turns a failed request into the error Temporal sees: the
// failures retrying cannot cure become non-retryable errors of the types
// workflows.ErrType* name, a status error says whether it may be retried
// and carries the status as its detail, and any other error is retried.
func httpError(err error) error {
	if invalid, ok := errors.AsType[*httpcall.InvalidRequestError](err); ok {
		return invalidInput(invalid.Error())
	}
	if unknown, ok := errors.AsType[*httpcall.UnknownConnectionError](err); ok {
		return temporal.NewNonRetryableApplicationError(unknown.Error(), workflows.ErrTypeUnknownConnection, nil)
	}
	if status, ok := errors.AsType[*httpcall.StatusError](err); ok {
		// The details (payloads, sealed with CCFLOW_PAYLOAD_KEYS) carry the
		// status and the start of the answer's body; the message, which the
		// worker logs, only the status.
		if !status.Retryable() {
			return temporal.NewNonRetryableApplicationError(status.Error(), workflows.ErrTypeHTTPStatus, nil, status.Code, status.Excerpt)
		}
		return temporal.NewApplicationErrorWithOptions(status.Error(), workflows.ErrTypeHTTPStatus, temporal.ApplicationErrorOptions{
			Details:        []any{status.Code, status.Excerpt},
			NextRetryDelay: status.RetryAfter,
		})
	}
	if blocked, ok := errors.AsType[*netguard.BlockedError](err); ok {
		return temporal.NewNonRetryableApplicationError(blocked.Error(), workflows.ErrTypeAddressBlocked, nil)
	}
	switch {
	case errors.Is(err, httpcall.ErrTooManyRedirects), errors.Is(err, httpcall.ErrRedirectOffHost):
		return temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeRedirectRefused, nil)
	case errors.Is(err, httpcall.ErrResponseTooLarge):
		return temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeResponseTooLarge, nil)
	}
	return err
}

// loggedTarget is where an http_request step's request goes, as the log
// shows it: the connection's name, or the URL's scheme and host.
func loggedTarget(in workflows.HTTPRequestInput) string {
	if in.Connection != "" {
		return "connection " + in.Connection
	}
	u, err := url.Parse(in.URL)
	if err != nil || u.Host == "" {
		return "an invalid URL"
	}
	return u.Scheme + "://" + u.Host
}
