package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/workflows"
)

// metadataQuery is the query Temporal's Web UI reads a run's current
// details with.
const metadataQuery = "__temporal_workflow_metadata"

// currentDetails is what the Web UI shows as the run's current details.
func (h *harness) currentDetails() string {
	v, err := h.env.QueryWorkflow(metadataQuery)
	require.NoError(h.t, err)
	var md sdk.WorkflowMetadata
	require.NoError(h.t, v.Get(&md))
	return md.GetCurrentDetails()
}

// The customer's data the example event carries (see input).
var customerData = []string{"ada@example.com", "+15551234567", "15551234567", "Ada", "Lovelace"}

func requireNoCustomerData(t *testing.T, text string) {
	t.Helper()
	for _, pii := range customerData {
		require.NotContains(t, text, pii)
	}
}

func TestTheWebUIsCurrentDetailsShowAnHTTPRequestAsTheEntryWritesIt(t *testing.T) {
	h := newHarness(t)
	h.onHTTP(func(workflows.HTTPRequestInput, int32) (workflows.HTTPResponse, error) {
		return workflows.HTTPResponse{}, temporal.NewApplicationError("answered 503 Service Unavailable", workflows.ErrTypeHTTPStatus)
	})
	var state workflows.State
	var shown string
	h.at(500*time.Millisecond, func() { state, shown = h.state(), h.currentDetails() })

	_ = h.run(input(entry.Step{ID: "crm-lookup", Spec: &entry.HTTPRequest{Method: "POST", Connection: "crm",
		Path: "/customers/$(customer.id)/notes?email=$(customer.email)&name=$(customer.first_name)"}}))

	require.Equal(t, "calling POST connection crm /customers/C-77/notes?email=ada%40example.com&name=Ada (step crm-lookup)", state.Details,
		"the API, behind its token, shows the request as it goes")
	require.Equal(t, "calling POST connection crm /customers/$(customer.id)/notes?email=$(customer.email)&name=$(customer.first_name) (step crm-lookup)", shown)
	requireNoCustomerData(t, shown)
}

func TestTheWebUIsCurrentDetailsOfAFailedRunSayWhereNotWhy(t *testing.T) {
	h := newHarness(t)
	h.failures["thanks"] = []error{temporal.NewNonRetryableApplicationError("550 mailbox unavailable", "SMTPRejected", nil)}

	err := h.run(input(entry.Step{ID: "thanks", Spec: &entry.SendEmail{Subject: entry.Plain("Thanks"), Text: entry.Plain("Thanks, $(customer.first_name)")}}))

	require.ErrorContains(t, err, "sending email to ada@example.com: 550 mailbox unavailable", "the run's failure says why")
	state := h.state()
	require.Equal(t, `step "thanks" (send_email) failed: sending email to ada@example.com: 550 mailbox unavailable`, state.Details)
	shown := h.currentDetails()
	require.Equal(t, `step "thanks" (send_email) failed: the run's failure says why`, shown)
	requireNoCustomerData(t, shown)
}
