// Package config reads the environment the starter and the worker run with.
// Every error names the variable to fix, because the first reader of it is
// someone setting up a deployment.
package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"

	"github.com/ccflow/ccflow/codec"
	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/providers/connections"
	"github.com/ccflow/ccflow/providers/twilio"
)

// Part is which binary is loading its configuration; they need different
// variables.
type Part int

// The two binaries.
const (
	Starter Part = iota
	Worker
)

// Defaults of the settings a deployment may leave unset.
const (
	// DefaultTaskQueue is the task queue the worker polls and the starter
	// starts runs on (CCFLOW_TASK_QUEUE).
	DefaultTaskQueue = "ccflow"
	// DefaultSurveyTTL is how long a survey link stays answerable after its
	// step stops waiting (CCFLOW_SURVEY_TTL): late answers are still worth
	// keeping for operators.
	DefaultSurveyTTL = 30 * 24 * time.Hour
	// DefaultWorkerCacheSize is how many runs the worker keeps in its
	// sticky cache. A cached run takes its next task (a timer firing, a
	// survey answer, an activity's result) without replaying its history;
	// one evicted from the cache replays it first. A sleeping run in the
	// cache holds its interpreter state and a goroutine per coroutine,
	// about 50 KB live and some 75 KB of resident memory with the garbage
	// collector's headroom: the SDK's default of 10,000 runs made a worker
	// with 10,000 sleeping runs take 524 MB, for runs that sleep for days.
	// Runs sleep far longer than they work, so ccflow keeps 1,000, several
	// times the runs at work at once at 100 events a second; a run that
	// wakes after eviction replays its history first, a few dozen events,
	// a few milliseconds of CPU once per wake-up (make bench measures the
	// memory and the replay).
	DefaultWorkerCacheSize = 1000
	// DefaultRetention is how long customer data is kept (CCFLOW_RETENTION).
	DefaultRetention = 90 * 24 * time.Hour
	// MinRetention keeps the retention sweep away from data a run in
	// flight still uses: a send held for quiet hours, a survey being
	// answered.
	MinRetention = 24 * time.Hour
)

// PayloadKeysVar is the variable that holds the payload keys; its value
// PayloadKeysNone says, on purpose, that histories are kept in clear.
const (
	PayloadKeysVar  = "CCFLOW_PAYLOAD_KEYS"
	PayloadKeysNone = "none"
)

// SurveySecretName is the store setting that holds the survey token key
// when CCFLOW_SURVEY_SECRET is not set.
const SurveySecretName = "survey-token-key"

// MinSecretLength is the fewest characters of a token or secret set by
// hand (CCFLOW_API_TOKEN, CCFLOW_CODEC_TOKEN, CCFLOW_SURVEY_SECRET): 32
// random characters put guessing out of reach and make an HMAC-SHA256 key
// as strong as it can be.
const MinSecretLength = 32

