package codec_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/ccflow/ccflow/codec"
	"github.com/ccflow/ccflow/codec/codectest"
)

func key(b byte) string {
	return base64.StdEncoding.EncodeToString([]byte(strings.Repeat(string([]byte{b}), codec.KeySize)))
}

func payload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

func TestParseKeysRefusesWhatCannotBeAKeyAndNamesTheKey(t *testing.T) {
	short := base64.StdEncoding.EncodeToString([]byte("sixteen bytes!!!"))
	for _, tc := range []struct {
		name, spec, want string
	}{
		{"empty", "", "item 1 is not id:base64-key"},
		{"no id", ":" + key(1), "item 1 is not id:base64-key"},
		{"no colon", "k1" + key(1), "item 1 is not id:base64-key"},
		{"second item without id", "k1:" + key(1) + ",,", "item 2 is not id:base64-key"},
		{"bad base64", "k1:not*base64", `key "k1" is not base64`},
		{"wrong length", "k1:" + key(1) + ",k0:" + short, `key "k0" is 16 bytes long; AES-256 needs exactly 32`},
		{"duplicate id", "k1:" + key(1) + ",k1:" + key(2), `key id "k1" is listed twice`},
		{"bad id", "k 1:" + key(1), `id "k 1" must be 1 to 64`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := codec.ParseKeys(tc.spec)
			require.ErrorContains(t, err, tc.want)
			require.NotContains(t, err.Error(), key(1), "a secret never appears in an error")
		})
	}
}

func TestParseKeysTakesEveryBase64FormAndSpaces(t *testing.T) {
	raw := []byte(strings.Repeat("\xfb", codec.KeySize)) // '+' and '/' in standard base64
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		k, err := codec.ParseKeys(" new : " + enc.EncodeToString(raw) + " , old:" + key(7))
		require.NoError(t, err)
		require.Equal(t, "new", k.EncryptingKeyID())
		require.Equal(t, []string{"new", "old"}, k.KeyIDs())
	}
}

func TestEncodedPayloadsHideTheirDataAndNameTheirKey(t *testing.T) {
	k, err := codec.ParseKeys("k2:" + key(2) + ",k1:" + key(1))
	require.NoError(t, err)
	in := []*commonpb.Payload{payload(t, map[string]string{"email": "ada@example.com"}), payload(t, "+15551234567")}

	sealed, err := k.Codec().Encode(in)
	require.NoError(t, err)

	require.Len(t, sealed, 2)
	for _, p := range sealed {
		require.Equal(t, codec.EncodingEncrypted, string(p.Metadata["encoding"]))
		require.Equal(t, "k2", string(p.Metadata[codec.MetadataKeyID]))
		require.Equal(t, codec.Cipher, string(p.Metadata[codec.MetadataCipher]))
		require.NotContains(t, p.String(), "ada@example.com")
		require.NotContains(t, p.String(), "15551234567")
	}
	opened, err := k.Codec().Decode(sealed)
	require.NoError(t, err)
	for i := range in {
		require.True(t, protoEqual(in[i], opened[i]))
	}
	again, err := k.Codec().Encode(in)
	require.NoError(t, err)
	require.NotEqual(t, sealed[0].Data, again[0].Data, "every seal draws a new nonce")
}

func protoEqual(a, b *commonpb.Payload) bool { return a.String() == b.String() }

func TestKeysRotate(t *testing.T) {
	old, err := codec.ParseKeys("k1:" + key(1))
	require.NoError(t, err)
	rotated, err := codec.ParseKeys("k2:" + key(2) + ",k1:" + key(1))
	require.NoError(t, err)
	retired, err := codec.ParseKeys("k2:" + key(2))
	require.NoError(t, err)
	in := []*commonpb.Payload{payload(t, "Ada")}

	sealedOld, err := old.Codec().Encode(in)
	require.NoError(t, err)
	opened, err := rotated.Codec().Decode(sealedOld)
	require.NoError(t, err, "a rotated keyring still opens what the old key sealed")
	require.True(t, protoEqual(in[0], opened[0]))

	sealedNew, err := rotated.Codec().Encode(in)
	require.NoError(t, err)
	require.Equal(t, "k2", string(sealedNew[0].Metadata[codec.MetadataKeyID]), "the first key encrypts")

	_, err = retired.Codec().Decode(sealedOld)
	require.ErrorContains(t, err, `encrypted with key "k1", which is not among the keys held (k2)`)
}

func TestATamperedPayloadDoesNotOpen(t *testing.T) {
	k, err := codec.ParseKeys("k2:" + key(2) + ",k1:" + key(1))
	require.NoError(t, err)
	sealed, err := k.Codec().Encode([]*commonpb.Payload{payload(t, "Ada")})
	require.NoError(t, err)

	flipped := sealed[0].Data[len(sealed[0].Data)-1] ^ 1
	tampered := &commonpb.Payload{Metadata: sealed[0].Metadata, Data: append(append([]byte(nil), sealed[0].Data[:len(sealed[0].Data)-1]...), flipped)}
	_, err = k.Codec().Decode([]*commonpb.Payload{tampered})
	require.ErrorContains(t, err, `does not open with key "k2"`)

	relabeled := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte(codec.EncodingEncrypted), codec.MetadataKeyID: []byte("k1")}, Data: sealed[0].Data}
	_, err = k.Codec().Decode([]*commonpb.Payload{relabeled})
	require.ErrorContains(t, err, `does not open with key "k1"`)

	short := &commonpb.Payload{Metadata: sealed[0].Metadata, Data: []byte("x")}
	_, err = k.Codec().Decode([]*commonpb.Payload{short})
	require.ErrorContains(t, err, "too short")
}

func TestPayloadsInClearDecodeAsTheyAre(t *testing.T) {
	in := []*commonpb.Payload{payload(t, "written before encryption")}
	out, err := codectest.Keyring().Codec().Decode(in)
	require.NoError(t, err)
	require.Same(t, in[0], out[0])
}

func TestTheDataConverterRoundTripsValues(t *testing.T) {
	dc := codectest.Keyring().DataConverter()
	p, err := dc.ToPayload(map[string]any{"first_name": "Ada"})
	require.NoError(t, err)
	require.NotContains(t, p.String(), "Ada")
	var back map[string]any
	require.NoError(t, dc.FromPayload(p, &back))
	require.Equal(t, "Ada", back["first_name"])
}

func TestErrorMessagesAreSealedByTheFailureConverter(t *testing.T) {
	var opts client.Options
	codec.Apply(&opts, codectest.Keyring())
	require.NotNil(t, opts.DataConverter)
	require.NotNil(t, opts.FailureConverter)

	err := temporal.NewApplicationError("sending email to ada@example.com: 550 mailbox unavailable", "ccflow.SendRejected")
	f := opts.FailureConverter.ErrorToFailure(err)
	require.NotContains(t, f.String(), "ada@example.com")
	require.Equal(t, "ccflow.SendRejected", f.GetApplicationFailureInfo().GetType(), "the error type stays readable")

	back := opts.FailureConverter.FailureToError(f)
	appErr, ok := errors.AsType[*temporal.ApplicationError](back)
	require.True(t, ok)
	require.Equal(t, "sending email to ada@example.com: 550 mailbox unavailable", appErr.Message())
}

func TestApplyWithoutKeysLeavesTheOptionsAlone(t *testing.T) {
	var opts client.Options
	codec.Apply(&opts, nil)
	require.Nil(t, opts.DataConverter)
	require.Nil(t, opts.FailureConverter)
}
