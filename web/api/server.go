// Package api is ccflow's HTTP interface: event ingest, the entry and
// disposition API, the customers' survey pages, workflow controls, the
// probes (/livez, /readyz), /metrics, the API's own description
// (/openapi.json) and the codec endpoint the Temporal Web UI and CLI
// decrypt histories through (/codec).
package api

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"go.temporal.io/sdk/converter"

	"github.com/ccflow/ccflow/buildinfo"
	"github.com/ccflow/ccflow/telemetry"
	"github.com/ccflow/ccflow/telemetry/httpwrap"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/auth"
	"github.com/ccflow/ccflow/web/health"
	"github.com/ccflow/ccflow/web/requestid"
)

// Config is what the API needs.
type Config struct {
	// Service runs what each request asks for; the API only decodes,
	// calls it and encodes.
	Service *usecase.Service
	// APIToken is the bearer token every /v1/* request must carry, or
	// several, comma-separated, while tokens are rotated. It may call
	// /codec too.
	APIToken string
	// CodecToken is CCFLOW_CODEC_TOKEN: tokens (comma-separated) that may
	// call /codec and nothing else, for the Temporal Web UI, whose assets
	// a browser can read. "" for none.
	CodecToken string
	// Backoff slows guessing of tokens, per client; the console's sign-in
	// shares it. Nil: one of the API's own with auth's defaults.
	Backoff *auth.Backoff
	// PublicURL is CCFLOW_PUBLIC_URL: Twilio signs its webhooks over the
	// URL it posts to, which is this plus the path.
	PublicURL string
	// TwilioAuthToken is TWILIO_AUTH_TOKEN, the key of Twilio's webhook
	// signatures; without it every webhook is refused.
	TwilioAuthToken string
	Log             *slog.Logger
	// Build is the running build, shown on /livez.
	Build buildinfo.Info
	// Metrics serves GET /metrics; nil serves none.
	Metrics http.Handler
	// PayloadCodec seals and opens the payloads of Temporal histories
	// (CCFLOW_PAYLOAD_KEYS); /codec serves it to the Web UI and the CLI.
	// nil: payloads are in clear and /codec answers 404.
	PayloadCodec converter.PayloadCodec
	// TemporalUIURL is the Temporal Web UI's base URL: its origin is the
	// only one whose pages may call /codec (CORS).
	TemporalUIURL string
	// Namespace is the Temporal namespace the payload keys serve.
	Namespace string
}

// server holds the handlers' dependencies.
type server struct {
	Config
	pages *pages
}

