package usecase

import (
	"context"
	"slices"
	"strings"

	"github.com/ccflow/ccflow/store"
)

// Services lists the services the live entries name, sorted, each once:
// services compare without regard to case (as the matcher compares them),
// and the first spelling found is kept.
func (s *Service) Services(ctx context.Context) ([]string, error) {
	entries, err := s.Store.Entries(ctx)
	if err != nil {
		return nil, classify(err)
	}
	seen := map[string]bool{}
	services := []string{}
	for _, e := range entries {
		name := strings.TrimSpace(e.Service)
		if name == "" || seen[strings.ToLower(name)] {
			continue
		}
		seen[strings.ToLower(name)] = true
		services = append(services, name)
	}
	slices.SortFunc(services, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return services, nil
}

// SuppressionFromConsole is the source the console records its opt-outs
// with (AddSuppression), so the console needs no import of the store.
const SuppressionFromConsole = store.SourceConsole
