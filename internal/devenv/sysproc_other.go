//go:build unix && !linux

package devenv

import "syscall"

// childAttr has no parent-death signal outside Linux: a child outlives a
// devenv that is killed outright.
func childAttr(owner *account, _ syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Credential: owner.credential()}
}
