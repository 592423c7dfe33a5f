package devenv

import (
	"fmt"
	"io"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a child may take to stop before it is killed.
const stopGrace = 15 * time.Second

// process is a child devenv started and stops.
type process struct {
	name       string
	cmd        *exec.Cmd
	stopSignal syscall.Signal
	tail       *tailBuffer // the last of its output, quoted when it fails
	done       chan struct{}
	err        error // how it exited; set before done is closed
}

// startProcess starts cmd as name, its output going to out, running as
// owner (nil: as ourselves). The child gets its own process group so a
// Ctrl-C on the terminal reaches only devenv, which then stops the children
// in order; it gets stopSignal should devenv die without stopping it.
func startProcess(name string, cmd *exec.Cmd, out io.Writer, stopSignal syscall.Signal, owner *account) (*process, error) {
	p := &process{name: name, cmd: cmd, stopSignal: stopSignal, tail: newTailBuffer(16 << 10), done: make(chan struct{})}
	w := io.MultiWriter(out, p.tail)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = childAttr(owner, stopSignal)
	cmd.WaitDelay = 5 * time.Second // a server's own children may hold its output open
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s (%s): %w", name, cmd.Path, err)
	}
	go func() {
		p.err = cmd.Wait()
		if f, ok := out.(interface{ Flush() error }); ok {
			_ = f.Flush()
		}
		close(p.done)
	}()
	return p, nil
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

// failure describes how the process ended, quoting its last output lines.
func (p *process) failure() error {
	status := "exited"
	if p.err != nil {
		status = p.err.Error()
	}
	if tail := p.tail.Lines(15); tail != "" {
		return fmt.Errorf("%s stopped (%s); its last output:\n%s", p.name, status, tail)
	}
	return fmt.Errorf("%s stopped (%s)", p.name, status)
}

// stop asks the process to stop and kills it if it has not within stopGrace.
func (p *process) stop() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(p.stopSignal)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		say("%s did not stop within %s: killing it", p.name, stopGrace)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// group is every child devenv started, stopped in reverse order: the
// starter before the worker before Temporal before PostgreSQL.
type group struct {
	mu    sync.Mutex
	procs []*process
	ended chan *process
}

func newGroup() *group { return &group{ended: make(chan *process, 16)} }

// add keeps p to be stopped and reported by ended when it ends. Only the
// first few ends are reported: a reader (make dev) stops at the first, and
// a system whose processes are killed and started again on purpose (the
// soak) reads none.
func (g *group) add(p *process) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.procs = append(g.procs, p)
	go func() {
		<-p.done
		select {
		case g.ended <- p:
		default:
		}
	}()
}

// last returns the process named name started last, or nil.
func (g *group) last(name string) *process {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := len(g.procs) - 1; i >= 0; i-- {
		if g.procs[i].name == name {
			return g.procs[i]
		}
	}
	return nil
}

// remove forgets p, which has ended, so stop and the exit warnings skip it.
func (g *group) remove(p *process) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.procs = slices.DeleteFunc(g.procs, func(q *process) bool { return q == p })
}

// list returns the processes in the order they were started.
func (g *group) list() []*process {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.procs)
}

// stop stops every child, last started first.
func (g *group) stop() {
	procs := g.list()
	for i := len(procs) - 1; i >= 0; i-- {
		procs[i].stop()
	}
	g.mu.Lock()
	g.procs = nil
	g.mu.Unlock()
}
