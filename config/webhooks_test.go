package config_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/core/webhook"
)

func TestWebhookSettingsDefaultToProductionsSchedule(t *testing.T) {
	setEnv(t, map[string]string{"CCFLOW_API_TOKEN": "secret"})
	c, err := config.Load(config.Worker)
	require.NoError(t, err)
	require.Equal(t, webhook.DefaultRetry, c.Webhooks.Retry)
	require.True(t, c.Webhooks.Allow.Empty())
}

func TestWebhookSettingsAreRead(t *testing.T) {
	setEnv(t, map[string]string{"CCFLOW_WEBHOOK_ALLOW": "127.0.0.1,hooks.internal", "CCFLOW_WEBHOOK_FIRST_RETRY": "1s",
		"CCFLOW_WEBHOOK_MAX_RETRY_WAIT": "2s", "CCFLOW_WEBHOOK_RETRY_FOR": "5m", "CCFLOW_WEBHOOK_TIMEOUT": "3s"})
	c, err := config.Load(config.Worker)
	require.NoError(t, err)
	require.True(t, c.Webhooks.Allow.AllowsHost("hooks.internal"))
	require.Equal(t, webhook.Retry{First: time.Second, Coefficient: 2, Max: 2 * time.Second, For: 5 * time.Minute, Timeout: 3 * time.Second}, c.Webhooks.Retry)
}

func TestBadWebhookSettingsNameTheirVariable(t *testing.T) {
	for name, value := range map[string]string{
		"CCFLOW_WEBHOOK_ALLOW":       "10.0.0.0/99",
		"CCFLOW_WEBHOOK_FIRST_RETRY": "soon",
		"CCFLOW_WEBHOOK_TIMEOUT":     "0s",
	} {
		setEnv(t, map[string]string{name: value})
		_, err := config.Load(config.Worker)
		require.ErrorContains(t, err, "CCFLOW_WEBHOOK_", name)
	}
}

func TestWebhookSecretsAreSealedWithThePayloadKeysAndOpenAfterThemToo(t *testing.T) {
	stored := make([]byte, 32)
	_, _ = rand.Read(stored)
	store := secrets{webhook.StoreKeyName: stored}
	setEnv(t, nil)
	c, err := config.Load(config.Worker)
	require.NoError(t, err)
	plain, err := c.WebhookSealer(context.Background(), store)
	require.NoError(t, err)
	require.Equal(t, webhook.StoreKeyID, plain.KeyID(), "without payload keys the store's key seals")
	sealed, err := plain.Seal("wh_1", webhook.Secret("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)

	key := make([]byte, 32)
	_, _ = rand.Read(key)
	setEnv(t, map[string]string{"CCFLOW_PAYLOAD_KEYS": "k1:" + base64.StdEncoding.EncodeToString(key)})
	c, err = config.Load(config.Worker)
	require.NoError(t, err)
	keyed, err := c.WebhookSealer(context.Background(), store)
	require.NoError(t, err)
	require.Equal(t, "payload-k1", keyed.KeyID(), "a payload key seals once there is one")
	opened, err := keyed.Open("wh_1", sealed)
	require.NoError(t, err, "what the store's key sealed still opens")
	require.Equal(t, webhook.Secret("0123456789abcdef0123456789abcdef"), opened)
}
