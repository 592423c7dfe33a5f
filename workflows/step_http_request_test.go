package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/workflows"
)

// httpCalls records the requests of a run's http_request steps.
type httpCalls struct {
	inputs []workflows.HTTPRequestInput
	// timeouts are the start-to-close timeouts the attempts ran with.
	timeouts []time.Duration
}

// onHTTP answers the run's http_request steps: answer gets the input and
// the attempt (1 for the first).
func (h *harness) onHTTP(answer func(in workflows.HTTPRequestInput, attempt int32) (workflows.HTTPResponse, error)) *httpCalls {
	calls := &httpCalls{}
	h.env.OnActivity(workflows.HTTPRequestActivity, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in workflows.HTTPRequestInput) (workflows.HTTPResponse, error) {
			info := activity.GetInfo(ctx)
			calls.inputs = append(calls.inputs, in)
			// The test environment sets the deadline from the wall clock.
			calls.timeouts = append(calls.timeouts, info.Deadline.Sub(info.StartedTime).Round(time.Second))
			return answer(in, info.Attempt)
		})
	return calls
}

// customer is a CRM's JSON answer as the activity decodes it.
var customer = workflows.HTTPResponse{
	Status:  200,
	Headers: map[string]string{"content-type": "application/json", "etag": `"v7"`},
	Body:    map[string]any{"id": "C-77", "tier": "gold", "agent": map[string]any{"name": "Grace"}, "open_orders": 2.0},
}

func TestHTTPRequestSavesTheAnswerForTemplatesAndConditions(t *testing.T) {
	h := newHarness(t)
	calls := h.onHTTP(func(workflows.HTTPRequestInput, int32) (workflows.HTTPResponse, error) { return customer, nil })

	st := h.complete(input(
		entry.Step{ID: "crm-lookup", Spec: &entry.HTTPRequest{Connection: "crm", Path: "/customers/$(customer.id)", SaveAs: "crm"}},
		entry.Step{ID: "vip", Spec: &entry.If{Condition: "crm.status == 200 && crm.body.tier == 'gold' && crm.body.open_orders > 1",
			Then: []entry.Step{{ID: "vip-sms", Spec: &entry.SendSMS{Text: entry.Plain("Hi $(customer.first_name), $(crm.body.agent.name) will call you.")}}}}},
	))

	require.Equal(t, []workflows.HTTPRequestInput{{StepID: "crm-lookup", IdempotencyKey: workflowID + "/crm-lookup",
		Method: "GET", Connection: "crm", Path: "/customers/C-77", Timeout: 10 * time.Second}}, calls.inputs)
	require.Len(t, h.sms, 1)
	require.Equal(t, "Hi Ada, Grace will call you.", h.sms[0].Text)
	require.EqualValues(t, 200, st.Variables["crm.status"])
	require.Equal(t, customer.Body, st.Variables["crm.body"])
	require.Equal(t, map[string]any{"content-type": "application/json", "etag": `"v7"`}, st.Variables["crm.headers"])
}

func TestHTTPRequestHeadersAreReachable(t *testing.T) {
	h := newHarness(t)
	h.onHTTP(func(workflows.HTTPRequestInput, int32) (workflows.HTTPResponse, error) { return customer, nil })

	st := h.complete(input(
		entry.Step{Spec: &entry.HTTPRequest{URL: "https://api.example.com/customers", SaveAs: "reply"}},
		entry.Step{Spec: &entry.If{Condition: "reply.headers['content-type'] == 'application/json'",
			Then: []entry.Step{{Spec: &entry.SetVariable{Name: "version", Value: "$(reply.headers.etag)"}}}}},
	))

	require.Equal(t, `"v7"`, st.Variables["version"])
}

func TestHTTPRequestRendersItsFields(t *testing.T) {
	h := newHarness(t)
	calls := h.onHTTP(func(workflows.HTTPRequestInput, int32) (workflows.HTTPResponse, error) {
		return workflows.HTTPResponse{Status: 204}, nil
	})

	st := h.complete(input(entry.Step{ID: "notify", Spec: &entry.HTTPRequest{Method: "POST",
		URL:     "https://hooks.example.com/orders/$(order_id)?agent=$(agent.id)",
		Headers: map[string]string{"X-Interaction": "$(interaction.id)", "Content-Type": "application/json"},
		Body:    `{"customer": "$(customer.id)", "disposition": "$(interaction.disposition)"}`,
		Timeout: "30s"}}))

	require.Equal(t, []workflows.HTTPRequestInput{{StepID: "notify", IdempotencyKey: workflowID + "/notify", Method: "POST",
		URL:     "https://hooks.example.com/orders/A-17?agent=A-7",
		Headers: map[string]string{"X-Interaction": "INT-1001", "Content-Type": "application/json"},
		Body:    `{"customer": "C-77", "disposition": "Problem solved"}`, Timeout: 30 * time.Second}}, calls.inputs)
	require.Equal(t, []time.Duration{35 * time.Second}, calls.timeouts, "the activity gets the request's timeout and a margin")
	require.NotContains(t, st.Variables, "notify.status", "nothing is saved without save_as")
}

func TestHTTPRequestIsRetriedAndSaysWhatItCalls(t *testing.T) {
	h := newHarness(t)
	calls := h.onHTTP(func(_ workflows.HTTPRequestInput, attempt int32) (workflows.HTTPResponse, error) {
		if attempt == 1 {
			return workflows.HTTPResponse{}, temporal.NewApplicationError("answered 503 Service Unavailable", workflows.ErrTypeHTTPStatus)
		}
		return customer, nil
	})
	var during workflows.State
	h.at(500*time.Millisecond, func() { during = h.state() })

	h.complete(input(entry.Step{ID: "crm-lookup", Spec: &entry.HTTPRequest{Method: "PATCH", Connection: "crm", Path: "/customers/C-77"}}))

	require.Len(t, calls.inputs, 2)
	require.Equal(t, "crm-lookup", during.CurrentStep)
	require.Equal(t, "calling PATCH connection crm /customers/C-77 (step crm-lookup)", during.Details)
}

