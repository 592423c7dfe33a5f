package console

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/results"
	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/export"
)

// resultsForm is the Results page's form, as the query string carries it.
type resultsForm struct {
	From, To, TZ, GroupBy, ThenBy               string
	Entry, Service, Agent, Disposition, Channel string
}

func resultsFormOf(q url.Values) resultsForm {
	return resultsForm{From: q.Get("from"), To: q.Get("to"), TZ: q.Get("tz"), GroupBy: q.Get("group_by"), ThenBy: q.Get("then_by"),
		Entry: q.Get("entry"), Service: q.Get("service"), Agent: q.Get("agent"), Disposition: q.Get("disposition"), Channel: q.Get("channel")}
}

// request is the use case's request for the form, grouped by groupBy.
func (f resultsForm) request(groupBy string) usecase.ResultsRequest {
	return usecase.ResultsRequest{From: f.From, To: f.To, TZ: f.TZ, GroupBy: groupBy,
		Entry: f.Entry, Service: f.Service, Agent: f.Agent, Disposition: f.Disposition, Channel: f.Channel}
}

// resultsView is the Results page.
type resultsView struct {
	Form    resultsForm
	Entries []entryOption
	// Errs are the problems of the form, by field.
	Errs map[string]string
	// Shown says what the figures cover, in words.
	Shown string
	// EntryName is the filtered entry's name, for the heading.
	EntryName string
	Totals    figuresRow
	Days      []dayRow
	Groups    []figuresRow
	GroupDims []string
	Charts    struct {
		Surveys chartPair
		// Scores has one distribution per scale the surveys are on.
		Scores []scoresView
		Trends []trendView
	}
	// AnswersLink lists the answers behind the figures, lowest first.
	AnswersLink string
}

// entryOption is an entry in a drop-down.
type entryOption struct{ ID, Name string }

// trendView is a trend chart and its table.
type trendView struct {
	Chart chartPair
	Name  string
	Rows  []trendRow
}

// scoresView is a score distribution and its table.
type scoresView struct {
	Chart chartPair
	Name  string
	Bars  []scoreBar
}

type trendRow struct{ Day, Value, Answers string }

// dayRow is one day of the sent-and-answered table.
type dayRow struct {
	Day, Sent, Answered, Rate string
}

// figuresRow is one group's figures as the tables show them.
type figuresRow struct {
	Keys []keyCell
	results.Figures
}

// keyCell is one value of a group's key, with a link to the entry's own
// results when it names an entry.
type keyCell struct {
	Dim, Value, Link string
}

// PageTitle is the browser tab's title.
func (v resultsView) PageTitle() string {
	if v.EntryName != "" {
		return "Results of " + v.EntryName
	}
	return "Results"
}

// PageNav marks Results in the navigation.
func (resultsView) PageNav() string { return "results" }

// Dims are the dimensions results group by, for the drop-downs.
func (resultsView) Dims() []string {
	out := make([]string, len(results.Dims))
	for i, d := range results.Dims {
		out[i] = string(d)
	}
	return out
}

// Err is the problem of field, or "".
func (v resultsView) Err(field string) string { return v.Errs[field] }

// Pct writes a percentage, or a dash.
func (resultsView) Pct(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f", *p)
}

// Rate writes a fraction as a percentage, or a dash.
func (resultsView) Rate(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f %%", 100**p)
}

