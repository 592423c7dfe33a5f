package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/config"
)

func TestTheWorkerLoadsConnections(t *testing.T) {
	setEnv(t, map[string]string{
		"CCFLOW_CONNECTIONS_FILE":     "",
		"CCFLOW_CONNECTION_CRM_URL":   "https://crm.internal/api",
		"CCFLOW_CONNECTION_CRM_TOKEN": "token-1",
	})

	c, err := config.Load(config.Worker)

	require.NoError(t, err)
	crm, ok := c.Connections.Get("crm")
	require.True(t, ok)
	require.Equal(t, "https://crm.internal/api", crm.BaseURL)
	require.Equal(t, "token-1", crm.BearerToken)
}

func TestABrokenConnectionStopsOnlyTheWorker(t *testing.T) {
	setEnv(t, map[string]string{
		"CCFLOW_API_TOKEN":            "secret",
		"CCFLOW_CONNECTIONS_FILE":     "",
		"CCFLOW_CONNECTION_CRM_TOKEN": "token-1",
	})

	_, err := config.Load(config.Worker)
	require.ErrorContains(t, err, "connection crm has no base URL: set CCFLOW_CONNECTION_CRM_URL")

	c, err := config.Load(config.Starter)
	require.NoError(t, err, "the starter makes no requests through connections")
	require.Empty(t, c.Connections.Names())
}
