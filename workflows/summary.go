package workflows

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ccflow/ccflow/core/durations"
)

// MaxSummaryBytes is the longest static summary Temporal documents (its
// SDKs' docs: "limited to 200 bytes"). The dev server of the pinned CLI
// takes longer ones; the summary keeps to the documented limit so that no
// server can refuse a start for it.
const MaxSummaryBytes = 200

// StaticSummary is the one-line summary the starter gives a run for the Web
// UI: entry name, interaction and, when known, disposition, cut with "…"
// to MaxSummaryBytes.
func StaticSummary(in FollowUpInput) string {
	parts := []string{in.Entry.Name, in.Event.InteractionID}
	if in.Event.Disposition != "" {
		parts = append(parts, in.Event.Disposition)
	}
	return cut(strings.Join(parts, " · "), MaxSummaryBytes)
}

// cut shortens s to at most n bytes, on a character's boundary, ending it
// with "…" when it was longer.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	end := n - len(ellipsis)
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + ellipsis
}

// StaticDetails is the Markdown the starter gives a run for the Web UI: what
// started it, one fact a line. The blank line after the title makes the
// facts a list: the Web UI's renderer otherwise runs them into one
// paragraph.
func StaticDetails(in FollowUpInput) string {
	e := in.Event
	lines := []string{
		fmt.Sprintf("**%s** (entry `%s`, version %d)", in.Entry.Name, in.Entry.ID, in.Entry.Version),
		"",
		"- Interaction: " + e.InteractionID,
		"- Service: " + e.Service,
	}
	if e.Channel != "" {
		lines = append(lines, "- Channel: "+e.Channel)
	}
	if e.Disposition != "" {
		lines = append(lines, "- Disposition: "+e.Disposition)
	}
	if e.Case != nil && e.Case.Disposition != "" {
		lines = append(lines, "- Case disposition: "+e.Case.Disposition)
	}
	if e.AverageSentiment != nil {
		lines = append(lines, fmt.Sprintf("- Average sentiment: %.0f%%", *e.AverageSentiment*100))
	}
	if in.Trigger != "" {
		lines = append(lines, "- Trigger: "+in.Trigger)
	}
	return strings.Join(lines, "\n")
}

// waitingDetails is the current details of a wait step, e.g.
// "waiting 7d until 2026-11-30 10:15 UTC before step follow-up-email".
func waitingDetails(d time.Duration, until time.Time, p place) string {
	// durations.Format writes to a strings.Builder, never to os.Stdout.
	//workflowcheck:ignore
	return fmt.Sprintf("waiting %s until %s %s", durations.Format(d), formatTime(until), beforeNext(p))
}

// waitSummary names a wait step's timer, e.g. "wait 7d before step follow-up-email".
func waitSummary(d time.Duration, p place) string {
	// durations.Format writes to a strings.Builder, never to os.Stdout.
	//workflowcheck:ignore
	return fmt.Sprintf("wait %s %s", durations.Format(d), beforeNext(p))
}

func beforeNext(p place) string {
	switch {
	case p.next != "":
		return "before step " + p.next
	case p.event != "":
		return "before the end of event " + p.event + " (step " + p.id + ")"
	}
	return "before the run completes (step " + p.id + ")"
}

// formatTime writes a time for operators, to the minute, in UTC.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
