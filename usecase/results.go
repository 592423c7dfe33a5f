package usecase

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ccflow/ccflow/core/cursor"
	"github.com/ccflow/ccflow/core/results"
	"github.com/ccflow/ccflow/core/validation"
)

// ResultsRequest is a results query as a caller writes it: GET
// /v1/results' parameters, every one optional but group_by.
type ResultsRequest struct {
	// From and To are days (2026-11-23) or RFC 3339 times; a day as To
	// includes that day. Without To the period ends with today, without
	// From it covers the 30 days before.
	From, To string
	// TZ is the zone days and weeks are counted in, by default the
	// contact policy's.
	TZ      string
	GroupBy string
	// Filters: only the runs with these values.
	Entry, Service, Agent, Disposition, Channel string
}

// ResultsAnswer is the body of GET /v1/results.
type ResultsAnswer struct {
	From    time.Time       `json:"from"`
	To      time.Time       `json:"to"`
	TZ      string          `json:"tz"`
	GroupBy []results.Dim   `json:"group_by"`
	Groups  []results.Group `json:"groups"`
	// Totals are the figures of every group together.
	Totals results.Figures `json:"totals"`
	// Level is the aggregate level that answered, for logs and benches.
	Level string `json:"-"`
}

// ParseResultsRequest checks req and makes the query it asks for, naming
// the parameter at fault. now is the clock "today" is read from.
func (s *Service) ParseResultsRequest(ctx context.Context, req ResultsRequest, now time.Time) (results.Query, error) {
	groupBy, err := results.ParseGroupBy(req.GroupBy)
	if err != nil {
		return results.Query{}, err
	}
	loc, zone, err := s.zone(ctx, req.TZ)
	if err != nil {
		return results.Query{}, err
	}
	period, err := results.ParsePeriod(req.From, req.To, loc, now, true)
	if err != nil {
		return results.Query{}, err
	}
	filter, err := results.ParseFilter(func(name string) string {
		switch results.Dim(name) {
		case results.Entry:
			return req.Entry
		case results.Service:
			return req.Service
		case results.Agent:
			return req.Agent
		case results.Disposition:
			return req.Disposition
		case results.Channel:
			return req.Channel
		}
		return ""
	})
	if err != nil {
		return results.Query{}, err
	}
	return results.Query{Period: period, ZoneName: zone, GroupBy: groupBy, Filter: filter}, nil
}

// zone is the time zone tz names, or the contact policy's when tz is "".
func (s *Service) zone(ctx context.Context, tz string) (*time.Location, string, error) {
	if tz == "" {
		p, err := s.Store.Policy(ctx)
		if err != nil {
			return nil, "", classify(err)
		}
		tz = cmp.Or(p.TimeZone, "UTC")
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return time.UTC, "UTC", nil //nolint:nilerr // a policy zone this build does not know: UTC, as the policy falls back
		}
		return loc, tz, nil
	}
	loc, err := results.LoadZone("tz", tz)
	if err != nil {
		return nil, "", err
	}
	return loc, tz, nil
}

// Results answers a results query: per group the runs, messages,
// surveys, scores, CSAT, NPS, mean score and median minutes to answer,
// exact, from the aggregates the writes keep (and the facts not folded
// into them yet), never from a scan of the raw rows.
func (s *Service) Results(ctx context.Context, req ResultsRequest) (ResultsAnswer, error) {
	q, err := s.ParseResultsRequest(ctx, req, time.Now())
	if err != nil {
		return ResultsAnswer{}, err
	}
	plan := results.NewPlan(q)
	g, err := s.Store.ReadResults(ctx, plan)
	if err != nil {
		return ResultsAnswer{}, classify(err)
	}
	groups, totals, err := g.Result()
	if err != nil {
		return ResultsAnswer{}, fmt.Errorf("results of %s: %w", req.GroupBy, err)
	}
	return ResultsAnswer{From: q.From.In(q.Zone), To: q.To.In(q.Zone), TZ: q.ZoneName, GroupBy: q.GroupBy,
		Groups: groups, Totals: totals, Level: plan.Level.Name}, nil
}

// foldBatch is how many facts one fold folds; foldEvery how often the
// starter folds when the last fold took fewer. Folding seconds of facts
// at once costs far less than folding each as it comes: facts of one
// hour, one agent, one entry share their rows of the rollup.
const (
	foldBatch = 20_000
	foldEvery = 5 * time.Second
)

// foldResults folds the result facts into the rollup until ctx ends: in
// batches while there are facts to fold, then every foldEvery. Several
// starters take turns; a query is exact whether or not the facts are
// folded (it reads those not folded yet), folding only keeps it fast.
func (s *Service) foldResults(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := s.Store.FoldResults(ctx, foldBatch)
		switch {
		case err != nil && ctx.Err() == nil:
			s.logger().WarnContext(ctx, "folding result facts", slog.Any("error", err))
			t.Reset(foldEvery)
		case n >= foldBatch:
			t.Reset(0)
		default:
			t.Reset(foldEvery)
		}
	}
}

// cursorKeyName is the store setting that holds the key of list cursors.
const cursorKeyName = "list-cursor-key"

// cursors is the codec of list cursors, with the key the store keeps
// (made once, the same on every starter).
type cursors struct {
	mu    sync.Mutex
	codec *cursor.Codec
}

func (s *Service) cursorCodec(ctx context.Context) (*cursor.Codec, error) {
	s.bg.cursors.mu.Lock()
	defer s.bg.cursors.mu.Unlock()
	if s.bg.cursors.codec == nil {
		key, err := s.Store.Secret(ctx, cursorKeyName)
		if err != nil {
			return nil, classify(err)
		}
		s.bg.cursors.codec = cursor.New(key)
	}
	return s.bg.cursors.codec, nil
}

// limitOf reads a list's page size: default def, at most max.
func limitOf(text string, def, max int) (int, error) {
	if text == "" {
		return def, nil
	}
	var n int
	if _, err := fmt.Sscan(text, &n); err != nil || fmt.Sprint(n) != text || n < 1 || n > max {
		return 0, validation.Errorf("limit", "%s is not a whole number from 1 to %d", validation.Quote(text), max)
	}
	return n, nil
}
