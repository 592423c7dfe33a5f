package entry

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/ccflow/ccflow/core/validation"
)

// StepSplit is the type of Split steps.
const StepSplit = "split"

// Bounds of a split.
const (
	// MaxBranches bounds the branches of one split.
	MaxBranches = 20
	// WeightTotal is what a split's weights sum to: each is a share of
	// runs in percent.
	WeightTotal = 100
)

// Split runs one of its branches, chosen by weight from a hash of the
// workflow ID and the step's id (ChooseBranch), so a run always takes the
// same branch, replays included, and two splits of an entry choose
// independently. It sets split.<step id> to the branch's id.
type Split struct {
	Branches []Branch `json:"branches" kind:"branches" required:"true" label:"Branches" help:"Two or more branches, each with an id, a weight (a whole percentage; the weights sum to 100) and its steps; every run takes one, at random by weight, and split.<step id> says which."`
}

// Branch is one branch of a split. Its tags describe it for forms
// (BranchFields); decodeBranch and checkBranches read it.
type Branch struct {
	ID     string `json:"id" kind:"step_id" label:"Branch id" help:"Names the branch in split.<step id> and in results, such as a, b or short-survey: letters, digits, '_' and '-'."`
	Weight int    `json:"weight" kind:"weight" label:"Weight" help:"The share of runs that take this branch, a whole percentage from 1 to 99; the weights of a split sum to 100."`
	Steps  []Step `json:"steps,omitempty" kind:"steps" label:"Steps" help:"The steps this branch runs; none makes it a control group that runs nothing."`
}

func init() {
	define[Split](StepSplit, "Split",
		"Sends each run down one of several branches, by weight, to compare them (A/B tests); the same run always takes the same branch.", inGroup(GroupBranching))
}

// requiresID: split.<id> and the hash that chooses the branch need a
// stable name, which a step's place in the entry is not.
func (*Split) requiresID() string {
	return "is required for a split: it names split.<id> and keeps each run's branch when steps move"
}

// check has nothing to add: the branches' kind checks them whole.
func (*Split) check(*checker) {}

// defines is the root a split sets, split.<step id>.
func (*Split) defines() []string { return []string{"split"} }

// BranchFields describes the fields of a split's branch for forms, read
// from Branch's tags.
func BranchFields() []StepField {
	var out []StepField
	for sf := range reflect.TypeFor[Branch]().Fields() {
		f, err := parseField(sf, sf.Index[0])
		if err != nil {
			panic("entry: Branch: " + err.Error())
		}
		out = append(out, f.info)
	}
	return out
}

// branchLists are the lists of steps of a split's branches.
func branchLists(v reflect.Value) [][]Step {
	branches := v.Interface().([]Branch)
	out := make([][]Step, len(branches))
	for i, b := range branches {
		out[i] = b.Steps
	}
	return out
}

// checkBranches checks a split's branches: two to MaxBranches, each with
// an id of its own and a weight from 1 to 99, the weights summing to 100;
// then the branches' steps, one level deeper.
func checkBranches(v *validator, _ *fieldDef, val reflect.Value, path string, depth int) {
	branches := val.Interface().([]Branch)
	switch {
	case len(branches) < 2:
		v.addf(path, "a split needs at least two branches; it has %d", len(branches))
	case len(branches) > MaxBranches:
		v.addf(path, "has %d branches; at most %d are allowed", len(branches), MaxBranches)
	}
	ids := map[string]int{}
	total := 0
	for i, b := range branches {
		at := fmt.Sprintf("%s[%d]", path, i)
		id := validation.Join(at, "id")
		switch first, dup := ids[b.ID]; {
		case b.ID == "":
			v.addf(id, "is required (a name such as a or short-survey)")
		case !validStepID(b.ID):
			v.addf(id, "%s must be 1 to %d letters, digits, '_' or '-'", validation.Quote(b.ID), maxStepIDLen)
		case dup:
			v.addf(id, "%q is already the id of branch %d", b.ID, first+1)
		default:
			ids[b.ID] = i
		}
		if b.Weight < 1 || b.Weight >= WeightTotal {
			v.addf(validation.Join(at, "weight"), "%d is not a weight: a whole percentage from 1 to %d", b.Weight, WeightTotal-1)
		}
		total += b.Weight
	}
	if len(branches) >= 2 && total != WeightTotal {
		v.addf(path, "the weights sum to %d; they must sum to %d", total, WeightTotal)
	}
	for i, b := range branches {
		v.checkSteps(b.Steps, fmt.Sprintf("%s[%d].steps", path, i), depth+1)
	}
}

// decodeBranches fills branches from the JSON list raw, element by
// element, so errors carry their place; strict as decodeStep.
func decodeBranches(raw json.RawMessage, path string, branches *[]Branch, strict bool) validation.Errors {
	return decodeElems(raw, path, branches, func(elem json.RawMessage, path string, b *Branch) validation.Errors {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(elem, &obj); err != nil || obj == nil {
			return validation.Errors{validation.Errorf(path, "must be an object with id, weight and steps%s", got(err))}
		}
		var errs validation.Errors
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			p := validation.Join(path, k)
			switch k {
			case "id":
				errs = append(errs, decodeValue(obj[k], p, &b.ID, strict)...)
				b.ID = strings.TrimSpace(b.ID)
			case "weight":
				errs = append(errs, decodeValue(obj[k], p, &b.Weight, strict)...)
			case "steps":
				errs = append(errs, decodeSteps(obj[k], p, &b.Steps, strict)...)
			default:
				if strict {
					errs = append(errs, validation.Errorf(p, "unknown field (a branch has id, weight and steps)"))
				}
			}
		}
		return errs
	})
}
