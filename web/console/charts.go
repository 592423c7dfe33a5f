package console

import (
	"fmt"
	"math"
	"strings"
)

// The results' charts are drawn on the server as SVG: no script, no
// library, nothing asked of another host, and each has a table beside it
// with the same numbers. They scale to the width they are given (a
// viewBox), so they read on a phone as on a desktop.

// frame is a chart's geometry, in viewBox units, which are the pixels of
// the width it is drawn for: text in it stays the size it says. Every
// chart is drawn twice, for a desktop and for a phone (the page shows one
// or the other), so its labels read at both.
type frame struct {
	W, H, Left, Right, Top, Bottom float64
	// Labels is about how many category labels fit along the bottom.
	Labels int
	// Suffix makes the narrow drawing's ids its own.
	Suffix string
}

// The two frames.
var (
	wideFrame   = frame{W: 640, H: 260, Left: 48, Right: 50, Top: 14, Bottom: 34, Labels: 12}
	narrowFrame = frame{W: 340, H: 230, Left: 46, Right: 46, Top: 12, Bottom: 32, Labels: 5, Suffix: "-narrow"}
)

// chartPair is a chart drawn for both widths.
type chartPair struct{ Wide, Narrow chart }

// both draws a chart for both frames.
func both(draw func(f frame) chart) chartPair {
	return chartPair{Wide: draw(wideFrame), Narrow: draw(narrowFrame)}
}

// chart is one chart as its template draws it.
type chart struct {
	ID, Title, Desc string
	W, H            float64
	// X0 and X1 are where the value grid's lines start and end.
	X0, X1 float64
	// Narrow marks the phone's drawing.
	Narrow bool
	// Grid are the value axis's lines and labels, left (and right, for
	// a second axis).
	Grid  []gridLine
	Right []gridLine
	// Bars and Lines are the marks; Labels the category axis's labels.
	Bars   []bar
	Lines  []line
	Dots   []dot
	Labels []axisLabel
	// Legend names each series, by its class.
	Legend []legendItem
}

type gridLine struct {
	Y     float64
	Label string
	Zero  bool
}

type bar struct {
	X, Y, W, H float64
	Class      string
	// Title is what a pointer hovering on the bar shows.
	Title string
}

type line struct {
	Points string
	Class  string
}

type dot struct {
	X, Y  float64
	Class string
	Title string
}

type axisLabel struct {
	X     float64
	Y     float64
	Text  string
	Class string
}

type legendItem struct {
	Class, Text string
}

// niceMax is the top of a count axis of four steps reaching v, each step
// 1, 2 or 5 times a power of ten (and whole), so its labels are round.
func niceMax(v float64) float64 {
	step := math.Max(v/4, 1)
	p := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range []float64{1, 2, 5, 10} {
		if step <= m*p {
			return 4 * m * p
		}
	}
	return 40 * p
}

// plot is the area marks are drawn in.
func (f frame) plot() (x0, y0, w, h float64) {
	return f.Left, f.Top, f.W - f.Left - f.Right, f.H - f.Top - f.Bottom
}

// start is an empty chart in f.
func (f frame) start(id, title, desc string) chart {
	return chart{ID: id + f.Suffix, Title: title, Desc: desc, W: f.W, H: f.H, X0: f.Left, X1: f.W - f.Right, Narrow: f.Suffix != ""}
}

// categoryLabels labels the categories along the bottom, thinned so that
// about f.Labels show.
func (f frame) categoryLabels(names []string, x func(i int) float64) []axisLabel {
	step := max(1, int(math.Ceil(float64(len(names))/float64(f.Labels))))
	var out []axisLabel
	for i, n := range names {
		if i%step == 0 {
			out = append(out, axisLabel{X: x(i), Y: f.H - f.Bottom + 18, Text: n})
		}
	}
	return out
}

func formatCount(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// valueGrid is four lines from 0 to top, labelled by format.
func valueGrid(top float64, y func(float64) float64, format func(float64) string) []gridLine {
	var out []gridLine
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		out = append(out, gridLine{Y: y(v), Label: format(v), Zero: i == 0})
	}
	return out
}

// day is one day of the sent-and-answered chart.
type day struct {
	Label          string
	Sent, Answered int64
	// Rate is answered ÷ sent, nil without a survey sent.
	Rate *float64
}

