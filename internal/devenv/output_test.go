package devenv

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPrefixWriterPrefixesWholeLines(t *testing.T) {
	var mu sync.Mutex
	var out bytes.Buffer
	w := newPrefixWriter(&mu, &out, "worker")

	for _, chunk := range []string{"first line\nsec", "ond line\n", "\nlast without newline"} {
		n, err := w.Write([]byte(chunk))
		require.NoError(t, err)
		require.Equal(t, len(chunk), n)
	}
	require.Equal(t, "worker | first line\nworker | second line\nworker | \n", out.String(), "an unfinished line waits")

	require.NoError(t, w.Flush())
	require.Equal(t, "worker | first line\nworker | second line\nworker | \nworker | last without newline\n", out.String())
}

func TestTailBufferKeepsTheLastLines(t *testing.T) {
	tail := newTailBuffer(64)
	for _, line := range []string{"one", "two", "three", "four"} {
		_, _ = tail.Write([]byte(line + "\n"))
	}
	require.Equal(t, "    three\n    four", tail.Lines(2))
}

func TestTailBufferDropsACutFirstLine(t *testing.T) {
	tail := newTailBuffer(16)
	_, _ = tail.Write([]byte(strings.Repeat("x", 20) + "\nlast\n"))
	require.Equal(t, "    last", tail.Lines(10))
}

func TestTailBufferOfNothingIsEmpty(t *testing.T) {
	require.Empty(t, newTailBuffer(16).Lines(3))
}

func TestAMutedPrefixWriterDropsLaterLines(t *testing.T) {
	var mu sync.Mutex
	var out bytes.Buffer
	w := newPrefixWriter(&mu, &out, "temporal")
	_, err := w.Write([]byte("ready\n"))
	require.NoError(t, err)

	w.Mute()
	n, err := w.Write([]byte("Failed to poll for task\n"))

	require.NoError(t, err)
	require.Equal(t, len("Failed to poll for task\n"), n)
	require.Equal(t, "temporal | ready\n", out.String())
}
