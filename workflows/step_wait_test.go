package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/workflows"
)

func TestWaitIsADurableTimerBeforeTheNextStep(t *testing.T) {
	h := newHarness(t)
	var timers []time.Duration
	fired := 0
	h.env.SetOnTimerScheduledListener(func(_ string, d time.Duration) { timers = append(timers, d) })
	h.env.SetOnTimerFiredListener(func(string) { fired++ })
	var during workflows.State
	h.at(time.Hour, func() { during = h.state() })

	st := h.complete(input(
		entry.Step{ID: "pause", Spec: &entry.Wait{Duration: "1w"}},
		entry.Step{ID: "follow-up-sms", Spec: &entry.SendSMS{Text: entry.Plain("How is it going, $(customer.first_name)?")}},
	))

	require.Equal(t, []time.Duration{durations.Week}, timers)
	require.Equal(t, 1, fired)
	require.Equal(t, workflows.StatusRunning, during.Status)
	require.Equal(t, "pause", during.CurrentStep)
	require.Equal(t, "waiting 7d until 2026-11-30 10:15 UTC before step follow-up-sms", during.Details)
	require.Empty(t, during.Messages, "nothing is sent before the wait ends")
	require.Len(t, st.Messages, 1)
	require.Equal(t, start.Add(durations.Week), st.Messages[0].SentAt.UTC())
}

func TestWaitAsTheLastStepSaysTheRunCompletesAfterIt(t *testing.T) {
	h := newHarness(t)
	var during workflows.State
	h.at(time.Minute, func() { during = h.state() })

	h.complete(input(entry.Step{Spec: &entry.Wait{Duration: "1d12h"}}))

	require.Equal(t, "waiting 1d12h until 2026-11-24 22:15 UTC before the run completes (step steps[0])", during.Details)
}
