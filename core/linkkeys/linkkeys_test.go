package linkkeys_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
)

var (
	secret = []byte("a link secret of 32 bytes or more, kept by the server")
	newer  = []byte("the next link secret, 32 bytes or more, after rotation")
)

func TestEachKindOfLinkHasAKeyOfItsOwn(t *testing.T) {
	t.Parallel()
	k := linkkeys.Must(secret)
	survey := k.Survey.Sign("abc123")
	unsubscribe := k.Unsubscribe.Sign("abc123")
	require.NotEqual(t, survey, unsubscribe, "the same id signed for two kinds of link")
	require.NotEqual(t, tokens.NewSigner(secret).Sign("abc123"), survey, "a link is not signed with the secret itself")

	_, err := k.Survey.Verify(survey)
	require.NoError(t, err)
	// The keys are derived: the unsubscribe key is not the survey key, and
	// neither is the address key (a hash names no key of a link).
	require.NotEqual(t, linkkeys.Must(secret).Addresses.Hash("ada@example.com"), policy.LegacyAddressHash("ada@example.com"))
}

func TestLinksSignedWithTheSecretItselfStillVerify(t *testing.T) {
	t.Parallel()
	k := linkkeys.Must(secret)
	before := tokens.NewSigner(secret) // how links were signed before the derived keys
	for _, s := range []*tokens.Signer{k.Survey, k.Unsubscribe} {
		id, err := s.Verify(before.Sign("uezAQ"))
		require.NoError(t, err)
		require.Equal(t, "uezAQ", id)
	}
	_, err := k.Survey.Verify(tokens.NewSigner([]byte("change-me")).Sign("abc"))
	require.ErrorIs(t, err, tokens.ErrForged)
}

func TestAnOlderSecretStillVerifiesAndRecognises(t *testing.T) {
	t.Parallel()
	old := linkkeys.Must(secret)
	rotated := linkkeys.Must(newer, secret)

	_, err := rotated.Survey.Verify(old.Survey.Sign("abc"))
	require.NoError(t, err)
	_, err = rotated.Unsubscribe.Verify(old.Unsubscribe.Sign("abc"))
	require.NoError(t, err)
	_, err = old.Survey.Verify(rotated.Survey.Sign("abc"))
	require.ErrorIs(t, err, tokens.ErrForged, "the newer secret is not the old one")

	hash := old.Addresses.Hash("+15551234567")
	require.NotEqual(t, hash, rotated.Addresses.Hash("+15551234567"), "the newer secret hashes anew")
	require.Contains(t, rotated.Addresses.Forms("+15551234567"), hash, "and recognises the old hash")
	require.NotEqual(t, old.Addresses.KeyID(), rotated.Addresses.KeyID())
}

func TestNewRefusesNoSecret(t *testing.T) {
	t.Parallel()
	_, err := linkkeys.New()
	require.Error(t, err)
	_, err = linkkeys.New(secret, nil)
	require.ErrorContains(t, err, "link secret 2 is empty")
}

func TestForProcessIsOneSetOfKeys(t *testing.T) {
	t.Parallel()
	require.Same(t, linkkeys.ForProcess(), linkkeys.ForProcess())
	require.True(t, strings.HasPrefix(linkkeys.ForProcess().Addresses.Hash("a@b.c"), linkkeys.ForProcess().Addresses.KeyID()+":"))
}
