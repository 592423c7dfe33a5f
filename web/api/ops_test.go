//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/buildinfo"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/etag"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/telemetry"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/api"
	"github.com/ccflow/ccflow/web/api/apitest"
	"github.com/ccflow/ccflow/web/requestid"
)

func TestEntriesCarryTheirETag(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	created := a.call(http.MethodPost, "/v1/entries", surveyEntry("Post-call survey"))
	read := a.call(http.MethodGet, "/v1/entries/post-call-survey", nil)
	updated := a.call(http.MethodPut, "/v1/entries/post-call-survey", surveyEntry("Post-call survey"))
	old := a.call(http.MethodGet, "/v1/entries/post-call-survey?version=1", nil)

	require.Equal(t, etag.Entry("post-call-survey", 1), created.Header().Get("ETag"))
	require.Equal(t, etag.Entry("post-call-survey", 1), read.Header().Get("ETag"))
	require.Equal(t, etag.Entry("post-call-survey", 2), updated.Header().Get("ETag"))
	require.Equal(t, etag.Entry("post-call-survey", 1), old.Header().Get("ETag"))
}

func TestIfMatchKeepsAStaleWriteFromOverwritingAChange(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))
	v1 := etag.Entry("post-call-survey", 1)
	body := func(service string) string {
		e := surveyEntry("Post-call survey")
		e["service"] = service
		data, err := json.Marshal(e)
		require.NoError(t, err)
		return string(data)
	}
	put := func(service, ifMatch string) *httptest.ResponseRecorder {
		return a.do(http.MethodPut, "/v1/entries/post-call-survey", body(service),
			"Authorization", "Bearer "+apiToken, "Content-Type", "application/json", "If-Match", ifMatch)
	}

	first := put("Sales", v1)   // read v1, wrote v2
	stale := put("Support", v1) // also read v1: must not overwrite v2
	star := put("Billing Support", "*")
	deleteStale := a.do(http.MethodDelete, "/v1/entries/post-call-survey", "", "Authorization", "Bearer "+apiToken, "If-Match", v1)
	deleteCurrent := a.do(http.MethodDelete, "/v1/entries/post-call-survey", "", "Authorization", "Bearer "+apiToken,
		"If-Match", etag.Entry("post-call-survey", 3))

	require.Equal(t, http.StatusOK, first.Code, first.Body.String())
	e := requireError(t, stale, http.StatusPreconditionFailed)
	require.Equal(t, "version_changed", e.Code)
	require.Contains(t, e.Message, `entry "post-call-survey" changed since version 1 was read: it is at version 2 now`)
	require.Equal(t, 3, decode[entry.Entry](t, star, http.StatusOK).Version, "* matches any live version")
	requireError(t, deleteStale, http.StatusPreconditionFailed)
	require.Equal(t, http.StatusNoContent, deleteCurrent.Code, deleteCurrent.Body.String())
}

// A change made with If-Match is used by the starter's very next event, as
// any other change is. The starter runs as in production (its entry index
// watched) but cannot hear PostgreSQL's NOTIFY, so the test cannot pass by
// its luck: each change is matched at once, inside the second between two
// generation checks.
func TestTheNextEventSeesAnEntryChangedWithIfMatch(t *testing.T) {
	t.Parallel()
	a := newTestAPIOn(t, testenv.DeafStore(t), testenv.Temporal(t))
	ctx, stop := context.WithCancel(context.Background())
	done, err := a.service.StartBackground(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { stop(); <-done })
	a.createEntry(surveyEntry("Post-call survey"))
	versionMatched := func() int {
		t.Helper()
		res := decode[interaction.Result](t, a.call(http.MethodPost, "/v1/interactions/ended?dry_run=true", endedEvent(uniqueID("INT-"))), http.StatusOK)
		if len(res.Matches) == 0 {
			return 0
		}
		require.Len(t, res.Matches, 1)
		return res.Matches[0].EntryVersion
	}
	require.Equal(t, 1, versionMatched())
	body, err := json.Marshal(surveyEntry("Post-call survey"))
	require.NoError(t, err)

	for read := 1; read < 4; read++ {
		rec := a.do(http.MethodPut, "/v1/entries/post-call-survey", string(body),
			"Authorization", "Bearer "+apiToken, "Content-Type", "application/json", "If-Match", etag.Entry("post-call-survey", read))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, read+1, versionMatched(), "the event right after the update from version %d", read)
	}
	rec := a.do(http.MethodDelete, "/v1/entries/post-call-survey", "",
		"Authorization", "Bearer "+apiToken, "If-Match", etag.Entry("post-call-survey", 4))
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	require.Equal(t, 0, versionMatched(), "the event right after the delete")
}

