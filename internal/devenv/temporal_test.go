package devenv

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTemporalArgsRegisterCcflowsSearchAttributes(t *testing.T) {
	args := temporalArgs(temporalOptions{port: 7233, uiPort: 8233, dbFile: ".dev/temporal.db"})

	require.Equal(t, []string{
		"server", "start-dev", "--ip", "127.0.0.1", "--port", "7233", "--ui-port", "8233", "--log-level", "warn",
		"--db-filename", ".dev/temporal.db",
		"--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
		"--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=false",
		"--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
		"--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
		"--dynamic-config-value", "system.enableActivityEagerExecution=true",
		"--search-attribute", "CcflowEntryId=Keyword",
		"--search-attribute", "CcflowService=Keyword",
		"--search-attribute", "CcflowInteractionId=Keyword",
		"--search-attribute", "CcflowCustomerId=Keyword",
		"--search-attribute", "CcflowDisposition=Keyword",
		"--search-attribute", "CcflowAverageSentiment=Double",
		"--search-attribute", "CcflowCurrentStep=Keyword",
	}, args)
}

func TestTemporalArgsWithoutADatabaseFileKeepStateInMemory(t *testing.T) {
	args := temporalArgs(temporalOptions{port: 1, uiPort: 2})
	require.NotContains(t, args, "--db-filename")
	require.NotContains(t, args, "--sqlite-pragma", "an in-memory database has no file to tune")
}
