package devenv

import "syscall"

func childAttr(owner *account, deathSignal syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: deathSignal, Credential: owner.credential()}
}