func TestIfMatchThatIsNotATagNamesTheHeader(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.createEntry(surveyEntry("Post-call survey"))

	rec := a.do(http.MethodDelete, "/v1/entries/post-call-survey", "", "Authorization", "Bearer "+apiToken, "If-Match", "1")

	e := requireError(t, rec, http.StatusBadRequest)
	require.Equal(t, "If-Match", e.Field)
}

func TestRequestIDIsKeptOrMadeAndReturnedInErrors(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	kept := a.do(http.MethodGet, "/v1/entries/missing", "", "Authorization", "Bearer "+apiToken, "X-Request-Id", "lb-42")
	made := a.do(http.MethodGet, "/v1/entries/missing", "", "Authorization", "Bearer "+apiToken, "X-Request-Id", "bad id")
	fine := a.do(http.MethodGet, "/livez", "")

	require.Equal(t, "lb-42", kept.Header().Get("X-Request-Id"))
	require.Contains(t, kept.Body.String(), `"request_id":"lb-42"`)
	id := made.Header().Get("X-Request-Id")
	require.Len(t, id, 32, "an id with a space is replaced")
	require.Contains(t, made.Body.String(), `"request_id":"`+id+`"`)
	require.NotEmpty(t, fine.Header().Get("X-Request-Id"))
}

func TestEveryLogLineOfARequestCarriesItsID(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	log := slog.New(requestid.LogHandler(slog.NewTextHandler(&syncWriter{w: &logs}, nil)))
	h := api.New(api.Config{
		Service:  &usecase.Service{Store: testenv.Store(t), Temporal: unreachableTemporal(t), Log: log},
		APIToken: apiToken,
		Log:      log,
	})
	req := httptest.NewRequest(http.MethodGet, "/readyz", nil)
	req.Header.Set("X-Request-Id", "probe-7")

	h.ServeHTTP(httptest.NewRecorder(), req)

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.GreaterOrEqual(t, len(lines), 2, "a failed check and the request line:\n%s", logs.String())
	for _, line := range lines {
		require.Contains(t, line, "request_id=probe-7")
	}
}

func TestSeveralTokensAreAcceptedWhileOneIsRotated(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	h := apitest.Load(t).Handler(t, api.New(api.Config{
		Service:  &usecase.Service{Store: st, Temporal: testenv.Temporal(t)},
		APIToken: "new-token, old-token",
	}))
	status := func(token string) int {
		req := httptest.NewRequest(http.MethodGet, "/v1/dispositions", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}

	require.Equal(t, http.StatusOK, status("new-token"))
	require.Equal(t, http.StatusOK, status("old-token"))
	require.Equal(t, http.StatusUnauthorized, status("older-token"))
	require.Equal(t, http.StatusUnauthorized, status("new-token, old-token"))
}

func TestProbesAndMetrics(t *testing.T) {
	t.Parallel()
	tel, err := telemetry.Setup(context.Background(), telemetry.Options{Service: "test"})
	require.NoError(t, err)
	build := buildinfo.Info{Version: "v9.9.9", Revision: "0123456789abcdef", GoVersion: "go1.26.8"}
	h := apitest.Load(t).Handler(t, tel.Handler(api.New(api.Config{
		Service:  &usecase.Service{Store: testenv.Store(t), Temporal: unreachableTemporal(t)},
		APIToken: apiToken,
		Build:    build,
		Metrics:  tel.MetricsHandler(),
	}), telemetry.HTTPOptions{Server: "test", Path: api.LoggedPath}))
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}

	live := get("/livez")
	ready := get("/readyz")
	healthz := get("/healthz")
	doc := get("/openapi.json")
	metrics := get("/metrics")

	require.Equal(t, http.StatusOK, live.Code, "alive while Temporal is down: a restart would not help")
	require.JSONEq(t, `{"status": "ok", "version": "v9.9.9", "revision": "0123456789abcdef", "go_version": "go1.26.8"}`, live.Body.String())
	require.Equal(t, http.StatusServiceUnavailable, ready.Code)
	require.JSONEq(t, `{"status": "unavailable", "postgresql": "ok", "temporal": "unavailable"}`, ready.Body.String())
	require.Equal(t, ready.Body.String(), healthz.Body.String(), "/healthz stays as /readyz")
	require.Equal(t, http.StatusOK, doc.Code)
	require.Equal(t, string(api.OpenAPI()), doc.Body.String())
	require.Equal(t, http.StatusOK, metrics.Code)
	body, err := io.ReadAll(metrics.Body)
	require.NoError(t, err)
	require.Contains(t, string(body), `ccflow_http_request_duration_seconds_count{method="GET",route="GET /readyz",status="503"} 1`)
}

// syncWriter serializes writes: the handler and the use case log from the
// request's goroutine, but the SDK may log from its own.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
