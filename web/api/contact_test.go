//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/api).

package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/providers/twilio"
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
	require.Equal(t, policy.AddressHash("+15551234567"), created.AddressHash)
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

func TestInboundSTOPOptsOutAndSTARTOptsBackIn(t *testing.T) {
	a := newTestAPI(t)
	ctx := context.Background()
	hash := policy.AddressHash("+15551234567")
	inbound := func(body string) {
		t.Helper()
		status, contentType, answer := a.signedForm("/webhooks/twilio/inbound", twilioAuthToken,
			url.Values{"From": {"+15551234567"}, "To": {"+15550001111"}, "Body": {body}, "MessageSid": {"SM1"}})
		require.Equal(t, http.StatusOK, status, answer)
		require.Equal(t, "text/xml", contentType)
		require.Contains(t, answer, "<Response>")
	}
	optedOut := func() bool {
		list, err := a.store.Suppressions(ctx, "sms", hash, 10)
		require.NoError(t, err)
		return len(list) == 1
	}
	for _, stop := range []string{"STOP", " stop ", "StopAll", "unsubscribe", "CANCEL", "end", "Quit", "stop all"} {
		inbound(stop)
		require.True(t, optedOut(), stop)
		inbound("hello, is anyone there?")
		require.True(t, optedOut(), "other messages change nothing")
		inbound([]string{"START", "unstop", " Yes"}[len(stop)%3])
		require.False(t, optedOut(), "opted back in after %q", stop)
	}
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
	list, err := a.store.Suppressions(context.Background(), "", "", 10)
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
	hash := policy.AddressHash("ada@example.com")
	id, err := policy.UnsubscribeID("email", hash)
	require.NoError(t, err)
	token := a.signer.Sign(id)

	page := a.do(http.MethodGet, "/u/"+token, "")
	require.Equal(t, http.StatusOK, page.Code)
	require.Contains(t, page.Body.String(), `<button type="submit">Unsubscribe</button>`)
	list, err := a.store.Suppressions(context.Background(), "email", hash, 10)
	require.NoError(t, err)
	require.Empty(t, list, "opening the page changes nothing: mail scanners open links")

	// RFC 8058: the mail client posts List-Unsubscribe=One-Click, no login.
	done := a.do(http.MethodPost, "/u/"+token, "List-Unsubscribe=One-Click", "Content-Type", "application/x-www-form-urlencoded")
	require.Equal(t, http.StatusOK, done.Code)
	require.Contains(t, done.Body.String(), "You are unsubscribed")
	list, err = a.store.Suppressions(context.Background(), "email", hash, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Nil(t, list[0].Address, "the link names no address, only its hash")
	require.Equal(t, http.StatusOK, a.do(http.MethodPost, "/u/"+token, "").Code, "a second click is fine")

	for _, bad := range []string{"nope", token[:len(token)-2] + "AA", a.signer.Sign("i1_zq-TTpjTrLW3Z9BkDqg")} {
		rec := a.do(http.MethodGet, "/u/"+bad, "")
		require.Equal(t, http.StatusNotFound, rec.Code, bad)
		require.True(t, strings.Contains(rec.Body.String(), "This unsubscribe link is not valid"))
		require.Equal(t, http.StatusNotFound, a.do(http.MethodPost, "/u/"+bad, "").Code)
	}
}