// Config is everything the starter and the worker read from the
// environment.
type Config struct {
	// DatabaseURL is DATABASE_URL.
	DatabaseURL string
	// HTTPAddr is where the starter listens (CCFLOW_HTTP_ADDR).
	HTTPAddr string
	// WorkerHTTPAddr is where the worker serves its probes and metrics
	// (CCFLOW_WORKER_HTTP_ADDR).
	WorkerHTTPAddr string
	// PublicURL is the base of survey links (CCFLOW_PUBLIC_URL), without a
	// trailing slash.
	PublicURL string
	// APIToken is the bearer token /v1/* requires (CCFLOW_API_TOKEN).
	APIToken string
	// TaskQueue is the Temporal task queue (CCFLOW_TASK_QUEUE).
	TaskQueue string
	// SMTPURL is SMTP_URL; empty sends email to the outbox when OutboxDir
	// is set, else nowhere (every email step fails).
	SMTPURL string
	// EmailFrom is the sender address (EMAIL_FROM).
	EmailFrom string
	// Twilio is nil when no Twilio variable is set: SMS go to the outbox
	// when OutboxDir is set, else nowhere (every SMS step fails).
	Twilio *twilio.Config
	// OutboxDir is where email and SMS go without a provider
	// (CCFLOW_OUTBOX_DIR): a development tool, used only when set.
	OutboxDir string
	// LinkSecrets are CCFLOW_SURVEY_SECRET's secrets, comma-separated: the
	// first signs links and hashes addresses, the others (older ones, while
	// a secret is rotated) are still honoured. Empty means the store's
	// shared secret (see LinkKeys).
	LinkSecrets [][]byte
	// CodecToken is CCFLOW_CODEC_TOKEN: a bearer token that may call
	// /codec and nothing else, for the Temporal Web UI; "" for none.
	// Several may be given, comma-separated.
	CodecToken string
	// SurveyTTL is how long a survey link stays answerable after its
	// step stops waiting, for late answers (CCFLOW_SURVEY_TTL, e.g. "30d").
	SurveyTTL time.Duration
	// TimeZone is CCFLOW_TIME_ZONE: the zone sends are judged in when
	// neither the customer, the service nor the contact policy names one;
	// "" is UTC.
	TimeZone string
	// TwilioAuthToken is TWILIO_AUTH_TOKEN, which the starter checks
	// Twilio's webhook signatures with (the worker's is in Twilio).
	TwilioAuthToken string
	// LogFormat is "text" or "json" (CCFLOW_LOG_FORMAT).
	LogFormat string
	// LogLevel is CCFLOW_LOG_LEVEL (debug, info, warn, error).
	LogLevel slog.Level
	// Connections are the internal APIs http_request steps call, read by
	// the worker only, from CCFLOW_CONNECTIONS_FILE and
	// CCFLOW_CONNECTION_<NAME>_URL/_TOKEN (see package connections).
	Connections connections.Set
	// Temporal holds the client options the SDK's envconfig read
	// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*),
	// with the payload codec of PayloadKeys (see TemporalClientOptions).
	Temporal client.Options
	// TemporalUIURL is the base URL of the Temporal Web UI the console
	// links runs to (CCFLOW_TEMPORAL_UI_URL), without a trailing slash;
	// empty: no links.
	TemporalUIURL string
	// PayloadKeys encrypt every payload ccflow hands to Temporal
	// (CCFLOW_PAYLOAD_KEYS); nil keeps them in clear.
	PayloadKeys *codec.Keyring
	// payloadKeysValue is the value CCFLOW_PAYLOAD_KEYS had: "" (unset, which
	// start-up warns about), PayloadKeysNone, or keys.
	payloadKeysValue string
	// weak are the warnings about weak secrets of a development setup
	// (see Warnings); a deployment refuses them instead.
	weak []string
	// Retention is how long customer data is kept before the daily
	// retention run deletes it (CCFLOW_RETENTION, e.g. "90d").
	Retention time.Duration
	// WorkerCacheSize is how many runs the worker keeps in its sticky
	// cache (CCFLOW_WORKER_CACHE_SIZE).
	WorkerCacheSize int
	// Webhooks are the CCFLOW_WEBHOOK_* settings (config/webhooks.go).
	Webhooks Webhooks
}

