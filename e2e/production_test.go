//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/ccflow/ccflow/internal/testenv"
)

// productionTools are the pinned Temporal server, its SQL tool and its
// schema, which `make temporal-server` builds from Go modules, and the
// Temporal CLI the setup script uses.
type productionTools struct {
	server, sqlTool, schemaDir, cli string
}

func findProductionTools(t *testing.T) productionTools {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	tools := productionTools{
		server:    envOr("TEMPORAL_SERVER", filepath.Join(root, ".tools/bin/temporal-server")),
		sqlTool:   envOr("TEMPORAL_SQL_TOOL", filepath.Join(root, ".tools/bin/temporal-sql-tool")),
		schemaDir: envOr("TEMPORAL_SCHEMA_DIR", filepath.Join(root, ".tools/temporal-schema")),
		cli:       testenv.TemporalCLI(t),
	}
	for _, path := range []string{tools.server, tools.sqlTool, tools.schemaDir} {
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s is missing (%v): run `make temporal-server`, which builds the pinned Temporal server from Go modules", path, err)
		}
	}
	return tools
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// TestProductionShape runs what docker-compose.yml runs, without a container
// engine: the pinned temporal-server on PostgreSQL, its schema created and
// its search attributes registered by the compose file's own scripts, then
// two workers and two starters, and SPEC's survey path through them, each
// request to another starter than the one before.
func TestProductionShape(t *testing.T) {
	tools := findProductionTools(t)
	pg, err := url.Parse(testenv.DatabaseURL(t))
	require.NoError(t, err)
	password, _ := pg.User.Password()
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	temporalDB, visibilityDB := "temporal_"+suffix, "temporal_visibility_"+suffix
	dropAtCleanup(t, temporalDB, visibilityDB) // after the server has stopped: cleanups run last first
	path := filepath.Dir(tools.sqlTool) + string(os.PathListSeparator) + filepath.Dir(tools.cli) +
		string(os.PathListSeparator) + os.Getenv("PATH")
	dbEnv := []string{
		"PATH=" + path,
		"DB=postgres12",
		"POSTGRES_SEEDS=" + pg.Hostname(),
		"DB_PORT=" + pg.Port(),
		"POSTGRES_USER=" + pg.User.Username(),
		"POSTGRES_PWD=" + password,
		"DBNAME=" + temporalDB,
		"VISIBILITY_DBNAME=" + visibilityDB,
	}

	start := time.Now()
	script(t, "temporal-schema.sh", nil, append(dbEnv, "TEMPORAL_SCHEMA_DIR="+tools.schemaDir)...)
	t.Logf("schema created in %s", time.Since(start).Round(time.Millisecond))

	ports := map[string]int{}
	for _, name := range []string{"FRONTEND_GRPC_PORT", "FRONTEND_HTTP_PORT", "FRONTEND_MEMBERSHIP_PORT",
		"HISTORY_GRPC_PORT", "HISTORY_MEMBERSHIP_PORT", "MATCHING_GRPC_PORT", "MATCHING_MEMBERSHIP_PORT",
		"WORKER_GRPC_PORT", "WORKER_MEMBERSHIP_PORT"} {
		ports[name] = freeLowPort(t)
		dbEnv = append(dbEnv, fmt.Sprintf("%s=%d", name, ports[name]))
	}
	address := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports["FRONTEND_GRPC_PORT"]))
	server := exec.Command("sh", filepath.Join("..", "deploy", "temporal-server.sh"))
	server.Env = append(os.Environ(), append(dbEnv, "TEMPORAL_SERVER="+tools.server, "BIND_ON_IP=127.0.0.1", "LOG_LEVEL=warn")...)
	serverProc := startProcess(t, "temporal-server", server)

	script(t, "temporal-setup.sh", serverProc.done, "PATH="+path, "TEMPORAL_ADDRESS="+address, "TEMPORAL_NAMESPACE=default")
	require.False(t, serverProc.exited(), "the Temporal server stopped")
	t.Logf("Temporal server on PostgreSQL ready at %s, %s after the schema", address, time.Since(start).Round(time.Millisecond))

	st, dbURL := testenv.StoreURL(t)
	tc, err := client.Dial(client.Options{HostPort: address, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	s := &system{t: t, store: st, temporal: tc, smtp: testenv.SMTPServer(t), twilio: testenv.Twilio(t)}
	starters := []string{freeAddr(t), freeAddr(t)}
	env := append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"TEMPORAL_ADDRESS="+address,
		"TEMPORAL_NAMESPACE=default",
		"CCFLOW_TASK_QUEUE=ccflow",
		"CCFLOW_PUBLIC_URL=http://"+starters[0],
		"CCFLOW_API_TOKEN="+apiToken,
		"CCFLOW_OUTBOX_DIR="+t.TempDir(),
		"SMTP_URL="+s.smtp.URL(),
		"EMAIL_FROM=care@example.com",
		"TWILIO_ACCOUNT_SID="+s.twilio.AccountSID,
		"TWILIO_AUTH_TOKEN="+s.twilio.AuthToken,
		"TWILIO_FROM=+15550001111",
		"TWILIO_API_URL="+s.twilio.URL,
	)
	var probes []string
	for i := range 2 {
		workerAddr := freeAddr(t)
		runProcess(t, "worker", append(env, "CCFLOW_WORKER_HTTP_ADDR="+workerAddr))
		runProcess(t, "starter", append(env, "CCFLOW_HTTP_ADDR="+starters[i]))
		probes = append(probes, "http://"+workerAddr+"/readyz", "http://"+starters[i]+"/readyz")
	}
	for _, probe := range probes {
		waitReady(t, probe)
	}

	// Each call goes to the other starter than the one before, as behind a
	// load balancer: nothing may depend on which one answers.
	next := 0
	via := func() *system {
		s.baseURL = "http://" + starters[next%2]
		next++
		return s
	}
	// As startSystem does: the default SMS window would hold the SMS at night.
	require.Equal(t, http.StatusOK, via().call(http.MethodPut, "/v1/policy", map[string]any{"quiet_hours": map[string]any{"sms": nil}}, nil))
	require.Equal(t, http.StatusCreated, via().call(http.MethodPost, "/v1/entries", seedEntry(), nil))
	id := interactionID("INT-PROD")
	// An entry saved through one starter is matched by every starter within
	// a second (NOTIFY, then a generation check each second): the contract
	// ingest keeps across starters, not "at once".
	for _, starter := range starters {
		s.baseURL = "http://" + starter
		require.Eventually(t, func() bool {
			var dry ingestAnswer
			return s.call(http.MethodPost, "/v1/interactions/ended?dry_run=true", seedEvent(id), &dry) == http.StatusOK &&
				len(dry.Matches) == 1
		}, time.Second, 10*time.Millisecond, "starter %s matches the new entry within a second", starter)
	}
	var started ingestAnswer
	require.Equal(t, http.StatusOK, via().call(http.MethodPost, "/v1/interactions/ended", seedEvent(id), &started))
	require.Len(t, started.Matches, 1)
	require.Equal(t, "started", started.Matches[0].Status)

	survey := s.smtp.WaitForMessages(t, 1, 60*time.Second)[0]
	link := surveyLink.FindString(survey.Text)
	require.NotEmpty(t, link, "the survey email carries the survey link: %q", survey.Text)
	// The link names the first starter; the customer's answer reaches the second.
	link = strings.Replace(link, starters[0], starters[1], 1)
	answer, err := http.PostForm(link, url.Values{"score": {"2"}, "comment": {"Took too long"}})
	require.NoError(t, err)
	answer.Body.Close()
	require.Equal(t, http.StatusOK, answer.StatusCode)

	sms := s.twilio.WaitForMessages(t, 1, 60*time.Second)[0]
	require.Equal(t, "Sorry, Ada. A supervisor will call you about order A-17.", sms.Body)
	followUp := s.smtp.WaitForMessages(t, 2, 60*time.Second)[1]
	require.Equal(t, "Your case 9", followUp.Subject)
	run := via().waitForRun("post-call-survey/"+id, "completed", 60*time.Second)
	require.EqualValues(t, 2, run["variables"].(map[string]any)["survey.score"])

	// The run is found by ccflow's search attributes, which the setup script registered.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	query := fmt.Sprintf("CcflowInteractionId = %q AND CcflowEntryId = %q", id, "post-call-survey")
	for {
		list, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		require.NoError(t, err)
		if len(list.Executions) == 1 {
			break
		}
		require.NoError(t, ctx.Err(), "no run found by %s", query)
		time.Sleep(250 * time.Millisecond)
	}
}

