package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"go.temporal.io/sdk/converter"

	"github.com/ccflow/ccflow/config"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
)

// The simulation figures (key "simulation"), through the starter's API:
// a week-long scenario for one event, and a period of recorded events
// through an entry with a survey, a wait and two messages, each beside
// the time the real engine takes for the same work (a week of wall
// clock: its timers are real). The recorded events are kept as ingest
// keeps them (usecase.KeepInteractions, sealed with the payload keys the
// starter has), in a day of their own long past, so no other figure's
// events are among them.

// week is the real engine's time for a week-long scenario.
const week = 7 * 24 * time.Hour

// weekEntry is a week-long scenario: a survey nobody answers within two
// days, a wait of five days, an SMS.
const weekEntry = `{"name": "Bench week", "service": "Bench Simulation",
  "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
  "steps": [
    {"id": "survey", "type": "send_survey", "channel": "email", "question": "How did we do?",
     "subject": "How did we do, $(customer.first_name)?", "text": "Tell us: $(survey.url)", "wait": "2d"},
    {"id": "check", "type": "if", "condition": "survey.answered && survey.score <= 2",
     "then": [{"id": "sorry", "type": "send_sms", "text": "Sorry, $(customer.first_name)."}],
     "else": [{"id": "pause", "type": "wait", "duration": "5d"},
              {"id": "thanks", "type": "send_sms", "text": "Thanks, $(customer.first_name)!"}]}]}`

// periodEntry is the recorded events' entry: a survey, a wait and two
// messages.
const periodEntry = `{"name": "Bench period", "service": "Bench Simulation",
  "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
  "steps": [
    {"id": "survey", "type": "send_survey", "channel": "email", "question": "How did we do?",
     "subject": "How did we do, $(customer.first_name)?", "text": "Tell us: $(survey.url)", "wait": "1d"},
    {"id": "pause", "type": "wait", "duration": "2d"},
    {"id": "mail", "type": "send_email", "subject": "Thanks, $(customer.first_name)", "text": "About order $(order_id)"},
    {"id": "text", "type": "send_sms", "text": "Thanks again, $(customer.first_name)!"}]}`

// simulationFigures measures both figures; the recorded one at a tenth of
// the events too, to show the starter's memory does not grow with them.
func (s *system) simulationFigures(ctx context.Context) ([]Row, error) {
	one, err := s.weekFigure(ctx)
	if err != nil {
		return nil, err
	}
	day := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(time.Now().Unix()%5000) * 24 * time.Hour) // a day of this run's own
	if err := s.keepEvents(ctx, day, s.cfg.SimulatedEvents); err != nil {
		return nil, err
	}
	small, err := s.periodRun(ctx, day, day.Add(time.Duration(float64(24*time.Hour)/10)))
	if err != nil {
		return nil, err
	}
	large, err := s.periodRun(ctx, day, day.Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	r := Row{Figure: fmt.Sprintf("simulation of %d recorded events (survey, wait, two messages) through the API", large.events),
		Value:     ms(large.took) + fmt.Sprintf(" (%.0f events/s)", float64(large.events)/large.took.Seconds()),
		Reference: "a week of wall clock in the real engine", Goal: "< 60 s on 2 cores"}
	r.Ratio = ratio(large.took.Seconds(), week.Seconds())
	r.Met = met(large.took < time.Minute)
	r.Note = fmt.Sprintf("starter CPU %s over %s of wall clock (about one core: one simulation runs on one goroutine, the garbage collector beside it); starter RSS at most %.0f MB "+
		"simulating %d events against %.0f MB simulating %d (memory flat with the count: batches of 256, the first 100 timelines kept)",
		large.cpu.Round(100*time.Millisecond), large.took.Round(100*time.Millisecond), mb(large.peakRSS), large.events, mb(small.peakRSS), small.events)
	return []Row{one, r}, nil
}

// weekFigure times POST /v1/simulations of one event through the
// week-long scenario, the median of a few.
func (s *system) weekFigure(ctx context.Context) (Row, error) {
	ev := s.event("Bench Simulation", "week", 0)
	body := map[string]any{"entry": json.RawMessage(weekEntry), "event": ev}
	var t tally
	for range 15 {
		start := time.Now()
		var res struct {
			Runs []struct {
				Timeline []json.RawMessage `json:"timeline"`
				Ended    struct {
					At string `json:"at"`
				} `json:"ended"`
			} `json:"runs"`
		}
		status, err := s.post(ctx, "/v1/simulations", body, &res)
		if err != nil {
			return Row{}, err
		}
		if status != http.StatusOK || len(res.Runs) != 1 {
			return Row{}, fmt.Errorf("simulating the week-long scenario: status %d, %d runs", status, len(res.Runs))
		}
		t.latencies = append(t.latencies, time.Since(start))
		t.ok++
	}
	r := Row{Figure: "simulation of a week-long scenario for one event (survey, 2d wait, if, 5d wait, SMS) through the API",
		Value: "p50 " + ms(t.percentile(50)) + ", max " + ms(t.percentile(100)), Reference: "a week of wall clock in the real engine",
		Goal: "< 1 s"}
	r.Ratio = ratio(t.percentile(50).Seconds(), week.Seconds())
	r.Met = met(t.percentile(50) < time.Second)
	return r, nil
}

