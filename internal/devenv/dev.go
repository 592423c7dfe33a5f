package devenv

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/ccflow/ccflow/store"
)

// Ports `make dev` prefers, so bookmarks and the README stay right.
const (
	devPostgresPort = 55433
	devTemporalPort = 7233
	devTemporalUI   = 8233
)

// Dev runs ccflow on this machine, PostgreSQL, Temporal, the worker and
// the starter, until ctx ends (Ctrl-C), then stops them all. It fails when
// any of them stops by itself.
func Dev(ctx context.Context) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	g := newGroup()
	defer g.stop()

	// The servers' own shutdown chatter is muted once Ctrl-C stops them.
	postgresOut := newPrefixWriter(&outputMu, os.Stderr, "postgres")
	dbURL, err := devPostgres(ctx, root, g, postgresOut)
	if err != nil {
		return err
	}
	temporalOut := newPrefixWriter(&outputMu, os.Stderr, "temporal")
	tc, err := useOrStartTemporal(ctx, g, temporalOptions{
		cli:    temporalCLI(root),
		port:   devTemporalPort,
		uiPort: devTemporalUI,
		dbFile: filepath.Join(root, ".dev", "temporal.db"),
		out:    temporalOut,
	})
	if err != nil {
		return err
	}
	if err := migrate(ctx, dbURL); err != nil {
		return err
	}
	if err := build(ctx, root); err != nil {
		return err
	}

	settings := devSettings(os.LookupEnv, root, dbURL, tc)
	env := os.Environ()
	for _, s := range settings {
		env = append(env, s.name+"="+s.value)
	}
	starterOnly := starterSettings(os.LookupEnv)
	for _, name := range []string{"worker", "starter"} {
		cmd := exec.Command(filepath.Join(root, ".dev", "bin", name))
		cmd.Dir, cmd.Env = root, env
		if name == "starter" {
			cmd.Env = slices.Clone(env)
			for _, s := range starterOnly {
				cmd.Env = append(cmd.Env, s.name+"="+s.value)
			}
		}
		proc, err := startProcess(name, cmd, newPrefixWriter(&outputMu, os.Stderr, name), syscall.SIGTERM, nil)
		if err != nil {
			return err
		}
		g.add(proc)
	}
	printSummary(root, settings, tc)
	if len(starterOnly) > 0 {
		fmt.Fprintf(os.Stderr, "  Twilio webhooks are checked with TWILIO_AUTH_TOKEN=%s: sign a customer's SMS reply with it (docs/surveys.md)\n\n",
			devTwilioAuthToken)
	}
	// Beside the wait below, so Ctrl-C and a failing child still stop make dev at once.
	go loadExampleEntries(ctx, root, httpURL(settingValue(settings, "CCFLOW_HTTP_ADDR")), settingValue(settings, "CCFLOW_API_TOKEN"))

	select {
	case <-ctx.Done():
		say("stopping")
		postgresOut.Mute()
		temporalOut.Mute()
		return nil
	case proc := <-g.ended:
		return proc.failure()
	}
}

// devPostgres uses DATABASE_URL or runs a private server on .dev/postgres
// with a ccflow database.
func devPostgres(ctx context.Context, root string, g *group, out io.Writer) (string, error) {
	port, err := preferredPort(devPostgresPort)
	if err != nil {
		return "", err
	}
	return useOrStartPostgres(ctx, g, postgresOptions{
		place:    func(owner *account) (string, error) { return devDataDir(root, owner) },
		port:     port,
		database: "ccflow",
		settings: devPostgresSettings,
		out:      out,
	})
}

// devPostgresSettings are the server settings of make dev's PostgreSQL:
// only warnings are logged, since its start-up and checkpoint lines would
// bury the worker's and starter's logs.
var devPostgresSettings = []string{"max_connections=200", "log_min_messages=warning"}

func temporalCLI(root string) string { return filepath.Join(root, ".tools", "bin", "temporal") }

// migrate brings the database's schema up to date.
func migrate(ctx context.Context, dbURL string) error {
	start := time.Now()
	s, err := store.OpenMigrated(ctx, dbURL)
	if err != nil {
		return err
	}
	defer s.Close()
	say("database migrated in %s", since(start))
	return nil
}

// build compiles the worker and the starter into .dev/bin.
func build(ctx context.Context, root string) error {
	return buildInto(ctx, root, filepath.Join(root, ".dev", "bin"))
}

