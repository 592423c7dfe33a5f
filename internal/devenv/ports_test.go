package devenv

import (
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFreePortCanBeListenedOn(t *testing.T) {
	port, err := freePort()
	require.NoError(t, err)

	l, err := net.Listen("tcp", net.JoinHostPort(loopback, strconv.Itoa(port)))
	require.NoError(t, err)
	l.Close()
}

func TestPreferredPortKeepsAFreePort(t *testing.T) {
	want, err := freePort()
	require.NoError(t, err)

	got, err := preferredPort(want)
	require.NoError(t, err)
	require.Equal(t, want, got)
}

func TestPreferredPortReplacesATakenPort(t *testing.T) {
	l, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
	require.NoError(t, err)
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port

	require.False(t, portFree(taken))
	got, err := preferredPort(taken)
	require.NoError(t, err)
	require.NotEqual(t, taken, got)
}
