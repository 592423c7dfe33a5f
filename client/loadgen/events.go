package loadgen

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/ccflow/ccflow/core/interaction"
)

// IDPrefix starts every interaction id a load run makes, so its runs are
// easy to tell from real ones in the Temporal Web UI.
const IDPrefix = "load"

// Events makes the events of one load run: the template's fields, each
// with an interaction id of its own.
type Events struct {
	template interaction.Event
	runID    string
	count    int
	vary     func(i int, ev *interaction.Event)
}

// NewEvents returns the count events of run runID made from template (the
// JSON of an ended interaction; its interaction_id is replaced). The
// template is decoded as strictly as the API does and must make valid
// events, so a bad template fails here instead of in every request.
func NewEvents(template []byte, runID string, count int) (*Events, error) {
	if count < 1 {
		return nil, fmt.Errorf("a load run needs at least one event, not %d", count)
	}
	dec := json.NewDecoder(bytes.NewReader(template))
	dec.DisallowUnknownFields()
	var ev interaction.Event
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("decoding the event template: %w", err)
	}
	e := &Events{template: ev, runID: runID, count: count}
	ev.InteractionID = e.ID(count) // the longest id of the run
	if err := ev.Validate(); err != nil {
		return nil, fmt.Errorf("the event template makes invalid events: %w", err)
	}
	return e, nil
}

// NewRunID returns a random id for a load run. Workflow IDs are never
// reused, so every run needs interaction ids no earlier run had.
func NewRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return hex.EncodeToString(b)
}

// Vary makes each event differ from the template beyond its interaction
// id: vary gets event i (1 to Count) as a copy of the template and may
// change it, e.g. give each event a customer of its own. It must replace
// a nested field (Customer, Variables) rather than change the template's
// in place, and must keep the event valid.
func (e *Events) Vary(vary func(i int, ev *interaction.Event)) { e.vary = vary }

// Count is the number of events in the run.
func (e *Events) Count() int { return e.count }

// ID returns the interaction id of event i (1 to Count), such as
// "load-3f9a1c2e-000017".
func (e *Events) ID(i int) string {
	return fmt.Sprintf("%s-%s-%06d", IDPrefix, e.runID, i)
}

// Event returns the JSON of event i (1 to Count).
func (e *Events) Event(i int) (json.RawMessage, error) {
	ev := e.template
	ev.InteractionID = e.ID(i)
	if e.vary != nil {
		e.vary(i, &ev)
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encoding event %s: %w", ev.InteractionID, err)
	}
	return data, nil
}
