package devenv

import (
	"fmt"
	"net"
	"strconv"
)

// loopback is where every server devenv starts listens.
const loopback = "127.0.0.1"

// freePort returns a TCP port on loopback that nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// portFree reports whether port can be listened on at loopback.
func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort(loopback, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// preferredPort returns want when it is free, else any free port.
func preferredPort(want int) (int, error) {
	if portFree(want) {
		return want, nil
	}
	return freePort()
}
