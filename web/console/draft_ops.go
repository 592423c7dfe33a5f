package console

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The changes the entry screen posts, in its "op" field: the value is the
// change and, after a colon, what it applies to. They edit the draft only;
// Save stores it.
const (
	opSave          = "save"
	opRefresh       = "refresh" // the page changed itself (a drag): show it anew
	opAddTrigger    = "add-trigger"
	opApplyTrigger  = "apply-trigger"
	opEditTrigger   = "edit-trigger"
	opRemoveTrigger = "remove-trigger"
	opAdd           = "add"
	opUp            = "up"
	opDown          = "down"
	opRemove        = "remove"
	opAddBranch     = "add-branch" // a branch more for the split named after the colon
)

// errBadOp is a change the console's pages never post.
type errBadOp struct{ op string }

func (e errBadOp) Error() string {
	return fmt.Sprintf("the change %q is not one the entry screen makes", e.op)
}

// apply makes the change op asks for (not Save), taking the palette's
// target list from target. A drop ("<type>@<list>#<index>", posted by the
// page's script when a palette block is dropped into a list) is a change
// too.
func (d *draft) apply(op, target, drop string) error {
	if drop != "" {
		typ, rest, ok1 := strings.Cut(drop, "@")
		list, index, ok2 := strings.Cut(rest, "#")
		i, err := strconv.Atoi(index)
		if !ok1 || !ok2 || err != nil {
			return errBadOp{drop}
		}
		return d.addBlock(typ, list, i)
	}
	name, arg, _ := strings.Cut(op, ":")
	switch name {
	case opRefresh, "":
		return nil
	case opAddTrigger:
		t := &triggerDraft{Key: d.newKey("t"), Operator: ">", Percent: "0", Editing: true}
		d.Triggers = append(d.Triggers, t)
		d.Focus = anchorOf(t.Key + ".type")
		return nil
	case opEditTrigger, opRemoveTrigger, opApplyTrigger:
		i := slices.IndexFunc(d.Triggers, func(t *triggerDraft) bool { return t.Key == arg })
		if i < 0 {
			return errBadOp{op}
		}
		switch name {
		case opEditTrigger:
			d.Triggers[i].Editing = true
			d.Focus = anchorOf(arg + ".type")
		case opRemoveTrigger:
			d.Triggers = slices.Delete(d.Triggers, i, i+1)
			d.Focus = "add-trigger"
		case opApplyTrigger:
			// The caller checks the trigger (it needs the catalog) and
			// shows it in words when it holds together.
			d.Focus = "apply-" + arg
		}
		return nil
	case opAddBranch:
		split := d.block(arg)
		if split == nil || !holdsBranches(split.Type, kindBranches) {
			return errBadOp{op}
		}
		b := d.newBranch(split.Lists[kindBranches], "")
		split.Lists[kindBranches] = append(split.Lists[kindBranches], b)
		split.Open = true
		d.Focus = "sum-" + b.Key
		return nil
	case opAdd:
		if target == "" {
			target = rootList
		}
		blocks, _, ok := d.listOf(target)
		if !ok {
			return errBadOp{op + " to " + target}
		}
		return d.addBlock(arg, target, len(blocks))
	case opUp, opDown, opRemove:
		list, i, ok := d.parentList(arg)
		if !ok {
			return errBadOp{op}
		}
		blocks, set, _ := d.listOf(list)
		switch name {
		case opRemove:
			set(slices.Delete(blocks, i, i+1))
			d.Focus = "palette"
			if i < len(blocks)-1 {
				d.Focus = "sum-" + blocks[i].Key // the block now in its place
			} else if i > 0 {
				d.Focus = "sum-" + blocks[i-1].Key
			}
		case opUp, opDown:
			j := i - 1
			if name == opDown {
				j = i + 1
			}
			if j < 0 || j >= len(blocks) {
				return nil // at the end already: nothing to do
			}
			blocks[i], blocks[j] = blocks[j], blocks[i]
			// Keep the keyboard on the button pressed, unless the block
			// reached the end and the button is now disabled.
			button := name
			if j == 0 {
				button = opDown
			} else if j == len(blocks)-1 {
				button = opUp
			}
			d.Focus = button + "-" + arg
		}
		return nil
	}
	return errBadOp{op}
}

// addBlock adds an empty block of type typ to list at index i (clamped).
func (d *draft) addBlock(typ, list string, i int) error {
	if _, ok := stepTypes[typ]; !ok {
		return errBadOp{"add " + typ}
	}
	blocks, set, ok := d.listOf(list)
	if !ok || d.listHoldsBranches(list) {
		return errBadOp{"add to " + list}
	}
	b := &block{Key: d.newKey("b"), Type: typ, Values: map[string]string{}, Lists: map[string][]*block{}, Open: true}
	for _, f := range listFields(typ) {
		if f.Kind == kindBranches {
			// A split starts as an even A/B test.
			first := d.newBranch(nil, "50")
			b.Lists[f.Name] = []*block{first, d.newBranch([]*block{first}, "50")}
		}
	}
	i = min(max(i, 0), len(blocks))
	set(slices.Insert(blocks, i, b))
	d.Focus = "sum-" + b.Key
	return nil
}

// newBranch is a branch block to add after siblings, named by the first
// letter no sibling's id is, with weight (a percentage, "" for none yet).
func (d *draft) newBranch(siblings []*block, weight string) *block {
	id := ""
	for c := 'a'; c <= 'z' && id == ""; c++ {
		if !slices.ContainsFunc(siblings, func(b *block) bool { return b.ID == string(c) }) {
			id = string(c)
		}
	}
	return &block{Key: d.newKey("b"), Type: branchType, ID: id, Values: map[string]string{kindWeight: weight},
		Lists: map[string][]*block{}, Open: true}
}

// listHoldsBranches reports whether the list called name is a split's
// branches.
func (d *draft) listHoldsBranches(name string) bool {
	parentKey, field, ok := strings.Cut(name, ".")
	if !ok {
		return false
	}
	parent := d.block(parentKey)
	return parent != nil && holdsBranches(parent.Type, field)
}
