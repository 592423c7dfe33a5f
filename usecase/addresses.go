package usecase

import (
	"context"
	"log/slog"

	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/store"
)

// RekeyAddresses moves every stored address hash that is not keys' current
// one to it (store.RekeyAddresses): the unkeyed hashes of before the keys,
// and those of a link secret rotated out where the address is known. The
// starter and the worker run it at start-up, before they serve; it is
// quick when there is nothing to move, and safe to run from both at once.
func RekeyAddresses(ctx context.Context, st *store.Store, keys *linkkeys.Keys, log *slog.Logger) error {
	moved, err := st.RekeyAddresses(ctx, keys.Addresses)
	if err != nil {
		return err
	}
	if moved.Total() > 0 {
		log.InfoContext(ctx, "stored address hashes moved to the current key", slog.String("key_id", keys.Addresses.KeyID()),
			slog.Int64("suppressions", moved.Suppressions), slog.Int64("erased_suppressions", moved.ErasedSuppressions),
			slog.Int64("deliveries", moved.Deliveries), slog.Int64("inbound_messages", moved.InboundMessages))
	}
	return nil
}
