//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

func TestSecretIsMadeOnceAndStaysTheSame(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()

	first, err := s.Secret(ctx, "survey-token-key")
	require.NoError(t, err)
	again, err := s.Secret(ctx, "survey-token-key")
	require.NoError(t, err)

	require.Len(t, first, 32)
	require.Equal(t, first, again)
}

func TestSecretsOfDifferentNamesDiffer(t *testing.T) {
	s, ctx := testenv.Store(t), context.Background()

	a, err := s.Secret(ctx, "a")
	require.NoError(t, err)
	b, err := s.Secret(ctx, "b")
	require.NoError(t, err)

	require.NotEqual(t, a, b)
}

// The starter and the worker each open their own store and ask for the key
// at about the same time on first start: they must get the same one.
func TestSecretIsSharedByEveryStoreOnTheDatabase(t *testing.T) {
	_, url := testenv.StoreURL(t)
	ctx := context.Background()
	const processes = 6
	secrets := make([][]byte, processes)
	errs := make([]error, processes)
	var wg sync.WaitGroup
	for i := range processes {
		s, err := store.Open(ctx, url)
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		wg.Go(func() { secrets[i], errs[i] = s.Secret(ctx, "survey-token-key") })
	}
	wg.Wait()

	for i := range processes {
		require.NoError(t, errs[i])
		require.Equal(t, secrets[0], secrets[i])
	}
}
