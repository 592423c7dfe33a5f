// Package triggerstest makes entries and events for the matcher's tests and
// benchmarks: random ones that probe the matching rules' corners, and a
// contact center's worth of realistic ones.
package triggerstest

import (
	"fmt"
	"math/rand/v2"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
)

// Texts the random entries and events draw from: catalog names in other
// cases and with spaces around them, blanks, and letters that fold across
// scripts (the Kelvin sign K and the long s ſ fold with k and s).
var (
	services     = []string{"", " ", "Billing Support", "billing support ", "BILLING SUPPORT", "Sales", "sales", "Ｓales", "\u212Aiosk", "kiosk", "Support", "support"}
	dispositions = []string{"", " ", "Problem solved", "problem SOLVED", " Problem solved ", "Spam", "spam", "Approved", "Need more information", "ſpam", "\xff", "\uFFFD"}
	thresholds   = []float64{-1, -0.5, -0.3, 0, 0.3, 0.5, 0.51, 0.62, 1}
	operators    = []string{"<", ">", "<", ">", "=", ""}
)

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// RandomEntries returns n entries with random services, enabled flags and
// one to three random triggers each, some of which can never hold (blank
// dispositions, missing thresholds, unknown types and operators). Ids are
// distinct, as the store keeps them, and not in order.
func RandomEntries(r *rand.Rand, n int) []entry.Entry {
	entries := make([]entry.Entry, n)
	for i, id := range r.Perm(n) {
		e := entry.Entry{ID: fmt.Sprintf("entry-%04d", id), Service: pick(r, services), Enabled: r.IntN(8) != 0, Version: 1 + r.IntN(3)}
		e.Name = e.ID
		for range 1 + r.IntN(3) {
			e.Triggers = append(e.Triggers, randomTrigger(r))
		}
		entries[i] = e
	}
	return entries
}

func randomTrigger(r *rand.Rand) entry.Trigger {
	switch r.IntN(7) {
	case 0, 1:
		return entry.Trigger{Type: entry.TriggerDisposition, Disposition: pick(r, dispositions)}
	case 2, 3:
		return entry.Trigger{Type: entry.TriggerCaseDisposition, Disposition: pick(r, dispositions)}
	case 4, 5:
		t := entry.Trigger{Type: entry.TriggerAverageSentiment, Operator: pick(r, operators)}
		if r.IntN(10) != 0 {
			th := pick(r, thresholds)
			t.Threshold = &th
		}
		return t
	default:
		return entry.Trigger{Type: "bogus", Disposition: pick(r, dispositions)}
	}
}

// RandomEvent returns an event drawing on the same texts and thresholds as
// RandomEntries, with or without a sentiment and a (final or not) case.
func RandomEvent(r *rand.Rand) interaction.Event {
	ev := interaction.Event{InteractionID: "INT-1", Service: pick(r, services), Disposition: pick(r, dispositions)}
	if r.IntN(4) != 0 {
		s := pick(r, thresholds)
		if r.IntN(2) == 0 {
			s = r.Float64()*2 - 1
		}
		ev.AverageSentiment = &s
	}
	if r.IntN(2) == 0 {
		ev.Case = &interaction.Case{Disposition: pick(r, dispositions), Final: r.IntN(4) == 0}
	}
	return ev
}

// Catalog names a contact center's entries use.
var (
	interactionDispositions = entry.DefaultCatalog().Interaction
	caseDispositions        = entry.DefaultCatalog().Case
)

// ContactCenter returns n entries as a large contact center has them: ten
// to a service, one in a thousand for every service, each with one to three
// triggers (a disposition mostly, sometimes a case disposition or a
// sentiment threshold); and events, one per service in turn, each with a
// disposition, a sentiment and, every other one, an open case. An event
// matches a few entries.
func ContactCenter(n, events int) ([]entry.Entry, []interaction.Event) {
	r := rand.New(rand.NewPCG(1, 2))
	services := max(n/10, 1)
	entries := make([]entry.Entry, n)
	for i := range entries {
		e := entry.Entry{ID: fmt.Sprintf("entry-%05d", i), Name: fmt.Sprintf("Entry %05d", i), Enabled: true, Version: 1,
			Service: fmt.Sprintf("Service %04d", i%services)}
		if i%1000 == 999 {
			e.Service = ""
		}
		for k := range 1 + r.IntN(3) {
			switch {
			case k == 0 || r.IntN(3) == 0:
				e.Triggers = append(e.Triggers, entry.Trigger{Type: entry.TriggerDisposition, Disposition: pick(r, interactionDispositions)})
			case r.IntN(2) == 0:
				e.Triggers = append(e.Triggers, entry.Trigger{Type: entry.TriggerCaseDisposition, Disposition: pick(r, caseDispositions)})
			default:
				th := float64(r.IntN(21)-10) / 10
				e.Triggers = append(e.Triggers, entry.Trigger{Type: entry.TriggerAverageSentiment, Operator: pick(r, []string{"<", ">"}), Threshold: &th})
			}
		}
		entries[i] = e
	}
	evs := make([]interaction.Event, events)
	for i := range evs {
		s := r.Float64()*2 - 1
		ev := interaction.Event{InteractionID: fmt.Sprintf("INT-%d", i), Service: fmt.Sprintf("service %04d", r.IntN(services)),
			Disposition: pick(r, interactionDispositions), AverageSentiment: &s}
		if i%2 == 0 {
			ev.Case = &interaction.Case{Disposition: pick(r, caseDispositions)}
		}
		evs[i] = ev
	}
	return entries, evs
}
