// Package triggers decides which workflow entries an ended interaction
// starts. It is pure: the caller loads the entries and starts the runs.
package triggers

import (
	"sort"
	"strconv"
	"strings"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
)

// Match is one entry an event starts, with the trigger that held.
type Match struct {
	Entry        entry.Entry
	Trigger      entry.Trigger
	TriggerIndex int
	// Reason is Describe(Trigger), shown to callers and operators.
	Reason string
}

// Find returns one Match per entry ev starts, sorted by entry ID. An entry
// matches when it is enabled, its service is empty or equals ev's, and any
// of its triggers holds; the first trigger that holds is the one reported.
func Find(ev interaction.Event, entries []entry.Entry) []Match {
	var matches []Match
	for _, e := range entries {
		if !e.Enabled || !serves(e, ev) {
			continue
		}
		for i, t := range e.Triggers {
			if Holds(t, ev) {
				matches = append(matches, Match{Entry: e, Trigger: t, TriggerIndex: i, Reason: Describe(t)})
				break
			}
		}
	}
	sort.SliceStable(matches, func(i, j int) bool { return matches[i].Entry.ID < matches[j].Entry.ID })
	return matches
}

// serves reports whether e applies to ev's service; an entry without a
// service applies to every service.
func serves(e entry.Entry, ev interaction.Event) bool {
	service := strings.TrimSpace(e.Service)
	return service == "" || sameText(service, ev.Service)
}

// Holds reports whether trigger t holds for ev. Dispositions compare
// trimmed and case-insensitively, since backends differ in how they write
// them; a sentiment equal to the threshold never holds.
func Holds(t entry.Trigger, ev interaction.Event) bool {
	switch t.Type {
	case entry.TriggerDisposition:
		return sameText(t.Disposition, ev.Disposition)
	case entry.TriggerCaseDisposition:
		return ev.Case != nil && !ev.Case.Final && sameText(t.Disposition, ev.Case.Disposition)
	case entry.TriggerAverageSentiment:
		if ev.AverageSentiment == nil || t.Threshold == nil {
			return false
		}
		switch s, th := *ev.AverageSentiment, *t.Threshold; t.Operator {
		case "<":
			return s < th
		case ">":
			return s > th
		}
	}
	return false
}

// sameText compares trimmed and case-insensitively; blank never matches.
func sameText(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	return a != "" && strings.EqualFold(a, b)
}

// Describe writes t the way operators read it, e.g.
// `disposition = "Problem solved"` or `average_sentiment > 0.51`.
func Describe(t entry.Trigger) string {
	switch t.Type {
	case entry.TriggerDisposition, entry.TriggerCaseDisposition:
		return t.Type + " = " + strconv.Quote(t.Disposition)
	case entry.TriggerAverageSentiment:
		threshold := "?"
		if t.Threshold != nil {
			threshold = strconv.FormatFloat(*t.Threshold, 'g', -1, 64)
		}
		return t.Type + " " + t.Operator + " " + threshold
	}
	return t.Type
}
