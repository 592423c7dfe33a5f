package devenv

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// adoptOrphans makes this process the reaper of its descendants' orphans,
// so a server that a test starts in the background (its parent gone) is
// still found below us.
func adoptOrphans() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("watching for servers: becoming the reaper of orphans: %w", err)
	}
	return nil
}

// listProcesses reads every process's name and parent from /proc.
func listProcesses() (map[int]proc, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	procs := make(map[int]proc, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // it ended meanwhile
		}
		if p, ok := parseStat(string(stat)); ok {
			procs[pid] = p
		}
	}
	return procs, nil
}

// parseStat reads the name and parent of /proc/PID/stat: "PID (NAME)
// STATE PPID …", where NAME may itself hold spaces and brackets.
func parseStat(stat string) (proc, bool) {
	open, end := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return proc{}, false
	}
	fields := strings.Fields(stat[end+1:])
	if len(fields) < 2 {
		return proc{}, false
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		return proc{}, false
	}
	return proc{name: stat[open+1 : end], ppid: ppid}, true
}
