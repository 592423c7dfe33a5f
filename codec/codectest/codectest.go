// Package codectest holds the payload keys of ccflow's tests: the
// integration tests' Temporal clients and the recorded replay histories
// encrypt with them, and the replay tests decrypt with them. They are
// public, so they protect nothing: never use them in a deployment.
package codectest

import "github.com/ccflow/ccflow/codec"

// Keys is the CCFLOW_PAYLOAD_KEYS of the tests and of `make
// record-histories`: "test-2" encrypts, "test-1" is an older key a rotated
// deployment would still decrypt with.
const Keys = "test-2:qYrmL/T2HbaP0+u2uHdGcHon1M3bsJ3FmzH+7M+zF5I=,test-1:Sz6gS4niDwlhw7mHMnzgc88I/vJlHy0S+eI0WI4AYi0="

// Keyring is Keys parsed.
func Keyring() *codec.Keyring {
	k, err := codec.ParseKeys(Keys)
	if err != nil {
		panic("codectest: the test keys do not parse: " + err.Error())
	}
	return k
}
