//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./store).

package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

// beforeTheKeys writes rows as ccflow kept them before keyed hashes: the
// unkeyed SHA-256 of the address in opt-outs (one of them erased: its
// address gone, its hash kept) and in a delivery, whose customer_key is
// the hash too.
func beforeTheKeys(t *testing.T, st *store.Store) {
	t.Helper()
	db := st.DB()
	for _, row := range []struct {
		channel, address string
		erased           bool
	}{{"sms", "+15551234567", false}, {"email", "ada@example.com", false}, {"sms", "+15557654321", true}} {
		var address any = row.address
		if row.erased {
			address = nil
		}
		_, err := db.Exec(`INSERT INTO suppressions (channel, address_hash, address, reason, source) VALUES ($1, $2, $3, '', 'api')`,
			row.channel, policy.LegacyAddressHash(row.address), address)
		require.NoError(t, err)
	}
	_, err := db.Exec(`INSERT INTO deliveries (key, workflow_id, step_id, channel, recipient, status, customer_key, address_hash)
		VALUES ('e/i/thanks', 'e/i', 'thanks', 'email', 'Grace@Example.com', 'sent', $1, $2)`,
		"address:"+policy.LegacyAddressHash("grace@example.com"), policy.LegacyAddressHash("grace@example.com"))
	require.NoError(t, err)
}

// storedHashes is every address hash the store holds, and the text of
// every column that could hold one.
func storedHashes(t *testing.T, st *store.Store) string {
	t.Helper()
	var texts []string
	require.NoError(t, st.DB().Select(&texts, `
		SELECT address_hash FROM suppressions
		UNION ALL SELECT address_hash || ' ' || customer_key || ' ' || legacy_hash FROM deliveries
		UNION ALL SELECT from_hash FROM inbound_messages`))
	return strings.Join(texts, "\n")
}

func TestRekeyingMovesEveryUnkeyedHashToTheKeyedOne(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	beforeTheKeys(t, st)
	keys := linkkeys.Must([]byte("the link secret of this test, 32 bytes or more"))
	h := keys.Addresses

	moved, err := st.RekeyAddresses(ctx, h)
	require.NoError(t, err)
	require.Equal(t, store.Rekeyed{Suppressions: 2, ErasedSuppressions: 1, Deliveries: 1}, moved)

	all := storedHashes(t, st)
	for _, address := range []string{"+15551234567", "ada@example.com", "+15557654321", "grace@example.com"} {
		require.NotContains(t, all, policy.LegacyAddressHash(address), "no unkeyed hash is left: it gives the address back")
	}
	// Opt-outs whose address is known are kept under its keyed hash, so
	// a send's check and the API's listing find them.
	for channel, address := range map[string]string{"sms": "+15551234567", "email": "ada@example.com"} {
		list, err := st.Suppressions(ctx, channel, []string{h.Hash(address)}, 10)
		require.NoError(t, err)
		require.Len(t, list, 1, address)
		require.Equal(t, address, *list[0].Address)
	}
	// The erased one keeps a keyed form only, which the address's forms
	// still match: the opt-out holds.
	list, err := st.Suppressions(ctx, "sms", h.Forms("+15557654321"), 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Nil(t, list[0].Address)
	require.Equal(t, h.LegacyForm(policy.LegacyAddressHash("+15557654321")), list[0].AddressHash)
	// The delivery: its hash, its customer key, and the keyed form of the
	// unkeyed hash its unsubscribe link carried, through which an old link
	// finds the address.
	var d struct {
		Hash   string `db:"address_hash"`
		Key    string `db:"customer_key"`
		Legacy string `db:"legacy_hash"`
	}
	require.NoError(t, st.DB().Get(&d, `SELECT address_hash, customer_key, legacy_hash FROM deliveries WHERE key = 'e/i/thanks'`))
	require.Equal(t, h.Hash("grace@example.com"), d.Hash)
	require.Equal(t, "address:"+h.Hash("grace@example.com"), d.Key)
	recipient, ok, err := st.RecipientByHash(ctx, "email", h.LegacyForm(policy.LegacyAddressHash("grace@example.com")))
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "Grace@Example.com", recipient)

	again, err := st.RekeyAddresses(ctx, h)
	require.NoError(t, err)
	require.Zero(t, again.Total(), "run again, it finds nothing to do")
}

