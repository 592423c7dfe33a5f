// Package results is the pure arithmetic of ccflow's results: what a
// results query may group by and filter on, how a period in a time zone
// is cut into the buckets the aggregates are kept in (so any zone's day
// boundaries, :30 and :45 offsets and daylight-saving changes included,
// are exact), which aggregate level answers a query, and the figures of a
// group: response rate, CSAT, NPS, mean score and the exact median of the
// minutes to answer. It knows nothing of SQL or HTTP: the store keeps the
// aggregates and reads the rows this package plans, the use case turns
// them into the figures this package computes.
package results

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ccflow/ccflow/core/validation"
)

// Dim is something results are grouped by.
type Dim string

// The dimensions of GET /v1/results' group_by. Day and Week are local to
// the query's time zone; the others are what the run recorded of its
// event (Channel is the interaction's channel, as the event said it) and
// which split variant it took.
const (
	Entry       Dim = "entry"
	Service     Dim = "service"
	Agent       Dim = "agent"
	Disposition Dim = "disposition"
	Channel     Dim = "channel"
	Day         Dim = "day"
	Week        Dim = "week"
	Variant     Dim = "variant"
)

// Dims lists every dimension, in the order SPEC names them.
var Dims = []Dim{Entry, Service, Agent, Disposition, Channel, Day, Week, Variant}

// ValueDims are the dimensions a run records a value of (every one but
// the time ones), in the order the store keeps them.
var ValueDims = []Dim{Entry, Service, Agent, Disposition, Channel, Variant}

// IsTime reports whether d groups by time (day or week).
func (d Dim) IsTime() bool { return d == Day || d == Week }

// maxGroupBy is how many dimensions one query may group by.
const maxGroupBy = 2

// ParseGroupBy reads group_by: one or two dimensions, comma-separated
// ("agent", "day,entry"); at most one of day and week.
func ParseGroupBy(text string) ([]Dim, error) {
	if strings.TrimSpace(text) == "" {
		return nil, validation.Errorf("group_by", "is required: one or two of %s", dimList())
	}
	var out []Dim
	for part := range strings.SplitSeq(text, ",") {
		d := Dim(strings.TrimSpace(part))
		switch {
		case !slices.Contains(Dims, d):
			return nil, validation.Errorf("group_by", "%s is not something results group by (use one or two of %s)", validation.Quote(string(d)), dimList())
		case slices.Contains(out, d):
			return nil, validation.Errorf("group_by", "names %s twice", d)
		}
		out = append(out, d)
	}
	switch {
	case len(out) > maxGroupBy:
		return nil, validation.Errorf("group_by", "names %d dimensions; at most %d", len(out), maxGroupBy)
	case len(out) == 2 && out[0].IsTime() && out[1].IsTime():
		return nil, validation.Errorf("group_by", "groups by day and week at once; choose one")
	}
	return out, nil
}

func dimList() string {
	names := make([]string, len(Dims))
	for i, d := range Dims {
		names[i] = string(d)
	}
	return strings.Join(names, ", ")
}

// Values are a run's values of the value dimensions; "" where the event
// said nothing (no agent, no channel) or where an aggregate level does not
// keep the dimension.
type Values struct {
	Entry, Service, Agent, Disposition, Channel, Variant string
}

// Get is the value of d; "" for the time dimensions.
func (v Values) Get(d Dim) string {
	switch d {
	case Entry:
		return v.Entry
	case Service:
		return v.Service
	case Agent:
		return v.Agent
	case Disposition:
		return v.Disposition
	case Channel:
		return v.Channel
	case Variant:
		return v.Variant
	}
	return ""
}

// Set sets the value of d; the time dimensions have none.
func (v *Values) Set(d Dim, value string) {
	switch d {
	case Entry:
		v.Entry = value
	case Service:
		v.Service = value
	case Agent:
		v.Agent = value
	case Disposition:
		v.Disposition = value
	case Channel:
		v.Channel = value
	case Variant:
		v.Variant = value
	}
}

// Filter narrows a query to the runs whose values equal each non-empty
// field.
type Filter Values

// filterText is the rule of a filter's value, that of the event fields
// they come from.
var filterText = validation.Line(200)

// filterParams are the query parameters of a Filter, by dimension.
var filterParams = []Dim{Entry, Service, Agent, Disposition, Channel}

// ParseFilter reads the filters of a query from get, which returns a query
// parameter's value ("" when absent): entry, service, agent, disposition
// and channel.
func ParseFilter(get func(string) string) (Filter, error) {
	var v Values
	var errs validation.Errors
	for _, d := range filterParams {
		value := get(string(d))
		if err := filterText.Check(string(d), value); err != nil {
			errs = append(errs, validation.First(err))
			continue
		}
		v.Set(d, value)
	}
	return Filter(v), errs.Err()
}

// Dims lists the dimensions f narrows.
func (f Filter) Dims() []Dim {
	var out []Dim
	for _, d := range ValueDims {
		if Values(f).Get(d) != "" {
			out = append(out, d)
		}
	}
	return out
}

// Matches reports whether values pass f.
func (f Filter) Matches(v Values) bool {
	for _, d := range f.Dims() {
		if v.Get(d) != Values(f).Get(d) {
			return false
		}
	}
	return true
}

// String is f as query parameters would say it, for messages and cursors.
func (f Filter) String() string {
	var parts []string
	for _, d := range f.Dims() {
		parts = append(parts, fmt.Sprintf("%s=%q", d, Values(f).Get(d)))
	}
	return strings.Join(parts, " ")
}