// buildInto compiles the worker and the starter into the folder bin.
func buildInto(ctx context.Context, root, bin string) error {
	start := time.Now()
	say("building the worker and the starter into %s", relative(root, bin))
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin+string(filepath.Separator), "./worker", "./starter")
	cmd.Dir = root
	out := newPrefixWriter(&outputMu, os.Stderr, "build")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the worker and the starter: %w", err)
	}
	say("built in %s", since(start))
	return nil
}

// setting is one environment variable handed to the worker and the starter.
type setting struct{ name, value string }

// settingValue is the value of the setting name, or "".
func settingValue(settings []setting, name string) string {
	for _, s := range settings {
		if s.name == name {
			return s.value
		}
	}
	return ""
}

// devSettings is the environment of the worker and the starter: where the
// servers are, and defaults for what the user's environment leaves unset.
func devSettings(lookup func(string) (string, bool), root, dbURL string, tc temporalEndpoint) []setting {
	orDefault := func(name, def string) setting {
		if v, ok := lookup(name); ok && v != "" {
			return setting{name, v}
		}
		return setting{name, def}
	}
	addr := orDefault("CCFLOW_HTTP_ADDR", ":8080")
	return []setting{
		{"DATABASE_URL", dbURL},
		{"TEMPORAL_ADDRESS", tc.address},
		{"TEMPORAL_NAMESPACE", tc.namespace},
		addr,
		orDefault("CCFLOW_PUBLIC_URL", httpURL(addr.value)),
		orDefault("CCFLOW_API_TOKEN", "dev-token"),
		orDefault("CCFLOW_OUTBOX_DIR", filepath.Join(root, ".dev", "outbox")),
		// The console links runs to the Web UI of the server in use.
		orDefault("CCFLOW_TEMPORAL_UI_URL", tc.uiURL),
		// Histories in clear, on purpose: the dev server's Web UI reads them
		// without the codec endpoint. Set keys to try encryption locally.
		orDefault("CCFLOW_PAYLOAD_KEYS", "none"),
		// Named here so the summary can print where the worker's probes are.
		orDefault("CCFLOW_WORKER_HTTP_ADDR", ":8081"),
		// A webhook receiver on this machine, as the README's walk-through
		// runs one; production allows no internal address by default.
		orDefault("CCFLOW_WEBHOOK_ALLOW", "127.0.0.1,localhost"),
	}
}

// devTwilioAuthToken is the token the starter checks Twilio's webhook
// signatures with on `make dev` when no Twilio account is set, so that a
// person can post a customer's SMS reply signed as Twilio would
// (docs/surveys.md); the worker, without Twilio settings, writes SMS to
// the outbox.
const devTwilioAuthToken = "dev-twilio-token"

// starterSettings are what the starter gets beside devSettings: the dev
// Twilio auth token when the environment sets no Twilio account. The
// worker does not get it: an auth token alone is an incomplete Twilio
// account to it, which it refuses.
func starterSettings(lookup func(string) (string, bool)) []setting {
	for _, name := range []string{"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "TWILIO_MESSAGING_SERVICE_SID"} {
		if v, ok := lookup(name); ok && v != "" {
			return nil
		}
	}
	return []setting{{"TWILIO_AUTH_TOKEN", devTwilioAuthToken}}
}

// httpURL is the URL a browser on this machine reaches a listen address at.
func httpURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func printSummary(root string, settings []setting, tc temporalEndpoint) {
	get := func(name string) string { return settingValue(settings, name) }
	ui := tc.uiURL
	if ui == "" {
		ui = "(not known for TEMPORAL_ADDRESS; set TEMPORAL_UI_URL)"
	}
	fmt.Fprintf(os.Stderr, `
ccflow is running. Ctrl-C stops everything.

  API          %s   (header: Authorization: Bearer %s)
  Console      %s/console/   (sign in with the same token)
  Worker       %s   (/livez, /readyz, /metrics)
  Temporal     %s, namespace %s
  Temporal UI  %s
  PostgreSQL   DATABASE_URL=%s
  Outbox       %s   (emails and SMS, when SMTP_URL / TWILIO_* are unset)

`, get("CCFLOW_PUBLIC_URL"), get("CCFLOW_API_TOKEN"), get("CCFLOW_PUBLIC_URL"), httpURL(get("CCFLOW_WORKER_HTTP_ADDR")), tc.address, tc.namespace, ui,
		redact(get("DATABASE_URL")), relative(root, get("CCFLOW_OUTBOX_DIR")))
}
