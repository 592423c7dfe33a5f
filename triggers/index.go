package triggers

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
)

// Index answers Find's question for one set of entries without looking at
// the entries that cannot match: the triggers are filed by service, then by
// disposition, case disposition and sentiment threshold, so matching an
// event costs a few map lookups and two binary searches, however many
// entries there are. An Index is immutable once built and safe for
// concurrent use; a changed set of entries gets a new Index.
type Index struct {
	entries []entry.Entry // the enabled entries, by id: a match's rank is its place here
	reasons [][]string    // Describe of each entry's triggers
	// anyService holds the triggers of entries without a service; the
	// others are filed under their service's fold key.
	anyService scope
	byService  map[string]*scope
}

// scope is the triggers of the entries that apply to one service (or to
// every service).
type scope struct {
	disposition     map[string][]uint64 // by fold key of the disposition
	caseDisposition map[string][]uint64
	// below holds the "<" sentiment triggers and above the ">" ones, each
	// sorted by threshold: a sentiment s makes a suffix of below hold
	// (threshold > s) and a prefix of above (threshold < s).
	below, above []thresholdRef
}

// A trigger is filed as a key: its entry's place in Index.entries in the
// high 32 bits, its own place in the entry's triggers in the low ones, so
// keys sort by entry and then by trigger.
func triggerKey(entry, trigger int) uint64 { return uint64(entry)<<32 | uint64(trigger) }

type thresholdRef struct {
	threshold float64
	key       uint64
}

// NewIndex files entries' triggers. Disabled entries and triggers that can
// never hold (a blank disposition, a missing or NaN threshold, an unknown
// type or operator) are left out, as Find never matches them.
func NewIndex(entries []entry.Entry) *Index {
	ix := &Index{byService: map[string]*scope{}}
	for _, e := range entries {
		if e.Enabled {
			ix.entries = append(ix.entries, e)
		}
	}
	// Stable, so entries sharing an id keep the order Find reports them in.
	slices.SortStableFunc(ix.entries, func(a, b entry.Entry) int { return strings.Compare(a.ID, b.ID) })
	ix.reasons = make([][]string, len(ix.entries))
	for i, e := range ix.entries {
		sc := &ix.anyService
		if key := foldKey(nil, e.Service); len(key) > 0 {
			if sc = ix.byService[string(key)]; sc == nil {
				sc = &scope{}
				ix.byService[string(key)] = sc
			}
		}
		ix.reasons[i] = make([]string, len(e.Triggers))
		for j, t := range e.Triggers {
			ix.reasons[i][j] = Describe(t)
			sc.add(t, triggerKey(i, j))
		}
	}
	for _, sc := range ix.scopes() {
		sortByThreshold(sc.below)
		sortByThreshold(sc.above)
	}
	return ix
}

func (sc *scope) add(t entry.Trigger, key uint64) {
	switch t.Type {
	case entry.TriggerDisposition, entry.TriggerCaseDisposition:
		fold := string(foldKey(nil, t.Disposition))
		if fold == "" {
			return // a blank disposition never holds
		}
		m := &sc.disposition
		if t.Type == entry.TriggerCaseDisposition {
			m = &sc.caseDisposition
		}
		if *m == nil {
			*m = map[string][]uint64{}
		}
		(*m)[fold] = append((*m)[fold], key)
	case entry.TriggerAverageSentiment:
		if t.Threshold == nil || *t.Threshold != *t.Threshold { // NaN compares false with everything
			return
		}
		switch t.Operator {
		case "<":
			sc.below = append(sc.below, thresholdRef{*t.Threshold, key})
		case ">":
			sc.above = append(sc.above, thresholdRef{*t.Threshold, key})
		}
	}
}

func sortByThreshold(list []thresholdRef) {
	slices.SortStableFunc(list, func(a, b thresholdRef) int {
		switch {
		case a.threshold < b.threshold:
			return -1
		case a.threshold > b.threshold:
			return 1
		}
		return 0
	})
}