// Load reads the environment for part.
func Load(part Part) (Config, error) {
	c := Config{
		DatabaseURL:     os.Getenv("DATABASE_URL"),
		HTTPAddr:        getenv("CCFLOW_HTTP_ADDR", ":8080"),
		WorkerHTTPAddr:  getenv("CCFLOW_WORKER_HTTP_ADDR", ":8081"),
		PublicURL:       strings.TrimRight(getenv("CCFLOW_PUBLIC_URL", "http://localhost:8080"), "/"),
		APIToken:        os.Getenv("CCFLOW_API_TOKEN"),
		TaskQueue:       getenv("CCFLOW_TASK_QUEUE", DefaultTaskQueue),
		SMTPURL:         os.Getenv("SMTP_URL"),
		EmailFrom:       getenv("EMAIL_FROM", "ccflow@localhost"),
		OutboxDir:       os.Getenv("CCFLOW_OUTBOX_DIR"),
		CodecToken:      os.Getenv("CCFLOW_CODEC_TOKEN"),
		LogFormat:       getenv("CCFLOW_LOG_FORMAT", "text"),
		TimeZone:        os.Getenv("CCFLOW_TIME_ZONE"),
		TwilioAuthToken: os.Getenv("TWILIO_AUTH_TOKEN"),
		TemporalUIURL:   strings.TrimRight(os.Getenv("CCFLOW_TEMPORAL_UI_URL"), "/"),
	}
	for secret := range strings.SplitSeq(os.Getenv(LinkSecretVar), ",") {
		if secret = strings.TrimSpace(secret); secret != "" {
			c.LinkSecrets = append(c.LinkSecrets, []byte(secret))
		}
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(c.checkDatabaseURL())
	add(checkAbsoluteURL("CCFLOW_PUBLIC_URL", c.PublicURL, "http", "https"))
	if c.TemporalUIURL != "" {
		add(checkAbsoluteURL("CCFLOW_TEMPORAL_UI_URL", c.TemporalUIURL, "http", "https"))
	}
	if part == Starter && c.APIToken == "" {
		add(errors.New("CCFLOW_API_TOKEN is required by the starter: set it to the bearer token clients send on /v1/*"))
	}
	c.checkSecrets(part, add)
	var err error
	c.SurveyTTL = DefaultSurveyTTL
	if ttl := os.Getenv("CCFLOW_SURVEY_TTL"); ttl != "" {
		c.SurveyTTL, err = durations.Parse(ttl)
		if err != nil {
			add(fmt.Errorf("CCFLOW_SURVEY_TTL: %w", err))
		}
	}
	c.Retention = DefaultRetention
	if r := os.Getenv("CCFLOW_RETENTION"); r != "" {
		c.Retention, err = durations.Parse(r)
		switch {
		case err != nil:
			add(fmt.Errorf("CCFLOW_RETENTION: %w", err))
		case c.Retention < MinRetention:
			add(fmt.Errorf("CCFLOW_RETENTION %q is shorter than the least retention, 1d: a run in flight still needs its last day's records", r))
		}
	}
	c.WorkerCacheSize = DefaultWorkerCacheSize
	if v := os.Getenv("CCFLOW_WORKER_CACHE_SIZE"); v != "" {
		c.WorkerCacheSize, err = strconv.Atoi(v)
		if err != nil || c.WorkerCacheSize < 0 {
			add(fmt.Errorf("CCFLOW_WORKER_CACHE_SIZE=%q: want a number of runs, 0 or more", v))
		}
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "Local" {
			add(fmt.Errorf("CCFLOW_TIME_ZONE %q is not an IANA time zone (e.g. America/New_York)", c.TimeZone))
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		add(fmt.Errorf("CCFLOW_LOG_FORMAT must be text or json, not %q", c.LogFormat))
	}
	if err := c.LogLevel.UnmarshalText([]byte(getenv("CCFLOW_LOG_LEVEL", "info"))); err != nil {
		add(fmt.Errorf("CCFLOW_LOG_LEVEL: %w", err))
	}
	// Only the worker sends and calls out: a wrong provider setting must not
	// stop the starter from taking events.
	if part == Worker {
		if c.SMTPURL != "" {
			add(checkAbsoluteURL("SMTP_URL", c.SMTPURL, "smtp", "smtps"))
		}
		c.Twilio, err = loadTwilio()
		add(err)
		c.Connections, err = connections.Load(os.Environ())
		add(err)
	}
	c.Webhooks, err = loadWebhooks()
	add(err)
	c.payloadKeysValue = os.Getenv(PayloadKeysVar)
	c.PayloadKeys, err = PayloadKeys()
	add(err)
	c.Temporal, err = TemporalClientOptions(c.PayloadKeys)
	add(err)
	return c, errors.Join(errs...)
}

// PayloadKeys reads CCFLOW_PAYLOAD_KEYS ("id1:base64,id0:base64", the
// first key encrypting, every one decrypting); unset or "none" is nil,
// payloads in clear.
func PayloadKeys() (*codec.Keyring, error) {
	v := strings.TrimSpace(os.Getenv(PayloadKeysVar))
	if v == "" || v == PayloadKeysNone {
		return nil, nil
	}
	k, err := codec.ParseKeys(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", PayloadKeysVar, err)
	}
	return k, nil
}

// TemporalClientOptions is the one place the options of ccflow's Temporal
// clients are built: the SDK's envconfig (TEMPORAL_*) and the payload
// codec of keys (nil: none). The starter, the worker, the history
// recorder, devenv and the tests' helpers all dial with them, so no client
// writes a payload in clear that the others encrypt, or cannot read what
// they wrote.
func TemporalClientOptions(keys *codec.Keyring) (client.Options, error) {
	opts, err := envconfig.LoadDefaultClientOptions()
	if err != nil {
		return client.Options{}, fmt.Errorf("temporal settings (TEMPORAL_*): %w", err)
	}
	if opts.ConnectionOptions.GrpcCompression, err = temporalCompression(); err != nil {
		return client.Options{}, err
	}
	codec.Apply(&opts, keys)
	return opts, nil
}

// TemporalCompressionVar chooses the compression of ccflow's gRPC calls to
// Temporal: "none" (the default) or "gzip" (the SDK's own default).
//
// Compression costs CPU on both ends of every call, Temporal's included,
// and buys bandwidth only where the link is slow and the payloads
// compress: a starter on the embedded default spent a third of its CPU per
// event gzipping its start requests, and payloads sealed with
// CCFLOW_PAYLOAD_KEYS do not compress at all. Set gzip for a Temporal far
// away (Temporal Cloud over the internet) with payloads in clear.
const TemporalCompressionVar = "CCFLOW_TEMPORAL_COMPRESSION"

// temporalCompression reads TemporalCompressionVar.
func temporalCompression() (client.GrpcCompression, error) {
	switch v := strings.TrimSpace(os.Getenv(TemporalCompressionVar)); v {
	case "", "none":
		return &client.GrpcCompressionNone{}, nil
	case "gzip":
		return &client.GrpcCompressionGzip{}, nil
	default:
		return nil, fmt.Errorf("%s=%q: want none or gzip", TemporalCompressionVar, v)
	}
}

// PayloadKeyIDs names the payload keys for start-up lines (never the keys
// themselves): the encrypting one first, none when payloads are in clear.
func (c Config) PayloadKeyIDs() []string {
	if c.PayloadKeys == nil {
		return []string{}
	}
	return c.PayloadKeys.KeyIDs()
}

// Warnings are what start-up says at warn level: the weak secrets of a
// development setup (a deployment refuses them, see Load) and
// PayloadKeysWarning.
func (c Config) Warnings() []string {
	out := append([]string{}, c.weak...)
	if w := c.PayloadKeysWarning(); w != "" {
		out = append(out, w)
	}
	return out
}

// PayloadKeysWarning is what start-up says when CCFLOW_PAYLOAD_KEYS is
// unset: workflow histories then hold customers' names, addresses and
// answers in clear. Set to "none" (as make dev does), it says nothing.
func (c Config) PayloadKeysWarning() string {
	if c.PayloadKeys != nil || strings.TrimSpace(c.payloadKeysValue) == PayloadKeysNone {
		return ""
	}
	return PayloadKeysVar + " is not set: workflow histories keep customers' names, addresses, phone numbers and " +
		"survey answers in clear (set it to id:base64-32-bytes keys to encrypt them, or to \"none\" to keep them in clear on purpose)"
}

// Logger builds the slog logger both binaries log through.
func (c Config) Logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Secrets is the part of the store LinkKeys needs.
type Secrets interface {
	Secret(ctx context.Context, name string) ([]byte, error)
}

// ExistingSecrets is what a store offers besides Secrets: a secret read
// only if it was made.
type ExistingSecrets interface {
	ExistingSecret(ctx context.Context, name string) ([]byte, bool, error)
}

// LinkKeys are the keys of survey links, unsubscribe links and address
// hashes, derived from the link secrets: CCFLOW_SURVEY_SECRET's when set,
// else the secret the store creates once and shares between the starter
// (which verifies links) and the worker (which signs them). With
// CCFLOW_SURVEY_SECRET set, a secret the store made before is honoured
// last, as an older one: links and hashes made before the variable was
// set keep working.
func (c Config) LinkKeys(ctx context.Context, secrets Secrets) (*linkkeys.Keys, error) {
	if len(c.LinkSecrets) > 0 {
		list := c.LinkSecrets
		if existing, ok := secrets.(ExistingSecrets); ok {
			stored, found, err := existing.ExistingSecret(ctx, SurveySecretName)
			if err != nil {
				return nil, fmt.Errorf("reading the link secret %q from the database: %w", SurveySecretName, err)
			}
			if found {
				list = append(append([][]byte{}, list...), stored)
			}
		}
		return linkkeys.New(list...)
	}
	key, err := secrets.Secret(ctx, SurveySecretName)
	if err != nil {
		return nil, fmt.Errorf("reading the link secret %q from the database: %w", SurveySecretName, err)
	}
	return linkkeys.New(key)
}

func (c Config) checkDatabaseURL() error {
	if c.DatabaseURL == "" {
		return errors.New("DATABASE_URL is required (postgres://user:password@host:port/database)")
	}
	return checkAbsoluteURL("DATABASE_URL", c.DatabaseURL, "postgres", "postgresql")
}

// loadTwilio reads TWILIO_*; TWILIO_API_URL, when set, replaces
// twilio.DefaultBaseURL.
func loadTwilio() (*twilio.Config, error) {
	t := twilio.Config{
		AccountSID: os.Getenv("TWILIO_ACCOUNT_SID"),
		AuthToken:  os.Getenv("TWILIO_AUTH_TOKEN"),
		From:       os.Getenv("TWILIO_FROM"),
		BaseURL:    os.Getenv("TWILIO_API_URL"),
		// A Messaging Service sends from its own pool of numbers.
		MessagingServiceSID: os.Getenv("TWILIO_MESSAGING_SERVICE_SID"),
	}
	if t == (twilio.Config{}) {
		return nil, nil
	}
	var missing []string
	from := t.From
	if t.MessagingServiceSID != "" {
		if !messagingServiceSID.MatchString(t.MessagingServiceSID) {
			return nil, fmt.Errorf("TWILIO_MESSAGING_SERVICE_SID %q is not a Messaging Service SID (MG and 32 hex digits)", t.MessagingServiceSID)
		}
		from = t.MessagingServiceSID
	}
	for _, v := range []struct{ name, value string }{
		{"TWILIO_ACCOUNT_SID", t.AccountSID}, {"TWILIO_AUTH_TOKEN", t.AuthToken}, {"TWILIO_FROM", from},
	} {
		if v.value == "" {
			missing = append(missing, v.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("twilio settings are incomplete: %s missing (set all of TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, or none to use the outbox)",
			strings.Join(missing, ", "))
	}
	if t.BaseURL != "" {
		if err := checkAbsoluteURL("TWILIO_API_URL", t.BaseURL, "http", "https"); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

// messagingServiceSID is the form of a Messaging Service's SID in
// Twilio's API description.
var messagingServiceSID = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)

func checkAbsoluteURL(name, raw string, schemes ...string) error {
	if _, err := validation.AbsoluteURL(raw, schemes...); err != nil {
		return fmt.Errorf("%s %w", name, err)
	}
	return nil
}

func getenv(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
