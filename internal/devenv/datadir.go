package devenv

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// devDataDir returns where `make dev` keeps PostgreSQL's data: .dev/postgres
// in the repository, or, when the user running the server cannot reach the
// repository (a checkout under /root, say), a folder of the system's temp
// folder named after the repository, so it still persists between runs.
func devDataDir(root string, owner *account) (string, error) {
	devDir := filepath.Join(root, ".dev")
	if err := os.MkdirAll(devDir, 0o755); err != nil {
		return "", fmt.Errorf("making %s: %w", devDir, err)
	}
	blocked := owner.blockedFolder(devDir)
	if blocked == "" {
		return filepath.Join(devDir, "postgres"), nil
	}
	sum := sha256.Sum256([]byte(root))
	home := filepath.Join(os.TempDir(), "ccflow-dev-"+hex.EncodeToString(sum[:6]))
	say("the %s user cannot enter %s: keeping PostgreSQL's data in %s instead", owner.name, blocked, home)
	if err := os.MkdirAll(home, 0o700); err != nil {
		return "", fmt.Errorf("making %s: %w", home, err)
	}
	if err := os.Chown(home, int(owner.uid), int(owner.gid)); err != nil {
		return "", fmt.Errorf("giving %s to the %s user: %w", home, owner.name, err)
	}
	return filepath.Join(home, "postgres"), nil
}

// testDataDir returns PostgreSQL's data folder inside the throwaway folder
// tmp, which the server's user is given.
func testDataDir(tmp string, owner *account) (string, error) {
	if err := owner.own(tmp); err != nil {
		return "", err
	}
	return filepath.Join(tmp, "postgres"), nil
}
