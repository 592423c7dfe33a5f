// Package linkkeys derives, from ccflow's link secret, one key for each
// thing the secret protects: survey links, unsubscribe links, and the
// keyed hashes opt-outs are kept under. A key of one kind says nothing
// about the others: a survey link cannot be made into an unsubscribe link,
// and no link reveals the key that hashes addresses.
//
// The link secret is CCFLOW_SURVEY_SECRET, or the one ccflow keeps in
// PostgreSQL without it. Several secrets may be given, the first in use and
// the others still honoured, so a secret can be rotated: links signed and
// hashes made with an older secret keep working as long as it is listed.
//
// Before these keys, both kinds of link were signed with the secret itself
// and carried an unkeyed hash: every signer here still verifies what the
// secrets themselves signed, so links already sent keep working (survey
// links until their survey expires, unsubscribe links for good).
package linkkeys

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sync"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
)

// The labels keys are derived with (HKDF-SHA256's info); changing one
// changes the keys, and so breaks every link and opt-out made with them.
const (
	surveyLabel      = "ccflow survey links v1"
	unsubscribeLabel = "ccflow unsubscribe links v1"
	addressLabel     = "ccflow address hashes v1"
)

// Keys are the keys derived from the link secrets.
type Keys struct {
	// Survey signs and verifies the tokens of survey links.
	Survey *tokens.Signer
	// Unsubscribe signs and verifies the tokens of unsubscribe links.
	Unsubscribe *tokens.Signer
	// Addresses makes the keyed hashes opt-outs and deliveries are kept
	// under, and recognises those of older secrets.
	Addresses *policy.AddressHasher
}

// New derives the keys of secrets, the first in use; it fails without a
// secret. Each secret should hold at least 32 random bytes.
func New(secrets ...[]byte) (*Keys, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("linkkeys: no link secret")
	}
	var survey, unsubscribe, addresses [][]byte
	for i, secret := range secrets {
		if len(secret) == 0 {
			return nil, fmt.Errorf("linkkeys: link secret %d is empty", i+1)
		}
		for _, d := range []struct {
			label string
			into  *[][]byte
		}{{surveyLabel, &survey}, {unsubscribeLabel, &unsubscribe}, {addressLabel, &addresses}} {
			key, err := hkdf.Key(sha256.New, secret, nil, d.label, policy.AddressKeySize)
			if err != nil {
				return nil, fmt.Errorf("linkkeys: deriving the key %q: %w", d.label, err)
			}
			*d.into = append(*d.into, key)
		}
	}
	// The secrets themselves verify what they signed before the keys.
	survey = append(survey, secrets...)
	unsubscribe = append(unsubscribe, secrets...)
	return &Keys{
		Survey:      tokens.NewSigner(survey[0], survey[1:]...),
		Unsubscribe: tokens.NewSigner(unsubscribe[0], unsubscribe[1:]...),
		Addresses:   policy.NewAddressHasher(addresses...),
	}, nil
}

// Must is New for secrets known to be there, e.g. in tests; it panics on
// an error.
func Must(secrets ...[]byte) *Keys {
	k, err := New(secrets...)
	if err != nil {
		panic(err)
	}
	return k
}

// ForProcess returns keys of a secret made at random once per process:
// what a use case or an activity built without keys uses (tests do). Links
// and hashes made with them mean nothing to another process, so the
// starter and the worker always pass the keys of the link secret.
var ForProcess = sync.OnceValue(func() *Keys {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails
	return Must(secret)
})
