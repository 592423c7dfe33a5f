package usecase

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/ccflow/ccflow/store"
)

// Services lists the services ccflow knows, sorted, each once: those the
// live entries name and those the contact policy gives a time zone.
// Services compare without regard to case (as the matcher compares them),
// and the first spelling found is kept.
func (s *Service) Services(ctx context.Context) ([]string, error) {
	entries, err := s.Store.Entries(ctx)
	if err != nil {
		return nil, classify(err)
	}
	p, err := s.Store.Policy(ctx)
	if err != nil {
		return nil, classify(err)
	}
	names := make([]string, 0, len(entries)+len(p.ServiceTimeZones))
	for _, e := range entries {
		names = append(names, e.Service)
	}
	names = append(names, slices.Sorted(maps.Keys(p.ServiceTimeZones))...)
	seen := map[string]bool{}
	services := []string{}
	for _, name := range names {
		name = strings.TrimSpace(name)
		if name == "" || seen[strings.ToLower(name)] {
			continue
		}
		seen[strings.ToLower(name)] = true
		services = append(services, name)
	}
	slices.SortFunc(services, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return services, nil
}

// The sources the API and the console record their opt-outs with
// (AddSuppression), so neither needs an import of the store.
const (
	SuppressionFromAPI     = store.SourceAPI
	SuppressionFromConsole = store.SourceConsole
)
