//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
)

// binDir holds the worker and starter built once for the whole package.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ccflow-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, "creating a folder for the binaries:", err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-o", dir+string(os.PathSeparator), "../worker", "../starter")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the worker and the starter:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const apiToken = "e2e-token"

// system is one ccflow (a worker and a starter process) with its own
// database, task queue, SMTP server and Twilio-shaped API.
type system struct {
	t       *testing.T
	baseURL string
	// workerURL is the worker's probe and metrics server.
	workerURL string
	store     *store.Store
	temporal  client.Client
	smtp      *testenv.SMTP
	twilio    *testenv.TwilioServer
	// env is both processes' environment, to start them again with.
	env     []string
	worker  *process
	starter *process
}

// startSystem starts ccflow; extraEnv ("NAME=value") is added to both
// processes' environment, after and so over the defaults.
func startSystem(t *testing.T, extraEnv ...string) *system {
	t.Helper()
	return startSystemAt(t, freeAddr(t), extraEnv...)
}

// startSystemAt is startSystem with the starter listening on addr, for a
// test that must name its address before it starts (to another server).
func startSystemAt(t *testing.T, addr string, extraEnv ...string) *system {
	t.Helper()
	st, dbURL := testenv.StoreURL(t)
	s := &system{
		t:        t,
		store:    st,
		temporal: testenv.Temporal(t),
		smtp:     testenv.SMTPServer(t),
		twilio:   testenv.Twilio(t),
	}
	workerAddr := freeAddr(t)
	s.baseURL, s.workerURL = "http://"+addr, "http://"+workerAddr
	taskQueue := testenv.TaskQueue(t)
	// The worker makes the retention schedule of its task queue; the
	// shared server need not keep one per test.
	t.Cleanup(func() {
		_ = s.temporal.ScheduleClient().GetHandle(context.Background(), usecase.RetentionScheduleID(taskQueue)).Delete(context.Background())
	})
	env := append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"CCFLOW_TASK_QUEUE="+taskQueue,
		"CCFLOW_HTTP_ADDR="+addr,
		"CCFLOW_WORKER_HTTP_ADDR="+workerAddr,
		"CCFLOW_PUBLIC_URL="+s.baseURL,
		"CCFLOW_API_TOKEN="+apiToken,
		"CCFLOW_OUTBOX_DIR="+t.TempDir(),
		"SMTP_URL="+s.smtp.URL(),
		"EMAIL_FROM=care@example.com",
		"TWILIO_ACCOUNT_SID="+s.twilio.AccountSID,
		"TWILIO_AUTH_TOKEN="+s.twilio.AuthToken,
		"TWILIO_FROM=+15550001111",
		"TWILIO_API_URL="+s.twilio.URL,
	)
	s.env = append(env, extraEnv...)
	s.worker = runProcess(t, "worker", s.env)
	s.starter = runProcess(t, "starter", s.env)
	s.waitHealthy()
	// The default SMS window (08:00 to 21:00) would hold the SMS of tests
	// that run at night; the contact policy's tests set their own policy.
	require.Equal(t, http.StatusOK, s.call(http.MethodPut, "/v1/policy", map[string]any{"quiet_hours": map[string]any{"sms": nil}}, nil))
	return s
}

// process is a child the test runs: a worker, a starter, a Temporal server.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once it has exited
	out  *lockedBuffer
}

// output is everything the process wrote to stdout and stderr so far.
func (p *process) output() string { return p.out.String() }

// runProcess starts one of the built binaries with env.
func runProcess(t *testing.T, name string, env []string) *process {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name))
	cmd.Env = env
	return startProcess(t, name, cmd)
}

// startProcess starts cmd; its output is shown when the test fails, and it
// is stopped when the test ends.
func startProcess(t *testing.T, name string, cmd *exec.Cmd) *process {
	t.Helper()
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start(), "starting %s", name)
	p := &process{cmd: cmd, done: make(chan struct{}), out: out}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop(os.Interrupt)
		if t.Failed() {
			t.Logf("--- %s output ---\n%s", name, out.String())
		}
	})
	return p
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig and waits until the process has exited, killing it when
// it takes more than 10s; a process that has already exited is left be.
func (p *process) stop(sig os.Signal) {
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (s *system) waitHealthy() {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.baseURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the starter at %s did not become healthy within 30s (last error: %v)", s.baseURL, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// call sends a JSON request to the API with the bearer token and decodes
// the answer into out (when not nil); it returns the status code.
func (s *system) call(method, path string, body, out any) int {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(s.t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.baseURL+path, r)
	require.NoError(s.t, err)
	req.Header.Set("Authorization", "Bearer "+apiToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	if out != nil && len(data) > 0 {
		require.NoError(s.t, json.Unmarshal(data, out), "decoding %s %s answer %s", method, path, data)
	}
	return resp.StatusCode
}

// waitForRun polls GET /v1/workflows/{id} until the run reaches status.
func (s *system) waitForRun(workflowID, status string, timeout time.Duration) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var got map[string]any
		code := s.call(http.MethodGet, "/v1/workflows/"+urlEscape(workflowID), nil, &got)
		if code == http.StatusOK && strings.EqualFold(fmt.Sprint(got["status"]), status) {
			return got
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("run %s did not reach status %s within %s; last answer %d: %v", workflowID, status, timeout, code, got)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func urlEscape(workflowID string) string {
	return strings.ReplaceAll(workflowID, "/", "%2F")
}

// interactionID makes an interaction id no earlier test run used: the
// Temporal server outlives a test run, and a workflow ID is never reused.
func interactionID(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
