//go:build !linux

package devenv

import "errors"

var errNoProc = errors.New("watching for servers needs Linux's /proc")

func adoptOrphans() error { return errNoProc }

func listProcesses() (map[int]proc, error) { return nil, errNoProc }

func parseStat(string) (proc, bool) { return proc{}, false }
