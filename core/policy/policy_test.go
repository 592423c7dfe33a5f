package policy_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/validation"
)

func TestDecodeReadsSPECsDocumentAndFillsWhatItLeavesOut(t *testing.T) {
	p, err := policy.Decode([]byte(`{"time_zone": "UTC",
		"quiet_hours": {"sms": {"start": "08:00", "end": "21:00"}, "email": null},
		"survey_grace": "30d",
		"max_per_day": {"sms": 2, "email": 3}}`))
	require.NoError(t, err)
	require.Equal(t, "UTC", p.TimeZone)
	require.Equal(t, &policy.Window{Start: "08:00", End: "21:00"}, p.QuietHours["sms"])
	require.Contains(t, p.QuietHours, "email")
	require.Nil(t, p.QuietHours["email"])
	require.Equal(t, map[string]int{"sms": 2, "email": 3}, p.MaxPerDay)

	p, err = policy.Decode([]byte(`{"quiet_hours": {"email": {"start": "09:00", "end": "17:00"}}}`))
	require.NoError(t, err)
	require.Equal(t, &policy.Window{Start: "08:00", End: "21:00"}, p.QuietHours["sms"], "a channel left out keeps its default")
	require.Equal(t, "0", p.SurveyGrace)
	out, err := json.Marshal(p)
	require.NoError(t, err)
	again, err := policy.Decode(out)
	require.NoError(t, err)
	require.Equal(t, p, again, "what Decode read round-trips")
}

func TestDecodeNamesTheFieldOfEveryMistake(t *testing.T) {
	tests := []struct{ doc, field, message string }{
		{`[]`, "", "the policy must be a JSON object"},
		{`{"timezone": "UTC"}`, "timezone", "unknown field"},
		{`{"time_zone": "Mars/Olympus"}`, "time_zone", `"Mars/Olympus" is not an IANA time zone`},
		{`{"time_zone": 3}`, "time_zone", "must be a string"},
		{`{"quiet_hours": {"fax": null}}`, "quiet_hours.fax", `"fax" is not a channel`},
		{`{"quiet_hours": {"sms": {"start": "8am", "end": "21:00"}}}`, "quiet_hours.sms.start", `"8am" is not a time of day`},
		{`{"quiet_hours": {"sms": {"start": "08:00", "end": "24:00"}}}`, "quiet_hours.sms.end", `"24:00" is not a time of day`},
		{`{"quiet_hours": {"sms": {"start": "08:00", "end": "08:00"}}}`, "quiet_hours.sms.end", "a window needs two different times"},
		{`{"quiet_hours": {"sms": {"start": "08:00", "until": "09:00"}}}`, "quiet_hours.sms.until", "unknown field"},
		{`{"quiet_hours": {"sms": "08:00-21:00"}}`, "quiet_hours.sms", "must be a window"},
		{`{"survey_grace": "a month"}`, "survey_grace", "is not a duration"},
		{`{"survey_grace": "400d"}`, "survey_grace", "longer than 365 days"},
		{`{"max_per_day": {"sms": -1}}`, "max_per_day.sms", "-1 is not between 0"},
		{`{"max_per_day": {"sms": 1.5}}`, "max_per_day", "must be an object of whole numbers"},
		{`{"max_per_day": {"pigeon": 1}}`, "max_per_day.pigeon", "not a channel"},
		{`{"service_time_zones": {"Billing Support": "Chicago"}}`, "service_time_zones.Billing Support", "not an IANA time zone"},
		{`{"caps": {"channel": "any"}}`, "caps", "must be a list"},
		{`{"caps": ["4 per 2d"]}`, "caps[0]", "must be an object"},
		{`{"caps": [{"channel": "any", "max": 4, "per": "2d", "scope": "all"}]}`, "caps[0].scope", "unknown field"},
		{`{"caps": [{"channel": "fax", "max": 4, "per": "2d"}]}`, "caps[0].channel", `"fax" is not a channel (use any, email or sms)`},
		{`{"caps": [{"channel": "any", "max": 0, "per": "2d"}]}`, "caps[0].max", "0 is not between 1 and 10000"},
		{`{"caps": [{"channel": "any", "max": "4", "per": "2d"}]}`, "caps[0].max", "must be a whole number"},
		{`{"caps": [{"channel": "any", "max": 4, "per": "30s"}]}`, "caps[0].per", `"30s" is shorter than a minute`},
		{`{"caps": [{"channel": "any", "max": 4, "per": "2 days"}]}`, "caps[0].per", "is not a duration"},
		{`{"caps": [{"channel": "any", "max": 4}]}`, "caps[0].per", "is required"},
		{`{"caps": [{"channel": "sms", "max": 4, "per": "400d"}]}`, "caps[0].per", "longer than 365 days"},
		{`{"holidays": [{"date": "2026-12-25"}, {"date": "25/12/2026"}]}`, "holidays[1].date", `"25/12/2026" is not a date`},
		{`{"holidays": [{"date": "2026-02-30"}]}`, "holidays[0].date", "is not a date"},
		{`{"holidays": [{"day": "2026-12-25"}]}`, "holidays[0].day", "unknown field"},
		{`{"holidays_quiet": "yes"}`, "holidays_quiet", "must be true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			_, err := policy.Decode([]byte(tt.doc))
			fe := validation.First(err)
			require.NotNil(t, fe, "want an error for %s", tt.doc)
			require.Equal(t, tt.field, fe.Path)
			require.Contains(t, fe.Message, tt.message)
		})
	}
}

