package entry

import (
	"reflect"
	"slices"

	"github.com/ccflow/ccflow/core/i18n"
)

// Language is e's default_language, i18n.Default when it names none.
func (e Entry) Language() string {
	if e.DefaultLanguage == "" {
		return i18n.Default
	}
	return e.DefaultLanguage
}

// Languages lists the languages e has texts in: its default_language
// first, then every other language a text of its steps is written in,
// sorted.
func (e Entry) Languages() []string {
	def := e.Language()
	var others []string
	walkSteps(e.Steps, func(s Step) {
		eachText(s, func(_ string, t Text) {
			for _, tag := range t.Languages() {
				if tag != def && !slices.Contains(others, tag) {
					others = append(others, tag)
				}
			}
		})
	})
	slices.Sort(others)
	return append([]string{def}, others...)
}

// RunLanguage is the language a run of e reads, chosen once from the
// customer's language (customer.language, a BCP 47 tag, maybe empty): the
// closest of e's languages (Languages), else e's default_language. Every
// text of the run, and ccflow's own words on the survey and unsubscribe
// pages, follow it. It is a pure function of its inputs, as a workflow's
// replay needs.
func RunLanguage(e Entry, customerLanguage string) string {
	return i18n.Match(customerLanguage, e.Languages())
}

// eachText calls fn with every localized field of s's own (not nested
// steps'), by field name.
func eachText(s Step, fn func(field string, t Text)) {
	def := stepDefOf(s.Spec)
	if def == nil {
		return
	}
	v := reflect.ValueOf(s.Spec).Elem()
	for _, f := range def.fields {
		if f.goType == textType {
			fn(f.info.Name, v.Field(f.index).Interface().(Text))
		}
	}
}
