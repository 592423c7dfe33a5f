package conditions

import (
	"fmt"
	"strings"

	"github.com/ccflow/ccflow/core/vars"
)

// Decision is how a condition came out for one run.
type Decision struct {
	Holds bool
	// Missing names the variable the condition needed and the run does not
	// have, such as survey.score for a survey nobody answered: the
	// condition then does not hold.
	Missing string
}

// Decide evaluates expr over v as Eval does, except that a condition that
// needs a variable v does not have does not hold, and Missing says which:
// survey.score <= 2 and !(survey.score <= 2) alike, for an unanswered
// survey. Conditions that do not need the variable are unaffected: CEL's
// && and || take the side that decides, so survey.answered &&
// survey.score <= 2 is simply false. Any other failure (a result that is
// not true or false, values that cannot be compared) is still an error.
func Decide(expr string, v vars.Vars) (Decision, error) {
	c := compile(expr)
	if c.err != nil {
		return Decision{}, c.err
	}
	holds, err := c.run(v)
	switch {
	case err == nil:
		return Decision{Holds: holds}, nil
	case !isMissing(err):
		return Decision{}, fmt.Errorf("condition %q: %w", expr, err)
	}
	for _, path := range c.paths {
		if !has(v, path) {
			return Decision{Missing: path}, nil
		}
	}
	// Missing through an index, as in reply.body['id']: CEL says which key.
	return Decision{Missing: err.Error()}, nil
}

// isMissing tells whether CEL failed for want of a variable, or of a field
// or key inside one.
func isMissing(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "no such attribute") || strings.HasPrefix(msg, "no such key")
}

// has tells whether v has the variable path, or variables under it.
func has(v vars.Vars, path string) bool {
	if _, ok := v.Lookup(path); ok {
		return true
	}
	for name := range v {
		if strings.HasPrefix(name, path+".") {
			return true
		}
	}
	return false
}
