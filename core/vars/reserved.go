package vars

import (
	"slices"
	"strings"
)

// Reserved are the roots ccflow itself fills from the event and the run.
// Event variables and set_variable steps may not use them, so $(customer.email)
// always means the event's customer and never something an entry wrote.
var Reserved = []string{"interaction", "customer", "agent", "case", "survey", "entry", "error"}

// IsReserved reports whether name, or the root of a dotted name, is reserved.
func IsReserved(name string) bool {
	root, _, _ := strings.Cut(name, ".")
	return slices.Contains(Reserved, root)
}
