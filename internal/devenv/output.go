package devenv

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"sync/atomic"
)

// outputMu serialises the lines of every child's prefixed output.
var outputMu sync.Mutex

// prefixWriter writes each complete line it is given to w with a prefix,
// so the output of several children stays readable on one terminal. Lines
// of all writers sharing one mutex never interleave.
type prefixWriter struct {
	mu      *sync.Mutex
	w       io.Writer
	prefix  []byte
	pending []byte
	muted   atomic.Bool
}

func newPrefixWriter(mu *sync.Mutex, w io.Writer, name string) *prefixWriter {
	return &prefixWriter{mu: mu, w: w, prefix: []byte(name + " | ")}
}

// Mute drops every later line: a server shutting down complains about
// connections it is closing itself, which helps nobody reading the terminal.
func (p *prefixWriter) Mute() { p.muted.Store(true) }

func (p *prefixWriter) Write(b []byte) (int, error) {
	if p.muted.Load() {
		return len(b), nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = append(p.pending, b...)
	for {
		i := bytes.IndexByte(p.pending, '\n')
		if i < 0 {
			return len(b), nil
		}
		if err := p.writeLine(p.pending[:i+1]); err != nil {
			return len(b), err
		}
		p.pending = p.pending[i+1:]
	}
}

// Flush writes a last line that did not end in a newline.
func (p *prefixWriter) Flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pending) == 0 {
		return nil
	}
	err := p.writeLine(append(p.pending, '\n'))
	p.pending = nil
	return err
}

func (p *prefixWriter) writeLine(line []byte) error {
	_, err := p.w.Write(append(append([]byte{}, p.prefix...), line...))
	return err
}

// tailBuffer keeps the last bytes written to it, so an error about a server
// that failed to start can quote what the server said.
type tailBuffer struct {
	mu   sync.Mutex
	max  int
	data []byte
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.data = append(t.data, b...)
	if over := len(t.data) - t.max; over > 0 {
		t.data = append([]byte{}, t.data[over:]...)
	}
	return len(b), nil
}

// Lines returns up to n last complete lines, indented for an error message.
func (t *tailBuffer) Lines(n int) string {
	t.mu.Lock()
	text := strings.TrimRight(string(t.data), "\n")
	t.mu.Unlock()
	lines := strings.Split(text, "\n")
	if len(t.data) >= t.max && len(lines) > 1 {
		lines = lines[1:] // the first line was cut
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if text == "" {
		return ""
	}
	return "    " + strings.Join(lines, "\n    ")
}
