package triggers_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/triggers"
	"github.com/ccflow/ccflow/triggers/triggerstest"
)

// matchView is a Match as callers see it.
type matchView struct {
	Entry        entry.Entry
	Trigger      entry.Trigger
	TriggerIndex int
	Reason       string
}

func views(ms []triggers.Match) []matchView {
	out := make([]matchView, len(ms))
	for i, m := range ms {
		out[i] = matchView{m.Entry, m.Trigger, m.TriggerIndex, m.Reason}
	}
	return out
}

// The index answers what Find answers, for random entries and events that
// probe every rule: services and dispositions in other cases and with
// spaces, letters that fold across scripts, blank and unknown triggers,
// thresholds equal to the sentiment, disabled entries, final cases.
func TestIndexFindsWhatFindFinds(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 7))
	for round := range 300 {
		entries := triggerstest.RandomEntries(r, 1+r.IntN(60))
		ix := triggers.NewIndex(entries)
		var buf []triggers.Match
		for range 50 {
			ev := triggerstest.RandomEvent(r)
			want := triggers.Find(ev, entries)
			buf = ix.Find(ev, buf)
			require.Equal(t, views(want), views(buf), "round %d, event %+v", round, ev)
		}
	}
}

func TestIndexFind(t *testing.T) {
	entries := []entry.Entry{
		enabled("c-sentiment", "", sentiment("<", -0.3), disposition("Spam")),
		enabled("b-billing", "Billing Support", disposition("Problem solved"), caseDisposition("Needs approval")),
		enabled("a-any", " ", caseDisposition("needs APPROVAL"), disposition("problem solved")),
		{ID: "d-off", Enabled: false, Triggers: []entry.Trigger{disposition("Problem solved")}},
		enabled("e-sales", "Sales", disposition("Problem solved")),
	}
	ix := triggers.NewIndex(entries)
	require.Equal(t, 4, ix.Len(), "the disabled entry is left out")
	tests := []struct {
		name  string
		event interaction.Event
		want  []string // entry id: reason
	}{
		{"service and any-service entries, first trigger that holds",
			interaction.Event{Service: " billing SUPPORT", Disposition: "Problem Solved", Case: &interaction.Case{Disposition: "Needs approval"}},
			[]string{`a-any: case_disposition = "needs APPROVAL"`, `b-billing: disposition = "Problem solved"`}},
		{"a final case never holds",
			interaction.Event{Service: "Sales", Case: &interaction.Case{Disposition: "Needs approval", Final: true}},
			[]string{}},
		{"a sentiment equal to the threshold does not hold",
			interaction.Event{Service: "Sales", AverageSentiment: ptr(-0.3)},
			[]string{}},
		{"a sentiment below the threshold holds",
			interaction.Event{Service: "Sales", Disposition: "problem solved", AverageSentiment: ptr(-0.31)},
			[]string{`a-any: disposition = "problem solved"`, "c-sentiment: average_sentiment < -0.3", `e-sales: disposition = "Problem solved"`}},
		{"no service: only entries for any service",
			interaction.Event{Disposition: "Problem solved"},
			[]string{`a-any: disposition = "problem solved"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []string{}
			for _, m := range ix.Find(tt.event, nil) {
				got = append(got, m.Entry.ID+": "+m.Reason)
			}
			require.Equal(t, tt.want, got)
			require.Equal(t, views(triggers.Find(tt.event, entries)), views(ix.Find(tt.event, nil)))
		})
	}
}

func TestIndexFindReusesTheBuffer(t *testing.T) {
	entries, events := triggerstest.ContactCenter(1000, 100)
	ix := triggers.NewIndex(entries)
	buf := make([]triggers.Match, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		for _, ev := range events {
			buf = ix.Find(ev, buf)
		}
	})
	require.Zero(t, allocs)
}

// BenchmarkIndexFind matches one event against a contact center's 10,000
// entries: the figure is the time per event and its allocations.
func BenchmarkIndexFind(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			entries, events := triggerstest.ContactCenter(n, 1024)
			ix := triggers.NewIndex(entries)
			buf := make([]triggers.Match, 0, 64)
			matched := 0
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				buf = ix.Find(events[i%len(events)], buf)
				matched += len(buf)
				i++
			}
			b.ReportMetric(float64(matched)/float64(i), "matches/event")
		})
	}
}

// BenchmarkFindLinear is the linear scan the index replaces, for the same
// entries and events.
func BenchmarkFindLinear(b *testing.B) {
	entries, events := triggerstest.ContactCenter(10_000, 1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		triggers.Find(events[i%len(events)], entries)
		i++
	}
}
