package triggers_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/triggers"
)

func ptr(f float64) *float64 { return &f }

func disposition(d string) entry.Trigger {
	return entry.Trigger{Type: entry.TriggerDisposition, Disposition: d}
}

func caseDisposition(d string) entry.Trigger {
	return entry.Trigger{Type: entry.TriggerCaseDisposition, Disposition: d}
}

func sentiment(op string, threshold float64) entry.Trigger {
	return entry.Trigger{Type: entry.TriggerAverageSentiment, Operator: op, Threshold: ptr(threshold)}
}

func enabled(id, service string, ts ...entry.Trigger) entry.Entry {
	return entry.Entry{ID: id, Name: id, Service: service, Enabled: true, Triggers: ts}
}

// ids lists the matched entry ids, in order.
func ids(ms []triggers.Match) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.Entry.ID)
	}
	return out
}

func TestFind(t *testing.T) {
	billing := interaction.Event{InteractionID: "INT-1", Service: "Billing Support", Disposition: "Problem solved"}
	tests := []struct {
		name    string
		event   interaction.Event
		entries []entry.Entry
		want    []string
	}{
		{
			name:    "disposition equal",
			event:   billing,
			entries: []entry.Entry{enabled("a", "", disposition("Problem solved"))},
			want:    []string{"a"},
		},
		{
			name:    "disposition compared trimmed and case-insensitively",
			event:   interaction.Event{Service: "Billing Support", Disposition: " problem SOLVED "},
			entries: []entry.Entry{enabled("a", "", disposition("Problem solved"))},
			want:    []string{"a"},
		},
		{
			name:    "other disposition",
			event:   billing,
			entries: []entry.Entry{enabled("a", "", disposition("Spam"))},
			want:    []string{},
		},
		{
			name:    "event without disposition",
			event:   interaction.Event{Service: "Billing Support"},
			entries: []entry.Entry{enabled("a", "", disposition(""))},
			want:    []string{},
		},
		{
			name:    "case disposition on an open case",
			event:   interaction.Event{Service: "x", Case: &interaction.Case{Disposition: "Need more information"}},
			entries: []entry.Entry{enabled("a", "", caseDisposition("Need more information"))},
			want:    []string{"a"},
		},
		{
			name:    "final case never matches",
			event:   interaction.Event{Service: "x", Case: &interaction.Case{Disposition: "Need more information", Final: true}},
			entries: []entry.Entry{enabled("a", "", caseDisposition("Need more information"))},
			want:    []string{},
		},
		{
			name:    "case disposition without a case",
			event:   interaction.Event{Service: "x", Disposition: "Need more information"},
			entries: []entry.Entry{enabled("a", "", caseDisposition("Need more information"))},
			want:    []string{},
		},
		{
			name:    "sentiment above threshold",
			event:   interaction.Event{Service: "x", AverageSentiment: ptr(0.62)},
			entries: []entry.Entry{enabled("a", "", sentiment(">", 0.51))},
			want:    []string{"a"},
		},
		{
			name:    "sentiment below threshold",
			event:   interaction.Event{Service: "x", AverageSentiment: ptr(-0.3)},
			entries: []entry.Entry{enabled("a", "", sentiment("<", 0))},
			want:    []string{"a"},
		},
		{
			name:    "sentiment exactly the threshold does not match >",
			event:   interaction.Event{Service: "x", AverageSentiment: ptr(0.51)},
			entries: []entry.Entry{enabled("a", "", sentiment(">", 0.51))},
			want:    []string{},
		},
		{
			name:    "sentiment exactly the threshold does not match <",
			event:   interaction.Event{Service: "x", AverageSentiment: ptr(0.51)},
			entries: []entry.Entry{enabled("a", "", sentiment("<", 0.51))},
			want:    []string{},
		},
		{
			name:    "sentiment just above the threshold matches",
			event:   interaction.Event{Service: "x", AverageSentiment: ptr(0.5100001)},
			entries: []entry.Entry{enabled("a", "", sentiment(">", 0.51))},
			want:    []string{"a"},
		},
		{
			name:    "sentiment -1 is below a threshold of -0.99",
			event:   interaction.Event{Service: "x", AverageSentiment: ptr(-1)},
			entries: []entry.Entry{enabled("a", "", sentiment("<", -0.99))},
			want:    []string{"a"},
		},
		{
			name:    "sentiment 1 is above a threshold of 0.99",
			event:   interaction.Event{Service: "x", AverageSentiment: ptr(1)},
			entries: []entry.Entry{enabled("a", "", sentiment(">", 0.99))},
			want:    []string{"a"},
		},
		{
			name:    "nothing is above a threshold of 1",
			event:   interaction.Event{Service: "x", AverageSentiment: ptr(1)},
			entries: []entry.Entry{enabled("a", "", sentiment(">", 1))},
			want:    []string{},
		},
		{
			name:    "event without sentiment never matches a sentiment trigger",
			event:   interaction.Event{Service: "x"},
			entries: []entry.Entry{enabled("a", "", sentiment("<", 1)), enabled("b", "", sentiment(">", -1))},
			want:    []string{},
		},
		{
			name:    "entry for the event's service, trimmed and case-insensitive",
			event:   billing,
			entries: []entry.Entry{enabled("a", " billing support ", disposition("Problem solved"))},
			want:    []string{"a"},
		},
		{
			name:    "entry for another service",
			event:   billing,
			entries: []entry.Entry{enabled("a", "Sales", disposition("Problem solved"))},
			want:    []string{},
		},
		{
			name:  "disabled entry",
			event: billing,
			entries: []entry.Entry{{ID: "a", Service: "", Enabled: false,
				Triggers: []entry.Trigger{disposition("Problem solved")}}},
			want: []string{},
		},
		{
			name:  "several entries match, sorted by id",
			event: interaction.Event{Service: "Billing Support", Disposition: "Problem solved", AverageSentiment: ptr(0.9)},
			entries: []entry.Entry{
				enabled("zeta", "", sentiment(">", 0.5)),
				enabled("alpha", "Billing Support", disposition("Problem solved")),
				enabled("mid", "Sales", disposition("Problem solved")),
				enabled("beta", "", disposition("Spam"), sentiment(">", 0.8)),
			},
			want: []string{"alpha", "beta", "zeta"},
		},
		{
			name:    "no entries",
			event:   billing,
			entries: nil,
			want:    []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, ids(triggers.Find(tt.event, tt.entries)))
		})
	}
}

func TestFindReportsTheFirstTriggerThatHolds(t *testing.T) {
	ev := interaction.Event{Service: "x", Disposition: "Spam", AverageSentiment: ptr(-0.8)}
	e := enabled("a", "", disposition("Problem solved"), sentiment("<", -0.5), disposition("Spam"))

	got := triggers.Find(ev, []entry.Entry{e})

	require.Equal(t, []triggers.Match{{Entry: e, Trigger: e.Triggers[1], TriggerIndex: 1, Reason: "average_sentiment < -0.5"}}, got)
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		trigger entry.Trigger
		want    string
	}{
		{disposition("Problem solved"), `disposition = "Problem solved"`},
		{caseDisposition("Need more information"), `case_disposition = "Need more information"`},
		{sentiment(">", 0.51), `average_sentiment > 0.51`},
		{sentiment("<", -1), `average_sentiment < -1`},
		{entry.Trigger{Type: entry.TriggerAverageSentiment, Operator: ">"}, `average_sentiment > ?`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			require.Equal(t, tt.want, triggers.Describe(tt.trigger))
		})
	}
}
