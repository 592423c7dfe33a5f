package console

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/policy"
)

func threshold(v float64) *float64 { return &v }

// richEntry has a step of every type, lists nested in lists, on_error
// steps, headers, a message of several lines and every kind of trigger.
func richEntry() entry.Entry {
	return entry.Entry{
		ID: "post-call-survey", Name: "Post-call survey", Service: "Billing Support", Enabled: true,
		Triggers: []entry.Trigger{
			{Type: entry.TriggerDisposition, Disposition: "Problem solved"},
			{Type: entry.TriggerCaseDisposition, Disposition: "Needs approval"},
			{Type: entry.TriggerAverageSentiment, Operator: ">", Threshold: threshold(0.51)},
			{Type: entry.TriggerAverageSentiment, Operator: "<", Threshold: threshold(-0.125)},
		},
		QuietHours:             policy.QuietHours{policy.ChannelSMS: {Start: "09:00", End: "20:30"}, policy.ChannelEmail: nil},
		CancelOnNewInteraction: true,
		Steps: []entry.Step{
			{ID: "survey", Spec: &entry.SendSurvey{Channel: "email", Question: entry.Plain("How did we do, $(customer.first_name)?"),
				Subject: entry.Plain("Your call"), Text: entry.Plain("\nHi $(customer.first_name),\r\n\nrate us: $(survey.url)\n"), Wait: "1d"},
				OnError: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("We could not reach you: $(error.message)")}}}},
			{ID: "pause", Spec: &entry.Wait{Duration: "30m"}},
			{ID: "check", Spec: &entry.If{Condition: "survey.answered && survey.score <= 2",
				Then: []entry.Step{
					{ID: "sorry", Spec: &entry.SendSMS{To: "$(customer.phone)", Text: entry.Plain("Sorry <3 & thanks")}},
					{Spec: &entry.SetVariable{Name: "followup.sent", Value: "yes"}},
				},
				Else: []entry.Step{{Spec: &entry.HTTPRequest{Method: "POST", URL: "https://crm.example.com/notes",
					Headers: map[string]string{"X-Source": "ccflow", "X-Entry": "$(entry.id)"}, Body: `{"score": $(survey.score)}`,
					Timeout: "30s", SaveAs: "crm"}}}}},
			{ID: "later", Spec: &entry.ScheduleEvent{Name: "follow-up", After: "1w",
				Steps: []entry.Step{{ID: "follow-up-email", Spec: &entry.SendEmail{Subject: entry.Plain("Still fine?"), Text: entry.Plain("Hello"), HTML: entry.Plain("<p>Hello</p>")}}}}},
			{Spec: &entry.ClearEvent{Name: "follow-up"}},
			{ID: "callback", Spec: &entry.WaitUntil{Time: "10:00", Days: []string{"mon", "wed", "fri"}, AtLeast: "12h"}},
			{ID: "closed", Spec: &entry.WaitForEvent{Name: "case_closed", Timeout: "5d"}},
			{ID: "length", Spec: &entry.Split{Branches: []entry.Branch{
				{ID: "short", Weight: 60, Steps: []entry.Step{{ID: "short-sms", Spec: &entry.SendSMS{Text: entry.Plain("Rate us 1-5"), FallbackAfter: "30m",
					Fallback: []entry.Step{{ID: "short-email", Spec: &entry.SendEmail{Subject: entry.Plain("Rate us"), Text: entry.Plain("Because $(message.fallback)")}}}}}}},
				{ID: "control", Weight: 40},
			}}},
		},
		SamplePercent: ptrTo(20),
	}
}

func ptrTo[T any](v T) *T { return &v }

