package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/webhook"
)

func TestTheReceiverPrintsWhatVerifiesAndRefusesTheRest(t *testing.T) {
	t.Parallel()
	secret := webhook.Secret(bytes.Repeat([]byte{9}, 32))
	var out bytes.Buffer
	h := handler(secret, &out)
	body := []byte(`{"type":"optout.created","timestamp":"2026-11-23T10:00:00Z","data":{}}`)
	post := func(s webhook.Secret) int {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		for k, v := range webhook.Headers("msg_1", time.Now(), body, s) {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusNoContent, post(secret))
	require.True(t, strings.HasPrefix(out.String(), "msg_1 (verified)\n"+string(body)))
	require.Equal(t, http.StatusUnauthorized, post(webhook.Secret(bytes.Repeat([]byte{1}, 32))))
	require.Contains(t, out.String(), "refused msg_1")
}
