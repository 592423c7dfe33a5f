package config_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/providers/twilio"
)

// ccflowVars are the variables Load reads besides TEMPORAL_*.
var ccflowVars = []string{
	"DATABASE_URL", "CCFLOW_HTTP_ADDR", "CCFLOW_PUBLIC_URL", "CCFLOW_API_TOKEN", "CCFLOW_TASK_QUEUE",
	"SMTP_URL", "EMAIL_FROM", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "TWILIO_API_URL",
	"CCFLOW_OUTBOX_DIR", "CCFLOW_SURVEY_SECRET", "CCFLOW_SURVEY_TTL", "CCFLOW_LOG_FORMAT", "CCFLOW_LOG_LEVEL",
	"CCFLOW_TIME_ZONE", "TWILIO_MESSAGING_SERVICE_SID", "CCFLOW_PAYLOAD_KEYS", "CCFLOW_RETENTION", "CCFLOW_TEMPORAL_UI_URL",
	"CCFLOW_TEMPORAL_COMPRESSION", "CCFLOW_WORKER_CACHE_SIZE",
	"CCFLOW_WEBHOOK_ALLOW", "CCFLOW_WEBHOOK_FIRST_RETRY", "CCFLOW_WEBHOOK_MAX_RETRY_WAIT", "CCFLOW_WEBHOOK_RETRY_FOR", "CCFLOW_WEBHOOK_TIMEOUT", "CCFLOW_CODEC_TOKEN",
}

// setEnv gives Load exactly vars (plus a database URL unless vars names one).
func setEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, name := range ccflowVars {
		t.Setenv(name, "")
	}
	t.Setenv("DATABASE_URL", "postgres://ccflow@db.example:5432/ccflow")
	for name, value := range vars {
		t.Setenv(name, value)
	}
}

func TestLoadDefaults(t *testing.T) {
	setEnv(t, map[string]string{"CCFLOW_API_TOKEN": "secret"})

	c, err := config.Load(config.Starter)

	require.NoError(t, err)
	require.Equal(t, ":8080", c.HTTPAddr)
	require.Equal(t, "http://localhost:8080", c.PublicURL)
	require.Equal(t, "ccflow", c.TaskQueue)
	require.Equal(t, "ccflow@localhost", c.EmailFrom)
	require.Empty(t, c.OutboxDir, "the outbox is used only when asked for")
	require.Equal(t, 30*24*time.Hour, c.SurveyTTL)
	require.Empty(t, c.SMTPURL)
	require.Nil(t, c.Twilio)
	require.Empty(t, c.LinkSecrets)
	require.Empty(t, c.TemporalUIURL)
	require.Equal(t, config.DefaultWorkerCacheSize, c.WorkerCacheSize)
	require.Equal(t, &client.GrpcCompressionNone{}, c.Temporal.ConnectionOptions.GrpcCompression,
		"calls to Temporal are not compressed unless asked")
}