// formValues reads the entry screen's form as a browser sends it, with
// the Save button as the submitter.
func formValues(t *testing.T, page []byte) url.Values {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	require.NoError(t, err)
	var form *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "form" && attr(n, "id") == "editor" {
			form = n
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	require.NotNil(t, form, "the page has the editor form")
	values := url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name := attr(n, "name")
			switch {
			case name == "" || hasAttr(n, "disabled"):
			case n.Data == "input":
				switch attr(n, "type") {
				case "checkbox", "radio":
					if hasAttr(n, "checked") {
						values.Add(name, valueOr(n, "on"))
					}
				case "submit", "button", "image", "reset":
				default:
					values.Add(name, attr(n, "value"))
				}
			case n.Data == "textarea":
				values.Add(name, text(n))
			case n.Data == "select":
				values.Add(name, selected(n))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	values.Set(fieldOp, opSave)
	return values
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func valueOr(n *html.Node, def string) string {
	if hasAttr(n, "value") {
		return attr(n, "value")
	}
	return def
}

func text(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	// A browser sends a text area's lines ending in CR LF.
	return strings.ReplaceAll(strings.ReplaceAll(b.String(), "\r\n", "\n"), "\n", "\r\n")
}

func selected(sel *html.Node) string {
	var first, chosen *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "option" {
			if first == nil {
				first = n
			}
			if hasAttr(n, "selected") && chosen == nil {
				chosen = n
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(sel)
	if chosen == nil {
		chosen = first
	}
	if chosen == nil {
		return ""
	}
	if hasAttr(chosen, "value") {
		return attr(chosen, "value")
	}
	return text(chosen)
}

// renderEntryScreen renders the entry screen of view as the console does.
func renderEntryScreen(t *testing.T, view *entryView) []byte {
	t.Helper()
	static, err := loadStatic()
	require.NoError(t, err)
	pages, err := loadPages(static)
	require.NoError(t, err)
	view.fill(entry.DefaultCatalog(), []string{"Billing Support", "Claims"})
	var buf bytes.Buffer
	require.NoError(t, pages.byName["entry"].ExecuteTemplate(&buf, "layout.html", page{View: view, CSRF: "token"}))
	return buf.Bytes()
}

// The form holds the whole entry: shown and posted back unchanged, it is
// the entry it showed, message bodies and their line ends included.
func TestAnEntryShownAndSavedUnchangedIsTheSameEntry(t *testing.T) {
	want := richEntry()
	want.Version = 3
	entry.Normalize(&want)
	require.NoError(t, entry.Validate(want, entry.DefaultCatalog()), "the fixture is a valid entry")
	want.Steps[0].Spec.(*entry.SendSurvey).Text = entry.Plain("\nHi $(customer.first_name),\n\nrate us: $(survey.url)\n") // as the form keeps it
	d, err := draftFromEntry(want)
	require.NoError(t, err)

	page := renderEntryScreen(t, &entryView{ID: want.ID, Action: entryPath(want.ID), Draft: d})
	posted, err := parseDraft(formValues(t, page))
	require.NoError(t, err)
	posted.ID = want.ID
	got, _, err := posted.entry()
	require.NoError(t, err)
	entry.Normalize(&got)

	require.Equal(t, want.Definition(), got.Definition())
	require.Equal(t, 3, posted.Version, "the version the form was loaded from comes back")
}

func TestTheScreenOfANewEntryPostsAnEmptyDraft(t *testing.T) {
	page := renderEntryScreen(t, &entryView{New: true, Action: "/console/entries/new", Draft: newDraft()})

	d, err := parseDraft(formValues(t, page))

	require.NoError(t, err)
	require.Equal(t, &draft{Enabled: true, Quiet: map[string]*quietDraft{"email": {}, "sms": {}}}, d)
}

// threeSteps is a draft of a wait, an if whose then holds an SMS, and an
// email: b1, b2 (b3 inside), b4.
func threeSteps(t *testing.T) *draft {
	t.Helper()
	d, err := draftFromEntry(entry.Entry{Steps: []entry.Step{
		{Spec: &entry.Wait{Duration: "1d"}},
		{Spec: &entry.If{Condition: "x", Then: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("hi")}}}}},
		{Spec: &entry.SendEmail{Subject: entry.Plain("s"), Text: entry.Plain("t")}},
	}})
	require.NoError(t, err)
	return d
}

// shape writes a list of blocks as "key(list: …)" for comparisons.
func shape(blocks []*block) string {
	var parts []string
	for _, b := range blocks {
		s := b.Key
		for _, f := range listFields(b.Type) {
			if l := b.Lists[f.Name]; len(l) > 0 {
				s += "(" + f.Name + ": " + shape(l) + ")"
			}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestApplyEditsTheDraft(t *testing.T) {
	tests := []struct {
		name, op, target, drop string
		want                   string
		focus                  string
	}{
		{"move down", "down:b1", "", "", "b2(then: b3) b1 b4", "down-b1"},
		{"move up to the top", "up:b2", "", "", "b2(then: b3) b1 b4", "down-b2"},
		{"move up at the top does nothing", "up:b1", "", "", "b1 b2(then: b3) b4", ""},
		{"move down to the end", "down:b2", "", "", "b1 b4 b2(then: b3)", "up-b2"},
		{"remove", "remove:b2", "", "", "b1 b4", "sum-b4"},
		{"remove the last", "remove:b4", "", "", "b1 b2(then: b3)", "sum-b2"},
		{"add to the end", "add:wait", "", "", "b1 b2(then: b3) b4 b5", "sum-b5"},
		{"add into a nested list", "add:send_email", "b2.then", "", "b1 b2(then: b3 b5) b4", "sum-b5"},
		{"add an else", "add:wait", "b2.else", "", "b1 b2(then: b3)(else: b5) b4", "sum-b5"},
		{"add on error", "add:wait", "b1.on_error", "", "b1(on_error: b5) b2(then: b3) b4", "sum-b5"},
		{"drop at a place", "", "", "send_sms@steps#1", "b1 b5 b2(then: b3) b4", "sum-b5"},
		{"drop into a nested list", "", "", "wait@b2.then#0", "b1 b2(then: b5 b3) b4", "sum-b5"},
		{"refresh after a drag", "refresh", "", "", "b1 b2(then: b3) b4", ""},
		{"a post without a change", "", "", "", "b1 b2(then: b3) b4", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := threeSteps(t)

			require.NoError(t, d.apply(tt.op, tt.target, tt.drop))

			require.Equal(t, tt.want, shape(d.Steps))
			require.Equal(t, tt.focus, d.Focus)
		})
	}
}

func TestApplyRefusesChangesTheScreenNeverPosts(t *testing.T) {
	for _, tt := range []struct{ op, target, drop string }{
		{"explode", "", ""},
		{"up:b9", "", ""},
		{"add:fax", "", ""},
		{"add:wait", "b1.then", ""},  // a wait has no then
		{"add:wait", "b9.then", ""},  // no such block
		{"", "", "wait@steps"},       // no index
		{"", "", "fax@steps#0"},      // no such type
		{"apply-trigger:t9", "", ""}, // no such trigger
	} {
		t.Run(tt.op+tt.target+tt.drop, func(t *testing.T) {
			require.Error(t, threeSteps(t).apply(tt.op, tt.target, tt.drop))
		})
	}
}

func TestTriggersAreAddedEditedAndRemoved(t *testing.T) {
	d := newDraft()

	require.NoError(t, d.apply(opAddTrigger, "", ""))
	require.Len(t, d.Triggers, 1)
	tr := d.Triggers[0]
	require.True(t, tr.Editing)
	require.Equal(t, ">", tr.Operator)
	require.Equal(t, "f-"+tr.Key+"-type", d.Focus)

	tr.Editing = false
	require.NoError(t, d.apply(opEditTrigger+":"+tr.Key, "", ""))
	require.True(t, tr.Editing)

	require.NoError(t, d.apply(opRemoveTrigger+":"+tr.Key, "", ""))
	require.Empty(t, d.Triggers)
	require.Equal(t, "add-trigger", d.Focus)
}

func TestParseDraftRefusesFormsTheConsoleNeverMakes(t *testing.T) {
	tests := []struct {
		name   string
		values url.Values
	}{
		{"a key given twice", url.Values{"block": {"steps/b1", "steps/b1"}, "b1.type": {"wait"}}},
		{"a key of another shape", url.Values{"block": {"steps/x1"}}},
		{"a place without a list", url.Values{"block": {"b1"}}},
		{"a list of no block", url.Values{"block": {"b7.then/b1"}, "b1.type": {"wait"}}},
		{"a list its block's type does not have", url.Values{"block": {"steps/b1", "b1.then/b2"}, "b1.type": {"wait"}, "b2.type": {"wait"}}},
		{"blocks inside each other", url.Values{"block": {"b2.then/b1", "b1.then/b2"}, "b1.type": {"if"}, "b2.type": {"if"}}},
		{"a trigger key given twice", url.Values{"trigger": {"t1", "t1"}}},
		{"a version that is no number", url.Values{"version": {"two"}}},
		{"too many blocks", url.Values{"block": make([]string, maxDraftBlocks+1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDraft(tt.values)
			require.Error(t, err)
		})
	}
}

func TestParseDraftKeepsTextAreasLinesAsEntriesDo(t *testing.T) {
	d, err := parseDraft(url.Values{"block": {"steps/b1"}, "b1.type": {"send_sms"}, "b1.f.text": {"Hi,\r\nthanks\r\n"}})

	require.NoError(t, err)
	require.Equal(t, "Hi,\nthanks\n", d.Steps[0].Values["text"])
}

func TestProblemsAreShownBesideTheFieldTheyName(t *testing.T) {
	d := threeSteps(t)
	require.NoError(t, d.apply(opAddTrigger, "", ""))
	d.Triggers[0].Type = entry.TriggerCaseDisposition
	d.Triggers[0].Editing = false
	_, p, err := d.entry()
	require.NoError(t, err)

	tests := []struct {
		path, target, where string
	}{
		{"name", "name", "Name"},
		{"id", "name", "Name"},
		{"service", "service", "Service"},
		{"triggers", "triggers", "Triggers"},
		{"triggers[0].disposition", d.Triggers[0].Key + ".case_disposition", "Trigger 1 · Disposition"},
		{"triggers[0].threshold", d.Triggers[0].Key + ".percent", "Trigger 1 · Threshold"},
		{"triggers[7].type", "triggers", "Triggers"},
		{"steps", "scenario", "Scenario"},
		{"steps[0].duration", "b1.duration", "Step 1 · Wait · Duration"},
		{"steps[0].id", "b1.id", "Step 1 · Wait · Step id"},
		{"steps[0]", "b1", "Step 1 · Wait"},
		{"steps[1].then", "b2.then", "Step 2 · If · Then"},
		{"steps[1].then[0].text", "b3.text", "Step 2 › Then 1 · Send SMS · Text"},
		{"steps[1].on_error[0].type", "b2.on_error", "Step 2 · If · On error"},
		{"steps[2].headers.X-A", "b4", "Step 3 · Send email"},
		{"quiet_hours.sms.start", "quiet.sms.start", "Quiet hours"},
		{"quiet_hours.fax", "quiet.fax", "Quiet hours"},
		{"cancel_on_new_interaction", "cancel_on_new_interaction", "Stop when the customer contacts us again"},
		{"", "form", "Entry"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			target, where := d.locate(tt.path, p)

			require.Equal(t, tt.target, target)
			require.Equal(t, tt.where, where)
		})
	}
	require.True(t, d.Triggers[0].Editing, "a trigger with a problem shows its fields")
	require.True(t, d.block("b1").Open, "a block with a problem shows its form")
}

func TestPlaceListsEveryProblemOnce(t *testing.T) {
	d := threeSteps(t)
	d.block("b1").Values["duration"] = "3 dayz"
	e, p, err := d.entry()
	require.NoError(t, err)
	entry.Normalize(&e)

	require.True(t, d.place(entry.Validate(e, entry.DefaultCatalog()), p))

	require.Equal(t, []string{"is required"}, d.Errors["name"])
	require.Equal(t, []string{"at least one trigger is required"}, d.Errors["triggers"])
	require.Contains(t, d.Errors["b1.duration"][0], `"3 dayz" is not a duration`)
	require.Len(t, d.Summary, 3)
	require.Equal(t, summaryItem{Where: "Name", Message: "is required", Anchor: "#f-name"}, d.Summary[0])
}

func TestAHeaderLineWithoutAColonIsAProblemOfTheHeaders(t *testing.T) {
	d, err := draftFromEntry(entry.Entry{Steps: []entry.Step{{Spec: &entry.HTTPRequest{URL: "https://x.example"}}}})
	require.NoError(t, err)
	d.Steps[0].Values["headers"] = "X-A: 1\nnot a header"

	_, p, err := d.entry()

	require.True(t, d.place(err, p))
	require.Equal(t, []string{`line 2, "not a header", is not a header: write one per line as Name: value`}, d.Errors["b1.headers"])
}

func TestTriggersInWords(t *testing.T) {
	require.Equal(t, []string{
		"Interaction ends with disposition “Problem solved”",
		"Non-final case disposition “Needs approval”",
		"Average sentiment greater than 51 %",
		"Average sentiment less than -12.5 %",
	}, entryTriggerWords(richEntry()))
	require.Equal(t, "A workflow is triggered if the average sentiment is greater than 0.51", sentimentSentence(">", "51"))
	require.Equal(t, "A workflow is triggered if the average sentiment is less than -1", sentimentSentence("<", "-100"))
	for threshold, want := range map[float64]string{0.51: "51", -0.125: "-12.5", 1: "100", 0.07: "7", 0: "0"} {
		require.Equal(t, want, formatPercent(threshold))
	}
}

func TestThePaletteOffersEveryStepTypeOnce(t *testing.T) {
	var got []string
	for _, st := range palette() {
		got = append(got, st.Type)
	}
	var want []string
	for _, st := range entry.StepTypes() {
		want = append(want, st.Type)
	}
	require.ElementsMatch(t, want, got)
	require.Equal(t, []string{entry.StepSendSurvey, entry.StepSendEmail, entry.StepSendSMS,
		entry.StepWait, entry.StepWaitForEvent, entry.StepWaitUntil, entry.StepIf, entry.StepSplit},
		got[:8], "surveys and messages first, then time and flow, each type where its definition files it")
}

// The pages are the templates, less the frames they are rendered in.
func TestThePagesAreTheTemplates(t *testing.T) {
	names, err := pageNames()
	require.NoError(t, err)
	require.Subset(t, names, []string{"sign-in", "message", "entries", "entry", "versions", "runs", "run", "try", "opt-outs"})
	require.NotContains(t, names, "layout")
	require.NotContains(t, names, "parts")
}

func TestVariablesFollowTheSteps(t *testing.T) {
	d, err := draftFromEntry(richEntry())
	require.NoError(t, err)

	groups := map[string][]string{}
	for _, g := range d.variables() {
		groups[g.Title] = g.Names
	}

	require.Contains(t, groups["Customer"], "customer.first_name")
	require.Contains(t, groups["Sent by the contact-center backend"], "order_id")
	require.Contains(t, groups["After a survey"], "survey.score")
	require.Equal(t, []string{"case_closed.<field>", "case_closed.at", "case_closed.received", "crm.body", "crm.status",
		"followup.sent", "split.length"}, groups["Set by steps of this entry"])
	require.Equal(t, []string{"message.fallback"}, groups["In fallback steps"])
}
