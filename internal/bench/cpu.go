package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of /proc's CPU times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// Processes names the system's processes whose CPU time the figures split
// an event's cost into; a zero PID is left out.
type Processes struct {
	Temporal, Postgres, Worker, Starter int
}

// cpuSample is the CPU time each process has used so far.
type cpuSample map[string]time.Duration

// cpuNames is the order the CPU split is shown in.
var cpuNames = []string{"temporal", "postgres", "worker", "starter", "bench"}

// sampleCPU reads the CPU time used so far by each process (PostgreSQL with
// its backends) and by this one, which makes the raw SDK starts.
func sampleCPU(p Processes) cpuSample {
	s := cpuSample{}
	for name, pid := range map[string]int{"temporal": p.Temporal, "worker": p.Worker, "starter": p.Starter, "bench": os.Getpid()} {
		if pid != 0 {
			s[name], _ = cpuTime(pid)
		}
	}
	if p.Postgres != 0 {
		total, _ := cpuTime(p.Postgres)
		for _, child := range children(p.Postgres) {
			t, _ := cpuTime(child)
			total += t
		}
		s["postgres"] = total
	}
	return s
}

// cpuPerEvent says how much CPU each process spent per event between two
// samples, e.g. "temporal 6.1 ms, postgres 0.9 ms, …, total 9.8 ms".
func cpuPerEvent(before, after cpuSample, events int) string {
	if events == 0 {
		return ""
	}
	var parts []string
	var total time.Duration
	for _, name := range cpuNames {
		a, ok := after[name]
		if !ok {
			continue
		}
		d := a - before[name]
		total += d
		parts = append(parts, fmt.Sprintf("%s %.1f", name, float64(d)/float64(time.Millisecond)/float64(events)))
	}
	return fmt.Sprintf("CPU ms per event: %s; total %.1f (2 cores allow %.0f events/s at this cost)",
		strings.Join(parts, ", "), float64(total)/float64(time.Millisecond)/float64(events),
		2*float64(time.Second)/(float64(total)/float64(events)))
}

// cpuTime is the user and system CPU time pid has used, its waited-for
// children's included.
func cpuTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it do not.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	// utime, stime, cutime, cstime are fields 14-17 of stat, 12-15 here.
	var ticks int64
	for _, f := range fields[11:15] {
		n, _ := strconv.ParseInt(f, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			child, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
			out = append(out, child)
		}
	}
	return out
}