func TestLoadReadsEverySetting(t *testing.T) {
	setEnv(t, map[string]string{
		"CCFLOW_HTTP_ADDR":            "127.0.0.1:9000",
		"CCFLOW_PUBLIC_URL":           "https://follow.example.com/",
		"CCFLOW_TASK_QUEUE":           "ccflow-test",
		"SMTP_URL":                    "smtps://user:pass@mail.example.com:465",
		"EMAIL_FROM":                  "care@example.com",
		"TWILIO_ACCOUNT_SID":          "AC123",
		"TWILIO_AUTH_TOKEN":           "tok",
		"TWILIO_FROM":                 "+15550000000",
		"TWILIO_API_URL":              "http://127.0.0.1:9999",
		"CCFLOW_SURVEY_SECRET":        "0123456789abcdef0123456789abcdef",
		"CCFLOW_SURVEY_TTL":           "1w",
		"TEMPORAL_ADDRESS":            "temporal.example.com:7233",
		"TEMPORAL_NAMESPACE":          "contact-center",
		"CCFLOW_TEMPORAL_UI_URL":      "https://temporal.example.com/",
		"CCFLOW_TEMPORAL_COMPRESSION": "gzip",
		"CCFLOW_WORKER_CACHE_SIZE":    "250",
	})

	c, err := config.Load(config.Worker)

	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:9000", c.HTTPAddr)
	require.Equal(t, "https://follow.example.com", c.PublicURL, "trailing slash trimmed so links join cleanly")
	require.Equal(t, "ccflow-test", c.TaskQueue)
	require.Equal(t, "smtps://user:pass@mail.example.com:465", c.SMTPURL)
	require.Equal(t, "care@example.com", c.EmailFrom)
	require.Equal(t, &twilio.Config{AccountSID: "AC123", AuthToken: "tok", From: "+15550000000", BaseURL: "http://127.0.0.1:9999"}, c.Twilio)
	require.Equal(t, [][]byte{[]byte("0123456789abcdef0123456789abcdef")}, c.LinkSecrets)
	require.Equal(t, 7*24*time.Hour, c.SurveyTTL)
	require.Equal(t, "temporal.example.com:7233", c.Temporal.HostPort)
	require.Equal(t, "contact-center", c.Temporal.Namespace)
	require.Equal(t, "https://temporal.example.com", c.TemporalUIURL)
	require.Equal(t, &client.GrpcCompressionGzip{}, c.Temporal.ConnectionOptions.GrpcCompression)
	require.Equal(t, 250, c.WorkerCacheSize)
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name string
		part config.Part
		vars map[string]string
		want []string // every fragment must appear in the error
	}{
		{"starter without API token", config.Starter, nil, []string{"CCFLOW_API_TOKEN is required by the starter"}},
		{"missing database URL", config.Worker, map[string]string{"DATABASE_URL": ""}, []string{"DATABASE_URL is required"}},
		{"database URL of another kind", config.Worker, map[string]string{"DATABASE_URL": "mysql://db"}, []string{"DATABASE_URL must be an absolute postgres://"}},
		{"public URL without scheme", config.Worker, map[string]string{"CCFLOW_PUBLIC_URL": "follow.example.com"}, []string{"CCFLOW_PUBLIC_URL"}},
		{"Temporal UI URL without scheme", config.Starter, map[string]string{"CCFLOW_API_TOKEN": "t", "CCFLOW_TEMPORAL_UI_URL": "temporal.example.com"},
			[]string{"CCFLOW_TEMPORAL_UI_URL"}},
		{"SMTP URL of another scheme", config.Worker, map[string]string{"SMTP_URL": "http://mail"}, []string{"SMTP_URL must be an absolute smtp://"}},
		{"short survey secret in a deployment", config.Worker, map[string]string{"CCFLOW_SURVEY_SECRET": "short", "CCFLOW_PUBLIC_URL": "https://ccflow.example.com"},
			[]string{"CCFLOW_SURVEY_SECRET is too weak for a deployment", "5 characters long; at least 32"}},
		{"bad survey TTL", config.Worker, map[string]string{"CCFLOW_SURVEY_TTL": "3 dayz"}, []string{"CCFLOW_SURVEY_TTL"}},
		{"bad log format", config.Worker, map[string]string{"CCFLOW_LOG_FORMAT": "xml"}, []string{"CCFLOW_LOG_FORMAT"}},
		{"partial Twilio settings", config.Worker, map[string]string{"TWILIO_ACCOUNT_SID": "AC123"},
			[]string{"TWILIO_AUTH_TOKEN, TWILIO_FROM missing"}},
		{"only the Twilio URL", config.Worker, map[string]string{"TWILIO_API_URL": "http://127.0.0.1:1"},
			[]string{"TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM missing"}},
		{"several problems at once", config.Worker, map[string]string{"DATABASE_URL": "", "SMTP_URL": "http://mail", "TWILIO_FROM": "+1555"},
			[]string{"DATABASE_URL", "SMTP_URL", "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN missing"}},
		{"payload key not base64", config.Worker, map[string]string{"CCFLOW_PAYLOAD_KEYS": "k1:***"},
			[]string{`CCFLOW_PAYLOAD_KEYS: key "k1" is not base64`}},
		{"payload key of the wrong length", config.Starter, map[string]string{"CCFLOW_API_TOKEN": "t", "CCFLOW_PAYLOAD_KEYS": "k1:c2hvcnQ="},
			[]string{`CCFLOW_PAYLOAD_KEYS: key "k1" is 5 bytes long; AES-256 needs exactly 32`}},
		{"payload key id twice", config.Worker, map[string]string{"CCFLOW_PAYLOAD_KEYS": "k1:" + testKey + ",k1:" + testKey},
			[]string{`CCFLOW_PAYLOAD_KEYS: key id "k1" is listed twice`}},
		{"cache size not a number", config.Worker, map[string]string{"CCFLOW_WORKER_CACHE_SIZE": "lots"},
			[]string{`CCFLOW_WORKER_CACHE_SIZE="lots": want a number of runs, 0 or more`}},
		{"negative cache size", config.Worker, map[string]string{"CCFLOW_WORKER_CACHE_SIZE": "-1"},
			[]string{`CCFLOW_WORKER_CACHE_SIZE="-1"`}},
		{"unknown compression", config.Worker, map[string]string{"CCFLOW_TEMPORAL_COMPRESSION": "zstd"},
			[]string{`CCFLOW_TEMPORAL_COMPRESSION="zstd": want none or gzip`}},
		{"bad retention", config.Worker, map[string]string{"CCFLOW_RETENTION": "90 days"}, []string{"CCFLOW_RETENTION"}},
		{"retention under a day", config.Worker, map[string]string{"CCFLOW_RETENTION": "12h"}, []string{"CCFLOW_RETENTION \"12h\" is shorter than the least retention, 1d"}},
		{"several problems of the starter", config.Starter, map[string]string{"DATABASE_URL": "", "CCFLOW_LOG_FORMAT": "xml"},
			[]string{"DATABASE_URL", "CCFLOW_API_TOKEN", "CCFLOW_LOG_FORMAT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.vars)

			_, err := config.Load(tt.part)

			require.Error(t, err)
			for _, want := range tt.want {
				require.ErrorContains(t, err, want)
			}
		})
	}
}

