//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/tokens"
	"github.com/ccflow/ccflow/providers/twilio"
	"github.com/ccflow/ccflow/store"
)

type suppressionBody struct {
	Channel     string  `json:"channel"`
	AddressHash string  `json:"address_hash"`
	Address     *string `json:"address"`
	Reason      string  `json:"reason"`
	Source      string  `json:"source"`
	Created     bool    `json:"created"`
}

func TestSuppressionsAreAddedListedAndRemoved(t *testing.T) {
	a := newTestAPI(t)
	body := map[string]any{"channel": "sms", "address": "+1 (555) 123-4567", "reason": "asked on the phone"}
	created := decode[suppressionBody](t, a.call(http.MethodPost, "/v1/suppressions", body), http.StatusCreated)
	require.Equal(t, "+15551234567", *created.Address)
	require.Equal(t, a.keys.Addresses.Hash("+15551234567"), created.AddressHash)
	require.NotContains(t, created.AddressHash, policy.LegacyAddressHash("+15551234567"), "the hash is keyed")
	require.Equal(t, "api", created.Source)
	again := decode[suppressionBody](t, a.call(http.MethodPost, "/v1/suppressions", body), http.StatusOK)
	require.False(t, again.Created)

	list := decode[struct{ Suppressions []suppressionBody }](t,
		a.call(http.MethodGet, "/v1/suppressions?channel=sms&address="+url.QueryEscape("+15551234567"), nil), http.StatusOK)
	require.Len(t, list.Suppressions, 1)
	require.Equal(t, "asked on the phone", list.Suppressions[0].Reason)
	none := decode[struct{ Suppressions []suppressionBody }](t, a.call(http.MethodGet, "/v1/suppressions?channel=email", nil), http.StatusOK)
	require.Empty(t, none.Suppressions)

	require.Equal(t, http.StatusNoContent, a.call(http.MethodDelete, "/v1/suppressions/sms/+15551234567", nil).Code)
	requireError(t, a.call(http.MethodDelete, "/v1/suppressions/sms/+15551234567", nil), http.StatusNotFound)
}

func TestBadSuppressionsGetA400NamingTheField(t *testing.T) {
	a := newTestAPI(t)
	tests := []struct {
		method, target string
		body           any
		field          string
	}{
		{http.MethodPost, "/v1/suppressions", map[string]any{"channel": "fax", "address": "x"}, "channel"},
		{http.MethodPost, "/v1/suppressions", map[string]any{"channel": "email", "address": "not an address"}, "address"},
		{http.MethodPost, "/v1/suppressions", map[string]any{"channel": "sms", "address": "5551234"}, "address"},
		{http.MethodPost, "/v1/suppressions", map[string]any{"channel": "sms", "address": "+15551234567", "reason": "a\x00b"}, "reason"},
		{http.MethodPost, "/v1/suppressions", map[string]any{"channel": "sms", "address": "+15551234567", "why": "x"}, "why"},
		{http.MethodGet, "/v1/suppressions?address=ada@example.com", nil, "channel"},
		{http.MethodDelete, "/v1/suppressions/email/not-an-address", nil, "address"},
	}
	for _, tt := range tests {
		e := requireError(t, a.call(tt.method, tt.target, tt.body), http.StatusBadRequest)
		require.Equal(t, tt.field, e.Field, tt.target)
	}
}

func TestThePolicyIsReadAndReplaced(t *testing.T) {
	a := newTestAPI(t)
	def := decode[map[string]any](t, a.call(http.MethodGet, "/v1/policy", nil), http.StatusOK)
	require.Equal(t, map[string]any{"sms": map[string]any{"start": "08:00", "end": "21:00"}, "email": nil}, def["quiet_hours"])

	doc := `{"time_zone": "UTC", "quiet_hours": {"sms": {"start": "08:00", "end": "21:00"}, "email": null},
		"survey_grace": "30d", "max_per_day": {"sms": 2, "email": 3}, "service_time_zones": {"Billing Support": "America/Chicago"}}`
	saved := decode[map[string]any](t, a.call(http.MethodPut, "/v1/policy", doc), http.StatusOK)
	require.Equal(t, "30d", saved["survey_grace"])
	require.NotEmpty(t, saved["updated_at"])
	got := decode[map[string]any](t, a.call(http.MethodGet, "/v1/policy", nil), http.StatusOK)
	require.Equal(t, map[string]any{"sms": float64(2), "email": float64(3)}, got["max_per_day"])

	e := requireError(t, a.call(http.MethodPut, "/v1/policy", `{"quiet_hours": {"sms": {"start": "8am", "end": "21:00"}}}`), http.StatusBadRequest)
	require.Equal(t, "quiet_hours.sms.start", e.Field)
	require.Equal(t, `quiet_hours.sms.start: "8am" is not a time of day (use HH:MM, e.g. 08:00)`, e.Message)
}

