package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(setVariable) }

// setVariable sets a context variable to its rendered value.
func setVariable(r *run, _ workflow.Context, s *entry.SetVariable, _ place) error {
	f := fields{vars: r.vars}
	value := f.text("value", s.Value)
	if f.err != nil {
		return f.err
	}
	r.vars[s.Name] = value
	return nil
}