func TestHTTPRequestFailuresRunOnError(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		attempts int
		message  string
	}{
		{"a 4xx answer at once",
			temporal.NewNonRetryableApplicationError(`answered 404 Not Found: {"error": "no such order"}`, workflows.ErrTypeHTTPStatus, nil, 404),
			1, `calling POST https://api.example.com/orders/A-17: answered 404 Not Found: {"error": "no such order"}`},
		{"a refused address at once",
			temporal.NewNonRetryableApplicationError("address 10.0.0.7 is private (10.0.0.0/8): external requests may not reach internal addresses", workflows.ErrTypeAddressBlocked, nil),
			1, "calling POST https://api.example.com/orders/A-17: address 10.0.0.7 is private (10.0.0.0/8): external requests may not reach internal addresses"},
		{"a 5xx answer after five attempts",
			temporal.NewApplicationError("answered 502 Bad Gateway", workflows.ErrTypeHTTPStatus),
			5, "calling POST https://api.example.com/orders/A-17: answered 502 Bad Gateway"},
		{"a network error after five attempts",
			errors.New("dial tcp: connection refused"),
			5, "calling POST https://api.example.com/orders/A-17: dial tcp: connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			calls := h.onHTTP(func(workflows.HTTPRequestInput, int32) (workflows.HTTPResponse, error) {
				return workflows.HTTPResponse{}, tt.err
			})

			st := h.complete(input(
				entry.Step{ID: "order-hook", Spec: &entry.HTTPRequest{Method: "POST", URL: "https://api.example.com/orders/$(order_id)",
					SaveAs: "hook"}, OnError: tellOps},
				entry.Step{ID: "after", Spec: &entry.SetVariable{Name: "went_on", Value: "yes"}},
			))

			require.Len(t, calls.inputs, tt.attempts)
			require.Len(t, h.emails, 1)
			require.Equal(t, "Follow-up failed at order-hook", h.emails[0].Subject)
			require.Equal(t, tt.message, h.emails[0].Text)
			require.Equal(t, "order-hook", st.Variables["error.step"])
			require.NotContains(t, st.Variables, "hook.status")
			require.Equal(t, "yes", st.Variables["went_on"])
		})
	}
}

func TestHTTPRequestFailureWithoutOnErrorFailsTheRun(t *testing.T) {
	h := newHarness(t)
	h.onHTTP(func(workflows.HTTPRequestInput, int32) (workflows.HTTPResponse, error) {
		return workflows.HTTPResponse{}, temporal.NewNonRetryableApplicationError("answered 401 Unauthorized", workflows.ErrTypeHTTPStatus, nil)
	})

	err := h.run(input(entry.Step{ID: "crm-lookup", Spec: &entry.HTTPRequest{Connection: "crm"}}))

	requireApplicationError(t, err, workflows.ErrStepFailed,
		`step "crm-lookup" (http_request) failed: calling GET connection crm: answered 401 Unauthorized`)
}

func TestHTTPRequestWithAnUndefinedVariableIsNotMade(t *testing.T) {
	h := newHarness(t)
	calls := h.onHTTP(func(workflows.HTTPRequestInput, int32) (workflows.HTTPResponse, error) { return customer, nil })

	err := h.run(input(entry.Step{ID: "crm-lookup", Spec: &entry.HTTPRequest{Connection: "crm",
		Headers: map[string]string{"X-B": "$(interaction.id)", "X-A": "$(invoice_id)"}}}))

	requireApplicationError(t, err, workflows.ErrStepFailed,
		`step "crm-lookup" (http_request) failed: headers.X-A: $(invoice_id) is not defined`)
	require.Empty(t, calls.inputs)
}

// Values a customer controls are escaped for where they land: a path
// segment stays one segment of the connection's API, a survey comment
// cannot add keys to a JSON body, a header value stays on its line.
func TestHTTPRequestEscapesValuesByWhereTheyLand(t *testing.T) {
	h := newHarness(t)
	calls := h.onHTTP(func(workflows.HTTPRequestInput, int32) (workflows.HTTPResponse, error) {
		return workflows.HTTPResponse{Status: 204}, nil
	})
	in := input(
		entry.Step{ID: "set-comment", Spec: &entry.SetVariable{Name: "comment", Value: `fine", "refund": true, "x": "`}},
		entry.Step{ID: "crm-update", Spec: &entry.HTTPRequest{Method: "POST", Connection: "crm",
			Path:    "/customers/$(customer.id)/notes?by=$(agent.name)",
			Headers: map[string]string{"X-Customer": "$(customer.id)"},
			Body:    `{"customer": "$(customer.id)", "comment": "$(comment)", "score": $(entry.version)}`}},
	)
	in.Event.Customer.ID = "7/admin/delete-all?confirm=yes#"
	in.Event.Agent.Name = "Sam & Co"

	h.complete(in)

	require.Len(t, calls.inputs, 1)
	got := calls.inputs[0]
	require.Equal(t, "/customers/7%2Fadmin%2Fdelete-all%3Fconfirm=yes%23/notes?by=Sam+%26+Co", got.Path)
	require.Equal(t, `{"customer": "7/admin/delete-all?confirm=yes#", "comment": "fine\", \"refund\": true, \"x\": \"", "score": 3}`, got.Body)
	require.Equal(t, map[string]string{"X-Customer": "7/admin/delete-all?confirm=yes#"}, got.Headers)
}
