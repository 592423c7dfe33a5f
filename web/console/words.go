package console

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/examples"
)

// Trigger types as the entry screen names them (SPEC's labels).
var triggerTypeLabels = []struct{ Type, Label string }{
	{entry.TriggerDisposition, "Interaction ends with disposition"},
	{entry.TriggerCaseDisposition, "Non-final case disposition"},
	{entry.TriggerAverageSentiment, "Average sentiment"},
}

// operatorWords says a sentiment operator in words.
func operatorWords(op string) string {
	switch op {
	case "<":
		return "less than"
	case ">":
		return "greater than"
	}
	return strconv.Quote(op)
}

// triggerWords says a trigger the way the entries list and the entry
// screen show it: `Interaction ends with disposition "Problem solved"`,
// `Average sentiment greater than 51 %`.
func triggerWords(typ, disposition, operator, percent string) string {
	switch typ {
	case entry.TriggerDisposition:
		return "Interaction ends with disposition “" + disposition + "”"
	case entry.TriggerCaseDisposition:
		return "Non-final case disposition “" + disposition + "”"
	case entry.TriggerAverageSentiment:
		return "Average sentiment " + operatorWords(operator) + " " + percent + " %"
	case "":
		return "A trigger without a type"
	}
	return "Trigger of type " + strconv.Quote(typ)
}

// entryTriggerWords says the triggers of e.
func entryTriggerWords(e entry.Entry) []string {
	var out []string
	for _, t := range e.Triggers {
		pct := ""
		if t.Threshold != nil {
			pct = formatPercent(*t.Threshold)
		}
		out = append(out, triggerWords(t.Type, t.Disposition, t.Operator, pct))
	}
	return out
}

// sentimentSentence is SPEC's sentence under the slider: "A workflow is
// triggered if the average sentiment is greater than 0.51".
func sentimentSentence(operator, percent string) string {
	value := "…"
	if pct, err := strconv.ParseFloat(percent, 64); err == nil {
		value = strconv.FormatFloat(pct/100, 'f', -1, 64)
	}
	return "A workflow is triggered if the average sentiment is " + operatorWords(operator) + " " + value
}

// maxSummary bounds a block's one-line summary, in characters.
const maxSummary = 80

// blockSummary is the line a closed block shows after its type: its
// required values first, then the others, as written.
func blockSummary(b *block) string {
	if !b.known() {
		return ""
	}
	var parts []string
	switch {
	case b.Type == branchType:
		if w := strings.TrimSpace(b.Values[kindWeight]); w != "" {
			return w + " %"
		}
		return ""
	case holdsBranches(b.Type, kindBranches):
		// A split: its branches and their weights.
		for _, br := range b.Lists[kindBranches] {
			parts = append(parts, strings.TrimSpace(br.ID+" "+strings.TrimSpace(br.Values[kindWeight])+" %"))
		}
	}
	fields := valueFields(b.Type)
	for _, required := range []bool{true, false} {
		for _, f := range fields {
			v := strings.Join(strings.Fields(b.Values[f.Name]), " ")
			if f.Kind == kindDays {
				v = strings.ReplaceAll(v, ",", ", ")
			}
			if f.Required == required && v != "" {
				parts = append(parts, v)
			}
		}
	}
	s := strings.Join(parts, " · ")
	if utf8.RuneCountInString(s) > maxSummary {
		s = string([]rune(s)[:maxSummary-1]) + "…"
	}
	return s
}

// varGroup is one group of template variables the entry screen lists.
type varGroup struct {
	Title string
	Note  string
	Names []string
}

// eventVariables are the variables an ended interaction gives, by root,
// read from SPEC's example event (which sets every field) so that the list
// follows the event model.
var eventVariables = func() map[string][]string {
	var ev interaction.Event
	if err := json.Unmarshal(examples.InteractionEnded, &ev); err != nil {
		panic("console: the example event does not decode: " + err.Error())
	}
	backend := ev.Variables
	ev.Variables = nil
	groups := map[string][]string{}
	for _, name := range ev.Vars().Names() {
		root, _, _ := strings.Cut(name, ".")
		groups[root] = append(groups[root], name)
	}
	for name := range backend {
		groups[""] = append(groups[""], name)
	}
	for _, names := range groups {
		slices.Sort(names)
	}
	return groups
}()

// variables lists the variables the draft's templates can use: the
// event's, the entry's, those its steps set, and those of on_error steps.
func (d *draft) variables() []varGroup {
	groups := []varGroup{
		{Title: "Interaction", Names: eventVariables["interaction"]},
		{Title: "Customer", Names: eventVariables["customer"]},
		{Title: "Agent", Names: eventVariables["agent"]},
		{Title: "Case", Names: eventVariables["case"]},
		{Title: "Sent by the contact-center backend", Note: "Any name in the event's variables, e.g.", Names: eventVariables[""]},
		{Title: "Entry", Names: []string{"entry.id", "entry.name", "entry.version"}},
		{Title: "Run", Note: "The language the run chose for its texts from the customer's:", Names: []string{"run.language"}},
	}
	var survey, fallback bool
	var set []string
	d.walk(func(b *block, _ string, _ int) {
		switch b.Type {
		case entry.StepSendSurvey:
			survey = true
		case entry.StepWaitForEvent:
			if name := strings.TrimSpace(b.Values["name"]); name != "" {
				set = append(set, name+".received", name+".at", name+".<field>")
			}
		case entry.StepSplit:
			if b.ID != "" {
				set = append(set, "split."+b.ID)
			}
		}
		if len(b.Lists["fallback"]) > 0 {
			fallback = true
		}
		for _, f := range valueFields(b.Type) {
			name := strings.TrimSpace(b.Values[f.Name])
			if f.Kind != "variable" || name == "" {
				continue
			}
			if f.Name == "save_as" {
				set = append(set, name+".status", name+".body")
				continue
			}
			set = append(set, name)
		}
	})
	if survey {
		groups = append(groups, varGroup{Title: "After a survey", Names: []string{"survey.url", "survey.scale", "survey.answered", "survey.score", "survey.comment", "survey.answer_by"}},
			varGroup{Title: "In a survey email", Note: "One link per score: the buttons in its HTML, a list in its text.", Names: []string{"survey.rating_links"}})
	}
	if len(set) > 0 {
		slices.Sort(set)
		groups = append(groups, varGroup{Title: "Set by steps of this entry", Names: slices.Compact(set)})
	}
	if fallback {
		groups = append(groups, varGroup{Title: "In fallback steps", Note: "Why the message did not reach the customer, e.g. opted out or undelivered 30007.",
			Names: []string{"message.fallback"}})
	}
	groups = append(groups, varGroup{Title: "In on-error steps", Names: []string{"error.message", "error.step"}})
	return groups
}

// palette is the step types as the palette offers them: by the group
// each type's definition names (entry.StepGroups: surveys and messages
// first, then time and flow, then data), and by name within a group.
func palette() []entry.StepType {
	types := entry.StepTypes() // sorted by name
	groups := entry.StepGroups()
	slices.SortStableFunc(types, func(a, b entry.StepType) int {
		return slices.Index(groups, a.Group) - slices.Index(groups, b.Group)
	})
	return types
}
