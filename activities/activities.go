// Package activities holds ccflow's Temporal activities: sending email and
// SMS, opening surveys and recording them in the store, and the HTTP
// requests of http_request steps.
package activities

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"

	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/providers/connections"
	"github.com/ccflow/ccflow/store"
)

// DefaultSurveyTTL is how long a survey link stays answerable after the
// workflow stops waiting, when Activities.SurveyTTL is zero: late answers
// are still worth keeping for operators.
const DefaultSurveyTTL = 30 * 24 * time.Hour

// Activities holds what every activity needs. Workflows call its methods
// through a typed nil pointer; the worker registers a filled one.
type Activities struct {
	Store  *store.Store
	Mailer Mailer
	SMS    SMSSender
	Signer *tokens.Signer
	// PublicURL is the base of survey links: PublicURL + "/s/" + token.
	PublicURL string
	// SurveyTTL is how long a survey link stays answerable after the wait
	// ends; zero means DefaultSurveyTTL.
	SurveyTTL time.Duration
	// From is the sender of every email.
	From string
	// Connections are the internal APIs http_request steps call by name.
	Connections connections.Set
	// HTTP makes the requests of http_request steps; nil means clients
	// whose guard blocks every internal address (NewHTTPClients(nil)).
	HTTP *HTTPClients
	// Log is used when a method runs outside an activity, e.g. called
	// directly; inside one the SDK's activity logger carries the workflow's ids.
	Log *slog.Logger
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