// New returns the API's handler.
func New(cfg Config) http.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Backoff == nil {
		cfg.Backoff = auth.NewBackoff(auth.DefaultBackoffEvery, auth.DefaultBackoffBurst)
	}
	s := &server{Config: cfg, pages: loadPages(cfg.Log)}

	v1 := http.NewServeMux()
	v1.Handle("POST /v1/interactions/ended", s.handle(s.interactionEnded))

	v1.Handle("GET /v1/entries", s.handle(s.listEntries))
	v1.Handle("POST /v1/entries", s.handle(s.createEntry))
	v1.Handle("GET /v1/entries/{id}", s.handle(s.getEntry))
	v1.Handle("PUT /v1/entries/{id}", s.handle(s.updateEntry))
	v1.Handle("DELETE /v1/entries/{id}", s.handle(s.deleteEntry))

	v1.Handle("GET /v1/dispositions", s.handle(s.listDispositions))
	v1.Handle("POST /v1/dispositions", s.handle(s.addDisposition))

	v1.Handle("POST /v1/surveys/{token}/responses", s.handle(s.answerSurveyJSON))

	v1.Handle("GET /v1/suppressions", s.handle(s.listSuppressions))
	v1.Handle("POST /v1/suppressions", s.handle(s.addSuppression))
	v1.Handle("DELETE /v1/suppressions/{channel}/{address}", s.handle(s.removeSuppression))
	v1.Handle("GET /v1/policy", s.handle(s.getPolicy))
	v1.Handle("PUT /v1/policy", s.handle(s.putPolicy))

	v1.Handle("GET /v1/brand", s.handle(s.getBrand))
	v1.Handle("PUT /v1/brand", s.handle(s.putBrand))

	v1.Handle("DELETE /v1/customers/{id}", s.handle(s.eraseCustomer))

	v1.Handle("GET /v1/results", s.handle(s.getResults))
	v1.Handle("GET /v1/answers", s.handle(s.listAnswers))
	v1.Handle("GET /v1/runs", s.handle(s.listRuns))
	v1.Handle("POST /v1/simulations", s.handle(s.simulate))
	v1.Handle("GET /v1/simulations/{id}", s.handle(s.getSimulation))

	v1.Handle("GET /v1/webhooks", s.handle(s.listWebhooks))
	v1.Handle("POST /v1/webhooks", s.handle(s.createWebhook))
	v1.Handle("GET /v1/webhooks/{id}", s.handle(s.getWebhook))
	v1.Handle("DELETE /v1/webhooks/{id}", s.handle(s.deleteWebhook))
	v1.Handle("POST /v1/webhooks/{id}/rotate-secret", s.handle(s.rotateWebhookSecret))
	v1.Handle("GET /v1/webhooks/{id}/deliveries", s.handle(s.listWebhookDeliveries))

	// A workflow ID holds one "/": clients either escape it as %2F, which
	// ServeMux keeps inside one segment, or send it as two segments.
	for _, id := range []string{"{id}", "{entry}/{interaction}"} {
		v1.Handle("GET /v1/workflows/"+id, s.handle(s.getWorkflow))
		v1.Handle("DELETE /v1/workflows/"+id+"/events/{name}", s.handle(s.clearEvent))
	}
	v1.Handle("POST /v1/workflows/{id}/cancel", s.handle(s.cancelWorkflow))
	v1.Handle("POST /v1/workflows/{entry}/{interaction}/events/{name}", s.handle(s.postWorkflowEvent))
	// POST /v1/workflows/{entry}/{interaction}/cancel and POST
	// /v1/workflows/{id}/events/{name} both match …/x/events/cancel, which
	// ServeMux refuses to register; one route takes both and tells them
	// apart.
	v1.Handle("POST /v1/workflows/{first}/{second}/{third}", s.handle(s.workflowPost))
	v1.Handle("POST /v1/interactions/{interaction_id}/events/{name}", s.handle(s.postInteractionEvent))
	v1.Handle("POST /v1/cases/{case_id}/events/{name}", s.handle(s.postCaseEvent))
	v1.Handle("/v1/", s.handle(unmatched(v1)))

	mux := http.NewServeMux()
	mux.Handle("/v1/", requireToken(auth.NewTokens(cfg.APIToken), cfg.Backoff, "CCFLOW_API_TOKEN", telemetry.Routed(v1)))
	mux.HandleFunc("GET /s/{token}", s.showSurvey)
	mux.HandleFunc("POST /s/{token}", s.answerSurveyForm)
	mux.HandleFunc("GET /u/{token}", s.showUnsubscribe)
	mux.HandleFunc("POST /u/{token}", s.unsubscribe)
	mux.Handle("GET "+usecase.LogoPath+"{file}", s.handle(s.brandLogo))
	mux.Handle("POST /webhooks/twilio/inbound", s.handle(s.twilioInbound))
	mux.Handle("POST /webhooks/twilio/status", s.handle(s.twilioStatus))
	mux.Handle("GET /livez", health.LiveHandler(cfg.Build))
	mux.Handle("GET /readyz", s.handle(s.ready))
	mux.Handle("GET /healthz", s.handle(s.ready)) // the probe's name before /readyz
	mux.Handle("GET /openapi.json", openAPIHandler())
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", cfg.Metrics)
	}
	codec := &codecServer{codec: cfg.PayloadCodec, origin: webOrigin(cfg.TemporalUIURL), namespace: cmp.Or(cfg.Namespace, "default")}
	// The codec takes the API's tokens and its own; its own take nothing else.
	codecTokens := auth.NewTokens(cfg.APIToken, cfg.CodecToken)
	for _, op := range []string{"decode", "encode"} {
		path := CodecPath + "/" + op
		mux.Handle("POST "+path, codec.cors(requireToken(codecTokens, cfg.Backoff, "CCFLOW_CODEC_TOKEN", s.handle(codec.serve(op)))))
		mux.Handle("OPTIONS "+path, codec.cors(http.NotFoundHandler()))
	}

	// The path is logged without the query, and survey and unsubscribe
	// paths without their token, which is a customer's key; successful
	// probes are logged at debug level.
	access := httpwrap.AccessLog{Log: s.Log, Path: loggedPath,
		Quiet: func(r *http.Request, status int) bool { return probes[r.URL.Path] && status == http.StatusOK }}
	return requestid.Middleware(access.Wrap(access.Recover(telemetry.Routed(mux), func(w http.ResponseWriter) {
		writeError(w, &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "internal error"})
	})))
}

