// Package examples holds the example entries and events operators start
// from, and gives Go code SPEC's example event from the same file, so there
// is one copy of it.
package examples

import "embed"

// InteractionEnded is SPEC's example of an ended interaction
// (events/interaction-ended.json).
//
//go:embed events/interaction-ended.json
var InteractionEnded []byte

// Events holds every example event, events/<name>.json, for the console's
// "Try it" to offer.
//
//go:embed events/*.json
var Events embed.FS