// sentAnsweredChart draws the surveys sent and answered per day as bars,
// with the response rate as a line on an axis of its own.
func sentAnsweredChart(f frame, days []day) chart {
	c := f.start("chart-surveys", "Surveys sent and answered per day",
		"Bars: surveys sent and answered each day. Line: the response rate, answered ÷ sent, on the right axis.")
	c.Legend = []legendItem{{"sent", "Sent"}, {"answered", "Answered"}, {"rate", "Response rate"}}
	x0, y0, w, h := f.plot()
	var most int64
	for _, d := range days {
		most = max(most, d.Sent, d.Answered)
	}
	top := niceMax(float64(most))
	y := func(v float64) float64 { return y0 + h - h*v/top }
	rateY := func(r float64) float64 { return y0 + h - h*r }
	c.Grid = valueGrid(top, y, formatCount)
	for i := 0; i <= 4; i++ {
		r := float64(i) / 4
		c.Right = append(c.Right, gridLine{Y: rateY(r), Label: fmt.Sprintf("%.0f %%", 100*r)})
	}
	n := max(len(days), 1)
	slot := w / float64(n)
	barW := math.Max(slot*0.36, 0.5)
	center := func(i int) float64 { return x0 + slot*(float64(i)+0.5) }
	var names []string
	var points []string
	flush := func() {
		if len(points) > 1 {
			c.Lines = append(c.Lines, line{Points: strings.Join(points, " "), Class: "rate"})
		}
		points = nil
	}
	for i, d := range days {
		names = append(names, d.Label)
		cx := center(i)
		c.Bars = append(c.Bars,
			bar{X: cx - barW, Y: y(float64(d.Sent)), W: barW, H: y(0) - y(float64(d.Sent)), Class: "sent",
				Title: fmt.Sprintf("%s: %d sent", d.Label, d.Sent)},
			bar{X: cx, Y: y(float64(d.Answered)), W: barW, H: y(0) - y(float64(d.Answered)), Class: "answered",
				Title: fmt.Sprintf("%s: %d answered", d.Label, d.Answered)})
		if d.Rate == nil {
			flush()
			continue
		}
		ry := rateY(math.Min(*d.Rate, 1))
		points = append(points, fmt.Sprintf("%.1f,%.1f", cx, ry))
		c.Dots = append(c.Dots, dot{X: cx, Y: ry, Class: "rate", Title: fmt.Sprintf("%s: %.0f %% answered", d.Label, 100**d.Rate)})
	}
	flush()
	c.Labels = f.categoryLabels(names, center)
	return c
}

// scoreBar is one score of the distribution.
type scoreBar struct {
	Score int
	Count int64
	// Class is the score's meaning: low, mid or high (CSAT: 1-3, -, 4-5;
	// NPS: detractor 0-6, passive 7-8, promoter 9-10).
	Class string
}

// scoreChart draws how many answers gave each score.
func scoreChart(f frame, id, title string, scores []scoreBar, nps bool) chart {
	c := f.start(id, title, "How many answers gave each score.")
	if nps {
		c.Legend = []legendItem{{"low", "Detractors (0–6)"}, {"mid", "Passives (7–8)"}, {"high", "Promoters (9–10)"}}
	} else {
		c.Legend = []legendItem{{"low", "1–3"}, {"high", "Satisfied (4–5)"}}
	}
	x0, y0, w, h := f.plot()
	var most int64
	for _, s := range scores {
		most = max(most, s.Count)
	}
	top := niceMax(float64(most))
	y := func(v float64) float64 { return y0 + h - h*v/top }
	c.Grid = valueGrid(top, y, formatCount)
	slot := w / float64(max(len(scores), 1))
	center := func(i int) float64 { return x0 + slot*(float64(i)+0.5) }
	var names []string
	for i, s := range scores {
		names = append(names, fmt.Sprint(s.Score))
		bw := slot * 0.7
		c.Bars = append(c.Bars, bar{X: center(i) - bw/2, Y: y(float64(s.Count)), W: bw, H: y(0) - y(float64(s.Count)),
			Class: s.Class, Title: fmt.Sprintf("%d: %d answers", s.Score, s.Count)})
	}
	// Every score is labelled: eleven fit a phone.
	all := f
	all.Labels = len(names)
	c.Labels = all.categoryLabels(names, center)
	return c
}

// trendPoint is one day of a CSAT or NPS trend; nil without an answer.
type trendPoint struct {
	Label string
	Value *float64
}

// trendChart draws CSAT (0 to 100 %) or NPS (-100 to 100) per day, the
// line broken where a day had no answer.
func trendChart(f frame, points []trendPoint, nps bool) chart {
	title, lo, hi := "CSAT per day", 0.0, 100.0
	desc := "The share of answers on 1-5 that were 4 or 5, each day."
	if nps {
		title, lo, desc = "NPS per day", -100, "Promoters' share minus detractors', each day, on answers on 0-10."
	}
	c := f.start("chart-"+strings.ToLower(strings.Fields(title)[0]), title, desc)
	c.Legend = []legendItem{{"trend", strings.Fields(title)[0]}}
	x0, y0, w, h := f.plot()
	y := func(v float64) float64 { return y0 + h - h*(v-lo)/(hi-lo) }
	for i := 0; i <= 4; i++ {
		v := lo + (hi-lo)*float64(i)/4
		label := fmt.Sprintf("%.0f", v)
		if !nps {
			label += " %"
		}
		c.Grid = append(c.Grid, gridLine{Y: y(v), Label: label, Zero: v == 0})
	}
	slot := w / float64(max(len(points), 1))
	center := func(i int) float64 { return x0 + slot*(float64(i)+0.5) }
	var names, run []string
	flush := func() {
		if len(run) > 1 {
			c.Lines = append(c.Lines, line{Points: strings.Join(run, " "), Class: "trend"})
		}
		run = nil
	}
	for i, p := range points {
		names = append(names, p.Label)
		if p.Value == nil {
			flush()
			continue
		}
		py := y(*p.Value)
		run = append(run, fmt.Sprintf("%.1f,%.1f", center(i), py))
		c.Dots = append(c.Dots, dot{X: center(i), Y: py, Class: "trend", Title: fmt.Sprintf("%s: %.1f", p.Label, *p.Value)})
	}
	flush()
	c.Labels = f.categoryLabels(names, center)
	return c
}
