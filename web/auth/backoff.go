package auth

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Backoff makes guessing a token slow: each client may fail a token check
// (a wrong bearer token, a wrong sign-in) Burst times at once, then once
// per Every; a client with no try left is refused before its token is
// looked at, so a right guess then tells it nothing either. Checks that
// succeed cost nothing, and a request that shows no token at all is no
// guess.
//
// A client is the connection's address (an IPv6 address by its /64, which
// one host holds whole); behind a proxy that is the proxy's, so one
// client's failures there slow every client's sign-in: the limit is set
// high enough that only guessing reaches it.
type Backoff struct {
	every time.Duration
	burst int
	now   func() time.Time

	mu      sync.Mutex
	clients map[netip.Prefix]*rate.Limiter
}

// Defaults of NewBackoff: 30 failures at once, then one a second. A person
// mistyping the token never meets it; a guesser gets some 86,000 tries a
// day against a token of at least 32 random characters.
const (
	DefaultBackoffEvery = time.Second
	DefaultBackoffBurst = 30
)

// maxClients bounds the clients a Backoff remembers; past it, those back
// to a full allowance are forgotten first.
const maxClients = 10_000

// NewBackoff returns a Backoff allowing burst failures at once and one
// more per every.
func NewBackoff(every time.Duration, burst int) *Backoff {
	return &Backoff{every: every, burst: burst, now: time.Now, clients: map[netip.Prefix]*rate.Limiter{}}
}

// client is the key of r's client.
func client(r *http.Request) netip.Prefix {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{}
	}
	addr = addr.Unmap()
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	return p
}

// Wait is how long r's client must wait before its token is checked again:
// 0 when it may be now.
func (b *Backoff) Wait(r *http.Request) time.Duration {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	lim, ok := b.clients[client(r)]
	if !ok {
		return 0
	}
	tokens := lim.TokensAt(b.now())
	if tokens >= 1 {
		return 0
	}
	return time.Duration(math.Ceil((1 - tokens) * float64(b.every)))
}

// Failed counts a failed check of r's client.
func (b *Backoff) Failed(r *http.Request) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	key := client(r)
	lim, ok := b.clients[key]
	if !ok {
		if len(b.clients) >= maxClients {
			b.forget()
		}
		lim = rate.NewLimiter(rate.Every(b.every), b.burst)
		b.clients[key] = lim
	}
	lim.AllowN(b.now(), 1)
}

// forget drops the clients back to a full allowance, and when that is not
// enough, half of the others: guessing from that many addresses at once is
// beyond what one limiter per address can hold back anyway.
func (b *Backoff) forget() {
	now := b.now()
	for k, lim := range b.clients {
		if lim.TokensAt(now) >= float64(b.burst) {
			delete(b.clients, k)
		}
	}
	for k := range b.clients {
		if len(b.clients) < maxClients/2 {
			return
		}
		delete(b.clients, k)
	}
}
