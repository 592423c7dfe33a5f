// Package examples holds the example entries and events operators start
// from, and gives Go code SPEC's example event from the same file, so there
// is one copy of it.
package examples

import _ "embed" // the example event file

// InteractionEnded is SPEC's example of an ended interaction
// (events/interaction-ended.json).
//
//go:embed events/interaction-ended.json
var InteractionEnded []byte
