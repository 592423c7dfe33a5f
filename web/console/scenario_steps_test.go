package console

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
)

// A split added from the palette starts as an even A/B test; Add branch
// adds a branch named by the next free letter; a branch holds steps, and
// only the split's own button adds branches.
func TestASplitsBranchesAreBlocksOfTheirOwn(t *testing.T) {
	d := newDraft()

	require.NoError(t, d.apply(opAdd+":"+entry.StepSplit, "", ""))
	split := d.Steps[0]
	require.Len(t, split.Lists[kindBranches], 2)
	a, b := split.Lists[kindBranches][0], split.Lists[kindBranches][1]
	require.Equal(t, []string{"a", "b"}, []string{a.ID, b.ID})
	require.Equal(t, "50", a.Values[kindWeight])
	require.Equal(t, "a 50 % · b 50 %", blockSummary(split))

	require.NoError(t, d.apply(opAddBranch+":"+split.Key, "", ""))
	c := split.Lists[kindBranches][2]
	require.Equal(t, "c", c.ID)
	require.Equal(t, "sum-"+c.Key, d.Focus)

	require.NoError(t, d.apply(opAdd+":"+entry.StepSendSMS, a.Key+".steps", ""))
	require.Len(t, a.Lists["steps"], 1)

	require.Error(t, d.apply(opAdd+":"+entry.StepWait, split.Key+".branches", ""), "a step is no branch")
	require.Error(t, d.apply("", "", "wait@"+split.Key+".branches#0"), "nor dropped as one")
	require.Error(t, d.apply(opAddBranch+":"+a.Key, "", ""), "a branch has no branches")

	// The form: a's weight and the SMS's text, c removed, split given an id.
	split.ID = "length"
	a.Values[kindWeight], b.Values[kindWeight] = "70", "30"
	a.Lists["steps"][0].Values["text"] = "Rate us"
	require.NoError(t, d.apply(opRemove+":"+c.Key, "", ""))
	d.Name = "Split"
	d.Triggers = []*triggerDraft{{Key: "t1", Type: entry.TriggerDisposition, Disposition: "Problem solved"}}
	e, _, err := d.entry()
	require.NoError(t, err)
	entry.Normalize(&e)
	require.NoError(t, entry.Validate(e, entry.DefaultCatalog()))
	require.Equal(t, &entry.Split{Branches: []entry.Branch{
		{ID: "a", Weight: 70, Steps: []entry.Step{{Spec: &entry.SendSMS{Text: entry.Plain("Rate us")}}}},
		{ID: "b", Weight: 30},
	}}, e.Steps[0].Spec)
}

// Problems of a branch show beside its weight or id, and the split's
// beside its branches.
func TestProblemsOfBranchesAreShownBesideThem(t *testing.T) {
	d, err := draftFromEntry(entry.Entry{Steps: []entry.Step{{ID: "ab", Spec: &entry.Split{Branches: []entry.Branch{
		{ID: "a", Weight: 50, Steps: []entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}}, {ID: "b", Weight: 50}}}}}})
	require.NoError(t, err)
	split := d.Steps[0]
	a, b := split.Lists[kindBranches][0], split.Lists[kindBranches][1]
	b.Values[kindWeight] = "half"
	_, p, err := d.entry()
	require.True(t, d.place(err, p))
	require.Equal(t, []string{`"half" is not a whole percentage from 1 to 99`}, d.Errors[b.Key+".weight"])

	tests := []struct{ path, target, where string }{
		{"steps[0].branches", split.Key + ".branches", "Step 1 · Split · Branches"},
		{"steps[0].branches[1].weight", b.Key + ".weight", "Step 1 › Branches 2 · Branch · Weight"},
		{"steps[0].branches[0].id", a.Key + ".id", "Step 1 › Branches 1 · Branch · Branch id"},
		{"steps[0].branches[0].steps[0].duration", a.Lists["steps"][0].Key + ".duration", "Step 1 › Branches 1 › Steps 1 · Wait · Duration"},
	}
	for _, tt := range tests {
		target, where := d.locate(tt.path, p)
		require.Equal(t, tt.target, target, tt.path)
		require.Equal(t, tt.where, where, tt.path)
	}
}

