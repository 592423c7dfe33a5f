package conditions

import (
	"maps"
	"slices"

	"cel.dev/cel-go/common/ast"
)

// references lists the variables e names: its free identifiers (roots,
// sorted, without the iteration variables of macros such as map and all)
// and the dotted names of the selections made from them (paths, in order of
// appearance), such as survey.score for `survey.score <= 2`.
func references(e ast.Expr) (roots, paths []string) {
	w := walker{bound: map[string]int{}}
	w.walk(e)
	return slices.Sorted(maps.Keys(w.roots)), w.paths
}

type walker struct {
	// bound counts the comprehensions that bind each name around the
	// expression being walked.
	bound map[string]int
	roots map[string]bool
	paths []string
}

func (w *walker) walk(e ast.Expr) {
	switch e.Kind() {
	case ast.IdentKind:
		w.ref(e.AsIdent(), e.AsIdent())
	case ast.SelectKind:
		if root, path, ok := w.selection(e); ok {
			w.ref(root, path)
			return
		}
		w.walk(e.AsSelect().Operand())
	case ast.CallKind:
		call := e.AsCall()
		if call.IsMemberFunction() {
			w.walk(call.Target())
		}
		for _, arg := range call.Args() {
			w.walk(arg)
		}
	case ast.ListKind:
		for _, elem := range e.AsList().Elements() {
			w.walk(elem)
		}
	case ast.MapKind:
		for _, entry := range e.AsMap().Entries() {
			w.walk(entry.AsMapEntry().Key())
			w.walk(entry.AsMapEntry().Value())
		}
	case ast.StructKind:
		for _, field := range e.AsStruct().Fields() {
			w.walk(field.AsStructField().Value())
		}
	case ast.ComprehensionKind:
		c := e.AsComprehension()
		w.walk(c.IterRange())
		w.walk(c.AccuInit())
		names := []string{c.IterVar(), c.AccuVar()}
		if c.HasIterVar2() {
			names = append(names, c.IterVar2())
		}
		for _, n := range names {
			w.bound[n]++
		}
		w.walk(c.LoopCondition())
		w.walk(c.LoopStep())
		w.walk(c.Result())
		for _, n := range names {
			w.bound[n]--
		}
	}
}

// ref records a reference to the variable path under root, unless a
// comprehension binds root.
func (w *walker) ref(root, path string) {
	if w.bound[root] > 0 {
		return
	}
	if w.roots == nil {
		w.roots = map[string]bool{}
	}
	w.roots[root] = true
	if !slices.Contains(w.paths, path) {
		w.paths = append(w.paths, path)
	}
}

// selection reads a chain of field selections from an identifier, such as
// reply.body.id, as its root and dotted path.
func (w *walker) selection(e ast.Expr) (root, path string, ok bool) {
	switch e.Kind() {
	case ast.IdentKind:
		return e.AsIdent(), e.AsIdent(), true
	case ast.SelectKind:
		sel := e.AsSelect()
		root, path, ok := w.selection(sel.Operand())
		return root, path + "." + sel.FieldName(), ok
	}
	return "", "", false
}