// signedForm posts form to path as Twilio would, signed with token.
func (a *testAPI) signedForm(path, token string, form url.Values) (int, string, string) {
	a.t.Helper()
	rec := a.do(http.MethodPost, path, form.Encode(), "Content-Type", "application/x-www-form-urlencoded",
		twilio.SignatureHeader, twilio.Signature(token, publicURL+path, form))
	return rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()
}

// inboundSID makes a MessageSid no other post of the test used.
func inboundSID(t *testing.T, n int) string { return fmt.Sprintf("SM%032x", n) }

func TestInboundSTOPOptsOutAndSTARTOptsBackIn(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	hashes := a.keys.Addresses.Forms("+15551234567")
	posts := 0
	inbound := func(body string) {
		t.Helper()
		posts++
		status, contentType, answer := a.signedForm("/webhooks/twilio/inbound", twilioAuthToken,
			url.Values{"From": {"+15551234567"}, "To": {"+15550001111"}, "Body": {body}, "MessageSid": {inboundSID(t, posts)}})
		require.Equal(t, http.StatusOK, status, answer)
		require.Equal(t, "text/xml", contentType)
		require.Contains(t, answer, "<Response>")
	}
	optedOut := func() bool {
		list, err := a.store.Suppressions(ctx, "sms", hashes, 10)
		require.NoError(t, err)
		return len(list) == 1
	}
	for _, stop := range []string{"STOP", " stop ", "StopAll", "unsubscribe", "CANCEL", "end", "Quit", "stop all", "REVOKE", "optout",
		"Stop.", "STOP!", "ＳＴＯＰ", "stop please", "opt out", "please stop texting me"} {
		inbound(stop)
		require.True(t, optedOut(), stop)
		inbound("hello, is anyone there?")
		require.True(t, optedOut(), "other messages change nothing")
		inbound([]string{"START", "unstop", " Yes"}[len(stop)%3])
		require.False(t, optedOut(), "opted back in after %q", stop)
	}
	for _, kept := range []string{"don't stop the refund", "ſtart", "quıt", "Please cancel my order"} {
		inbound("STOP")
		inbound(kept)
		require.True(t, optedOut(), "%q opts nobody in", kept)
		inbound("START")
		inbound(kept)
		require.False(t, optedOut(), "%q opts nobody out", kept)
	}
	// Every message is kept, with what ccflow did; those that are no
	// keyword are there for an operator to read.
	list, err := a.store.InboundMessages(ctx, time.Now().Add(-time.Hour), true, 100)
	require.NoError(t, err)
	require.NotEmpty(t, list)
	var bodies []string
	for _, m := range list {
		require.Equal(t, "kept", m.Action)
		require.Equal(t, "+15551234567", *m.From)
		require.Equal(t, a.keys.Addresses.Hash("+15551234567"), m.FromHash)
		bodies = append(bodies, *m.Body)
	}
	require.Contains(t, bodies, "don't stop the refund")
	require.Contains(t, bodies, "hello, is anyone there?")
}

// A captured signed post, posted again (by Twilio retrying, or by whoever
// captured it), changes nothing: each message is handled once, by its
// MessageSid, and the answer is the same empty TwiML.
func TestAnInboundMessageIsHandledOnceHoweverOftenItIsPosted(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	stop := url.Values{"From": {"+15551234567"}, "To": {"+15550001111"}, "Body": {"STOP"}, "MessageSid": {inboundSID(t, 1)},
		"AccountSid": {"AC" + strings.Repeat("0", 32)}}
	signature := twilio.Signature(twilioAuthToken, publicURL+"/webhooks/twilio/inbound", stop)
	post := func(form url.Values, signature string, header ...string) *httptest.ResponseRecorder {
		t.Helper()
		return a.do(http.MethodPost, "/webhooks/twilio/inbound", form.Encode(), append([]string{"Content-Type", "application/x-www-form-urlencoded",
			twilio.SignatureHeader, signature}, header...)...)
	}
	optedOut := func() bool {
		list, err := a.store.Suppressions(ctx, "sms", a.keys.Addresses.Forms("+15551234567"), 10)
		require.NoError(t, err)
		return len(list) == 1
	}

	first := post(stop, signature, "I-Twilio-Idempotency-Token", "token-1")
	require.Equal(t, http.StatusOK, first.Code, first.Body.String())
	require.True(t, optedOut())
	status, _, answer := a.signedForm("/webhooks/twilio/inbound", twilioAuthToken,
		url.Values{"From": {"+15551234567"}, "Body": {"START"}, "MessageSid": {inboundSID(t, 2)}})
	require.Equal(t, http.StatusOK, status, answer)
	require.False(t, optedOut(), "the customer opted back in")

	for _, header := range [][]string{nil, {"I-Twilio-Idempotency-Token", "token-1"}, {"I-Twilio-Idempotency-Token", "another"}} {
		again := post(stop, signature, header...)
		require.Equal(t, http.StatusOK, again.Code)
		require.Equal(t, "text/xml", again.Header().Get("Content-Type"))
		require.Equal(t, first.Body.String(), again.Body.String(), "the same empty TwiML")
		require.False(t, optedOut(), "the replayed STOP changed nothing")
	}
	// Twilio's retry of a post carries the same idempotency token: handled
	// once too, even under another MessageSid.
	retry := url.Values{"From": {"+15551234567"}, "Body": {"STOP"}, "MessageSid": {inboundSID(t, 3)}}
	require.Equal(t, http.StatusOK, post(retry, twilio.Signature(twilioAuthToken, publicURL+"/webhooks/twilio/inbound", retry),
		"I-Twilio-Idempotency-Token", "token-1").Code)
	require.False(t, optedOut())
	var n int
	require.NoError(t, a.store.DB().Get(&n, `SELECT count(*) FROM inbound_messages`))
	require.Equal(t, 2, n, "two messages, each once")
}

