// Package activities holds ccflow's Temporal activities, which implement
// the activity contract in package workflows: opening surveys, sending
// email and SMS, the requests of http_request steps, and deleting customer
// data past retention.
//
// An activity is thin: it records in the store what it is about to do,
// calls a provider (package providers and its subpackages), records the
// outcome, and turns the provider's typed errors into Temporal application
// errors, non-retryable where retrying cannot help. The providers know
// nothing of Temporal; this package is where their errors meet it.
package activities

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/telemetry"
	"github.com/ccflow/ccflow/workflows"
)

// Activities holds what every activity needs. The worker registers a filled
// one with Register.
type Activities struct {
	Store  *store.Store
	Mailer providers.Mailer
	SMS    providers.SMSSender
	// Signer signs the tokens of survey links; nil means Keys.Survey.
	Signer *tokens.Signer
	// Keys are the keys derived from the link secret: unsubscribe links and
	// the keyed hashes deliveries and opt-outs are kept under (and survey
	// links, unless Signer is set). Nil means linkkeys.ForProcess, keys of
	// this process alone, which only a test may use.
	Keys *linkkeys.Keys
	// PublicURL is the base of survey links: PublicURL + "/s/" + token.
	PublicURL string
	// SurveyTTL is how long a survey link stays answerable after the wait
	// ends; zero means config.DefaultSurveyTTL.
	SurveyTTL time.Duration
	// From is the sender of every email.
	From string
	// HTTP makes the requests of http_request steps, usually an
	// *httpcall.Client; nil means one whose guard blocks every internal
	// address and which has no connections.
	HTTP HTTPClient
	// Log is used when a method runs outside an activity, e.g. called
	// directly; inside one the SDK's activity logger carries the workflow's ids.
	Log *slog.Logger

	// Ledger records deliveries and decides sends; nil means Store.
	Ledger Ledger
	// Policies reads the contact policy for wait_until's plans, Events
	// the events kept for runs; nil means Store.
	Policies PolicyReader
	Events   EventKeeper
	// DefaultTimeZone is CCFLOW_TIME_ZONE: the zone of sends for which
	// neither the customer, the service nor the policy names one.
	DefaultTimeZone string
	// Now is the clock sends are decided by; nil means time.Now.
	Now func() time.Time
	// DecisionHook, when set, is told of every decision of the contact
	// policy (send, held, skipped, with its reason code), e.g. to count
	// them in a metric. It must not block.
	DecisionHook func(DecisionEvent)
	// Metrics counts sends by channel and outcome; nil counts nothing.
	Metrics *telemetry.Metrics

	// Retention is CCFLOW_RETENTION: PurgeExpired deletes customer data
	// older than this; zero means config.DefaultRetention.
	Retention time.Duration
	// OutboxDir is CCFLOW_OUTBOX_DIR, whose files PurgeExpired deletes
	// with the rest; "" when the worker writes no outbox.
	OutboxDir string

	// Brands gives the brand survey emails show; nil means Store.
	Brands BrandSource

	// Webhooks posts webhook deliveries, behind the SSRF guard and
	// CCFLOW_WEBHOOK_ALLOW (*webhooksend.Client); WebhookSealer opens the
	// subscriptions' secrets.
	Webhooks      WebhookSender
	WebhookSealer *webhook.Sealer
}

func (a *Activities) ledger() Ledger {
	if a.Ledger != nil {
		return a.Ledger
	}
	return a.Store
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Activities) keys() *linkkeys.Keys {
	if a.Keys != nil {
		return a.Keys
	}
	return linkkeys.ForProcess()
}

// surveyLinks signs the tokens of survey links.
func (a *Activities) surveyLinks() *tokens.Signer {
	if a.Signer != nil {
		return a.Signer
	}
	return a.keys().Survey
}

// unsubscribeURL is the one-click unsubscribe link of an address, by its
// keyed hash: PublicURL + "/u/" + a token, signed with the unsubscribe
// key, naming the channel and the hash.
func (a *Activities) unsubscribeURL(channel, hash string) string {
	id, err := policy.UnsubscribeID(channel, hash)
	if err != nil {
		return ""
	}
	return strings.TrimRight(a.PublicURL, "/") + "/u/" + a.keys().Unsubscribe.Sign(id)
}

// StatusCallbackPath is where Twilio reports an SMS's delivery status,
// under the public URL.
const StatusCallbackPath = "/webhooks/twilio/status"

// Register registers a's methods under the names of the activity contract
// (workflows.OpenSurveyActivity and the others), which are the names in
// every recorded history. The worker and the history recorder both call
// it, so they run the same registrations.
func Register(r worker.ActivityRegistry, a *Activities) {
	r.RegisterActivityWithOptions(a.OpenSurvey, activity.RegisterOptions{Name: workflows.OpenSurveyActivity})
	r.RegisterActivityWithOptions(a.SendEmail, activity.RegisterOptions{Name: workflows.SendEmailActivity})
	r.RegisterActivityWithOptions(a.SendSMS, activity.RegisterOptions{Name: workflows.SendSMSActivity})
	r.RegisterActivityWithOptions(a.HTTPRequest, activity.RegisterOptions{Name: workflows.HTTPRequestActivity})
	r.RegisterActivityWithOptions(a.PurgeExpired, activity.RegisterOptions{Name: workflows.PurgeExpiredActivity})
	r.RegisterActivityWithOptions(a.RecordRunEnd, activity.RegisterOptions{Name: workflows.RecordRunEndActivity})
	r.RegisterActivityWithOptions(a.DeliverWebhook, activity.RegisterOptions{Name: workflows.DeliverWebhookActivity})
	r.RegisterActivityWithOptions(a.FinishWebhookDelivery, activity.RegisterOptions{Name: workflows.FinishWebhookActivity})
	r.RegisterActivityWithOptions(a.PlanWaitUntil, activity.RegisterOptions{Name: workflows.PlanWaitUntilActivity})
	r.RegisterActivityWithOptions(a.KeptEvent, activity.RegisterOptions{Name: workflows.KeptEventActivity})
}

func (a *Activities) logger(ctx context.Context) log.Logger {
	if activity.IsActivity(ctx) {
		return activity.GetLogger(ctx)
	}
	if a.Log != nil {
		return log.NewStructuredLogger(a.Log)
	}
	return log.NewStructuredLogger(slog.Default())
}