// script runs one of deploy/'s shell scripts with env added, failing the
// test with its output when it fails, takes more than two minutes, or abort
// is closed (the server it waits for has stopped).
func script(t *testing.T, name string, abort <-chan struct{}, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	go func() {
		select {
		case <-abort:
			cancel()
		case <-ctx.Done():
		}
	}()
	cmd := exec.CommandContext(ctx, "sh", filepath.Join("..", "deploy", name))
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "deploy/%s failed:\n%s", name, out)
}

// dropAtCleanup drops the databases on DATABASE_URL's server when the test
// ends.
func dropAtCleanup(t *testing.T, names ...string) {
	t.Helper()
	serverURL := testenv.DatabaseURL(t)
	t.Cleanup(func() {
		db, err := sql.Open("postgres", serverURL)
		if err != nil {
			t.Errorf("connecting to drop %v: %v", names, err)
			return
		}
		defer db.Close()
		for _, name := range names {
			if _, err := db.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(name) + " WITH (FORCE)"); err != nil {
				t.Errorf("dropping %s: %v", name, err)
			}
		}
	})
}

// freeLowPort returns a free port below 32768: Temporal keeps membership
// ports in a smallint column, and the kernel's own picks are above it.
func freeLowPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(12000)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			require.NoError(t, l.Close())
			return port
		}
	}
	t.Fatal("no free port below 32768 in 100 tries")
	return 0
}

// waitReady polls a /readyz until it answers 200.
func waitReady(t *testing.T, probe string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(probe)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer 200 within 60s (last error: %v)", probe, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
