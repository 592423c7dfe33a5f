package activities_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// restartingLedger is memLedger whose MarkDelivered fails its first
// fails calls, as PostgreSQL does while it restarts (a fast shutdown, a
// failover): the connections drop and new ones are refused for a moment.
type restartingLedger struct {
	*memLedger
	mu    sync.Mutex
	fails int
}

func (l *restartingLedger) MarkDelivered(ctx context.Context, key, providerID string) (store.Delivery, error) {
	l.mu.Lock()
	down := l.fails > 0
	if down {
		l.fails--
	}
	l.mu.Unlock()
	if down {
		return store.Delivery{}, errors.New("marking delivery sent: pq: the database system is shutting down (57P03)")
	}
	return l.memLedger.MarkDelivered(ctx, key, providerID)
}

// The chaos soak's PostgreSQL restarts: a store that refuses the record of
// a message the provider has just accepted, for a moment, must not make
// the retry send it again. The record is tried again within the attempt.
func TestASendWhoseRecordFailsForAMomentIsRecordedOnceAndNotSentAgain(t *testing.T) {
	tests := []struct {
		name string
		send func(*activities.Activities) (workflows.Delivery, error)
	}{
		{"email", func(a *activities.Activities) (workflows.Delivery, error) {
			return a.SendEmail(context.Background(), workflows.EmailInput{Key: "post-call/INT-1/thanks", WorkflowID: "post-call/INT-1",
				StepID: "thanks", To: customerEmail, Subject: "Thanks", Text: "Thank you."})
		}},
		{"sms", func(a *activities.Activities) (workflows.Delivery, error) {
			return a.SendSMS(context.Background(), workflows.SMSInput{Key: "post-call/INT-1/thanks", WorkflowID: "post-call/INT-1",
				StepID: "thanks", To: customerPhone, Text: "Thank you."})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ledger := &restartingLedger{memLedger: newMemLedger(policy.Policy{}), fails: 3}
			calls := 0
			noon := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
			acts := &activities.Activities{
				Ledger: ledger,
				Mailer: mailerFunc(func(_ context.Context, m providers.Email) (string, error) {
					calls++
					return m.MessageID, nil
				}),
				SMS: smsFunc(func(context.Context, providers.SMS) (string, error) {
					calls++
					return "SM1", nil
				}),
				Signer:    tokens.NewSigner([]byte("record test key, 32 bytes long!!")),
				PublicURL: "https://ccflow.example",
				Now:       func() time.Time { return noon },
			}

			first, err := tt.send(acts)
			require.NoError(t, err, "recorded once the store is back")
			again, err := tt.send(acts) // what a retry of the activity would do

			require.NoError(t, err)
			require.Equal(t, workflows.SendSent, first.Status)
			require.True(t, again.AlreadySent)
			require.Equal(t, 1, calls, "the provider was called once")
		})
	}
}
