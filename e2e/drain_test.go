//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/store"
)

// A deploy stops the worker with SIGTERM while a send is in flight: the SMTP
// server has the whole email and holds its answer. The worker stops taking
// work but lets the send finish: it is still running while the answer is
// held, and once the server accepts the email it records the delivery as
// sent and exits cleanly. The worker started after it finds the email sent,
// so the run goes on without sending it again: one email, one record, one
// attempt. A SIGKILL at the same moment (a crash, the contrast) leaves
// nothing recorded: the retry, once the attempt's lease has run out, sends
// the email again, the documented gap a drain keeps deploys out of.
func TestAWorkerStoppedMidSendFinishesTheSendAndRecordsItOnce(t *testing.T) {
	tests := []struct {
		name   string
		signal syscall.Signal
		// copies of the email the server accepts, attempts the delivery
		// counts.
		copies, attempts int
	}{
		{name: "SIGTERM drains the send", signal: syscall.SIGTERM, copies: 1, attempts: 1},
		{name: "SIGKILL leaves it to the retry", signal: syscall.SIGKILL, copies: 2, attempts: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSystem(t)
			hold := s.smtp.HoldNextData()
			id := s.startRun(entryWithSteps(
				map[string]any{"id": "thanks", "type": "send_email", "subject": "Thanks", "text": "Thank you for calling."},
				map[string]any{"id": "after", "type": "send_email", "subject": "After", "text": "Is everything fine?"},
			), "INT-DRAIN")
			select {
			case <-hold.Arrived():
			case <-time.After(30 * time.Second):
				t.Fatal("the worker sent no email within 30s")
			}

			require.NoError(t, s.worker.cmd.Process.Signal(tt.signal))
			if tt.signal == syscall.SIGTERM {
				// Well inside the provider's timeout (20 s): the send
				// goes on, and the worker waits for it.
				time.Sleep(3 * time.Second)
				require.False(t, s.worker.exited(), "the worker exited with a send in flight")
			} else {
				<-s.worker.done
			}
			hold.Release()
			select {
			case <-s.worker.done:
			case <-time.After(45 * time.Second): // the worker's drain is 40 s at most
				t.Fatal("the stopped worker did not exit within 45s")
			}
			key := id + "/thanks"
			if tt.signal == syscall.SIGTERM {
				require.Equal(t, 0, s.worker.cmd.ProcessState.ExitCode(), "a drained worker exits cleanly")
				d := delivery(t, s, id, key)
				require.Equal(t, store.DeliverySent, d.Status, "recorded before the worker exited")
				require.Equal(t, 1, d.Attempts)
			}
			require.Len(t, s.smtp.WaitForMessages(t, 1, 5*time.Second), 1, "the server accepted the email in flight")

			s.worker = runProcess(t, "worker", s.env)
			run := s.waitForRun(id, "completed", 90*time.Second)

			require.Equal(t, "sent", messageOf(t, run, "thanks")["status"])
			subjects := map[string]int{}
			for _, m := range s.smtp.Messages() {
				subjects[m.Subject]++
			}
			require.Equal(t, map[string]int{"Thanks": tt.copies, "After": 1}, subjects)
			d := delivery(t, s, id, key)
			require.Equal(t, store.DeliverySent, d.Status)
			require.Equal(t, tt.attempts, d.Attempts)
		})
	}
}

// delivery reads the delivery key of workflowID from the system's store.
func delivery(t *testing.T, s *system, workflowID, key string) store.Delivery {
	t.Helper()
	list, err := s.store.Deliveries(context.Background(), workflowID)
	require.NoError(t, err)
	for _, d := range list {
		if d.Key == key {
			return d
		}
	}
	t.Fatalf("no delivery %s in %+v", key, list)
	return store.Delivery{}
}
