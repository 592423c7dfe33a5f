package triggers_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/triggers"
)

// holds is the test's own reading of the trigger rules in SPEC.md.
func holds(t entry.Trigger, ev interaction.Event) bool {
	same := func(a, b string) bool {
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		return a != "" && strings.EqualFold(a, b)
	}
	switch t.Type {
	case entry.TriggerDisposition:
		return same(t.Disposition, ev.Disposition)
	case entry.TriggerCaseDisposition:
		return ev.Case != nil && !ev.Case.Final && same(t.Disposition, ev.Case.Disposition)
	case entry.TriggerAverageSentiment:
		if ev.AverageSentiment == nil || t.Threshold == nil {
			return false
		}
		s, th := *ev.AverageSentiment, *t.Threshold
		return (t.Operator == "<" && s < th) || (t.Operator == ">" && s > th)
	}
	return false
}

func applies(e entry.Entry, ev interaction.Event) bool {
	if !e.Enabled {
		return false
	}
	s := strings.TrimSpace(e.Service)
	if s != "" && !strings.EqualFold(s, strings.TrimSpace(ev.Service)) {
		return false
	}
	for _, t := range e.Triggers {
		if holds(t, ev) {
			return true
		}
	}
	return false
}

func FuzzMatch(f *testing.F) {
	f.Add("Billing Support", "billing support", "Problem solved", "problem solved", 0.62, 0.51, byte('>'), uint8(0), false, true, true, true)
	f.Add("Sales", "", "Spam", "Need more information", 0.51, 0.51, byte('>'), uint8(2), false, true, true, true)
	f.Add("x", "y", "", "", -1.0, -1.0, byte('<'), uint8(1), true, false, true, false)
	f.Add(" ", " ", " ", " ", 1.0, 0.0, byte('?'), uint8(3), false, true, false, true)

	f.Fuzz(func(t *testing.T, evService, entryService, evDisposition, disposition string,
		sentiment, threshold float64, op byte, kind uint8, final, hasSentiment, hasCase, isEnabled bool) {
		ev := interaction.Event{InteractionID: "INT-1", Service: evService, Disposition: evDisposition}
		if hasSentiment {
			ev.AverageSentiment = &sentiment
		}
		if hasCase {
			ev.Case = &interaction.Case{Disposition: evDisposition, Final: final}
		}
		trigger := func(k uint8) entry.Trigger {
			types := []string{entry.TriggerDisposition, entry.TriggerCaseDisposition, entry.TriggerAverageSentiment, "bogus"}
			return entry.Trigger{Type: types[k%4], Disposition: disposition, Operator: string(op), Threshold: &threshold}
		}
		entries := []entry.Entry{
			{ID: "c", Service: evService, Enabled: true},
			{ID: "b", Enabled: true, Triggers: []entry.Trigger{trigger(kind + 1), trigger(kind + 2)}},
			{ID: "a", Service: entryService, Enabled: isEnabled, Triggers: []entry.Trigger{trigger(kind)}},
		}

		matches := triggers.Find(ev, entries)
		require.Equal(t, views(matches), views(triggers.NewIndex(entries).Find(ev, nil)), "the index answers as Find does")

		matched := map[string]bool{}
		for i, m := range matches {
			require.Falsef(t, matched[m.Entry.ID], "entry %s matched twice", m.Entry.ID)
			matched[m.Entry.ID] = true
			if i > 0 {
				require.Less(t, matches[i-1].Entry.ID, m.Entry.ID, "matches sorted by entry id")
			}
			require.Equal(t, m.Entry.Triggers[m.TriggerIndex], m.Trigger)
			require.Equal(t, triggers.Describe(m.Trigger), m.Reason)
			require.True(t, holds(m.Trigger, ev), "reported trigger %s does not hold", m.Reason)
			for _, earlier := range m.Entry.Triggers[:m.TriggerIndex] {
				require.False(t, holds(earlier, ev), "an earlier trigger %s holds", triggers.Describe(earlier))
			}
		}
		for _, e := range entries {
			require.Equal(t, applies(e, ev), matched[e.ID], fmt.Sprintf("entry %s", e.ID))
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	entries := make([]entry.Entry, 500)
	for i := range entries {
		entries[i] = enabled(fmt.Sprintf("entry-%03d", i), []string{"", "Billing Support", "Sales"}[i%3],
			disposition([]string{"Problem solved", "Spam", "Approved"}[i%3]),
			caseDisposition("Needs approval"),
			sentiment(">", float64(i%100)/100))
	}
	ev := interaction.Event{InteractionID: "INT-1", Service: "Billing Support", Disposition: "Problem solved",
		AverageSentiment: ptr(0.62), Case: &interaction.Case{Disposition: "Needs approval"}}
	b.ReportAllocs()
	for b.Loop() {
		triggers.Find(ev, entries)
	}
}
