//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/store"
)

// erasure is the answer of DELETE /v1/customers/{id}.
type erasure struct {
	CustomerID             string `json:"customer_id"`
	RunsCanceled           int    `json:"runs_canceled"`
	Deliveries             int    `json:"deliveries"`
	SMSStatuses            int    `json:"sms_statuses"`
	Surveys                int    `json:"surveys"`
	SurveyAnswers          int    `json:"survey_answers"`
	CustomerInteractions   int    `json:"customer_interactions"`
	SuppressionsAnonymized int    `json:"suppressions_anonymized"`
	RunsUnlinked           int    `json:"runs_unlinked"`
}

func TestDeleteCustomerErasesAndSaysWhat(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	// A customer id may hold a "/": escaped, it stays one path segment.
	require.NoError(t, a.store.RecordRun(ctx, store.Run{WorkflowID: "e/INT-gone", RunID: "r", EntryID: "e", EntryVersion: 1,
		InteractionID: "INT-gone", Trigger: "disposition", CustomerID: "7/admin"}))
	require.NoError(t, a.store.RecordCustomerInteraction(ctx, "7/admin", "INT-gone"))

	got := decode[erasure](t, a.call(http.MethodDelete, "/v1/customers/7%2Fadmin", nil), http.StatusOK)

	require.Equal(t, erasure{CustomerID: "7/admin", CustomerInteractions: 1, RunsUnlinked: 1}, got,
		"the run record's workflow is unknown to Temporal: nothing to cancel")
	again := decode[erasure](t, a.call(http.MethodDelete, "/v1/customers/7%2Fadmin", nil), http.StatusOK)
	require.Equal(t, erasure{CustomerID: "7/admin"}, again, "idempotent: erasing nothing is 200 with zeros, never 404")
}

func TestDeleteCustomerNeedsTheTokenAndAnIDAnEventCouldCarry(t *testing.T) {
	a := newTestAPI(t)

	requireError(t, a.do(http.MethodDelete, "/v1/customers/C-77", ""), http.StatusUnauthorized)
	e := requireError(t, a.call(http.MethodDelete, "/v1/customers/C-%00", nil), http.StatusBadRequest)
	require.Equal(t, "customer_id", e.Field)
	require.Contains(t, e.Message, "control character")
}
