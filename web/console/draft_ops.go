package console

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ccflow/ccflow/core/i18n"
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
	// opAddLang adds a language to a localized field ("add-lang:b7.text"),
	// the one typed in its "b7.newlang.text" box; opRemoveLang removes one
	// ("remove-lang:b7.text@es").
	opAddLang    = "add-lang"
	opRemoveLang = "remove-lang"
	opAddBranch  = "add-branch" // a branch more for the split named after the colon
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
	case opRemoveLang:
		where, tag, _ := strings.Cut(arg, "@")
		b, field, ok := d.localized(where)
		if !ok {
			return errBadOp{op}
		}
		i := slices.IndexFunc(b.Langs[field], func(v *variant) bool { return v.Tag == tag })
		if i < 0 {
			return errBadOp{op}
		}
		b.Langs[field] = slices.Delete(b.Langs[field], i, i+1)
		b.Open = true
		d.Focus = anchorOf(b.Key + ".newlang." + field)
		return nil
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

// localized finds the block and the localized field "<key>.<field>"
// names.
func (d *draft) localized(where string) (*block, string, bool) {
	key, field, _ := strings.Cut(where, ".")
	b := d.block(key)
	if b == nil || !b.known() {
		return nil, "", false
	}
	for _, f := range valueFields(b.Type) {
		if f.Name == field && f.Localized {
			return b, field, true
		}
	}
	return nil, "", false
}

// addLanguage adds the language tag (as typed) to the localized field
// "<key>.<field>" names, with an empty box to write its text in. A tag
// that is no language, the default one or one the field has already is
// said beside the field, and nothing is added.
func (d *draft) addLanguage(where, typed string) error {
	b, field, ok := d.localized(where)
	if !ok {
		return errBadOp{opAddLang + ":" + where}
	}
	b.Open = true
	target := b.Key + "." + field
	// Said beside the field only: nothing was saved, so the summary of
	// what keeps a save from happening does not list it.
	say := func(message string) {
		if d.Errors == nil {
			d.Errors = map[string][]string{}
		}
		d.Errors[target] = append(d.Errors[target], message)
	}
	tag, err := i18n.Parse(typed)
	switch {
	case strings.TrimSpace(typed) == "":
		say("Add a language: type its tag first, such as es, fr-CA or ja")
		d.Focus = anchorOf(b.Key + ".newlang." + field)
		return nil
	case err != nil:
		say("Add a language: " + err.Error())
		d.Focus = anchorOf(b.Key + ".newlang." + field)
		return nil
	case tag == d.defaultLanguage() || slices.ContainsFunc(b.Langs[field], func(v *variant) bool { return v.Tag == tag }):
		say(fmt.Sprintf("Add a language: the field has a %s text already", tag))
		d.Focus = anchorOf(b.Key + ".newlang." + field)
		return nil
	}
	b.Langs[field] = append(b.Langs[field], &variant{Tag: tag})
	d.Focus = anchorOf(target + "@" + tag)
	return nil
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
	b := &block{Key: d.newKey("b"), Type: typ, Values: map[string]string{}, Lists: map[string][]*block{}, Langs: map[string][]*variant{}, Open: true}
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
