package console

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/simulate"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/problem"
)

// Simulate, on the entry screen: the timeline of one event through the
// entry as the form holds it (saved or not), and the forecast of the last
// seven days of recorded interactions through it. Both call the
// simulation use case, which sends, writes and starts nothing.

// The changes the Simulate section posts in the editor's "op" field.
const (
	opSimExample = "sim-example" // put the chosen example event in the box
	opSimulate   = "simulate"    // simulate the event
	opForecast   = "forecast"    // simulate the last seven days
)

// Its fields, beside the draft's.
const (
	fieldSimExample  = "sim.example"
	fieldSimEvent    = "sim.event"
	fieldSimWhen     = "sim.when"
	fieldSimAnswer   = "sim.answer"
	fieldSimAfter    = "sim.after"
	fieldSimDelivery = "sim.delivery"
)

// forecastDays is how far back the forecast replays.
const forecastDays = 7

// whenLayout is how the "When the interaction ended" field writes a
// moment: a datetime-local value, in UTC.
const whenLayout = "2006-01-02T15:04"

// simulateView is the Simulate section: what its form says, and what the
// last simulation answered.
type simulateView struct {
	Examples []string
	Example  string
	Event    string
	When     string
	Answer   string
	After    string
	Delivery string
	// Problem is what is wrong with the section's input; Field the field
	// it names (sim.event, …).
	Problem string
	Field   string
	// Ran says a simulation of the event ran; Runs are its runs (none
	// when the entry does not match the event).
	Ran      bool
	Runs     []simRunView
	Sampled  bool
	Forecast *forecastView
}

// Scores a customer may answer, as the form offers them.
func (simulateView) Scores() []string { return []string{"1", "2", "3", "4", "5"} }

// simRunView is one simulated run's timeline.
type simRunView struct {
	simulate.Run
	Steps []stepView
}

// stepView is one step of a timeline, with its time in words.
type stepView struct {
	simulate.Step
	// After is the time from the run's start ("+3h"), Local the moment.
	After string
	Local string
}

// KindWords says a step's kind in words.
func (s stepView) KindWords() string {
	return map[string]string{
		simulate.KindSent: "sent", simulate.KindHeld: "held", simulate.KindSkipped: "skipped",
		simulate.KindWaited: "waited", simulate.KindBranch: "branch", simulate.KindEvent: "event",
		simulate.KindFallback: "fallback", simulate.KindError: "error",
	}[s.Kind]
}

// newSimulateView is the Simulate section of a screen just opened: SPEC's
// example event, answered by no one, every SMS delivered.
func newSimulateView() *simulateView {
	return &simulateView{Examples: exampleEvents(), Example: defaultExample, Event: exampleEvent(defaultExample),
		Answer: "none", After: "3h", Delivery: "delivered"}
}

// simulationFromForm reads the Simulate section of a post of the entry
// screen.
func simulationFromForm(r *http.Request) *simulateView {
	v := newSimulateView()
	v.Event = ""
	if ex := r.PostFormValue(fieldSimExample); ex != "" {
		v.Example = ex
	}
	v.Event = formText(r.PostFormValue(fieldSimEvent))
	v.When = strings.TrimSpace(r.PostFormValue(fieldSimWhen))
	if a := r.PostFormValue(fieldSimAnswer); a != "" {
		v.Answer = a
	}
	if a := strings.TrimSpace(r.PostFormValue(fieldSimAfter)); a != "" || r.PostForm.Has(fieldSimAfter) {
		v.After = a
	}
	if d := r.PostFormValue(fieldSimDelivery); d != "" {
		v.Delivery = d
	}
	return v
}

// simulate runs what the Simulate section asks (op): load an example, the
// event's timeline, or the forecast.
func (c *console) simulate(ctx context.Context, view *entryView, op string) error {
	sim, d := view.Sim, view.Draft
	if op == opSimExample {
		if text := exampleEvent(sim.Example); text != "" {
			sim.Event = text
		}
		d.Focus = "sim-event"
		return nil
	}
	e, p, err := d.entry()
	if err != nil {
		d.place(err, p)
		sim.Problem = "Fix the entry's problems (marked on the page) to simulate it."
		d.Focus = "simulate-result"
		return nil
	}
	req := usecase.SimulationRequest{Entry: &e}
	if op == opForecast {
		to := time.Now().UTC().Truncate(time.Minute)
		req.Recorded = &usecase.SimulationPeriod{From: to.Add(-forecastDays * 24 * time.Hour), To: to}
		d.Focus = "forecast"
	} else {
		d.Focus = "simulate-result"
		if !sim.readEvent(&req) {
			return nil
		}
	}
	res, err := c.Service.Simulate(ctx, req)
	if err != nil {
		return sim.failed(err, d, p, op)
	}
	if op == opForecast {
		sim.Forecast = forecastOf(res, view.ID)
		return nil
	}
	sim.Ran = true
	if res.Result != nil {
		for _, run := range res.Result.Runs {
			sim.Runs = append(sim.Runs, simRunViewOf(run))
		}
		sim.Sampled = res.Result.Totals.SampledOut > 0
	}
	return nil
}

