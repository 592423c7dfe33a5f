package workflows

import "github.com/ccflow/ccflow/core/entry"

// setVariable sets a context variable to its rendered value.
func (r *run) setVariable(s entry.Step) error {
	f := fields{vars: r.vars}
	value := f.text("value", s.Value)
	if f.err != nil {
		return f.err
	}
	r.vars[s.Name] = value
	return nil
}