// A rotated secret: rows whose address is known move to the new key; an
// erased opt-out stays under the old one and still matches while the old
// secret is listed.
func TestRekeyingAfterARotationKeepsEveryOptOutMatching(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	oldSecret, newSecret := []byte("the old link secret, 32 bytes or more long"), []byte("the new link secret, 32 bytes or more long")
	old := linkkeys.Must(oldSecret).Addresses
	kept, erased := "+15551234567", "+15557654321"
	for _, a := range []string{kept, erased} {
		address := a
		_, _, err := st.AddSuppression(ctx, store.Suppression{Channel: "sms", AddressHash: old.Hash(a), Address: &address, Source: "api"})
		require.NoError(t, err)
	}
	_, err := st.DB().Exec(`UPDATE suppressions SET address = NULL WHERE address = $1`, erased)
	require.NoError(t, err)
	// Both rows are there under another form already: the older record wins.
	_, _, err = st.AddSuppression(ctx, store.Suppression{Channel: "sms", AddressHash: linkkeys.Must(newSecret).Addresses.Hash(kept),
		Reason: "later", Source: "unsubscribe_link"})
	require.NoError(t, err)

	rotated := linkkeys.Must(newSecret, oldSecret).Addresses
	moved, err := st.RekeyAddresses(ctx, rotated)
	require.NoError(t, err)
	require.Equal(t, int64(1), moved.Suppressions)
	require.Zero(t, moved.ErasedSuppressions, "an erased opt-out of an older key cannot move: it has no address")

	list, err := st.Suppressions(ctx, "sms", rotated.Forms(kept), 10)
	require.NoError(t, err)
	require.Len(t, list, 1, "one opt-out of the number, under the new key")
	require.Equal(t, rotated.Hash(kept), list[0].AddressHash)
	require.Equal(t, kept, *list[0].Address)
	list, err = st.Suppressions(ctx, "sms", rotated.Forms(erased), 10)
	require.NoError(t, err)
	require.Len(t, list, 1, "the erased one still matches")
}

func TestAnInboundMessageIsRecordedOnceAndItsEffectWithIt(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	h := linkkeys.ForProcess().Addresses
	from, body, token := "+15551234567", "STOP", "idem-1"
	m := store.InboundMessage{MessageSID: "SM1", IdempotencyToken: &token, Channel: "sms", FromHash: h.Hash(from), From: &from,
		Body: &body, Action: store.InboundOptedOut, Keyword: "STOP"}
	effect := store.InboundEffect{OptOut: &store.Suppression{Channel: "sms", AddressHash: h.Hash(from), Address: &from, Source: store.SourceSMSKeyword}}

	got, fresh, err := st.HandleInbound(ctx, m, effect)
	require.NoError(t, err)
	require.True(t, fresh)
	require.Equal(t, "SM1", got.MessageSID)
	require.NoError(t, st.RemoveSuppression(ctx, "sms", h.Forms(from)))

	for _, again := range []store.InboundMessage{m, {MessageSID: "SM2", IdempotencyToken: &token, Channel: "sms", FromHash: m.FromHash,
		Action: store.InboundOptedOut}} {
		got, fresh, err = st.HandleInbound(ctx, again, effect)
		require.NoError(t, err)
		require.False(t, fresh, again.MessageSID)
		require.Equal(t, "SM1", got.MessageSID, "the message as first handled")
	}
	list, err := st.Suppressions(ctx, "sms", h.Forms(from), 10)
	require.NoError(t, err)
	require.Empty(t, list, "the repeated posts opted nobody out again")

	// Retention deletes inbound messages past it.
	purged, err := st.Purge(ctx, time.Now().Add(time.Hour), time.Now(), 100)
	require.NoError(t, err)
	require.Equal(t, int64(1), purged.InboundMessages)
}
