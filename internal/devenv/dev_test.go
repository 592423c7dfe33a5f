package devenv

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHTTPURL(t *testing.T) {
	tests := []struct{ addr, want string }{
		{":8080", "http://localhost:8080"},
		{"0.0.0.0:9000", "http://localhost:9000"},
		{"[::]:9000", "http://localhost:9000"},
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"ccflow.internal:80", "http://ccflow.internal:80"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, httpURL(tt.addr), tt.addr)
	}
}

func TestDevSettingsFillInWhatTheEnvironmentLeavesUnset(t *testing.T) {
	unset := func(string) (string, bool) { return "", false }
	tc := temporalEndpoint{address: "127.0.0.1:7233", namespace: "default", uiURL: "http://localhost:8233"}

	got := devSettings(unset, "/repo", "postgres://db", tc)

	require.Equal(t, []setting{
		{"DATABASE_URL", "postgres://db"},
		{"TEMPORAL_ADDRESS", "127.0.0.1:7233"},
		{"TEMPORAL_NAMESPACE", "default"},
		{"CCFLOW_HTTP_ADDR", ":8080"},
		{"CCFLOW_PUBLIC_URL", "http://localhost:8080"},
		{"CCFLOW_API_TOKEN", "dev-token"},
		{"CCFLOW_OUTBOX_DIR", "/repo/.dev/outbox"},
		{"CCFLOW_TEMPORAL_UI_URL", "http://localhost:8233"},
		{"CCFLOW_PAYLOAD_KEYS", "none"},
		{"CCFLOW_WORKER_HTTP_ADDR", ":8081"},
		{"CCFLOW_WEBHOOK_ALLOW", "127.0.0.1,localhost"},
	}, got)
}

func TestDevSettingsKeepTheUsersOwn(t *testing.T) {
	env := map[string]string{
		"CCFLOW_HTTP_ADDR":        "127.0.0.1:9090",
		"CCFLOW_API_TOKEN":        "secret",
		"CCFLOW_OUTBOX_DIR":       "/var/outbox",
		"CCFLOW_WORKER_HTTP_ADDR": "127.0.0.1:9091",
		"DATABASE_URL":            "postgres://not-answering", // replaced by the server devenv found
	}
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }

	got := devSettings(lookup, "/repo", "postgres://db", temporalEndpoint{address: "a:1", namespace: "ns"})

	require.Equal(t, []setting{
		{"DATABASE_URL", "postgres://db"},
		{"TEMPORAL_ADDRESS", "a:1"},
		{"TEMPORAL_NAMESPACE", "ns"},
		{"CCFLOW_HTTP_ADDR", "127.0.0.1:9090"},
		{"CCFLOW_PUBLIC_URL", "http://127.0.0.1:9090"},
		{"CCFLOW_API_TOKEN", "secret"},
		{"CCFLOW_OUTBOX_DIR", "/var/outbox"},
		{"CCFLOW_TEMPORAL_UI_URL", ""},
		{"CCFLOW_PAYLOAD_KEYS", "none"},
		{"CCFLOW_WORKER_HTTP_ADDR", "127.0.0.1:9091"},
		{"CCFLOW_WEBHOOK_ALLOW", "127.0.0.1,localhost"},
	}, got)
}

// Without a Twilio account the starter checks webhook signatures with the
// dev token, so an SMS reply can be posted by hand; with one, with the
// user's own token.
func TestTheStarterGetsTheDevTwilioTokenWithoutAnAccount(t *testing.T) {
	unset := func(string) (string, bool) { return "", false }
	require.Equal(t, []setting{{"TWILIO_AUTH_TOKEN", "dev-twilio-token"}}, starterSettings(unset))

	for _, name := range []string{"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "TWILIO_MESSAGING_SERVICE_SID"} {
		set := func(n string) (string, bool) { return "x", n == name }
		require.Empty(t, starterSettings(set), "%s set: the user's Twilio settings, whole or not, are theirs", name)
	}
}
