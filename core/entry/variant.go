package entry

import (
	"crypto/sha256"
	"encoding/binary"
	"reflect"
	"strings"
)

// ChooseBranch is the index of the branch of split that a run with
// workflowID takes at the split step stepID: a bucket from 0 to 99, read
// from the SHA-256 of the workflow ID and the step id, falls into the
// branches' weights laid end to end. The same run always lands in the
// same bucket, replays included; the step id makes two splits of an entry
// independent. A split whose weights do not sum to 100 (Validate refuses
// it) sends the buckets past its weights to its last branch.
func ChooseBranch(split *Split, stepID, workflowID string) int {
	if len(split.Branches) == 0 {
		return -1
	}
	b := bucket("split", workflowID, stepID)
	for i, br := range split.Branches {
		if b < br.Weight {
			return i
		}
		b -= br.Weight
	}
	return len(split.Branches) - 1
}

// Variant is the variant of e that the run with workflowID takes: the
// branch each split of e chooses for it (ChooseBranch), decided at ingest
// as a pure function of the two, so results can group runs by it.
//
//   - An entry without splits has the variant "".
//   - An entry with one split has the id of its branch: "a".
//   - With several, it is "<step id>=<branch id>" for each, joined by ","
//     in the order the splits come in the entry (depth first, a step's own
//     lists in field order, then its on_error): "length=short,channel=sms".
//     A split inside a branch the run does not take is left out, since the
//     run never reaches it; a split inside an if branch, an on_error or a
//     scheduled event is in, since the run takes it if it gets there.
//
// The split interpreter chooses with ChooseBranch too, so a run's
// split.<step id> variables always agree with its variant.
func Variant(e Entry, workflowID string) string {
	var parts []string
	var visit func(steps []Step)
	visit = func(steps []Step) {
		for _, s := range steps {
			if sp, ok := s.Spec.(*Split); ok {
				if i := ChooseBranch(sp, s.ID, workflowID); i >= 0 {
					parts = append(parts, s.ID+"="+sp.Branches[i].ID)
					visit(sp.Branches[i].Steps)
				}
				visit(s.OnError)
				continue
			}
			if def := stepDefOf(s.Spec); def != nil {
				v := reflect.ValueOf(s.Spec).Elem()
				for _, f := range def.fields {
					if f.kind.nested {
						for _, list := range f.kind.lists(v.Field(f.index)) {
							visit(list)
						}
					}
				}
			}
			visit(s.OnError)
		}
	}
	visit(e.Steps)
	if len(parts) == 1 {
		_, branch, _ := strings.Cut(parts[0], "=")
		return branch
	}
	return strings.Join(parts, ",")
}

// Sampled reports whether an event the entry matched starts a run, as the
// entry's sample_percent says: a bucket from 0 to 99, read from the
// SHA-256 of the entry's id and the customer's id (the interaction's id
// when the event names no customer), must be below the percentage. So a
// customer is in or out of an entry's sample on every interaction; a
// larger percentage keeps everyone a smaller one took; and each entry
// samples on its own, so two entries at 20 % do not survey the same
// fifth of the customers.
func Sampled(e Entry, customerID, interactionID string) bool {
	if e.SamplePercent == nil || *e.SamplePercent >= 100 {
		return true
	}
	key := customerID
	if key == "" {
		key = "interaction:" + interactionID
	}
	return bucket("sample", e.ID, key) < *e.SamplePercent
}

// bucket hashes its parts, each ended by a NUL byte that none of them can
// hold, to a number from 0 to 99. 2^64 is no multiple of 100, but the
// excess skews a bucket's share by less than 1e-17.
func bucket(parts ...string) int {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int(binary.BigEndian.Uint64(h.Sum(nil)[:8]) % 100)
}
