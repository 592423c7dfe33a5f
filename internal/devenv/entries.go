package devenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ccflow/ccflow/client/apiclient"
	"github.com/ccflow/ccflow/client/entrysync"
)

// starterReadyTimeout bounds the wait for the starter's first healthy
// answer before the example entries are loaded.
const starterReadyTimeout = time.Minute

// loadExampleEntries waits until the starter at baseURL is healthy, then
// applies examples/entries the way `ccflowctl apply` does, printing the
// plan. A problem is reported and ccflow keeps running: it is useful
// without the examples, and a broken example file should not stop it.
func loadExampleEntries(ctx context.Context, root, baseURL, token string) {
	dir := filepath.Join(root, "examples", "entries")
	if wd, err := os.Getwd(); err == nil && wd == root {
		dir = filepath.Join("examples", "entries") // shorter file names in the plan
	}
	client := apiclient.New(baseURL, token, nil)
	if err := waitHealthy(ctx, client); err != nil {
		say("not loading %s: %v", dir, err)
		return
	}
	out := newPrefixWriter(&outputMu, os.Stderr, "entries")
	_, err := entrysync.Apply(ctx, client, dir, entrysync.Options{}, out)
	_ = out.Flush() // a failed write to stderr has nowhere to be reported
	if err != nil && ctx.Err() == nil {
		say("loading %s: %v", dir, err)
	}
}

// waitHealthy polls the starter's /healthz until it answers 200.
func waitHealthy(ctx context.Context, client *apiclient.Client) error {
	ctx, cancel := context.WithTimeout(ctx, starterReadyTimeout)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		err := client.Health(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the starter at %s did not become healthy: %w", client.BaseURL(), err)
		case <-tick.C:
		}
	}
}