// readEvent reads the event, when it ended and what the customer does
// into req; it says what is wrong in the section when it cannot.
func (sim *simulateView) readEvent(req *usecase.SimulationRequest) bool {
	var ev interaction.Event
	if p := problem.DecodeJSON([]byte(sim.Event), &ev); p != nil {
		sim.Problem, sim.Field = p.Message, fieldSimEvent
		return false
	}
	req.Event = &ev
	if sim.When != "" {
		t, err := time.Parse(whenLayout, sim.When)
		if err != nil {
			sim.Problem, sim.Field = fmt.Sprintf("%q is not a date and time such as 2026-11-23T10:15", sim.When), fieldSimWhen
			return false
		}
		req.Now = &t
	}
	if sim.Answer != "none" {
		score, err := strconv.Atoi(sim.Answer)
		if err != nil {
			sim.Problem, sim.Field = "Choose a score or no answer.", fieldSimAnswer
			return false
		}
		after := time.Duration(0)
		if sim.After != "" {
			if after, err = durations.Parse(sim.After); err != nil {
				sim.Problem, sim.Field = err.Error(), fieldSimAfter
				return false
			}
		}
		req.Answer = &usecase.SimulatedAnswer{Score: score, After: after}
	}
	req.Undelivered = sim.Delivery == "undelivered"
	return true
}

// failed shows why a simulation could not run: the entry's problems on
// the entry's fields (p places them, as for a save), the event's in the
// section, a busy starter as a notice; others are the page's error.
func (sim *simulateView) failed(err error, d *draft, p *places, op string) error {
	var busy *usecase.BusyError
	if errors.As(err, &busy) {
		msg := fmt.Sprintf("Another simulation is running: try again in %s.", busy.RetryAfter)
		if op == opForecast {
			sim.Forecast = &forecastView{Problem: msg}
		} else {
			sim.Problem = msg
		}
		return nil
	}
	var all validation.Errors
	if !asFieldErrors(err, &all) {
		return err
	}
	var mine validation.Errors
	for _, fe := range all {
		if rest, ok := strings.CutPrefix(fe.Path, "entry."); ok {
			mine = append(mine, &validation.FieldError{Path: rest, Message: fe.Message})
			continue
		}
		if sim.Problem == "" {
			sim.Problem, sim.Field = fe.Error(), fieldOfProblem(fe.Path)
		}
	}
	if len(mine) > 0 {
		d.place(mine, p)
		if sim.Problem == "" {
			sim.Problem = "Fix the entry's problems (marked on the page) to simulate it."
		}
	}
	return nil
}

// fieldOfProblem is the Simulate field a request's problem is about.
func fieldOfProblem(path string) string {
	switch {
	case strings.HasPrefix(path, "customer.answers.after"):
		return fieldSimAfter
	case strings.HasPrefix(path, "customer.answers"):
		return fieldSimAnswer
	case path == "now":
		return fieldSimWhen
	}
	return fieldSimEvent
}

func simRunViewOf(run simulate.Run) simRunView {
	rv := simRunView{Run: run}
	for _, s := range run.Timeline {
		rv.Steps = append(rv.Steps, stepView{Step: s, After: "+" + durations.Format(s.At.Sub(run.StartedAt).Round(time.Second)),
			Local: s.At.UTC().Format("Mon 2 Jan 15:04 UTC")})
	}
	return rv
}

// EndedAfter is how long the run lasted, in words.
func (r simRunView) EndedAfter() string {
	return durations.Format(r.Ended.At.Sub(r.StartedAt).Round(time.Second))
}

// forecastView is the forecast: the messages per day and channel of the
// last seven days' interactions through the entry, as a chart and a table,
// or how far a forecast still running is.
type forecastView struct {
	// Problem says why there is no forecast.
	Problem string
	// ID and Progress are those of a forecast still running; Entry the
	// entry screen it was asked from.
	ID       string
	Entry    string
	Running  bool
	Done     int
	Total    int
	Totals   simulate.Totals
	Rows     []forecastRow
	Chart    forecastChart
	HasRows  bool
	Finished bool
}