// probes are the paths an orchestrator or Prometheus polls every few
// seconds; their successes are logged at debug level, or they would drown
// the rest.
var probes = map[string]bool{"/livez": true, "/readyz": true, "/healthz": true, "/metrics": true}

// LoggedPath is r's path as ccflow logs and traces it: without the query,
// survey and unsubscribe paths without their token, which is a customer's
// key, and the paths that name a customer (an opted-out address, a
// customer id) without the name.
func LoggedPath(r *http.Request) string { return loggedPath(r) }

// unmatched answers what no route of mux takes, in the error shape: 405
// with the allowed methods when the path exists, else 404.
func unmatched(mux *http.ServeMux) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var allowed []string
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = method
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/v1/" {
				allowed = append(allowed, method)
			}
		}
		if len(allowed) == 0 {
			return errNotFound("endpoint " + r.URL.Path)
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		return &apiError{Status: http.StatusMethodNotAllowed, Code: codeMethodNotAllowed,
			Message: fmt.Sprintf("%s is not allowed here; use %s", r.Method, strings.Join(allowed, " or "))}
	}
}

// handlerFunc is a handler that returns its error for handle to answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle answers a handler's error in the SPEC's error shape, logging what
// the client is not told.
func (s *server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		e := toError(err)
		switch {
		case e.Code == codeInvalidInput:
			// A value validation let through: worth a look, not an alarm.
			s.Log.WarnContext(r.Context(), "request refused by Temporal or PostgreSQL as invalid",
				slog.String("method", httpwrap.Method(r.Method)), slog.String("path", loggedPath(r)), slog.Any("error", err))
		case e.Status == http.StatusServiceUnavailable:
			s.Log.WarnContext(r.Context(), "request failed: dependency unavailable",
				slog.String("method", httpwrap.Method(r.Method)), slog.String("path", loggedPath(r)), slog.Any("error", err))
		case e.Status >= http.StatusInternalServerError:
			s.Log.ErrorContext(r.Context(), "request failed",
				slog.String("method", httpwrap.Method(r.Method)), slog.String("path", loggedPath(r)), slog.Any("error", err))
		}
		writeError(w, e)
	})
}

// loggedPath is the path the log shows of r. It is the same whether the
// request was let in or not: a path that names a customer is redacted on
// a 401 as on a 200.
func loggedPath(r *http.Request) string {
	p := r.URL.Path
	for _, prefix := range []string{"/s/", "/v1/surveys/", "/u/", "/v1/customers/"} {
		if strings.HasPrefix(p, prefix) {
			return prefix + "…"
		}
	}
	if rest, ok := strings.CutPrefix(p, "/v1/suppressions/"); ok {
		// DELETE /v1/suppressions/{channel}/{address}: the channel is kept
		// when it is one.
		channel, _, _ := strings.Cut(rest, "/")
		if channel != "email" && channel != "sms" {
			return "/v1/suppressions/…"
		}
		return "/v1/suppressions/" + channel + "/…"
	}
	return p
}
