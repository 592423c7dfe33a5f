package devenv

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// account is the system user a server runs as when it must not run as us.
type account struct {
	name   string
	uid    uint32
	gid    uint32
	groups []uint32
}

// postgresAccount returns who runs PostgreSQL: nil, meaning us, unless we
// are root, which PostgreSQL refuses; then the postgres system user that
// Debian's packages create.
func postgresAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	a, err := lookupAccount("postgres")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL refuses to run as root and there is no postgres system user to run it as (%w): "+
			"create one (useradd --system postgres) or run as a normal user", err)
	}
	return a, nil
}

func lookupAccount(name string) (*account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, err
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s has a non-numeric uid %q", name, u.Uid)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s has a non-numeric gid %q", name, u.Gid)
	}
	a := &account{name: name, uid: uint32(uid), gid: uint32(gid)}
	gids, _ := u.GroupIds()
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			a.groups = append(a.groups, uint32(n))
		}
	}
	return a, nil
}

// credential is how a child process becomes a; nil keeps our own.
func (a *account) credential() *syscall.Credential {
	if a == nil {
		return nil
	}
	return &syscall.Credential{Uid: a.uid, Gid: a.gid, Groups: a.groups}
}

// blockedFolder returns the first existing folder from / down to path that
// a may not enter, or "" when a can reach path.
func (a *account) blockedFolder(path string) string {
	if a == nil {
		return ""
	}
	path = filepath.Clean(path)
	var chain []string
	for dir := path; ; dir = filepath.Dir(dir) {
		chain = append(chain, dir)
		if dir == filepath.Dir(dir) {
			break
		}
	}
	slices.Reverse(chain)
	for _, dir := range chain {
		info, err := os.Stat(dir)
		if err != nil {
			break // folders still to be made are made by whoever needs them
		}
		if !a.canEnter(info) {
			return dir
		}
	}
	return ""
}

// canEnter applies the owner, group and other execute bits of a folder.
func (a *account) canEnter(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return true // unknown here: let the server try and say
	}
	mode := info.Mode().Perm()
	switch {
	case st.Uid == a.uid:
		return mode&0o100 != 0
	case st.Gid == a.gid || slices.Contains(a.groups, st.Gid):
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

// own gives the tree at path to a.
func (a *account) own(path string) error {
	if a == nil {
		return nil
	}
	return filepath.WalkDir(path, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, int(a.uid), int(a.gid)); err != nil {
			return fmt.Errorf("giving %s to the %s user: %w", p, a.name, err)
		}
		return nil
	})
}
