// Package conditions evaluates the CEL expressions of "if" steps, such as
// `survey.score <= 2`, over a run's variables. CEL is side-effect free, and
// the variables reach it as maps that iterate their keys in sorted order,
// so a condition gives the same answer on every evaluation and every
// replay: safe to evaluate inside workflow code.
//
// Each expression is compiled once and its program reused, by every run
// and goroutine: programs are safe for concurrent use.
package conditions

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"cel.dev/cel-go/cel"

	"github.com/ccflow/ccflow/core/vars"
)

// costLimit bounds the work one condition may do, so a pathological
// expression cannot stall a workflow task.
const costLimit = 100_000

// Check parses expr and reports a syntax error. Variables cannot be checked
// before a run, since event variables are only known then.
func Check(expr string) error {
	env, err := baseEnv()
	if err != nil {
		return err
	}
	if _, iss := env.Parse(expr); iss.Err() != nil {
		return fmt.Errorf("%q is not a valid CEL expression: %w", expr, iss.Err())
	}
	return nil
}

// Eval evaluates expr over v and returns its boolean result. Referring to a
// variable the run does not have, or a result that is not a bool, is an error.
func Eval(expr string, v vars.Vars) (bool, error) {
	c := compile(expr)
	if c.err != nil {
		return false, c.err
	}
	if c.lacksRoot(v) {
		// The expression names a variable the run does not have at all.
		// evalUncompiled reports it as a condition compiled for exactly
		// this run's variables always has, in the checker's words.
		return evalUncompiled(expr, v)
	}
	return c.eval(v)
}

var errNotBool = errors.New("result is not true or false")

// compiled is an expression compiled once for every run.
type compiled struct {
	expr string
	prg  cel.Program
	// roots are the variables the expression names at its top level
	// (survey for survey.score), sorted: the activation holds those only.
	roots []string
	// paths are the variables it names, as dotted names (survey.score,
	// reply.body.id), in order of appearance.
	paths []string
	err   error
}

// lacksRoot tells whether v has no variable under one of c's roots.
func (c *compiled) lacksRoot(v vars.Vars) bool {
	have := make(map[string]bool, len(c.roots))
	for name := range v {
		root, _, _ := strings.Cut(name, ".")
		have[root] = true
	}
	return slices.ContainsFunc(c.roots, func(r string) bool { return !have[r] })
}

// eval runs c's program over v and wraps its error in the condition's.
func (c *compiled) eval(v vars.Vars) (bool, error) {
	b, err := c.run(v)
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", c.expr, err)
	}
	return b, nil
}

// run runs c's program over v. A root v lacks is missing from the
// activation, so CEL reports the attribute missing when it needs it.
func (c *compiled) run(v vars.Vars) (bool, error) {
	out, _, err := c.prg.Eval(activation(v, c.roots))
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, errNotBool
	}
	return b, nil
}

// maxCached bounds the cache: entries hold few distinct conditions, and a
// worker that has seen more than this many starts over rather than grow.
const maxCached = 4096

// compilations counts compileNew's work, for tests.
var compilations atomic.Int64

var cache struct {
	sync.Mutex
	byExpr map[string]*compiled
}

// compile returns expr compiled, from the cache when it was compiled
// before. Compiling twice at once is harmless: both results are the same.
func compile(expr string) *compiled {
	cache.Lock()
	c, ok := cache.byExpr[expr]
	cache.Unlock()
	if ok {
		return c
	}
	c = compileNew(expr)
	cache.Lock()
	defer cache.Unlock()
	if cache.byExpr == nil || len(cache.byExpr) >= maxCached {
		cache.byExpr = map[string]*compiled{}
	}
	cache.byExpr[expr] = c
	return c
}

// compileNew parses expr, declares each variable it names at its top level
// (with any type: event variables are known only at run time), checks it
// and plans its program.
func compileNew(expr string) *compiled {
	compilations.Add(1)
	c := &compiled{expr: expr}
	env, err := baseEnv()
	if err != nil {
		c.err = err
		return c
	}
	parsed, iss := env.Parse(expr)
	if iss.Err() != nil {
		c.err = fmt.Errorf("condition %q: %w", expr, iss.Err())
		return c
	}
	c.roots, c.paths = references(parsed.NativeRep().Expr())
	decls := make([]cel.EnvOption, 0, len(c.roots))
	for _, r := range c.roots {
		decls = append(decls, cel.Variable(r, cel.DynType))
	}
	if env, err = env.Extend(decls...); err != nil {
		c.err = fmt.Errorf("condition %q: declaring its variables: %w", expr, err)
		return c
	}
	checked, iss := env.Check(parsed)
	if iss.Err() != nil {
		c.err = fmt.Errorf("condition %q: %w", expr, iss.Err())
		return c
	}
	if c.prg, err = env.Program(checked, cel.CostLimit(costLimit)); err != nil {
		c.err = fmt.Errorf("condition %q: %w", expr, err)
	}
	return c
}

var base struct {
	once sync.Once
	env  *cel.Env
	err  error
}

// baseEnv is the environment every condition starts from: CEL's standard
// library, numbers of any type comparable with each other.
func baseEnv() (*cel.Env, error) {
	base.once.Do(func() {
		base.env, base.err = cel.NewEnv(cel.CrossTypeNumericComparisons(true))
		if base.err != nil {
			base.err = fmt.Errorf("creating CEL environment: %w", base.err)
		}
	})
	return base.env, base.err
}

// evalUncompiled compiles expr for the variables of v alone and evaluates
// it: the path of a condition that names a variable v lacks, whose checker
// error it returns.
func evalUncompiled(expr string, v vars.Vars) (bool, error) {
	roots := rootsOf(v)
	opts := []cel.EnvOption{cel.CrossTypeNumericComparisons(true)}
	for _, name := range roots {
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
	c := &compiled{expr: expr, prg: prg, roots: roots}
	return c.eval(v)
}

// rootsOf lists the top-level names of v's variables (survey for
// survey.score), sorted.
func rootsOf(v vars.Vars) []string {
	seen := map[string]bool{}
	for name := range v {
		root, _, _ := strings.Cut(name, ".")
		seen[root] = true
	}
	return slices.Sorted(maps.Keys(seen))
}
