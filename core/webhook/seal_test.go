package webhook_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/webhook"
)

func sealKey(t *testing.T, id string, fill byte) webhook.SealKey {
	t.Helper()
	k, err := webhook.DeriveSealKey(id, bytes.Repeat([]byte{fill}, 32))
	require.NoError(t, err)
	return k
}

func TestASealedSecretOpensForItsSubscriptionOnly(t *testing.T) {
	t.Parallel()
	s, err := webhook.NewSealer(sealKey(t, "k1", 1))
	require.NoError(t, err)
	secret := secret(t)

	sealed, err := s.Seal("wh_1", secret)
	require.NoError(t, err)

	require.NotContains(t, sealed, secret.String()[len("whsec_"):])
	require.True(t, strings.HasPrefix(sealed, "v1:k1:"))
	require.Equal(t, "k1", webhook.SealedKeyID(sealed))
	opened, err := s.Open("wh_1", sealed)
	require.NoError(t, err)
	require.Equal(t, secret, opened)
	_, err = s.Open("wh_2", sealed)
	require.Error(t, err, "a sealed secret copied to another subscription does not open")
	require.NotContains(t, err.Error(), secret.String())
}

func TestSealKeysRotate(t *testing.T) {
	t.Parallel()
	old, err := webhook.NewSealer(sealKey(t, "k1", 1))
	require.NoError(t, err)
	sealed, err := old.Seal("wh_1", secret(t))
	require.NoError(t, err)

	both, err := webhook.NewSealer(sealKey(t, "k2", 2), sealKey(t, "k1", 1))
	require.NoError(t, err)
	_, err = both.Open("wh_1", sealed)
	require.NoError(t, err, "the old key still opens")
	resealed, err := both.Seal("wh_1", secret(t))
	require.NoError(t, err)
	require.Equal(t, "k2", webhook.SealedKeyID(resealed), "the first key seals")

	newOnly, err := webhook.NewSealer(sealKey(t, "k2", 2))
	require.NoError(t, err)
	_, err = newOnly.Open("wh_1", sealed)
	require.ErrorContains(t, err, `key "k1"`)
}

func TestASealKeyIsDerivedFromAStrongKeyOnly(t *testing.T) {
	t.Parallel()
	_, err := webhook.DeriveSealKey("short", []byte("too short"))
	require.Error(t, err)
	a := sealKey(t, "k1", 1)
	require.NotEqual(t, bytes.Repeat([]byte{1}, 32), a.Key, "the derived key is not the server key itself")
}
