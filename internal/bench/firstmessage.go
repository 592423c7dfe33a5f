package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ccflow/ccflow/internal/testenv"
)

// firstEntry is the entry of the first-message figure: an email at once,
// the follow-up a survey right after the call is.
const firstEntry = `{"id": "bench-first", "name": "Bench first message", "service": "Bench First",
  "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
  "steps": [{"id": "thanks", "type": "send_email", "subject": "Thank you",
             "text": "Hi $(customer.first_name), thank you for calling."}]}`

// firstMessageFigures posts one-match events open loop at each of the
// configured rates, each for FirstMessageFor, and times each from when it
// was due to when the SMTP server the worker sends to (this process's, at
// SMTPAddr) accepted its email: event → first message, p50 and p99, beside
// the answer to the POST of the same events. Each event names a customer
// and an address of its own, as a contact center's do, so the contact
// policy's per-customer lock serialises nothing it would not.
func (s *system) firstMessageFigures(ctx context.Context) ([]Row, error) {
	if s.cfg.SMTPAddr == "" {
		return nil, fmt.Errorf("no SMTP address for the worker's email (CCFLOW_SMTP_ADDR): run me through make bench")
	}
	srv, err := testenv.NewSMTPServer(testenv.SMTPListenOn(s.cfg.SMTPAddr))
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	if _, err := s.createEntry(ctx, firstEntry); err != nil {
		return nil, err
	}
	var rows []Row
	seen := 0
	for _, rate := range s.cfg.FirstMessageRates {
		if ctx.Err() != nil {
			break
		}
		r, n := s.firstMessageAt(ctx, srv, seen, rate)
		seen += n
		rows = append(rows, r)
	}
	return rows, ctx.Err()
}

// firstMessageAt measures one rate; from is how many messages the server
// holds already. It returns the row and how many messages came.
func (s *system) firstMessageAt(ctx context.Context, srv *testenv.SMTP, from int, rate float64) (Row, int) {
	n := max(1, int(rate*s.cfg.FirstMessageFor.Seconds()))
	row := Row{Figure: fmt.Sprintf("event → first message (SMTP accepted), %g events/s open loop for %s", rate, s.cfg.FirstMessageFor),
		Goal: "p99 < 1s"}
	if _, err := s.drain(ctx, "bench-first"); err != nil {
		row.Note = err.Error()
		return row, 0
	}
	s.say("first message: %d events at %g/s", n, rate)
	kind := fmt.Sprintf("first%g", rate)
	due := make(map[string]time.Time, n) // by recipient
	var (
		mu       sync.Mutex
		answered []time.Duration
		failed   int
		firstErr error
		wg       sync.WaitGroup
	)
	before := sampleCPU(s.cfg.Processes)
	start := time.Now()
	interval := time.Duration(float64(time.Second) / rate)
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		if ctx.Err() != nil {
			break
		}
		ev := s.event("Bench First", kind, i)
		c := *ev.Customer
		c.ID, c.Email = fmt.Sprintf("C-%s-%s-%d", s.stamp, kind, i), fmt.Sprintf("first-%s-%s-%d@example.com", s.stamp, kind, i)
		ev.Customer = &c
		due[c.Email] = at
		wg.Go(func() {
			_, err := s.ingest(ctx, ev, false)
			took := time.Since(at)
			mu.Lock()
			defer mu.Unlock()
			answered = append(answered, took)
			if err != nil {
				failed++
				firstErr = firstOf(firstErr, err)
			}
		})
	}
	wg.Wait()

	// Wait for every message, for as long again as the events took and at
	// least a minute: a queue that built up drains meanwhile.
	var lat []time.Duration
	deadline := time.Now().Add(max(time.Minute, time.Since(start)))
	for ctx.Err() == nil {
		lat = lat[:0]
		for _, m := range srv.MessagesFrom(from) {
			for _, to := range m.To {
				if at, ok := due[strings.ToLower(to)]; ok {
					lat = append(lat, m.Received.Sub(at))
				}
			}
		}
		if len(lat) >= n-failed || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	got := len(lat)
	cpu := cpuPerEvent(before, sampleCPU(s.cfg.Processes), got)
	slices.Sort(lat)
	slices.Sort(answered)
	t := tally{latencies: lat}
	row.Value = fmt.Sprintf("p50 %s, p99 %s, max %s", ms(t.percentile(50)), ms(t.percentile(99)), ms(t.percentile(100)))
	a := tally{latencies: answered}
	row.Reference = fmt.Sprintf("POST answered p50 %s, p99 %s", ms(a.percentile(50)), ms(a.percentile(99)))
	row.Ratio = ratio(float64(t.percentile(99)), float64(a.percentile(99)))
	row.Met = met(got == n && t.percentile(99) < time.Second)
	var notes []string
	if got < n {
		notes = append(notes, fmt.Sprintf("%d of %d messages came", got, n))
	}
	if failed > 0 {
		notes = append(notes, fmt.Sprintf("%d events failed, e.g. %v", failed, firstErr))
	}
	row.Note = strings.Join(append(notes, cpu), "; ")
	return row, srvCount(srv) - from
}

func srvCount(srv *testenv.SMTP) int { return len(srv.Messages()) }

// firstOf keeps the first error.
func firstOf(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
