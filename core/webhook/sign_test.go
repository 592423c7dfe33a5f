package webhook_test

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/webhook"
)

// The Standard Webhooks specification's published test vector (its
// libraries' TestWebhookSign): secret, message id, timestamp and payload,
// and the signature every conforming sender makes of them.
func TestSignMatchesTheSpecificationsTestVector(t *testing.T) {
	t.Parallel()
	secret, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	require.NoError(t, err)

	got := webhook.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))

	require.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", got)
}

func TestASecretIsShownAsWhsecAndBase64AndReadBack(t *testing.T) {
	t.Parallel()
	s, err := webhook.NewSecret(rand.Reader)
	require.NoError(t, err)
	require.Len(t, s, webhook.SecretSize)
	require.True(t, strings.HasPrefix(s.String(), "whsec_"))
	back, err := webhook.ParseSecret(s.String())
	require.NoError(t, err)
	require.Equal(t, s, back)
	_, err = webhook.ParseSecret("whsec_not base64!")
	require.Error(t, err)
	_, err = webhook.ParseSecret("whsec_")
	require.Error(t, err)
}

// During a rotation a delivery carries both signatures, the new first: a
// receiver holding either secret verifies it; one holding neither does not.
func TestARotationSignsWithBothSecretsAndEitherVerifies(t *testing.T) {
	t.Parallel()
	oldSecret, newSecret, other := secret(t), secret(t), secret(t)
	at := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":"optout.created","timestamp":"2027-01-15T08:00:00Z","data":{}}`)

	h := webhook.Headers("msg_1", at, body, newSecret, oldSecret)

	require.Equal(t, "msg_1", h[webhook.HeaderID])
	require.Equal(t, "1800000000", h[webhook.HeaderTimestamp])
	sigs := strings.Split(h[webhook.HeaderSignature], " ")
	require.Equal(t, []string{webhook.Sign(newSecret, "msg_1", at, body), webhook.Sign(oldSecret, "msg_1", at, body)}, sigs)
	get := func(name string) string { return h[name] }
	require.NoError(t, webhook.Verify(newSecret, get, body, at, 5*time.Minute))
	require.NoError(t, webhook.Verify(oldSecret, get, body, at, 5*time.Minute))
	require.ErrorIs(t, webhook.Verify(other, get, body, at, 5*time.Minute), webhook.ErrNotVerified)
}

func TestVerifyRefusesWhatWasNotSignedSoOrTooLongAgo(t *testing.T) {
	t.Parallel()
	s := secret(t)
	at := time.Unix(1_800_000_000, 0)
	body := []byte(`{"a":1}`)
	tests := []struct {
		name   string
		change func(h http.Header, body *[]byte)
		now    time.Time
	}{
		{"the body changed", func(_ http.Header, b *[]byte) { *b = []byte(`{"a":2}`) }, at},
		{"the id changed", func(h http.Header, _ *[]byte) { h.Set(webhook.HeaderID, "msg_2") }, at},
		{"the timestamp changed", func(h http.Header, _ *[]byte) { h.Set(webhook.HeaderTimestamp, "1800000001") }, at},
		{"no signature", func(h http.Header, _ *[]byte) { h.Del(webhook.HeaderSignature) }, at},
		{"a partial signature", func(h http.Header, _ *[]byte) { h.Set(webhook.HeaderSignature, "v1,") }, at},
		{"replayed six minutes later", func(http.Header, *[]byte) {}, at.Add(6 * time.Minute)},
		{"from the future", func(http.Header, *[]byte) {}, at.Add(-6 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range webhook.Headers("msg_1", at, body, s) {
				h.Set(k, v)
			}
			b := bytes.Clone(body)
			tt.change(h, &b)
			require.ErrorIs(t, webhook.Verify(s, h.Get, b, tt.now, 5*time.Minute), webhook.ErrNotVerified)
		})
	}
}

func secret(t *testing.T) webhook.Secret {
	t.Helper()
	s, err := webhook.NewSecret(rand.Reader)
	require.NoError(t, err)
	return s
}