func TestAnInboundMessageWithoutItsSidOrSenderGetsA400(t *testing.T) {
	a := newTestAPI(t)
	for field, form := range map[string]url.Values{
		"MessageSid": {"From": {"+15551234567"}, "Body": {"STOP"}},
		"From":       {"MessageSid": {inboundSID(t, 1)}, "Body": {"STOP"}},
	} {
		status, _, body := a.signedForm("/webhooks/twilio/inbound", twilioAuthToken, form)
		require.Equal(t, http.StatusBadRequest, status, body)
		require.Contains(t, body, `"field":"`+field+`"`)
	}
	status, _, body := a.signedForm("/webhooks/twilio/inbound", twilioAuthToken,
		url.Values{"MessageSid": {inboundSID(t, 2)}, "From": {"+15551234567"}, "Body": {"\x00\xff" + strings.Repeat("é", 5000)}})
	require.Equal(t, http.StatusOK, status, body)
}

func TestTwilioWebhooksWithoutAValidSignatureGet403(t *testing.T) {
	a := newTestAPI(t)
	form := url.Values{"From": {"+15551234567"}, "Body": {"STOP"}}
	for _, path := range []string{"/webhooks/twilio/inbound", "/webhooks/twilio/status"} {
		status, _, _ := a.signedForm(path, "not-the-token", form)
		require.Equal(t, http.StatusForbidden, status, path)
		rec := a.do(http.MethodPost, path, form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		require.Equal(t, http.StatusForbidden, rec.Code, path)
		// A signature of other parameters does not pass for these.
		rec = a.do(http.MethodPost, path, form.Encode(), "Content-Type", "application/x-www-form-urlencoded",
			twilio.SignatureHeader, twilio.Signature(twilioAuthToken, publicURL+path, url.Values{"From": {"+15551234567"}, "Body": {"hi"}}))
		require.Equal(t, http.StatusForbidden, rec.Code, path)
	}
	list, err := a.store.Suppressions(context.Background(), "", nil, 10)
	require.NoError(t, err)
	require.Empty(t, list)
}

func TestAStatusCallbackIsRecordedAndABadOneNamesItsField(t *testing.T) {
	a := newTestAPI(t)
	status, _, body := a.signedForm("/webhooks/twilio/status", twilioAuthToken,
		url.Values{"MessageSid": {"SM123"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"}})
	require.Equal(t, http.StatusNoContent, status, body)
	var got struct{ Status, ErrorCode string }
	require.NoError(t, a.store.DB().Get(&got, `SELECT status, error_code AS errorcode FROM sms_statuses WHERE provider_id = 'SM123'`))
	require.Equal(t, "undelivered", got.Status)
	require.Equal(t, "30003", got.ErrorCode)

	status, _, body = a.signedForm("/webhooks/twilio/status", twilioAuthToken, url.Values{"MessageStatus": {"sent"}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, `"field":"MessageSid"`)
}

func TestTheUnsubscribeLinkOptsOutWithOneClick(t *testing.T) {
	a := newTestAPI(t)
	hash := a.keys.Addresses.Hash("ada@example.com")
	id, err := policy.UnsubscribeID("email", hash)
	require.NoError(t, err)
	token := a.keys.Unsubscribe.Sign(id)

	page := a.do(http.MethodGet, "/u/"+token, "")
	require.Equal(t, http.StatusOK, page.Code)
	require.Contains(t, page.Body.String(), `<button type="submit">Unsubscribe</button>`)
	list, err := a.store.Suppressions(context.Background(), "email", []string{hash}, 10)
	require.NoError(t, err)
	require.Empty(t, list, "opening the page changes nothing: mail scanners open links")

	// RFC 8058: the mail client posts List-Unsubscribe=One-Click, no login.
	done := a.do(http.MethodPost, "/u/"+token, "List-Unsubscribe=One-Click", "Content-Type", "application/x-www-form-urlencoded")
	require.Equal(t, http.StatusOK, done.Code)
	require.Contains(t, done.Body.String(), "You are unsubscribed")
	list, err = a.store.Suppressions(context.Background(), "email", []string{hash}, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Nil(t, list[0].Address, "ccflow knows no delivery to the address: the link names only its keyed hash")
	require.Equal(t, http.StatusOK, a.do(http.MethodPost, "/u/"+token, "").Code, "a second click is fine")

	for _, bad := range []string{"nope", token[:len(token)-2] + "AA", a.keys.Unsubscribe.Sign("i1_zq-TTpjTrLW3Z9BkDqg"),
		a.keys.Survey.Sign(id), a.signer.Sign(id), tokens.NewSigner([]byte("change-me")).Sign(id)} {
		rec := a.do(http.MethodGet, "/u/"+bad, "")
		require.Equal(t, http.StatusNotFound, rec.Code, bad)
		require.True(t, strings.Contains(rec.Body.String(), "This unsubscribe link is not valid"))
		require.Equal(t, http.StatusNotFound, a.do(http.MethodPost, "/u/"+bad, "").Code)
	}
}

// recordDelivery records that ccflow sent to address on channel, as the
// send activity does.
func (a *testAPI) recordDelivery(key, channel, address string) {
	a.t.Helper()
	normalized, err := policy.NormalizeAddress(channel, address)
	require.NoError(a.t, err)
	_, err = a.store.DecideSend(context.Background(), store.SendAttempt{
		Delivery: store.Delivery{Key: key, WorkflowID: "e/" + key, StepID: "s", Channel: channel, Recipient: address,
			CustomerKey: "C-1", AddressHash: a.keys.Addresses.Hash(normalized)},
		Owner: key, LeaseFor: time.Minute, Now: time.Now(), Request: policy.Request{},
	}, func(policy.Policy, policy.Request) policy.Decision { return policy.Decision{Outcome: policy.Send} })
	require.NoError(a.t, err)
}

// Where ccflow still knows the address (a delivery to it is kept), an
// opt-out made through a link shows it to the administrator.
func TestAnOptOutThroughALinkShowsTheAddressWhereItIsKnown(t *testing.T) {
	a := newTestAPI(t)
	a.recordDelivery("k1", "email", "Ada@Example.com")
	id, err := policy.UnsubscribeID("email", a.keys.Addresses.Hash("ada@example.com"))
	require.NoError(t, err)

	require.Equal(t, http.StatusOK, a.do(http.MethodPost, "/u/"+a.keys.Unsubscribe.Sign(id), "").Code)

	list := decode[struct{ Suppressions []suppressionBody }](t, a.call(http.MethodGet, "/v1/suppressions?channel=email", nil), http.StatusOK)
	require.Len(t, list.Suppressions, 1)
	require.NotNil(t, list.Suppressions[0].Address, "the administrator sees whose opt-out it is")
	require.Equal(t, "ada@example.com", *list.Suppressions[0].Address)
	require.Equal(t, "unsubscribe_link", list.Suppressions[0].Source)
}

// A link sent before the keys carries the unkeyed hash and was signed with
// the secret itself: it still opts out, and what it stores is keyed.
func TestAnUnsubscribeLinkOfBeforeTheKeysStillWorks(t *testing.T) {
	a := newTestAPI(t)
	raw, err := hex.DecodeString(policy.LegacyAddressHash("+15551234567"))
	require.NoError(t, err)
	old := tokens.NewSigner(linkSecret).Sign("us" + base64.RawURLEncoding.EncodeToString(raw))

	require.Equal(t, http.StatusOK, a.do(http.MethodPost, "/u/"+old, "").Code)

	list, err := a.store.Suppressions(context.Background(), "sms", a.keys.Addresses.Forms("+15551234567"), 10)
	require.NoError(t, err)
	require.Len(t, list, 1, "the number is opted out: its sends are skipped")
	require.NotContains(t, list[0].AddressHash, policy.LegacyAddressHash("+15551234567"), "kept under a keyed hash")
	forged := tokens.NewSigner([]byte("change-me")).Sign("us" + base64.RawURLEncoding.EncodeToString(raw))
	require.Equal(t, http.StatusNotFound, a.do(http.MethodPost, "/u/"+forged, "").Code)
}
