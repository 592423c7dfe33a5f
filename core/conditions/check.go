package conditions

import (
	"fmt"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
)

// Known describes the variables a run of an entry can have, for
// CheckVariables: the fields under each root whose fields are all known,
// such as ccflow's own (vars.Fields) and the answer an http_request step
// saves. A root not listed holds event variables, known only at run time.
type Known map[string][]string

// CheckVariables checks expr as a run will evaluate it, before any run:
//   - its syntax, as Check does;
//   - a field of a root in known that is not one of its fields, such as
//     survey.scor;
//   - what CEL's checker finds with every variable of any type, such as a
//     string compared with a number, or a function that does not exist;
//   - a result that can never be true or false.
func CheckVariables(expr string, known Known) error {
	env, err := baseEnv()
	if err != nil {
		return err
	}
	parsed, iss := env.Parse(expr)
	if iss.Err() != nil {
		return fmt.Errorf("%q is not a valid CEL expression: %w", expr, iss.Err())
	}
	roots, paths := references(parsed.NativeRep().Expr())
	for _, path := range paths {
		root, rest, dotted := strings.Cut(path, ".")
		fields, closed := known[root]
		if !closed || !dotted {
			continue
		}
		field, _, _ := strings.Cut(rest, ".")
		if !slices.Contains(fields, field) {
			return fmt.Errorf("%s is not a variable (under %s there are %s)", root+"."+field, root, listFields(root, fields))
		}
	}
	decls := make([]cel.EnvOption, 0, len(roots))
	for _, r := range roots {
		decls = append(decls, cel.Variable(r, cel.DynType))
	}
	if env, err = env.Extend(decls...); err != nil {
		return fmt.Errorf("declaring the variables of %q: %w", expr, err)
	}
	checked, iss := env.Check(parsed)
	if iss.Err() != nil {
		return fmt.Errorf("%q does not type-check: %w", expr, iss.Err())
	}
	if out := checked.OutputType(); !out.IsAssignableType(cel.BoolType) {
		return fmt.Errorf("%q gives %s, not true or false", expr, out)
	}
	return nil
}

// listFields lists a root's fields for a message: "survey.answered,
// survey.comment and survey.score".
func listFields(root string, fields []string) string {
	sorted := slices.Sorted(slices.Values(fields))
	names := make([]string, len(sorted))
	for i, f := range sorted {
		names[i] = root + "." + f
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
