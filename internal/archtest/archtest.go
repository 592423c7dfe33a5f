// Package archtest checks ccflow's import graph against the rules its
// architecture rests on: the workflow code and the pure model link no
// database, mail or migration library, the model and the matcher neither
// Temporal nor HTTP, and config no activity or workflow. Its test runs
// `go list -deps` over the module, so it needs nothing but Go; a broken
// rule fails with the import chain that breaks it.
package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"path"
	"slices"
	"strings"
)

// Graph maps each package's import path to the paths it imports.
type Graph map[string][]string

// Load runs `go list -deps` on patterns in dir and returns the graph of
// every package they link, standard library included. Test files are left
// out: a test may link what the code it tests must not.
func Load(dir string, patterns ...string) (Graph, error) {
	args := append([]string{"list", "-deps", "-json=ImportPath,Imports,Error"}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, stderr.Bytes())
	}
	g := Graph{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
			Error      *struct{ Err string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading go list's answer: %w", err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("go list: package %s: %s", p.ImportPath, p.Error.Err)
		}
		g[p.ImportPath] = p.Imports
	}
	return g, nil
}

// Rule forbids the packages From matches to link (or, when Direct, to
// import) any package Forbidden matches. A pattern is an import path,
// or a path followed by "/..." for it and every package below it.
type Rule struct {
	// Why is the rule in a few words, for its failures.
	Why       string
	From      []string
	Forbidden []string
	// Direct limits the rule to the packages From imports itself.
	Direct bool
}

// Violation is a package that breaks a rule, with the chain of imports
// from it to the forbidden package.
type Violation struct {
	Rule  Rule
	Chain []string
}

func (v Violation) String() string {
	verb := "links"
	if v.Rule.Direct {
		verb = "imports"
	}
	return fmt.Sprintf("%s %s %s (%s): %s", v.Chain[0], verb, v.Chain[len(v.Chain)-1], v.Rule.Why, strings.Join(v.Chain, " -> "))
}

// Check returns every package of g that breaks rule, each with the
// shortest chain to each forbidden pattern it reaches, in a stable order.
// Packages whose name ends in "test" (such as validationtest) are test
// helpers, linked into tests only, and are not checked.
func (g Graph) Check(rule Rule) []Violation {
	var out []Violation
	for _, from := range slices.Sorted(maps.Keys(g)) {
		if !matchesAny(rule.From, from) || strings.HasSuffix(path.Base(from), "test") {
			continue
		}
		for _, forbidden := range rule.Forbidden {
			if chain := g.chain(from, forbidden, rule.Direct); chain != nil {
				out = append(out, Violation{Rule: rule, Chain: chain})
			}
		}
	}
	return out
}

// Matching returns the packages of g that pattern matches.
func (g Graph) Matching(pattern string) []string {
	var out []string
	for _, p := range slices.Sorted(maps.Keys(g)) {
		if match(pattern, p) {
			out = append(out, p)
		}
	}
	return out
}

// chain is the shortest chain of imports from one package to one that
// pattern matches, found breadth first; nil when there is none.
func (g Graph) chain(from, pattern string, direct bool) []string {
	parent := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, imp := range g[p] {
			if _, seen := parent[imp]; seen {
				continue
			}
			parent[imp] = p
			if match(pattern, imp) {
				var chain []string
				for at := imp; at != ""; at = parent[at] {
					chain = append(chain, at)
				}
				slices.Reverse(chain)
				return chain
			}
			if !direct {
				queue = append(queue, imp)
			}
		}
	}
	return nil
}

func matchesAny(patterns []string, p string) bool {
	return slices.ContainsFunc(patterns, func(pattern string) bool { return match(pattern, p) })
}

func match(pattern, p string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return p == base || strings.HasPrefix(p, base+"/")
	}
	return p == pattern
}
