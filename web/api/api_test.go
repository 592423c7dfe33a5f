//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/api"
	"github.com/ccflow/ccflow/web/api/apitest"
)

// apiToken is the bearer token the test API requires.
const apiToken = "test-api-token"

// testAPI is the API's handler on a fresh database, the shared Temporal dev
// server and a task queue of the test's own.
type testAPI struct {
	t        *testing.T
	handler  http.Handler
	service  *usecase.Service
	store    *store.Store
	temporal client.Client
	signer   *tokens.Signer
	// keys are the link keys: unsubscribe links and address hashes.
	keys      *linkkeys.Keys
	taskQueue string
}

func newTestAPI(t *testing.T) *testAPI {
	return newTestAPIWith(t, testenv.Temporal(t))
}

// newTestAPIWith builds the API on tc, e.g. a client of a server that is down.
func newTestAPIWith(t *testing.T, tc client.Client) *testAPI {
	return newTestAPIOn(t, testenv.Store(t), tc)
}

// newTestAPIOn builds the API on st and tc.
func newTestAPIOn(t *testing.T, st *store.Store, tc client.Client) *testAPI {
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	a := &testAPI{t: t, store: st, temporal: tc, signer: tokens.NewSigner([]byte("0123456789abcdef0123456789abcdef")),
		keys: linkkeys.Must(linkSecret), taskQueue: testenv.TaskQueue(t)}
	a.service = &usecase.Service{Store: st, Temporal: tc, TaskQueue: a.taskQueue, Signer: a.signer, Keys: a.keys, Log: log}
	// Every exchange of every test is checked against openapi.yaml.
	a.handler = apitest.Load(t).Handler(t, api.New(api.Config{
		Service:         a.service,
		APIToken:        apiToken,
		PublicURL:       publicURL,
		TwilioAuthToken: twilioAuthToken,
		Log:             log,
	}))
	return a
}

// linkSecret is the test API's link secret (CCFLOW_SURVEY_SECRET).
var linkSecret = []byte("the test API's link secret, 32 bytes or more")

// publicURL and twilioAuthToken are the test API's CCFLOW_PUBLIC_URL and
// TWILIO_AUTH_TOKEN, which Twilio's webhook signatures are made with.
const (
	publicURL       = "https://ccflow.example.com"
	twilioAuthToken = "test-twilio-auth-token"
)

// unreachableTemporal is a client of a port nothing listens on.
func unreachableTemporal(t *testing.T) client.Client {
	c, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// do sends a request as it arrives from the network; header pairs follow
// the body.
func (a *testAPI) do(method, target, body string, header ...string) *httptest.ResponseRecorder {
	a.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	return rec
}

// call sends an authorized JSON request; body is marshalled unless it is
// already a string.
func (a *testAPI) call(method, target string, body any) *httptest.ResponseRecorder {
	a.t.Helper()
	var text string
	switch b := body.(type) {
	case nil:
	case string:
		text = b
	default:
		data, err := json.Marshal(b)
		require.NoError(a.t, err)
		text = string(data)
	}
	return a.do(method, target, text, "Authorization", "Bearer "+apiToken, "Content-Type", "application/json")
}

// apiError is the SPEC's error body.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
	Details []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"details"`
}

// requireError checks the status and returns the error body.
func requireError(t *testing.T, rec *httptest.ResponseRecorder, status int) apiError {
	t.Helper()
	require.Equal(t, status, rec.Code, rec.Body.String())
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var body struct {
		Error *apiError `json:"error"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
	require.NotNil(t, body.Error, rec.Body.String())
	require.NotEmpty(t, body.Error.Code)
	require.NotEmpty(t, body.Error.Message)
	return *body.Error
}

// decode checks the status and decodes the body.
func decode[T any](t *testing.T, rec *httptest.ResponseRecorder, status int) T {
	t.Helper()
	require.Equal(t, status, rec.Code, rec.Body.String())
	var v T
	require.NoError(t, json.NewDecoder(bytes.NewReader(rec.Body.Bytes())).Decode(&v), rec.Body.String())
	return v
}

// uniqueID is an interaction ID no earlier test run used: workflow IDs
// outlive the test's database on the shared Temporal server.
func uniqueID(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// terminateAtCleanup stops a run the test started, so it does not linger
// on the shared dev server.
func (a *testAPI) terminateAtCleanup(workflowID string) {
	a.t.Cleanup(func() {
		_ = a.temporal.TerminateWorkflow(context.Background(), workflowID, "", "test finished")
	})
}
