// Package conditions evaluates the CEL expressions of "if" steps, such as
// `survey.score <= 2`, over a run's variables. CEL is side-effect free and
// deterministic, so conditions are safe to evaluate inside workflow code.
package conditions

import (
	"errors"
	"fmt"

	"cel.dev/cel-go/cel"

	"github.com/ccflow/ccflow/core/vars"
)

// costLimit bounds the work one condition may do, so a pathological
// expression cannot stall a workflow task.
const costLimit = 100_000

// Check parses expr and reports a syntax error. Variables cannot be checked
// before a run, since event variables are only known then.
func Check(expr string) error {
	env, err := cel.NewEnv()
	if err != nil {
		return fmt.Errorf("creating CEL environment: %w", err)
	}
	if _, iss := env.Parse(expr); iss.Err() != nil {
		return fmt.Errorf("%q is not a valid CEL expression: %w", expr, iss.Err())
	}
	return nil
}

// Eval evaluates expr over v and returns its boolean result. Referring to a
// variable the run does not have, or a result that is not a bool, is an error.
func Eval(expr string, v vars.Vars) (bool, error) {
	nested := v.Nested()
	opts := []cel.EnvOption{cel.CrossTypeNumericComparisons(true)}
	for name := range nested {
		opts = append(opts, cel.Variable(name, cel.DynType))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return false, fmt.Errorf("creating CEL environment: %w", err)
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return false, fmt.Errorf("condition %q: %w", expr, iss.Err())
	}
	prg, err := env.Program(ast, cel.CostLimit(costLimit))
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", expr, err)
	}
	out, _, err := prg.Eval(nested)
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", expr, err)
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("condition %q: %w", expr, errNotBool)
	}
	return b, nil
}

var errNotBool = errors.New("result is not true or false")
