//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

// Rolling caps count every entry's sends on every channel a cap counts,
// in the window ending at the send, under the customer's lock: twelve
// senders at once, email and SMS, never pass "any 3 per 2d" together, and
// sends older than the window do not count.
func TestConcurrentSendsNeverPassARollingCapTogether(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	p := policy.Default()
	p.Caps = []policy.Cap{{Channel: "any", Max: 3, Per: "2d"}}
	_, err := st.SavePolicy(ctx, p)
	require.NoError(t, err)
	old := attempt("old", "a", noon.Add(-49*time.Hour))
	_, err = st.DecideSend(ctx, old, decide)
	require.NoError(t, err)
	_, err = st.MarkDelivered(ctx, "old", "SM-old")
	require.NoError(t, err)

	const workers = 12
	var wg sync.WaitGroup
	results := make([]store.Delivery, workers)
	errs := make([]error, workers)
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			a := attempt(fmt.Sprintf("k%d", i), "a", noon)
			if i%2 == 0 {
				a.Delivery.Channel, a.Delivery.Recipient = "email", "ada@example.com"
				a.Delivery.AddressHash = testAddressHash("ada@example.com")
			}
			results[i], errs[i] = st.DecideSend(ctx, a, decide)
		})
	}
	close(start)
	wg.Wait()
	sent := 0
	for i := range workers {
		require.NoError(t, errs[i])
		switch results[i].Status {
		case store.DeliveryPending:
			sent++
		default:
			require.Equal(t, "cap 3 per 2d reached", results[i].Reason)
			require.Equal(t, policy.CodeRollingCap, results[i].ReasonCode)
		}
	}
	require.Equal(t, 3, sent, "the send 49 hours ago is out of the window")
}

// An attempt reads its clock before it waits for the customer's lock, so a
// send decided first may carry a later time than the decision after it:
// it counts against the rolling cap all the same.
func TestARollingCapCountsASendDecidedFirstWithALaterClock(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	p := policy.Default()
	p.Caps = []policy.Cap{{Channel: "any", Max: 1, Per: "1h"}}
	_, err := st.SavePolicy(ctx, p)
	require.NoError(t, err)

	first, err := st.DecideSend(ctx, attempt("first", "a", noon.Add(time.Second)), decide)
	require.NoError(t, err)
	second, err := st.DecideSend(ctx, attempt("second", "b", noon), decide)
	require.NoError(t, err)

	require.Equal(t, store.DeliveryPending, first.Status)
	require.Equal(t, store.DeliverySkipped, second.Status)
	require.Equal(t, "cap 1 per 1h reached", second.Reason)
}

// A holiday in the customer's zone holds a send with holidays_quiet.
func TestDecideSendHoldsThroughAHoliday(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	p := policy.Default()
	p.Holidays, p.HolidaysQuiet = []policy.Holiday{{Date: "2026-11-30"}}, true
	_, err := st.SavePolicy(ctx, p)
	require.NoError(t, err)

	d, err := st.DecideSend(ctx, attempt("k", "a", noon), decide)

	require.NoError(t, err)
	require.Equal(t, store.DeliveryHeld, d.Status)
	require.Equal(t, "holiday until 2026-12-01 08:00 America/New_York", d.Reason)
}

// A status the provider reports before the send is recorded comes back
// with the send; one reported after it finds the delivery. The two take
// turns under one lock, so under any interleaving one sees the other.
func TestAnSMSStatusIsSeenByTheSendOrFindsIt(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()

	_, err := st.DecideSend(ctx, attempt("early", "a", noon), decide)
	require.NoError(t, err)
	known, err := st.RecordSMSStatus(ctx, "SM-early", "undelivered", "30007")
	require.NoError(t, err)
	require.True(t, known)
	d, err := st.MarkDelivered(ctx, "early", "SM-early")
	require.NoError(t, err)
	require.Equal(t, "undelivered", d.ReportedStatus)
	require.Equal(t, "30007", d.ReportedErrorCode)

	_, err = st.DecideSend(ctx, attempt("late", "a", noon), decide)
	require.NoError(t, err)
	d, err = st.MarkDelivered(ctx, "late", "SM-late")
	require.NoError(t, err)
	require.Empty(t, d.ReportedStatus)
	found, err := st.DeliveryByProviderID(ctx, "SM-late")
	require.NoError(t, err)
	require.Equal(t, "late", found.Key)
	require.Equal(t, "wf/late", found.WorkflowID)

	// Racing, a hundred times: every status is read by its send or finds it.
	for i := range 100 {
		key, sid := fmt.Sprintf("race%d", i), fmt.Sprintf("SM-race%d", i)
		_, err := st.DecideSend(ctx, attempt(key, "a", noon), decide)
		require.NoError(t, err)
		var wg sync.WaitGroup
		var marked store.Delivery
		var markErr, statusErr, findErr error
		wg.Go(func() { marked, markErr = st.MarkDelivered(ctx, key, sid) })
		wg.Go(func() {
			if _, statusErr = st.RecordSMSStatus(ctx, sid, "failed", "30008"); statusErr == nil {
				_, findErr = st.DeliveryByProviderID(ctx, sid)
			}
		})
		wg.Wait()
		require.NoError(t, markErr)
		require.NoError(t, statusErr)
		require.True(t, marked.ReportedStatus == "failed" || findErr == nil, "race %d: neither saw the other (%v)", i, findErr)
	}
}