// testKey is a well-formed AES-256 key in base64.
const testKey = "qYrmL/T2HbaP0+u2uHdGcHon1M3bsJ3FmzH+7M+zF5I="

func TestPayloadKeysEncryptEveryClientsPayloads(t *testing.T) {
	setEnv(t, map[string]string{"CCFLOW_PAYLOAD_KEYS": "k2:" + testKey + ", k1:Sz6gS4niDwlhw7mHMnzgc88I/vJlHy0S+eI0WI4AYi0="})

	c, err := config.Load(config.Worker)

	require.NoError(t, err)
	require.Equal(t, []string{"k2", "k1"}, c.PayloadKeys.KeyIDs())
	require.NotNil(t, c.Temporal.DataConverter, "the worker's client seals payloads")
	require.NotNil(t, c.Temporal.FailureConverter, "and error messages")
	p, err := c.Temporal.DataConverter.ToPayload("ada@example.com")
	require.NoError(t, err)
	require.Equal(t, "k2", string(p.Metadata["encryption-key-id"]))
	require.Empty(t, c.PayloadKeysWarning())
}

func TestWithoutPayloadKeysStartUpWarnsUnlessToldNone(t *testing.T) {
	for value, warns := range map[string]bool{"": true, "none": false} {
		setEnv(t, map[string]string{"CCFLOW_PAYLOAD_KEYS": value})

		c, err := config.Load(config.Worker)

		require.NoError(t, err)
		require.Nil(t, c.PayloadKeys)
		require.Nil(t, c.Temporal.DataConverter, "payloads in clear: the SDK's default converter")
		if warns {
			require.Contains(t, c.PayloadKeysWarning(), "CCFLOW_PAYLOAD_KEYS is not set: workflow histories keep customers' names")
		} else {
			require.Empty(t, c.PayloadKeysWarning())
		}
	}
}

