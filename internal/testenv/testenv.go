// Package testenv gives integration tests the servers `make test` starts:
// a fresh, migrated PostgreSQL database per test, a Temporal client and a
// task queue of the test's own, so test packages running in parallel never
// see each other's data or steal each other's tasks.
//
// A test that cannot reach its server fails, saying what is missing; it is
// never skipped.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// randomSuffix returns n random bytes in hex: enough to keep names made by
// concurrent test processes apart.
func randomSuffix(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("reading random bytes: %v", err)) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}