func caseRun(id, interactionID, caseID, runID string) store.Run {
	return store.Run{WorkflowID: id, RunID: runID, EntryID: "e", EntryVersion: 1, InteractionID: interactionID,
		Trigger: "disposition", CaseID: caseID}
}

func TestPostEventKeepsTheEventForEachRunOfItsTarget(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	for _, r := range []store.Run{
		caseRun("survey/INT-1", "INT-1", "CASE-9", "run-1"),
		caseRun("callback/INT-1", "INT-1", "CASE-9", "run-2"),
		caseRun("survey/INT-2", "INT-2", "CASE-9", "run-3"),
		caseRun("survey/INT-3", "INT-3", "CASE-10", "run-4"),
	} {
		require.NoError(t, st.RecordRun(ctx, r))
	}
	// A claim whose start is not confirmed yet counts too.
	_, err := st.ClaimRuns(ctx, []store.Run{caseRun("followup/INT-2", "INT-2", "CASE-9", "")})
	require.NoError(t, err)
	post := func(id, scope, target string) []store.RunEvent {
		t.Helper()
		_, events, repeated, err := st.PostEvent(ctx, store.EventPost{ID: id, Scope: scope, Target: target, Name: "case_closed", Digest: "d"},
			[]byte(`{"resolution": "fixed"}`))
		require.NoError(t, err)
		require.False(t, repeated)
		return events
	}
	workflows := func(events []store.RunEvent) []string {
		var out []string
		for _, e := range events {
			out = append(out, e.WorkflowID+"@"+e.RunID)
		}
		return out
	}

	require.Equal(t, []string{"callback/INT-1@run-2", "followup/INT-2@", "survey/INT-1@run-1", "survey/INT-2@run-3"},
		workflows(post("p1", store.EventScopeCase, "CASE-9")))
	require.Equal(t, []string{"callback/INT-1@run-2", "survey/INT-1@run-1"}, workflows(post("p2", store.EventScopeInteraction, "INT-1")))
	require.Equal(t, []string{"survey/INT-3@run-4"}, workflows(post("p3", store.EventScopeWorkflow, "survey/INT-3")))
	require.Empty(t, post("p4", store.EventScopeCase, "CASE-404"), "a case without runs keeps nothing")

	_, _, _, err = st.PostEvent(ctx, store.EventPost{ID: "p5", Scope: store.EventScopeWorkflow, Target: "survey/INT-404", Name: "x", Digest: "d"}, []byte(`{}`))
	require.ErrorIs(t, err, store.ErrNotFound)

	kept, ok, err := st.KeptEvent(ctx, "followup/INT-2", "case_closed")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "p1", kept.PostID)
	require.JSONEq(t, `{"resolution": "fixed"}`, string(kept.Data))
	_, ok, err = st.KeptEvent(ctx, "followup/INT-2", "other")
	require.NoError(t, err)
	require.False(t, ok)
}