func TestRetentionDefaultsToNinetyDays(t *testing.T) {
	setEnv(t, nil)
	c, err := config.Load(config.Worker)
	require.NoError(t, err)
	require.Equal(t, 90*24*time.Hour, c.Retention)

	setEnv(t, map[string]string{"CCFLOW_RETENTION": "30d"})
	c, err = config.Load(config.Worker)
	require.NoError(t, err)
	require.Equal(t, 30*24*time.Hour, c.Retention)
}

// The starter sends nothing itself: a wrong email or SMS setting must not
// keep it from taking events.
func TestStarterIgnoresTheWorkersProviderSettings(t *testing.T) {
	setEnv(t, map[string]string{"CCFLOW_API_TOKEN": "t", "SMTP_URL": "http://mail", "TWILIO_FROM": "+1555"})

	c, err := config.Load(config.Starter)

	require.NoError(t, err)
	require.Nil(t, c.Twilio)
}

func TestLoadNeverEchoesADatabasePassword(t *testing.T) {
	setEnv(t, map[string]string{"DATABASE_URL": "mysql://user:hunter2@db"})

	_, err := config.Load(config.Worker)

	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")
}

type secrets map[string][]byte

func (s secrets) Secret(_ context.Context, name string) ([]byte, error) {
	if v, ok := s[name]; ok {
		return v, nil
	}
	return nil, errors.New("no such secret")
}

func TestLinkKeysPreferTheEnvironment(t *testing.T) {
	c := config.Config{LinkSecrets: [][]byte{[]byte("from-env")}}

	keys, err := c.LinkKeys(context.Background(), secrets{config.SurveySecretName: []byte("from-db")})

	require.NoError(t, err)
	require.Equal(t, linkkeys.Must([]byte("from-env")).Survey.Sign("abc"), keys.Survey.Sign("abc"))
}

// existingSecrets is a store that made its secret already.
type existingSecrets struct{ secrets }

func (s existingSecrets) ExistingSecret(_ context.Context, name string) ([]byte, bool, error) {
	v, ok := s.secrets[name]
	return v, ok, nil
}

// Setting CCFLOW_SURVEY_SECRET where the store made a secret before keeps
// the links and hashes of that secret working.
func TestLinkKeysHonourTheStoresSecretAfterTheEnvironments(t *testing.T) {
	c := config.Config{LinkSecrets: [][]byte{[]byte("from-env")}}
	before := linkkeys.Must([]byte("from-db"))

	keys, err := c.LinkKeys(context.Background(), existingSecrets{secrets{config.SurveySecretName: []byte("from-db")}})

	require.NoError(t, err)
	require.Equal(t, linkkeys.Must([]byte("from-env")).Survey.Sign("abc"), keys.Survey.Sign("abc"), "the environment's signs")
	_, err = keys.Unsubscribe.Verify(before.Unsubscribe.Sign("abc"))
	require.NoError(t, err, "a link of the store's secret still verifies")
	require.Contains(t, keys.Addresses.Forms("a@b.c"), before.Addresses.Hash("a@b.c"))
}

func TestLinkKeysFallBackToTheStore(t *testing.T) {
	keys, err := config.Config{}.LinkKeys(context.Background(), secrets{config.SurveySecretName: []byte("from-db")})

	require.NoError(t, err)
	require.Equal(t, linkkeys.Must([]byte("from-db")).Addresses.Hash("a@b.c"), keys.Addresses.Hash("a@b.c"))
	_, err = config.Config{}.LinkKeys(context.Background(), secrets{})
	require.ErrorContains(t, err, "reading the link secret")
}
