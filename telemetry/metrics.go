package telemetry

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/telemetry/httpwrap"
)

// Metrics are ccflow's own metrics. Every method is safe on a nil
// *Metrics, which counts nothing, so a use case or an activity built
// without telemetry (in a test, say) needs no stand-in.
//
// Labels take values from small sets only (route patterns, entry ids,
// channels, outcomes, reason codes), never an interaction, a customer or
// an address, so the number of series stays bounded.
type Metrics struct {
	httpDuration    *prometheus.HistogramVec
	eventsIngested  *prometheus.CounterVec
	matches         *prometheus.CounterVec
	starts          *prometheus.CounterVec
	sends           *prometheus.CounterVec
	policyDecisions *prometheus.CounterVec
}

// Send outcomes, the outcome label of ccflow_sends_total.
const (
	SendSent        = "sent"         // the provider accepted the message
	SendAlreadySent = "already_sent" // a retry found it recorded as sent and sent nothing
	SendFailed      = "failed"       // a transient failure; Temporal retries
	SendRejected    = "rejected"     // a permanent refusal; the step fails
)

// Policy decisions, the decision label of ccflow_policy_decisions_total:
// the contact policy's own outcomes (core/policy).
const (
	PolicySend    = string(policy.Send)
	PolicyHeld    = string(policy.Hold)
	PolicySkipped = string(policy.Skip)
)

// channels are the message channels, set up at zero so every family is on
// /metrics from the start and a dashboard's rate() has a series to start
// from.
var channels = []string{"email", "sms"}

// policyReasons are the contact policy's reason codes, by the decision
// they lead to.
var policyReasons = map[string][]string{
	PolicyHeld:    {policy.CodeQuietHours, policy.CodeHoliday},
	PolicySkipped: {policy.CodeOptedOut, policy.CodeContactedAgain, policy.CodeSurveyGrace, policy.CodeDailyCap, policy.CodeRollingCap},
}

// NewMetrics registers ccflow's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ccflow_http_request_duration_seconds",
			Help: "HTTP requests served, by method, route pattern and status, and how long they took.",
			// From a cached health check to an ingest that waits on Temporal.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route", "status"}),
		eventsIngested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccflow_events_ingested_total",
			Help: "Ended interactions ingested (valid and answered), by whether it was a dry run.",
		}, []string{"dry_run"}),
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccflow_matches_total",
			Help: "Entries an ingested event matched, by entry, dry runs included.",
		}, []string{"entry"}),
		starts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccflow_workflow_starts_total",
			Help: "Follow-up runs asked for, by entry and status: started, already_started (a repeated event), would_start (a dry run) or sampled_out (left out by the entry's sample_percent).",
		}, []string{"entry", "status"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccflow_sends_total",
			Help: "Email and SMS send attempts, by channel and outcome: sent, already_sent, failed (retried) or rejected (permanent).",
		}, []string{"channel", "outcome"}),
		policyDecisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ccflow_policy_decisions_total",
			Help: "Contact-policy decisions on sends, by channel, decision (send, held, skipped) and reason code.",
		}, []string{"channel", "decision", "reason"}),
	}
	reg.MustRegister(m.httpDuration, m.eventsIngested, m.matches, m.starts, m.sends, m.policyDecisions)
	for _, dry := range []string{"false", "true"} {
		m.eventsIngested.WithLabelValues(dry)
	}
	for _, ch := range channels {
		for _, outcome := range []string{SendSent, SendAlreadySent, SendFailed, SendRejected} {
			m.sends.WithLabelValues(ch, outcome)
		}
		m.policyDecisions.WithLabelValues(ch, PolicySend, "")
		for decision, reasons := range policyReasons {
			for _, reason := range reasons {
				m.policyDecisions.WithLabelValues(ch, decision, reason)
			}
		}
	}
	return m
}

// HTTPRequest counts one request served on route (a ServeMux pattern, or
// "unmatched") with status, and how long it took. The method is counted as
// a label of a fixed set (httpwrap.Method: an unknown one is "other"),
// whatever the caller passes: a client chooses the method.
func (m *Metrics) HTTPRequest(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.httpDuration.WithLabelValues(httpwrap.Method(method), route, strconv.Itoa(status)).Observe(took.Seconds())
}

// EventIngested counts one ingested event.
func (m *Metrics) EventIngested(dryRun bool) {
	if m == nil {
		return
	}
	dry := "false"
	if dryRun {
		dry = "true"
	}
	m.eventsIngested.WithLabelValues(dry).Inc()
}

// Matched counts one match of an event against entry and what became of
// it: status is the match's status (started, already_started,
// would_start).
func (m *Metrics) Matched(entry, status string) {
	if m == nil {
		return
	}
	m.matches.WithLabelValues(entry).Inc()
	m.starts.WithLabelValues(entry, status).Inc()
}

// Send counts one send attempt on channel with its outcome (SendSent and
// the other Send* constants).
func (m *Metrics) Send(channel, outcome string) {
	if m == nil {
		return
	}
	m.sends.WithLabelValues(channel, outcome).Inc()
}

// PolicyDecision counts one contact-policy decision on a send: decision is
// PolicySend, PolicyHeld or PolicySkipped, reason its code (policy.Code*;
// empty for a send), never the reason's text, which names dates and
// entries.
func (m *Metrics) PolicyDecision(channel, decision, reason string) {
	if m == nil {
		return
	}
	m.policyDecisions.WithLabelValues(channel, decision, reason).Inc()
}
