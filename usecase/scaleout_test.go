//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./usecase).

package usecase_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/worker"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// countingProvider takes every email and SMS and counts them by recipient
// and text, which each run makes unique.
type countingProvider struct {
	mu   sync.Mutex
	sent map[string]int
}

func (p *countingProvider) count(what string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent[what]++
	return fmt.Sprintf("msg-%d", len(p.sent)), nil
}

func (p *countingProvider) Send(_ context.Context, m providers.Email) (string, error) {
	return p.count("email " + m.To + " " + m.Text)
}

type countingSMS struct{ *countingProvider }

func (p countingSMS) Send(_ context.Context, m providers.SMS) (string, error) {
	return p.count("sms " + m.To + " " + m.Body)
}

// Two starters and two workers share one Temporal and one PostgreSQL and
// take the same stream of events, each event delivered to both starters at
// once and some twice: every match starts one run, recorded once, and
// every message goes out once.
func TestTwoStartersAndTwoWorkersTakeOneStreamWithoutDuplicates(t *testing.T) {
	t.Parallel()
	st, dbURL := testenv.StoreURL(t)
	// No quiet hours: with the default SMS window, a run started after
	// 21:00 in the server's zone holds its SMS until morning and the test
	// waited for it in vain (it failed at 21:00 UTC).
	_, err := st.SavePolicy(context.Background(), policy.Policy{QuietHours: policy.QuietHours{"sms": nil, "email": nil}})
	require.NoError(t, err)
	queue := testenv.TaskQueue(t)
	quiet := slog.New(slog.DiscardHandler)
	provider := &countingProvider{sent: map[string]int{}}
	for range 2 {
		w := worker.New(testenv.Temporal(t), queue, worker.Options{})
		workflows.Register(w)
		activities.Register(w, &activities.Activities{Store: openStore(t, dbURL, dbURL), Mailer: provider, SMS: countingSMS{provider},
			Signer: tokens.NewSigner([]byte("0123456789abcdef0123456789abcdef")), From: "care@example.com", Log: quiet})
		require.NoError(t, w.Start())
		t.Cleanup(w.Stop)
	}
	starters := make([]*usecase.Service, 2)
	for i := range starters {
		starters[i] = &usecase.Service{Store: openStore(t, dbURL, dbURL), Temporal: testenv.Temporal(t), TaskQueue: queue, Log: quiet}
		ctx, stop := context.WithCancel(context.Background())
		done, err := starters[i].StartBackground(ctx)
		require.NoError(t, err)
		t.Cleanup(func() { stop(); <-done })
	}
	for _, id := range []string{"email-first", "sms-first"} {
		steps := []entry.Step{
			{ID: "email", Spec: &entry.SendEmail{Subject: entry.Plain("Thanks"), Text: entry.Plain(id + " for $(interaction.id)")}},
			{ID: "sms", Spec: &entry.SendSMS{Text: entry.Plain(id + " for $(interaction.id)")}},
		}
		_, err := starters[0].CreateEntry(context.Background(), entry.Entry{ID: id, Name: id, Enabled: true,
			Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}}, Steps: steps})
		require.NoError(t, err)
	}
	// The second starter hears of the entries within milliseconds.
	waitUntilMatched(t, starters[1], event("Problem solved"), []string{"email-first", "sms-first"}, 5*time.Second)

	const events = 30
	evs := make([]interaction.Event, events)
	answers := make([][]interaction.Result, events)
	var wg sync.WaitGroup
	for i := range evs {
		evs[i] = event("Problem solved")
		evs[i].Customer = &interaction.Customer{ID: fmt.Sprintf("C-%d", i), Email: fmt.Sprintf("c%d@example.com", i), Phone: "+15551234567"}
		deliveries := 2 + i%2 // every other event is delivered a third time
		answers[i] = make([]interaction.Result, deliveries)
		for d := range deliveries {
			wg.Go(func() {
				res, err := starters[d%2].Ingest(context.Background(), evs[i], false)
				require.NoError(t, err)
				answers[i][d] = res
			})
		}
	}
	began := time.Now()
	wg.Wait()
	t.Logf("%d deliveries of %d events answered in %s", 5*events/2, events, time.Since(began))

	var workflowIDs []string
	for i, ev := range evs {
		started := 0
		for _, res := range answers[i] {
			require.Len(t, res.Matches, 2)
			for j, m := range res.Matches {
				require.Equal(t, answers[i][0].Matches[j].RunID, m.RunID, "every delivery of %s names the same run", ev.InteractionID)
				if m.Status == interaction.StatusStarted {
					started++
				}
			}
		}
		require.Equal(t, 2, started, "the runs of %s were started once each", ev.InteractionID)
		for _, m := range answers[i][0].Matches {
			workflowIDs = append(workflowIDs, m.WorkflowID)
		}
	}
	for _, id := range workflowIDs {
		require.Eventually(t, func() bool {
			desc, err := starters[0].Temporal.DescribeWorkflow(context.Background(), id, "")
			return err == nil && desc.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
		}, time.Minute, 50*time.Millisecond, "run %s completes", id)
	}

	t.Logf("every run completed %s after the first delivery", time.Since(began))
	require.Eventually(t, func() bool {
		var confirmed int
		require.NoError(t, st.DB().Get(&confirmed, `SELECT count(*) FROM runs WHERE run_id <> ''`))
		return confirmed == 2*events
	}, 10*time.Second, 20*time.Millisecond, "every run is recorded, confirmed")
	var rows int
	require.NoError(t, st.DB().Get(&rows, `SELECT count(*) FROM runs`))
	require.Equal(t, 2*events, rows, "one row per run")

	provider.mu.Lock()
	defer provider.mu.Unlock()
	require.Len(t, provider.sent, 4*events, "an email and an SMS per run")
	for what, n := range provider.sent {
		require.Equal(t, 1, n, "%s sent once", what)
	}
}