// PollPath is where the page asks how a running forecast is doing.
func (f *forecastView) PollPath() string {
	return "/console/simulations/" + url.PathEscape(f.ID) + "?entry=" + url.QueryEscape(f.Entry)
}

// MatchPercent is the share of the period's events the entry matches, as
// a percentage.
func (f *forecastView) MatchPercent() string {
	return strconv.FormatFloat(f.Totals.MatchShare*100, 'f', 1, 64)
}

// forecastRow is one day of the forecast.
type forecastRow struct {
	Day     string
	Email   int
	SMS     int
	Held    int
	Skipped int
	Surveys int
	// Reasons say what held and skipped messages, e.g. "quiet hours 3".
	Reasons string
}

// forecastOf turns a forecast simulation into what the page shows.
func forecastOf(sim usecase.Simulation, entryID string) *forecastView {
	f := &forecastView{ID: sim.ID, Entry: entryID, Done: sim.Progress.Events, Total: sim.Progress.Total}
	switch sim.Status {
	case usecase.SimulationRunning:
		f.Running = true
		return f
	case usecase.SimulationFailed:
		f.Problem = "The forecast could not be made: " + sim.Error
		return f
	}
	f.Finished = true
	f.Totals = sim.Result.Totals
	byDay := map[string]*forecastRow{}
	reasons := map[string]map[string]int{}
	var days []string
	for _, d := range f.Totals.Days {
		row := byDay[d.Day]
		if row == nil {
			row = &forecastRow{Day: d.Day}
			byDay[d.Day] = row
			days = append(days, d.Day)
			reasons[d.Day] = map[string]int{}
		}
		switch d.Channel {
		case "email":
			row.Email += d.Sent
		case "sms":
			row.SMS += d.Sent
		}
		row.Surveys += d.Surveys
		for code, n := range d.Held {
			row.Held += n
			reasons[d.Day]["held: "+reasonWords(code)] += n
		}
		for code, n := range d.Skipped {
			row.Skipped += n
			reasons[d.Day]["skipped: "+reasonWords(code)] += n
		}
	}
	slices.Sort(days)
	days = everyDay(days)
	for _, day := range days {
		row := byDay[day]
		if row == nil {
			row = &forecastRow{Day: day}
		}
		var words []string
		for _, k := range slices.Sorted(maps.Keys(reasons[day])) {
			words = append(words, fmt.Sprintf("%s %d", k, reasons[day][k]))
		}
		row.Reasons = strings.Join(words, ", ")
		f.Rows = append(f.Rows, *row)
	}
	f.HasRows = len(f.Rows) > 0
	f.Chart = chartOf(f.Rows)
	return f
}