func TestParseDraftKeepsBranchesInSplitsAndStepsOutOfThem(t *testing.T) {
	good := url.Values{"block": {"steps/b1", "b1.branches/b2", "b2.steps/b3"}, "b1.type": {"split"}, "b1.id": {"ab"},
		"b2.type": {"branch"}, "b2.id": {"a"}, "b2.f.weight": {"100"}, "b3.type": {"wait"}, "b3.f.duration": {"1d"}}
	d, err := parseDraft(good)
	require.NoError(t, err)
	require.Equal(t, "100", d.Steps[0].Lists["branches"][0].Values["weight"])

	for name, values := range map[string]url.Values{
		"a step among the branches":  {"block": {"steps/b1", "b1.branches/b2"}, "b1.type": {"split"}, "b2.type": {"wait"}},
		"a branch among the steps":   {"block": {"steps/b1"}, "b1.type": {"branch"}},
		"a branch in another's list": {"block": {"steps/b1", "b1.then/b2"}, "b1.type": {"if"}, "b2.type": {"branch"}},
	} {
		_, err := parseDraft(values)
		require.Error(t, err, name)
	}
}

// The days of a wait_until are one box each; the boxes ticked come back as
// the step's days.
func TestTheDaysOfAWaitUntilAreBoxes(t *testing.T) {
	d, err := parseDraft(url.Values{"block": {"steps/b1"}, "b1.type": {"wait_until"}, "b1.f.time": {"10:00"},
		"b1.f.days": {"mon", "fri"}, "name": {"x"}, "trigger": {"t1"}, "t1.type": {"disposition"}, "t1.disposition": {"Spam"}})
	require.NoError(t, err)
	e, _, err := d.entry()
	require.NoError(t, err)
	require.Equal(t, &entry.WaitUntil{Time: "10:00", Days: []string{"mon", "fri"}}, e.Steps[0].Spec)

	page := string(renderEntryScreen(t, &entryView{New: true, Action: "/console/entries/new", Draft: d}))
	require.Contains(t, page, `<input type="checkbox" name="b1.f.days" value="mon" checked>`)
	require.Contains(t, page, `<input type="checkbox" name="b1.f.days" value="tue">`)
}

func TestASamplePercentThatIsNoNumberIsShownBesideIt(t *testing.T) {
	d := newDraft()
	d.SamplePercent = "a fifth"
	_, p, err := d.entry()

	require.True(t, d.place(err, p))
	require.Equal(t, []string{`"a fifth" is not a whole number from 1 to 100`}, d.Errors["sample_percent"])
}

func TestThePolicyFormReadsCapsAndHolidays(t *testing.T) {
	f := parsePolicyForm(url.Values{"caps": {"any 4 per 2d\r\n sms 6 per 14d \r\n"}, "holidays": {"2026-12-25\r\n2027-01-01 Billing Support"},
		"holidays_quiet": {"1"}})
	p, errs := f.document()
	require.Empty(t, errs)
	require.Len(t, p.Caps, 2)
	require.Equal(t, "14d", p.Caps[1].Per)
	require.Equal(t, "Billing Support", p.Holidays[1].Service)
	require.True(t, p.HolidaysQuiet)
	back := policyFormOf(p)
	require.Equal(t, "any 4 per 2d\nsms 6 per 14d", back.Caps)
	require.Equal(t, "2026-12-25\n2027-01-01 Billing Support", back.Holidays)

	_, errs = parsePolicyForm(url.Values{"caps": {"four a day"}}).document()
	require.Equal(t, "caps", errs[0].Path)
	_, errs = parsePolicyForm(url.Values{"caps": {"any many per 2d"}}).document()
	require.Contains(t, errs[0].Message, `"many" is not a whole number`)
}