func TestDecodeReadsRollingCapsAndHolidays(t *testing.T) {
	p, err := policy.Decode([]byte(`{"caps": [{"channel": " Any ", "max": 4, "per": "2d"}, {"channel": "sms", "max": 6, "per": "14d"}],
		"holidays": [{"date": "2026-12-25"}, {"date": "2027-01-01", "service": " Billing Support "}], "holidays_quiet": true}`))

	require.NoError(t, err)
	require.Equal(t, []policy.Cap{{Channel: "any", Max: 4, Per: "2d"}, {Channel: "sms", Max: 6, Per: "14d"}}, p.Caps)
	require.Equal(t, []policy.Holiday{{Date: "2026-12-25"}, {Date: "2027-01-01", Service: "Billing Support"}}, p.Holidays)
	require.True(t, p.HolidaysQuiet)
	require.Equal(t, 14*24*time.Hour, p.LongestCapWindow())
	require.True(t, p.IsHoliday("2027-01-01", "billing support"))
	require.False(t, p.IsHoliday("2027-01-01", "Sales"))
	require.True(t, p.IsHoliday("2026-12-25", "Sales"))
	require.Equal(t, []string{"2026-12-25"}, p.HolidayDates("Sales"))

	d, err := policy.Decode([]byte(`{}`))
	require.NoError(t, err)
	require.Equal(t, []policy.Cap{}, d.Caps, "no caps is an empty list, not null")
	require.Equal(t, []policy.Holiday{}, d.Holidays)
	require.Zero(t, d.LongestCapWindow())
}

