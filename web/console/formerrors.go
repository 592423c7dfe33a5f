package console

// formErrors is what a form's page shows of the problems a post came back
// with: each beside the field it names (its target, as "add.address" or
// "default.accent"), and which element takes the focus. A view embeds it.
type formErrors struct {
	Errors map[string][]string
	Focus  string
}

// Err is the problems to show at target.
func (f *formErrors) Err(target string) []string { return f.Errors[target] }

// ErrID is the id of target's problems, for aria-describedby; "" when it
// has none.
func (f *formErrors) ErrID(target string) string {
	if len(f.Errors[target]) == 0 {
		return ""
	}
	return anchorOf(target) + "-error"
}

// Autofocus says whether the element with id takes the focus.
func (f *formErrors) Autofocus(id string) bool { return f.Focus == id }

// add keeps message as a problem at target.
func (f *formErrors) add(target, message string) {
	if f.Errors == nil {
		f.Errors = map[string][]string{}
	}
	f.Errors[target] = append(f.Errors[target], message)
}
