package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/durations"
)

// The timeline. A run keeps, in memory, what happened to it step by step
// (a message sent, held or skipped, a wait, the branch an if or a split
// took, an answer, a fallback, an error) and answers it through
// TimelineQuery. A simulation (package simulate) shows it, and the
// simulation's equivalence tests compare it with the timeline of a real
// run of the same event. It is no command and no part of State: keeping it
// changes nothing a run makes, records or replays.

// TimelineQuery returns the run's Timeline.
const TimelineQuery = "timeline"

// Kinds of timeline entries.
const (
	TimelineSent     = "sent"
	TimelineHeld     = "held"
	TimelineSkipped  = "skipped"
	TimelineWaited   = "waited"
	TimelineBranch   = "branch"
	TimelineEvent    = "event"
	TimelineFallback = "fallback"
	TimelineError    = "error"
)

// ChannelHTTP is the channel of a timeline entry for an http_request
// step's request.
const ChannelHTTP = "http"

// maxTimeline bounds a run's timeline: an entry has no loops, so only a
// send held again and again could make it long.
const maxTimeline = 500

// TimelineEntry is one thing that happened in a run, at At.
type TimelineEntry struct {
	At     time.Time `json:"at"`
	StepID string    `json:"step_id,omitempty"`
	// Kind is one of the Timeline… kinds.
	Kind string `json:"kind"`
	// Channel and To name a message's channel and recipient (a request's
	// target, for ChannelHTTP).
	Channel string `json:"channel,omitempty"`
	To      string `json:"to,omitempty"`
	// Code is the contact policy's reason code of a held or skipped
	// message (policy.Code…).
	Code string `json:"code,omitempty"`
	// Reason says why, or what, in an operator's words: "quiet hours
	// until 2026-12-01 08:00 America/New_York", "then (survey.score <= 2
	// holds)", "survey answered: 2".
	Reason string `json:"reason,omitempty"`
	// Survey marks the message of a send_survey step.
	Survey bool `json:"survey,omitempty"`
}

// TimelineEnd is how a run ended.
type TimelineEnd struct {
	At     time.Time `json:"at"`
	Status string    `json:"status"`
	Reason string    `json:"reason,omitempty"`
}

// Timeline is what TimelineQuery answers: the entries in the order they
// happened, and the end once the run has ended.
type Timeline struct {
	Entries []TimelineEntry `json:"entries"`
	Ended   *TimelineEnd    `json:"ended,omitempty"`
	// Truncated says entries were left out past the bound.
	Truncated bool `json:"truncated,omitempty"`
}

// note adds an entry at the workflow's now.
func (r *run) note(ctx workflow.Context, e TimelineEntry) {
	if len(r.timeline.Entries) >= maxTimeline {
		r.timeline.Truncated = true
		return
	}
	e.At = workflow.Now(ctx)
	r.timeline.Entries = append(r.timeline.Entries, e)
}

// noteSend adds what became of a message's send.
func (r *run) noteSend(ctx workflow.Context, stepID, channel, to string, d Delivery, survey bool) {
	e := TimelineEntry{StepID: stepID, Channel: channel, To: to, Survey: survey, Kind: TimelineSent}
	switch d.Status {
	case SendHeld:
		e.Kind, e.Code, e.Reason = TimelineHeld, d.Code, d.Reason
	case SendSkipped:
		e.Kind, e.Code, e.Reason = TimelineSkipped, d.Code, d.Reason
	}
	r.note(ctx, e)
}

// noteEnd records how the run ended.
func (r *run) noteEnd(ctx workflow.Context, status, reason string) {
	r.timeline.Ended = &TimelineEnd{At: workflow.Now(ctx), Status: status, Reason: reason}
}

// span writes a duration as entries do: "1d", "30m".
func span(d time.Duration) string {
	// durations.Format writes to a strings.Builder, never to os.Stdout.
	//workflowcheck:ignore
	return durations.Format(d)
}

// branchReason says which way an if step went and why.
func branchReason(condition string, holds bool) string {
	if holds {
		return fmt.Sprintf("then (%s holds)", condition)
	}
	return fmt.Sprintf("else (%s does not hold)", condition)
}
