package webhook_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/webhook"
)

func TestTheBodyIsTypeTimestampAndData(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 23, 10, 15, 0, 500, time.FixedZone("x", 3600))
	body, err := webhook.Body(webhook.SurveyAnswered, at, []byte(`{"score": 2}`))
	require.NoError(t, err)
	require.JSONEq(t, `{"type":"survey.answered","timestamp":"2026-11-23T09:15:00.0000005Z","data":{"score":2}}`, string(body))
	again, err := webhook.Body(webhook.SurveyAnswered, at, []byte(`{"score": 2}`))
	require.NoError(t, err)
	require.Equal(t, body, again, "every retry carries the same bytes")
}

func TestEventTypesAreCheckedNamingEvents(t *testing.T) {
	t.Parallel()
	got, err := webhook.CheckTypes([]string{"survey.answered", "optout.created"})
	require.NoError(t, err)
	require.Equal(t, []string{"optout.created", "survey.answered"}, got)
	for _, bad := range [][]string{nil, {}, {"survey.answerd"}, {"run.completed", "run.completed"}, {strings.Repeat("x", 100000)}} {
		_, err := webhook.CheckTypes(bad)
		fe := validation.First(err)
		require.NotNil(t, fe, "%q", bad)
		require.Equal(t, "events", fe.Path)
		require.Less(t, len(fe.Message), 400, "a huge value is never repeated whole")
	}
}

func TestTheRetryScheduleGrowsFromUnderTenSecondsForADay(t *testing.T) {
	t.Parallel()
	r := webhook.DefaultRetry
	require.NoError(t, r.Check())
	require.Equal(t, 5*time.Second, r.Wait(1), "the first retry comes within 10 s")
	require.Equal(t, 10*time.Second, r.Wait(2))
	require.Equal(t, 20*time.Second, r.Wait(3))
	require.Equal(t, time.Hour, r.Wait(20), "never more than an hour apart")

	first := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	attempts, at := 1, first
	for {
		next, ok := r.NextTry(first, attempts, at)
		if !ok {
			break
		}
		at, attempts = next, attempts+1
	}
	require.WithinDuration(t, first.Add(24*time.Hour), at, time.Hour, "retried for a day")
	require.Equal(t, 33, attempts)
}

func TestARetryScheduleThatBreaksThePromiseIsRefused(t *testing.T) {
	t.Parallel()
	for _, r := range []webhook.Retry{
		{First: 11 * time.Second, Coefficient: 2, Max: time.Hour, For: time.Hour, Timeout: time.Second},
		{First: time.Second, Coefficient: 0.5, Max: time.Hour, For: time.Hour, Timeout: time.Second},
		{First: time.Second, Coefficient: 2, Max: time.Millisecond, For: time.Hour, Timeout: time.Second},
		{First: time.Second, Coefficient: 2, Max: time.Hour, For: time.Hour},
	} {
		require.Error(t, r.Check(), "%+v", r)
	}
}

func TestJudgeDeliveredRetryOrGone(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]webhook.Verdict{
		200: webhook.Delivered, 204: webhook.Delivered, 299: webhook.Delivered,
		0: webhook.TryAgain, 301: webhook.TryAgain, 400: webhook.TryAgain, 404: webhook.TryAgain, 429: webhook.TryAgain,
		500: webhook.TryAgain, 503: webhook.TryAgain, 410: webhook.Gone,
	} {
		require.Equal(t, want, webhook.Judge(status), "%d", status)
	}
}

func TestAReceiversAnswerIsCutAndEscaped(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{"ok":true}`, `{"ok":true}`},
		{"line one\nline two\r\n", `line one\nline two\r\n`},
		{"nul\x00 bell\x07 del\x7f", `nul\x00 bell\x07 del\x7f`},
		{"bad \xff\xfe bytes", `bad \xff\xfe bytes`},
		{"rtl \u202egnp.exe", `rtl \u202egnp.exe`},
		{`back\slash`, `back\\slash`},
		{"héllo ✓", "héllo ✓"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, webhook.Excerpt([]byte(tt.in), 100), "%q", tt.in)
	}
	require.Equal(t, "aaaaaaaaaa … (5 more bytes)", webhook.Excerpt([]byte("aaaaaaaaaabcdef"), 10))
	require.Equal(t, "ééé … (4 more bytes)", webhook.Excerpt([]byte("ééééé"), 3), "cut between characters, never inside one")
	huge := webhook.Excerpt([]byte(strings.Repeat("<html>", 1<<20)), webhook.MaxExcerpt)
	require.Less(t, len(huge), webhook.MaxExcerpt+40, "never unbounded")
}

func TestTheAllowListTakesHostsAddressesAndNetworks(t *testing.T) {
	t.Parallel()
	a, err := webhook.ParseAllow(" 127.0.0.1, 10.0.0.0/8 ,Hooks.Internal.,::1,")
	require.NoError(t, err)
	require.Equal(t, []string{"hooks.internal"}, a.Hosts)
	require.Equal(t, "hooks.internal,127.0.0.1/32,10.0.0.0/8,::1/128", a.String())
	for host, want := range map[string]bool{
		"hooks.internal": true, "HOOKS.INTERNAL": true, "127.0.0.1": true, "10.9.8.7": true, "[::1]": true,
		"127.0.0.2": false, "evil.hooks.internal": false, "192.168.1.1": false, "example.com": false,
	} {
		require.Equal(t, want, a.AllowsHost(host), host)
	}
	require.True(t, a.AllowsAddr(netip.MustParseAddr("::ffff:10.1.2.3")), "an IPv4-mapped address is its IPv4 address")
	for _, bad := range []string{"10.0.0.0/33", "not a host", "user@host"} {
		_, err := webhook.ParseAllow(bad)
		require.Error(t, err, bad)
	}
}

func TestASubscriptionURLIsHTTPSWithAHostAndNoPassword(t *testing.T) {
	t.Parallel()
	allow, err := webhook.ParseAllow("127.0.0.1,hooks.internal")
	require.NoError(t, err)
	good := []string{"https://crm.example.com/hooks/ccflow", "https://crm.example.com:8443/h?x=1", "http://127.0.0.1:9000/h", "http://hooks.internal/h"}
	for _, raw := range good {
		_, err := webhook.CheckURL(raw, allow)
		require.NoError(t, err, raw)
	}
	bad := []string{"", "http://crm.example.com/h", "ftp://crm.example.com/h", "https://", "/relative", "https://user:pw@crm.example.com/h",
		"https://crm.example.com/h#frag", "https://crm.example.com/\x00", "https://crm.example.com/" + strings.Repeat("a", 2000), "javascript:alert(1)"}
	for _, raw := range bad {
		_, err := webhook.CheckURL(raw, allow)
		fe := validation.First(err)
		require.NotNil(t, fe, "%q", raw)
		require.Equal(t, "url", fe.Path)
	}
}