// keepEvents keeps n events that ended across day, as ingest keeps them.
func (s *system) keepEvents(ctx context.Context, day time.Time, n int) error {
	st, err := store.Open(ctx, s.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := config.PayloadKeys()
	if err != nil {
		return err
	}
	svc := &usecase.Service{Store: st}
	if keys != nil {
		svc.PayloadConverter = converter.DataConverter(keys.DataConverter())
	}
	s.say("keeping %d recorded events of %s", n, day.Format(time.DateOnly))
	const batch = 500
	for i := 0; i < n; i += batch {
		var list []interaction.Event
		for j := i; j < min(i+batch, n); j++ {
			ev := s.event("Bench Simulation", "period", j)
			ended := day.Add(time.Duration(j) * 24 * time.Hour / time.Duration(n))
			ev.EndedAt = &ended
			ev.Customer.ID = fmt.Sprintf("bench-%s-%d", s.stamp, j)
			ev.Customer.Email = fmt.Sprintf("customer%d@example.com", j)
			ev.Customer.Phone = fmt.Sprintf("+1555%07d", j)
			list = append(list, ev)
		}
		if err := svc.KeepInteractions(ctx, list, time.Now()); err != nil {
			return fmt.Errorf("keeping the recorded events: %w", err)
		}
	}
	return nil
}

// periodResult is one simulation of a period.
type periodResult struct {
	events  int
	took    time.Duration
	cpu     time.Duration
	peakRSS int64
}

// periodRun simulates the recorded events of [from, to) through
// periodEntry, polling the job, and samples the starter's memory and CPU
// meanwhile.
func (s *system) periodRun(ctx context.Context, from, to time.Time) (periodResult, error) {
	var out periodResult
	body := map[string]any{"entry": json.RawMessage(periodEntry), "recorded": map[string]any{"from": from, "to": to}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { out.peakRSS = s.sampleRSS(stop) })
	cpu0 := sampleCPU(s.cfg.Processes)
	start := time.Now()
	type result struct {
		Totals struct {
			Events int `json:"events"`
		} `json:"totals"`
	}
	var job struct {
		ID     string  `json:"id"`
		Status string  `json:"status"`
		Error  string  `json:"error"`
		Result *result `json:"result"`
	}
	var answer json.RawMessage
	status, err := s.post(ctx, "/v1/simulations", body, &answer)
	if err == nil && status == http.StatusOK {
		// Done within the wait: the body is the result itself.
		var res result
		err = json.Unmarshal(answer, &res)
		out.events, out.took = res.Totals.Events, time.Since(start)
	} else if err == nil {
		err = json.Unmarshal(answer, &job)
	}
	for err == nil && status == http.StatusAccepted && job.Status == "running" {
		time.Sleep(200 * time.Millisecond)
		if _, err = s.get(ctx, "/v1/simulations/"+job.ID, &job); err != nil {
			break
		}
		switch job.Status {
		case "running":
		case "done":
			out.events, out.took = job.Result.Totals.Events, time.Since(start)
		default:
			err = fmt.Errorf("the simulation failed: %s", job.Error)
		}
	}
	close(stop)
	wg.Wait()
	if err == nil && out.took == 0 {
		err = fmt.Errorf("simulating the recorded events: status %d", status)
	}
	out.cpu = sampleCPU(s.cfg.Processes)["starter"] - cpu0["starter"]
	s.say("simulated %d recorded events in %s", out.events, out.took.Round(time.Millisecond))
	return out, err
}

// sampleRSS reads the starter's resident memory every 100 ms until stop
// closes, and returns the most it saw.
func (s *system) sampleRSS(stop <-chan struct{}) int64 {
	var most int64
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if now, _, err := rss(s.cfg.Processes.Starter); err == nil {
			most = max(most, now)
		}
		select {
		case <-stop:
			return most
		case <-t.C:
		}
	}
}

// post sends body to the API and decodes the answer into out.
func (s *system) post(ctx context.Context, path string, body, out any) (int, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	return s.request(ctx, http.MethodPost, path, bytes.NewReader(data), out)
}

func (s *system) get(ctx context.Context, path string, out any) (int, error) {
	return s.request(ctx, http.MethodGet, path, nil, out)
}

func (s *system) request(ctx context.Context, method, path string, body io.Reader, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.cfg.BaseURL+path, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out == nil {
		return resp.StatusCode, nil // the answer is not wanted
	}
	return resp.StatusCode, json.Unmarshal(data, out)
}