func (ix *Index) scopes() []*scope {
	out := []*scope{&ix.anyService}
	for _, sc := range ix.byService {
		out = append(out, sc)
	}
	return out
}

// Len is the number of enabled entries in the index.
func (ix *Index) Len() int { return len(ix.entries) }

// Find appends to dst[:0] what Find(ev, entries) returns for the entries
// the index was built from: one Match per entry ev starts, by entry id,
// with the first trigger that holds. With a dst of enough capacity it
// allocates nothing, so a caller that keeps its buffer matches for free.
func (ix *Index) Find(ev interaction.Event, dst []Match) []Match {
	// The event's texts as filed, each folded once; on the stack.
	var serviceBuf, dispositionBuf, caseBuf [64]byte
	e := event{disposition: foldKey(dispositionBuf[:0], ev.Disposition), sentiment: ev.AverageSentiment}
	if ev.Case != nil && !ev.Case.Final {
		e.caseDisposition = foldKey(caseBuf[:0], ev.Case.Disposition)
	}
	// The triggers that hold, as keys that sort by entry, then trigger; on
	// the stack unless an event makes more than fit.
	var held [64]uint64
	keys := ix.anyService.collect(e, held[:0])
	if service := foldKey(serviceBuf[:0], ev.Service); len(service) > 0 {
		if sc := ix.byService[string(service)]; sc != nil {
			keys = sc.collect(e, keys)
		}
	}
	slices.Sort(keys)
	dst = dst[:0]
	last := int64(-1)
	for _, k := range keys {
		i, j := int(k>>32), int(uint32(k))
		if int64(i) == last {
			continue // a later trigger of an entry already matched
		}
		last = int64(i)
		entry := &ix.entries[i]
		dst = append(dst, Match{Entry: *entry, Trigger: entry.Triggers[j], TriggerIndex: j, Reason: ix.reasons[i][j]})
	}
	return dst
}

// event is what matching reads of an event: its dispositions as filed
// (empty: none that can hold) and its sentiment.
type event struct {
	disposition, caseDisposition []byte
	sentiment                    *float64
}

// collect appends the key of every trigger of sc that holds for e.
func (sc *scope) collect(e event, keys []uint64) []uint64 {
	if len(e.disposition) > 0 && sc.disposition != nil {
		keys = appendKeys(keys, sc.disposition[string(e.disposition)])
	}
	if len(e.caseDisposition) > 0 && sc.caseDisposition != nil {
		keys = appendKeys(keys, sc.caseDisposition[string(e.caseDisposition)])
	}
	if s := e.sentiment; s != nil && *s == *s {
		// below: threshold > s holds, from the first such threshold on.
		lo, hi := 0, len(sc.below)
		for lo < hi {
			if mid := int(uint(lo+hi) >> 1); sc.below[mid].threshold > *s {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		for _, t := range sc.below[lo:] {
			keys = append(keys, t.key)
		}
		// above: threshold < s holds, up to the first threshold >= s.
		lo, hi = 0, len(sc.above)
		for lo < hi {
			if mid := int(uint(lo+hi) >> 1); sc.above[mid].threshold < *s {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		for _, t := range sc.above[:lo] {
			keys = append(keys, t.key)
		}
	}
	return keys
}

func appendKeys(keys []uint64, refs []uint64) []uint64 { return append(keys, refs...) }

// foldKey appends to dst the key under which s is filed: s trimmed, each
// rune replaced by the smallest rune it case-folds to (a lower-case letter
// for the ASCII ones), so two texts have the same key exactly when sameText
// holds for them (strings.EqualFold after trimming). Invalid UTF-8 becomes
// U+FFFD, as EqualFold reads it.
func foldKey(dst []byte, s string) []byte {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		if 'A' <= least && least <= 'Z' {
			least += 'a' - 'A' // the Kelvin sign's key is the ASCII letter's
		}
		dst = utf8.AppendRune(dst, least)
	}
	return dst
}