// Num writes a mean or a median, or a dash.
func (resultsView) Num(p *float64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// SkippedOf says a group's skipped messages, and why, in one cell.
func (resultsView) SkippedOf(f results.Figures) string {
	var total int64
	var parts []string
	for _, r := range slices.Sorted(maps.Keys(f.Messages.Skipped)) {
		total += f.Messages.Skipped[r]
		parts = append(parts, fmt.Sprintf("%s %d", strings.ReplaceAll(r, "_", " "), f.Messages.Skipped[r]))
	}
	if total == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

// showResults is the Results page: what the follow-ups achieved over a
// period, per day in charts with their tables, and per the grouping
// chosen in a table.
func (c *console) showResults(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := resultsFormOf(r.URL.Query())
	if f.GroupBy == "" {
		f.GroupBy = "entry"
		if f.Entry != "" {
			f.GroupBy = "agent"
		}
	}
	view := resultsView{Form: f, Errs: map[string]string{}}
	entries, err := c.Service.Entries(ctx)
	if err != nil {
		return err
	}
	for _, e := range entries {
		view.Entries = append(view.Entries, entryOption{ID: e.ID, Name: e.Name})
		if e.ID == f.Entry {
			view.EntryName = e.Name
		}
	}
	groupBy := f.GroupBy
	if f.ThenBy != "" && f.ThenBy != f.GroupBy {
		groupBy += "," + f.ThenBy
	}
	daily, err := c.Service.Results(ctx, f.request("day"))
	if err == nil {
		var table usecase.ResultsAnswer
		table, err = c.Service.Results(ctx, f.request(groupBy))
		if err == nil {
			view.fill(daily, table)
		}
	}
	if err != nil {
		fe := validation.First(err)
		if fe == nil {
			return err
		}
		field := fe.Path
		if _, alone := results.ParseGroupBy(f.GroupBy); field == "group_by" && f.ThenBy != "" && alone == nil {
			field = "then_by" // the first is fine alone: the second is at fault
		}
		view.Errs[field] = fe.Message
		c.render(w, r, http.StatusBadRequest, "results", view)
		return nil
	}
	c.render(w, r, http.StatusOK, "results", view)
	return nil
}

// fill makes the page's charts and tables of the daily answer and the
// grouped one.
func (v *resultsView) fill(daily, table usecase.ResultsAnswer) {
	v.Form.From = daily.From.Format(results.DateLayout)
	v.Form.To = daily.To.Add(-time.Nanosecond).Format(results.DateLayout)
	v.Form.TZ = daily.TZ
	v.Shown = fmt.Sprintf("%s to %s, days in %s", v.Form.From, v.Form.To, daily.TZ)
	v.Totals = figuresRow{Figures: daily.Totals}
	q := url.Values{"order": {"lowest"}, "from": {v.Form.From}, "to": {v.Form.To}, "tz": {daily.TZ}}
	for k, val := range map[string]string{"entry": v.Form.Entry, "service": v.Form.Service, "agent": v.Form.Agent} {
		if val != "" {
			q.Set(k, val)
		}
	}
	v.AnswersLink = "/console/answers?" + q.Encode()

	var days []day
	var csat, nps []trendPoint
	var csatRows, npsRows []trendRow
	hasCSAT, hasNPS := daily.Totals.CSAT != nil, daily.Totals.NPS != nil
	for _, g := range daily.Groups {
		label := g.Key[results.Day]
		short := label
		if t, err := time.Parse(results.DateLayout, label); err == nil {
			short = t.Format("2 Jan")
		}
		days = append(days, day{Label: short, Sent: g.Surveys.Sent, Answered: g.Surveys.Answered, Rate: g.Surveys.ResponseRate})
		v.Days = append(v.Days, dayRow{Day: label, Sent: fmt.Sprint(g.Surveys.Sent), Answered: fmt.Sprint(g.Surveys.Answered),
			Rate: v.Rate(g.Surveys.ResponseRate)})
		csat = append(csat, trendPoint{Label: short, Value: g.CSAT})
		nps = append(nps, trendPoint{Label: short, Value: g.NPS})
		answered := fmt.Sprint(g.Surveys.Answered)
		csatRows = append(csatRows, trendRow{Day: label, Value: v.Pct(g.CSAT), Answers: answered})
		npsRows = append(npsRows, trendRow{Day: label, Value: v.Pct(g.NPS), Answers: answered})
	}
	v.Charts.Surveys = both(func(f frame) chart { return sentAnsweredChart(f, days) })
	if hasCSAT || !hasNPS {
		v.Charts.Trends = append(v.Charts.Trends, trendView{Name: "CSAT", Rows: csatRows,
			Chart: both(func(f frame) chart { return trendChart(f, csat, false) })})
	}
	if hasNPS {
		v.Charts.Trends = append(v.Charts.Trends, trendView{Name: "NPS", Rows: npsRows,
			Chart: both(func(f frame) chart { return trendChart(f, nps, true) })})
	}

	// One distribution per scale: a 5 of 5 and a 5 of 10 are not alike.
	for _, on := range scale.All {
		counts, ok := daily.Totals.ScoresByScale[string(on)]
		if !ok && (len(daily.Totals.ScoresByScale) > 0 || on != scale.CSAT) {
			continue
		}
		isNPS := on == scale.NPS
		var bars []scoreBar
		for _, n := range on.Scores() {
			class := "low"
			switch {
			case isNPS && scale.Promoter(n), !isNPS && scale.Satisfied(n):
				class = "high"
			case isNPS && !scale.Detractor(n):
				class = "mid"
			}
			bars = append(bars, scoreBar{Score: n, Count: counts[n], Class: class})
		}
		name, title := "CSAT", "Score distribution, 1-5"
		if isNPS {
			name, title = "NPS", "Score distribution, 0-10"
		}
		v.Charts.Scores = append(v.Charts.Scores, scoresView{Name: name, Bars: bars,
			Chart: both(func(f frame) chart { return scoreChart(f, "chart-scores-"+strings.ToLower(name), title, bars, isNPS) })})
	}

	for _, d := range table.GroupBy {
		v.GroupDims = append(v.GroupDims, string(d))
	}
	for _, g := range table.Groups {
		row := figuresRow{Figures: g.Figures}
		for _, d := range table.GroupBy {
			cell := keyCell{Dim: string(d), Value: g.Key[d]}
			if d == results.Entry && g.Key[d] != "" && v.Form.Entry == "" {
				cell.Link = "/console/results?" + url.Values{"entry": {g.Key[d]}, "from": {v.Form.From}, "to": {v.Form.To},
					"tz": {daily.TZ}}.Encode()
			}
			row.Keys = append(row.Keys, cell)
		}
		v.Groups = append(v.Groups, row)
	}
}

// answersView is the Answers page.
type answersView struct {
	Form    url.Values
	Entries []entryOption
	Errs    map[string]string
	Answers []answerRow
	// Next is the next page's link, CSV the export's.
	Next, First, CSV string
	Paged            bool
}

// answerRow is one answer as the page shows it.
type answerRow struct {
	usecase.ListedAnswer
	RunPath string
	Max     int
	Low     bool
}

// PageTitle is the browser tab's title.
func (answersView) PageTitle() string { return "Answers" }

// PageNav marks Answers in the navigation.
func (answersView) PageNav() string { return "answers" }

// Err is the problem of field, or "".
func (v answersView) Err(field string) string { return v.Errs[field] }

// answersRequest reads the Answers page's filters; lowest first unless
// it says otherwise.
func answersRequest(q url.Values) usecase.AnswersRequest {
	order := q.Get("order")
	if order == "" {
		order = "lowest"
	}
	return usecase.AnswersRequest{From: q.Get("from"), To: q.Get("to"), TZ: q.Get("tz"), Entry: q.Get("entry"),
		Service: q.Get("service"), Agent: q.Get("agent"), ScoreMin: q.Get("score_min"), ScoreMax: q.Get("score_max"),
		Order: order, Cursor: q.Get("cursor")}
}

// showAnswers lists survey answers, lowest scores first, each linking to
// its run, a page at a time.
func (c *console) showAnswers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	req := answersRequest(q)
	q.Set("order", req.Order)
	view := answersView{Form: q, Errs: map[string]string{}}
	entries, err := c.Service.Entries(ctx)
	if err != nil {
		return err
	}
	for _, e := range entries {
		view.Entries = append(view.Entries, entryOption{ID: e.ID, Name: e.Name})
	}
	page, err := c.Service.Answers(ctx, req)
	if err != nil {
		fe := validation.First(err)
		if fe == nil {
			return err
		}
		view.Errs[fe.Path] = fe.Message
		c.render(w, r, http.StatusBadRequest, "answers", view)
		return nil
	}
	for _, a := range page.Answers {
		on := scale.Of(a.Scale)
		view.Answers = append(view.Answers, answerRow{ListedAnswer: a, RunPath: runPath(a.WorkflowID), Max: on.Max(),
			Low: (on == scale.NPS && scale.Detractor(a.Score)) || (on == scale.CSAT && a.Score <= 2)})
	}
	filters := url.Values{}
	for k, vs := range q {
		if k != "cursor" && len(vs) > 0 && vs[0] != "" {
			filters.Set(k, vs[0])
		}
	}
	view.First = "/console/answers?" + filters.Encode()
	view.Paged = req.Cursor != ""
	if page.NextCursor != nil {
		next := url.Values{}
		for k, vs := range filters {
			next[k] = vs
		}
		next.Set("cursor", *page.NextCursor)
		view.Next = "/console/answers?" + next.Encode()
	}
	view.CSV = "/console/answers.csv?" + filters.Encode()
	c.render(w, r, http.StatusOK, "answers", view)
	return nil
}

// downloadAnswers is Download CSV: every answer the filters select, as
// GET /v1/answers streams them.
func (c *console) downloadAnswers(w http.ResponseWriter, r *http.Request) error {
	req := answersRequest(r.URL.Query())
	req.Cursor = ""
	if err := c.Service.CheckAnswers(r.Context(), req); err != nil {
		return err
	}
	out := export.NewWriter(w, export.CSV, "answers", export.AnswerHeader)
	err := c.Service.EachAnswer(r.Context(), req, func(a usecase.ListedAnswer) error {
		return out.Write(a, export.AnswerRecord(a))
	})
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		c.Log.ErrorContext(r.Context(), "answers export failed midway; dropping the connection", "error", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}