// A post repeated under its idempotency key records nothing new and gets
// the first post's runs back, as signalled or dropped since; the key used
// for another event is a conflict.
func TestPostEventUnderAnIdempotencyKey(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	require.NoError(t, st.RecordRun(ctx, caseRun("a/INT-1", "INT-1", "CASE-9", "run-1")))
	require.NoError(t, st.RecordRun(ctx, caseRun("b/INT-1", "INT-1", "CASE-9", "run-2")))
	key := "retry-7"
	first, events, repeated, err := st.PostEvent(ctx, store.EventPost{ID: "p1", IdempotencyKey: &key, Scope: store.EventScopeCase,
		Target: "CASE-9", Name: "case_closed", Digest: "d1"}, []byte(`{}`))
	require.NoError(t, err)
	require.False(t, repeated)
	require.Len(t, events, 2)
	require.NoError(t, st.MarkEventSignaled(ctx, "p1", "a/INT-1"))
	require.NoError(t, st.DropRunEvent(ctx, "p1", "b/INT-1"))
	require.NoError(t, st.RecordRun(ctx, caseRun("c/INT-2", "INT-2", "CASE-9", "run-3")))

	again, events, repeated, err := st.PostEvent(ctx, store.EventPost{ID: "p2", IdempotencyKey: &key, Scope: store.EventScopeCase,
		Target: "CASE-9", Name: "case_closed", Digest: "d1"}, []byte(`{}`))

	require.NoError(t, err)
	require.True(t, repeated)
	require.Equal(t, "p1", again.ID)
	require.True(t, first.PostedAt.Equal(again.PostedAt))
	require.Len(t, events, 1, "the dropped run stays dropped, and a run started since is not the post's")
	require.Equal(t, "a/INT-1", events[0].WorkflowID)
	require.NotNil(t, events[0].SignaledAt)

	_, _, _, err = st.PostEvent(ctx, store.EventPost{ID: "p3", IdempotencyKey: &key, Scope: store.EventScopeCase,
		Target: "CASE-9", Name: "case_closed", Digest: "another"}, []byte(`{"x": 1}`))
	require.ErrorIs(t, err, store.ErrConflict)
	require.ErrorContains(t, err, `the Idempotency-Key "retry-7" was used for another event`)
}

// Two posts racing under one key: one records, the other repeats it.
func TestConcurrentPostsUnderOneKeyRecordOnce(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	require.NoError(t, st.RecordRun(ctx, caseRun("a/INT-1", "INT-1", "CASE-9", "run-1")))
	key := "same"
	var wg sync.WaitGroup
	repeats := make([]bool, 8)
	ids := make([]string, 8)
	for i := range 8 {
		wg.Go(func() {
			post, _, repeated, err := st.PostEvent(ctx, store.EventPost{ID: fmt.Sprintf("p%d", i), IdempotencyKey: &key,
				Scope: store.EventScopeInteraction, Target: "INT-1", Name: "n", Digest: "d"}, []byte(`{}`))
			require.NoError(t, err)
			repeats[i], ids[i] = repeated, post.ID
		})
	}
	wg.Wait()
	fresh := 0
	for i := range 8 {
		if !repeats[i] {
			fresh++
		}
		require.Equal(t, ids[0], ids[i])
	}
	require.Equal(t, 1, fresh)
	var n int
	require.NoError(t, st.DB().GetContext(ctx, &n, `SELECT count(*) FROM run_events`))
	require.Equal(t, 1, n)
}

// Posted events go with retention and with the customer's erasure.
func TestPostedEventsGoWithRetentionAndErasure(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	r := caseRun("a/INT-1", "INT-1", "CASE-9", "run-1")
	r.CustomerID = "C-77"
	require.NoError(t, st.RecordRun(ctx, r))
	require.NoError(t, st.RecordRun(ctx, caseRun("b/INT-2", "INT-2", "CASE-9", "run-2")))
	_, _, _, err := st.PostEvent(ctx, store.EventPost{ID: "old", Scope: store.EventScopeCase, Target: "CASE-9", Name: "n", Digest: "d"}, []byte(`{}`))
	require.NoError(t, err)
	_, err = st.DB().ExecContext(ctx, `UPDATE event_posts SET posted_at = now() - interval '100 days' WHERE id = 'old'`)
	require.NoError(t, err)
	_, _, _, err = st.PostEvent(ctx, store.EventPost{ID: "new", Scope: store.EventScopeCase, Target: "CASE-9", Name: "n", Digest: "d"}, []byte(`{}`))
	require.NoError(t, err)

	purged, err := st.Purge(ctx, time.Now().Add(-90*24*time.Hour), time.Now(), 100)
	require.NoError(t, err)
	require.Equal(t, int64(1), purged.PostedEvents)
	erased, err := st.EraseCustomer(ctx, "C-77")
	require.NoError(t, err)
	require.Equal(t, int64(1), erased.PostedEvents, "the customer's run's event; the other run's stays")
	_, ok, err := st.KeptEvent(ctx, "b/INT-2", "n")
	require.NoError(t, err)
	require.True(t, ok)
}

func TestClaimAndRecordKeepTheCase(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	_, err := st.ClaimRuns(ctx, []store.Run{caseRun("a/INT-1", "INT-1", "CASE-9", "")})
	require.NoError(t, err)
	require.NoError(t, st.ConfirmRuns(ctx, []store.Run{{WorkflowID: "a/INT-1", RunID: "run-1", EntryVersion: 1, Trigger: "disposition"}}))
	got, err := st.Run(ctx, "a/INT-1")
	require.NoError(t, err)
	require.Equal(t, "CASE-9", got.CaseID)
}