func TestNormalizeAddress(t *testing.T) {
	tests := []struct{ channel, in, want, err string }{
		{"email", "  Ada@Example.COM ", "ada@example.com", ""},
		{"email", "Ada <ada@example.com>", "", "is not an email address"},
		{"email", "not an address", "", "is not an email address"},
		{"sms", "+1 (555) 123-4567", "+15551234567", ""},
		{"sms", "5551234567", "", "is not an E.164 phone number"},
		{"fax", "x", "", "is not a channel"},
	}
	for _, tt := range tests {
		got, err := policy.NormalizeAddress(tt.channel, tt.in)
		if tt.err != "" {
			require.ErrorContains(t, err, tt.err)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
	}
}

func TestUnsubscribeIDsCarryTheChannelAndTheKeyedHashOnly(t *testing.T) {
	h := policy.NewAddressHasher([]byte("0123456789abcdef0123456789abcdef"))
	hash := h.Hash("ada@example.com")
	require.Regexp(t, `^[0-9a-f]{8}:[0-9a-f]{64}$`, hash)
	require.NotContains(t, hash, policy.LegacyAddressHash("ada@example.com"), "the hash is keyed")
	id, err := policy.UnsubscribeID("email", hash)
	require.NoError(t, err)
	require.NotContains(t, id, "ada")
	require.LessOrEqual(t, len(id), 128)
	got, err := policy.ParseUnsubscribeID(id)
	require.NoError(t, err)
	require.Equal(t, policy.Unsubscribe{Channel: "email", Hash: hash}, got)
	for _, bad := range []string{"", "u", "k", "kx" + id[2:], id + "A", "ke" + "zzzzzzzz" + id[10:], "i1_zq-TTpjTrLW3Z9BkDqg"} {
		_, err := policy.ParseUnsubscribeID(bad)
		require.Error(t, err, bad)
	}
	_, err = policy.UnsubscribeID("email", policy.LegacyAddressHash("ada@example.com"))
	require.Error(t, err, "an unkeyed hash makes no link")
}

// Links sent before the keys carried the unkeyed hash: they are read back
// as such, so they keep working.
func TestUnsubscribeIDsOfBeforeTheKeysAreReadAsLegacy(t *testing.T) {
	legacy := policy.LegacyAddressHash("+15551234567")
	raw, err := hex.DecodeString(legacy)
	require.NoError(t, err)
	got, err := policy.ParseUnsubscribeID("us" + base64.RawURLEncoding.EncodeToString(raw))
	require.NoError(t, err)
	require.Equal(t, policy.Unsubscribe{Channel: "sms", Legacy: legacy}, got)
}

func TestTheFormsOfAnAddressAreEveryKeysHashAndLegacyForm(t *testing.T) {
	newKey, oldKey := []byte("0123456789abcdef0123456789abcdef"), []byte("fedcba9876543210fedcba9876543210")
	h := policy.NewAddressHasher(newKey, oldKey)
	old := policy.NewAddressHasher(oldKey)
	forms := h.Forms("+15551234567")
	require.Len(t, forms, 4)
	require.Contains(t, forms, h.Hash("+15551234567"))
	require.Contains(t, forms, old.Hash("+15551234567"))
	require.Contains(t, forms, h.LegacyForm(policy.LegacyAddressHash("+15551234567")))
	require.Contains(t, forms, old.LegacyForm(policy.LegacyAddressHash("+15551234567")))
	require.NotContains(t, forms, policy.NewAddressHasher(newKey).Hash("+15550000000"))
	require.Regexp(t, h.CurrentPattern(), h.Hash("x@example.com"))
	require.NotRegexp(t, h.CurrentPattern(), old.Hash("x@example.com"))
	require.NotRegexp(t, h.CurrentPattern(), h.LegacyForm(policy.LegacyAddressHash("x@example.com")))
	require.True(t, policy.IsLegacyHash(policy.LegacyAddressHash("x@example.com")))
	require.False(t, policy.IsLegacyHash(h.Hash("x@example.com")))
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"time_zone": "UTC", "quiet_hours": {"sms": {"start": "08:00", "end": "21:00"}, "email": null}, "survey_grace": "30d", "max_per_day": {"sms": 2}}`))
	f.Add([]byte(`{"quiet_hours": {"sms": {"start": "22:00", "end": "06:00"}}, "service_time_zones": {"x": "Asia/Kolkata"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policy.Decode(data)
		if err != nil {
			if validation.First(err) == nil {
				t.Fatalf("an error without a field: %v", err)
			}
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := policy.Decode(out); err != nil {
			t.Fatalf("a decoded policy does not decode again: %v (%s)", err, out)
		}
	})
}
