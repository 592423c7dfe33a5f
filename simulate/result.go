package simulate

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/workflows"
)

// Result is what a simulation found: the timelines of its first runs and
// the totals of all of them.
type Result struct {
	Runs []Run `json:"runs"`
	// RunsLeftOut counts the runs simulated whose timelines are left out
	// past Config.KeepRuns; the totals count them.
	RunsLeftOut int    `json:"runs_left_out,omitempty"`
	Totals      Totals `json:"totals"`
}

// Run is one simulated follow-up: the entry's run for one interaction.
type Run struct {
	EntryID       string `json:"entry_id"`
	InteractionID string `json:"interaction_id"`
	// WorkflowID is the ID the real run would have, which a split step
	// chooses its branch by.
	WorkflowID string `json:"workflow_id"`
	// StartedAt is when the interaction ended: the run's start.
	StartedAt time.Time `json:"started_at"`
	Timeline  []Step    `json:"timeline"`
	Ended     Ended     `json:"ended"`
}

// Step is one entry of a run's timeline.
type Step struct {
	At     time.Time `json:"at"`
	StepID string    `json:"step_id,omitempty"`
	// Kind is sent, held, skipped, waited, branch, event, fallback or
	// error (the workflows.Timeline… kinds).
	Kind    string `json:"kind"`
	Channel string `json:"channel,omitempty"`
	To      string `json:"to,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Preview is the message as the customer would get it (an email's
	// subject and text, an SMS's text), or the request an http_request
	// step would have made.
	Preview string `json:"preview,omitempty"`
}

// Ended is how a run ended.
type Ended struct {
	At     time.Time `json:"at"`
	Status string    `json:"status"`
	Reason string    `json:"reason,omitempty"`
}

// Totals sum up every run of a simulation.
type Totals struct {
	// Events is how many events were simulated, Matched how many of them
	// the entry's triggers took, MatchShare Matched / Events (0 without
	// events); SampledOut are the matches the entry's sample_percent left
	// out, Runs those simulated.
	Events     int     `json:"events"`
	Matched    int     `json:"matched"`
	MatchShare float64 `json:"match_share"`
	SampledOut int     `json:"sampled_out"`
	Runs       int     `json:"runs"`
	// Ended counts the runs by how they ended (completed, failed, …).
	Ended map[string]int `json:"ended"`
	// Messages are every channel's messages; Surveys the surveys.
	Messages Tally   `json:"messages"`
	Surveys  Surveys `json:"surveys"`
	// Requests counts the requests of http_request steps, none made.
	Requests int `json:"requests"`
	// TimeZone is the zone Days are days in: the contact policy's.
	TimeZone string `json:"time_zone"`
	// Days are the messages per day and channel, in order.
	Days []Day `json:"days"`
}

// Tally counts messages: sent, held and skipped by the contact policy's
// reason code (quiet_hours, opted_out, daily_cap, …), and failed (the
// provider would refuse them).
type Tally struct {
	Sent    int            `json:"sent"`
	Held    map[string]int `json:"held"`
	Skipped map[string]int `json:"skipped"`
	Failed  int            `json:"failed"`
}

// Surveys counts surveys: their messages sent, skipped by the contact
// policy, and answered (the customer's answer was taken).
type Surveys struct {
	Sent     int `json:"sent"`
	Skipped  int `json:"skipped"`
	Answered int `json:"answered"`
}

// Day is one channel's messages on one day.
type Day struct {
	// Day is the date in Totals.TimeZone (2026-11-23).
	Day     string `json:"day"`
	Channel string `json:"channel"`
	Tally
	// Surveys are the survey messages among those sent.
	Surveys int `json:"surveys"`
}

func newTally() Tally { return Tally{Held: map[string]int{}, Skipped: map[string]int{}} }

func (t *Tally) count(outcome policy.Outcome, code string) {
	switch outcome {
	case policy.Send:
		t.Sent++
	case policy.Hold:
		t.Held[code]++
	case policy.Skip:
		t.Skipped[code]++
	}
}

// totals adds up a simulation as it goes.
type totals struct {
	Totals
	loc  *time.Location
	days map[[2]string]*Day
}

func newTotals(loc *time.Location, zone string) *totals {
	return &totals{
		Totals: Totals{Ended: map[string]int{}, Messages: newTally(), TimeZone: zone, Days: []Day{}},
		loc:    loc, days: map[[2]string]*Day{},
	}
}

func (t *totals) day(at time.Time, channel string) *Day {
	k := [2]string{at.In(t.loc).Format(time.DateOnly), channel}
	d := t.days[k]
	if d == nil {
		d = &Day{Day: k[0], Channel: channel, Tally: newTally()}
		t.days[k] = d
	}
	return d
}

// decided counts one decision of the contact policy on a message.
func (t *totals) decided(at time.Time, channel string, survey bool, d policy.Decision) {
	t.Messages.count(d.Outcome, d.Code)
	day := t.day(at, channel)
	day.count(d.Outcome, d.Code)
	if !survey {
		return
	}
	switch d.Outcome {
	case policy.Send:
		t.Surveys.Sent++
		day.Surveys++
	case policy.Skip:
		t.Surveys.Skipped++
	}
}

// failed counts a message the provider would refuse.
func (t *totals) failed(at time.Time, channel string) {
	t.Messages.Failed++
	t.day(at, channel).Failed++
}

// done finishes the totals: the share that matched and the days in order.
func (t *totals) done() Totals {
	out := t.Totals
	if out.Events > 0 {
		out.MatchShare = float64(out.Matched) / float64(out.Events)
	}
	keys := slices.SortedFunc(maps.Keys(t.days), func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	})
	out.Days = make([]Day, 0, len(keys))
	for _, k := range keys {
		out.Days = append(out.Days, *t.days[k])
	}
	return out
}

// ended counts how a run ended.
func (t *totals) ended(e Ended) {
	t.Runs++
	t.Ended[e.Status]++
}

// Kinds of timeline steps, as the workflow names them.
const (
	KindSent     = workflows.TimelineSent
	KindHeld     = workflows.TimelineHeld
	KindSkipped  = workflows.TimelineSkipped
	KindWaited   = workflows.TimelineWaited
	KindBranch   = workflows.TimelineBranch
	KindEvent    = workflows.TimelineEvent
	KindFallback = workflows.TimelineFallback
	KindError    = workflows.TimelineError
)