// everyDay is the days from the first of days to the last, each once:
// a day without messages has its row and its place on the chart.
func everyDay(days []string) []string {
	if len(days) == 0 {
		return days
	}
	first, err1 := time.Parse(time.DateOnly, days[0])
	last, err2 := time.Parse(time.DateOnly, days[len(days)-1])
	if err1 != nil || err2 != nil || last.Sub(first) > 62*24*time.Hour {
		return days
	}
	var out []string
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// reasonWords says a reason code in words.
func reasonWords(code string) string {
	return strings.ReplaceAll(code, "_", " ")
}

// forecastChart is the forecast's bar chart, drawn on the server as SVG: per day,
// a bar of each series, on a scale whose top is a round number.
type forecastChart struct {
	Width, Height int
	Top           int
	Ticks         []tick
	Days          []chartDay
	Label         string
	// Narrow is the same chart for a phone: a row per day, its series
	// stacked along it.
	Narrow narrowChart
}

// narrowChart is the phone's chart: per day, a row of stacked segments.
type narrowChart struct {
	Width, Height int
	Top           int
	Rows          []narrowRow
}

type narrowRow struct {
	Y        float64
	Label    string
	Total    int
	TotalX   float64
	Segments []forecastBar
}

type tick struct {
	Y     float64
	Value int
}

type chartDay struct {
	X     float64
	Label string
	Bars  []forecastBar
}

type forecastBar struct {
	Series string
	X, Y   float64
	W, H   float64
	Value  int
}

// Series of the chart, in the order of its legend.
var chartSeries = []struct{ key, label string }{
	{"email", "Email sent"}, {"sms", "SMS sent"}, {"held", "Held"}, {"skipped", "Skipped"},
}

// Series names the chart's series for its legend.
func (forecastChart) Series() []struct{ Key, Label string } {
	out := make([]struct{ Key, Label string }, len(chartSeries))
	for i, s := range chartSeries {
		out[i].Key, out[i].Label = s.key, s.label
	}
	return out
}

const (
	chartLeft   = 36.0
	chartBottom = 28.0
	chartTop    = 8.0
)

func chartOf(rows []forecastRow) forecastChart {
	c := forecastChart{Width: 640, Height: 240}
	most := 0
	for _, r := range rows {
		most = max(most, r.Email, r.SMS, r.Held, r.Skipped)
	}
	c.Top = niceTop(most)
	plotH := float64(c.Height) - chartBottom - chartTop
	plotW := float64(c.Width) - chartLeft - 4
	for _, v := range []int{0, c.Top / 2, c.Top} {
		c.Ticks = append(c.Ticks, tick{Y: chartTop + plotH - plotH*float64(v)/float64(c.Top), Value: v})
	}
	if len(rows) == 0 {
		return c
	}
	group := plotW / float64(len(rows))
	w := math.Min(group*0.8/float64(len(chartSeries)), 24)
	var parts []string
	for i, r := range rows {
		x := chartLeft + group*float64(i)
		day := chartDay{X: x + group/2, Label: shortDay(r.Day)}
		start := x + (group-w*float64(len(chartSeries)))/2
		for j, v := range []int{r.Email, r.SMS, r.Held, r.Skipped} {
			h := plotH * float64(v) / float64(c.Top)
			day.Bars = append(day.Bars, forecastBar{Series: chartSeries[j].key, X: start + w*float64(j), Y: chartTop + plotH - h, W: w, H: h, Value: v})
		}
		c.Days = append(c.Days, day)
		parts = append(parts, fmt.Sprintf("%s: %d email, %d SMS, %d held, %d skipped", day.Label, r.Email, r.SMS, r.Held, r.Skipped))
	}
	c.Label = "Messages per day: " + strings.Join(parts, "; ")
	c.Narrow = narrowChartOf(rows)
	return c
}

// The phone chart's geometry: a label column, a row per day.
const (
	narrowLabel = 52.0
	narrowRowH  = 24.0
	narrowBarH  = 14.0
	narrowRight = 28.0
)

func narrowChartOf(rows []forecastRow) narrowChart {
	n := narrowChart{Width: 340}
	most := 0
	for _, r := range rows {
		most = max(most, r.Email+r.SMS+r.Held+r.Skipped)
	}
	n.Top = niceTop(most)
	n.Height = int(narrowRowH*float64(len(rows))) + 4
	plotW := float64(n.Width) - narrowLabel - narrowRight
	for i, r := range rows {
		row := narrowRow{Y: narrowRowH*float64(i) + 2, Label: shortDay(r.Day), Total: r.Email + r.SMS + r.Held + r.Skipped}
		x := narrowLabel
		for j, v := range []int{r.Email, r.SMS, r.Held, r.Skipped} {
			w := plotW * float64(v) / float64(n.Top)
			row.Segments = append(row.Segments, forecastBar{Series: chartSeries[j].key, X: x, Y: row.Y + (narrowRowH-narrowBarH)/2, W: w, H: narrowBarH, Value: v})
			x += w
		}
		row.TotalX = x + 4
		n.Rows = append(n.Rows, row)
	}
	return n
}

// niceTop is the top of a scale that shows most: 1, 2 or 5 times a power
// of ten, and at least 2.
func niceTop(most int) int {
	top := 2
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= most && m*p >= 2 {
				return max(top, m*p)
			}
		}
	}
}

// shortDay writes 2026-11-23 as "Mon 23".
func shortDay(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.Format("Mon 2")
}

// forecastView of a running forecast, polled by the entry screen.
type forecastPage struct {
	Forecast *forecastView
}

// PageTitle is the browser tab's title.
func (forecastPage) PageTitle() string { return "Forecast" }

// PageNav marks the entries in the navigation.
func (forecastPage) PageNav() string { return "entries" }

// showSimulation shows how a forecast asked from an entry screen is
// doing: the page the entry screen polls while it runs.
func (c *console) showSimulation(w http.ResponseWriter, r *http.Request) error {
	sim, err := c.Service.SimulationJob(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "forecast", forecastPage{Forecast: forecastOf(sim, r.URL.Query().Get("entry"))})
	return nil
}
