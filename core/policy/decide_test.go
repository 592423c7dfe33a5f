package policy_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/policy"
)

func ny(t *testing.T, value string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	u, err := time.ParseInLocation("2006-01-02 15:04", value, loc)
	require.NoError(t, err)
	return u
}

// The words of every decision are SPEC's, and the checks run in SPEC's
// order: each row sets up every later reason too, so only the first shows.
func TestDecide(t *testing.T) {
	p := policy.Default()
	p.SurveyGrace = "30d"
	p.MaxPerDay = map[string]int{"sms": 2, "email": 3}
	night := ny(t, "2026-11-30 23:10")
	noon := ny(t, "2026-11-30 12:00")
	surveyed := &policy.Contact{At: ny(t, "2026-11-20 09:00"), EntryID: "post-call-survey"}
	twoToday := []time.Time{ny(t, "2026-11-30 09:00"), ny(t, "2026-11-30 10:00")}
	base := policy.Request{Channel: "sms", Survey: true, CustomerTimeZone: "America/New_York",
		CancelOnNewInteraction: true, OptedOut: true, ContactedAgain: "INT-2002", LastSurvey: surveyed,
		RecentSends: twoToday, Now: night}
	tests := []struct {
		name   string
		change func(r *policy.Request)
		want   policy.Decision
	}{
		{"opted out first", func(*policy.Request) {},
			policy.Decision{Outcome: policy.Skip, Code: "opted_out", Reason: "opted out", Zone: "America/New_York"}},
		{"then the customer contacted again", func(r *policy.Request) { r.OptedOut = false },
			policy.Decision{Outcome: policy.Skip, Code: "contacted_again", Reason: "customer contacted again (INT-2002)", Zone: "America/New_York"}},
		{"then survey grace", func(r *policy.Request) { r.OptedOut, r.ContactedAgain = false, "" },
			policy.Decision{Outcome: policy.Skip, Code: "survey_grace", Reason: "survey grace: surveyed 2026-11-20 by entry post-call-survey", Zone: "America/New_York"}},
		{"then quiet hours", func(r *policy.Request) { r.OptedOut, r.ContactedAgain, r.Survey = false, "", false },
			policy.Decision{Outcome: policy.Hold, Until: ny(t, "2026-12-01 08:00"), Code: "quiet_hours",
				Reason: "quiet hours until 2026-12-01 08:00 America/New_York", Zone: "America/New_York"}},
		{"then the daily cap", func(r *policy.Request) { r.OptedOut, r.ContactedAgain, r.Survey, r.Now = false, "", false, noon },
			policy.Decision{Outcome: policy.Skip, Code: "daily_cap", Reason: "daily cap 2 reached", Zone: "America/New_York"}},
		{"else send", func(r *policy.Request) {
			r.OptedOut, r.ContactedAgain, r.Survey, r.Now, r.RecentSends = false, "", false, noon, twoToday[:1]
		}, policy.Decision{Outcome: policy.Send, Zone: "America/New_York"}},
		{"a new interaction stops only entries that say so", func(r *policy.Request) {
			r.OptedOut, r.CancelOnNewInteraction, r.Survey, r.Now, r.RecentSends = false, false, false, noon, nil
		}, policy.Decision{Outcome: policy.Send, Zone: "America/New_York"}},
		{"grace holds surveys only", func(r *policy.Request) {
			r.OptedOut, r.ContactedAgain, r.Survey, r.Now, r.RecentSends = false, "", false, noon, nil
		}, policy.Decision{Outcome: policy.Send, Zone: "America/New_York"}},
		{"grace ends", func(r *policy.Request) {
			r.OptedOut, r.ContactedAgain, r.Now, r.RecentSends = false, "", ny(t, "2026-12-20 12:00"), nil
		}, policy.Decision{Outcome: policy.Send, Zone: "America/New_York"}},
		{"sends of yesterday do not count today", func(r *policy.Request) {
			r.OptedOut, r.ContactedAgain, r.Survey, r.Now = false, "", false, ny(t, "2026-12-01 08:30")
		}, policy.Decision{Outcome: policy.Send, Zone: "America/New_York"}},
		{"email has no window by default", func(r *policy.Request) {
			r.OptedOut, r.ContactedAgain, r.Survey, r.Channel = false, "", false, "email"
		}, policy.Decision{Outcome: policy.Send, Zone: "America/New_York"}},
		{"an entry's window overrides the policy's", func(r *policy.Request) {
			r.OptedOut, r.ContactedAgain, r.Survey, r.Channel = false, "", false, "email"
			r.EntryQuietHours = policy.QuietHours{"email": {Start: "09:00", End: "17:00"}}
		}, policy.Decision{Outcome: policy.Hold, Until: ny(t, "2026-12-01 09:00"), Code: "quiet_hours",
			Reason: "quiet hours until 2026-12-01 09:00 America/New_York", Zone: "America/New_York"}},
		{"an entry may lift the window", func(r *policy.Request) {
			r.OptedOut, r.ContactedAgain, r.Survey, r.RecentSends = false, "", false, nil
			r.EntryQuietHours = policy.QuietHours{"sms": nil}
		}, policy.Decision{Outcome: policy.Send, Zone: "America/New_York"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			tt.change(&r)
			got := p.Decide(r, "")
			require.True(t, tt.want.Until.Equal(got.Until), "until: want %s, got %s", tt.want.Until, got.Until)
			got.Until, tt.want.Until = time.Time{}, time.Time{}
			require.Equal(t, tt.want, got)
		})
	}
}

// Rolling caps count every entry's sends in a window that ends now, on
// their channel or (any) on both, after the daily cap.
func TestDecideRollingCaps(t *testing.T) {
	p := policy.Default()
	p.QuietHours = policy.QuietHours{"sms": nil, "email": nil}
	p.Caps = []policy.Cap{{Channel: "any", Max: 4, Per: "2d"}, {Channel: "sms", Max: 2, Per: "1h"}}
	now := ny(t, "2026-11-30 12:00")
	sent := func(ago time.Duration, channel string) policy.Contact {
		return policy.Contact{At: now.Add(-ago), Channel: channel, EntryID: "other"}
	}
	tests := []struct {
		name    string
		channel string
		sends   []policy.Contact
		want    policy.Decision
	}{
		{"three in two days leaves room for one", "email",
			[]policy.Contact{sent(time.Hour, "sms"), sent(30*time.Hour, "email"), sent(47*time.Hour, "sms")},
			policy.Decision{Outcome: policy.Send, Zone: "America/New_York"}},
		{"four in two days, across channels, reach the first cap", "email",
			[]policy.Contact{sent(time.Hour, "sms"), sent(30*time.Hour, "email"), sent(47*time.Hour, "sms"), sent(2*time.Minute, "email")},
			policy.Decision{Outcome: policy.Skip, Code: "rolling_cap", Reason: "cap 4 per 2d reached", Zone: "America/New_York"}},
		{"a send exactly two days ago has left the window", "email",
			[]policy.Contact{sent(time.Hour, "sms"), sent(30*time.Hour, "email"), sent(47*time.Hour, "sms"), sent(48*time.Hour, "email")},
			policy.Decision{Outcome: policy.Send, Zone: "America/New_York"}},
		{"two SMS within the hour reach the SMS cap", "sms",
			[]policy.Contact{sent(10*time.Minute, "sms"), sent(59*time.Minute, "sms")},
			policy.Decision{Outcome: policy.Skip, Code: "rolling_cap", Reason: "cap 2 per 1h reached", Zone: "America/New_York"}},
		{"the SMS cap does not count emails", "sms",
			[]policy.Contact{sent(10*time.Minute, "email"), sent(59*time.Minute, "sms")},
			policy.Decision{Outcome: policy.Send, Zone: "America/New_York"}},
		{"nor cap emails", "email",
			[]policy.Contact{sent(10*time.Minute, "sms"), sent(20*time.Minute, "sms")},
			policy.Decision{Outcome: policy.Send, Zone: "America/New_York"}},
		{"sends stamped after now count: another attempt decided them first, with a clock read later", "email",
			[]policy.Contact{sent(-time.Minute, "email"), sent(-2*time.Minute, "email"), sent(time.Hour, "sms"), sent(2*time.Hour, "sms")},
			policy.Decision{Outcome: policy.Skip, Code: "rolling_cap", Reason: "cap 4 per 2d reached", Zone: "America/New_York"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Decide(policy.Request{Now: now, Channel: tt.channel, CustomerTimeZone: "America/New_York", CapSends: tt.sends}, "")
			require.Equal(t, tt.want, got)
		})
	}
}

// With holidays_quiet, a send on a holiday in the customer's zone is held
// until the first instant that is neither a holiday nor outside its
// window; without it, holidays hold nothing.
func TestDecideHolidays(t *testing.T) {
	p := policy.Default()
	p.Holidays = []policy.Holiday{{Date: "2026-12-25"}, {Date: "2026-12-26"}, {Date: "2026-12-24", Service: "Billing Support"}}
	p.HolidaysQuiet = true
	tests := []struct {
		name    string
		channel string
		service string
		now     time.Time
		want    policy.Decision
	}{
		{"an SMS on Christmas waits past Boxing Day for the window", "sms", "", ny(t, "2026-12-25 12:00"),
			policy.Decision{Outcome: policy.Hold, Until: ny(t, "2026-12-27 08:00"), Code: "holiday",
				Reason: "holiday until 2026-12-27 08:00 America/New_York", Zone: "America/New_York"}},
		{"an email (any time) waits until the holidays' end, midnight", "email", "", ny(t, "2026-12-25 12:00"),
			policy.Decision{Outcome: policy.Hold, Until: ny(t, "2026-12-27 00:00"), Code: "holiday",
				Reason: "holiday until 2026-12-27 00:00 America/New_York", Zone: "America/New_York"}},
		{"quiet hours whose opening falls on a holiday hold past it", "sms", "", ny(t, "2026-12-24 22:00"),
			policy.Decision{Outcome: policy.Hold, Until: ny(t, "2026-12-27 08:00"), Code: "quiet_hours",
				Reason: "quiet hours until 2026-12-27 08:00 America/New_York", Zone: "America/New_York"}},
		{"a service's holiday holds its own sends", "email", "billing support", ny(t, "2026-12-24 10:00"),
			policy.Decision{Outcome: policy.Hold, Until: ny(t, "2026-12-27 00:00"), Code: "holiday",
				Reason: "holiday until 2026-12-27 00:00 America/New_York", Zone: "America/New_York"}},
		{"and no other service's", "email", "Sales", ny(t, "2026-12-24 10:00"),
			policy.Decision{Outcome: policy.Send, Zone: "America/New_York"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Decide(policy.Request{Now: tt.now, Channel: tt.channel, Service: tt.service, CustomerTimeZone: "America/New_York"}, "")
			require.True(t, tt.want.Until.Equal(got.Until), "until: want %s, got %s", tt.want.Until, got.Until)
			got.Until, tt.want.Until = time.Time{}, time.Time{}
			require.Equal(t, tt.want, got)
		})
	}
	p.HolidaysQuiet = false
	got := p.Decide(policy.Request{Now: ny(t, "2026-12-25 12:00"), Channel: "sms", CustomerTimeZone: "America/New_York"}, "")
	require.Equal(t, policy.Send, got.Outcome, "holidays hold sends only with holidays_quiet")
}

// Santiago's clocks skip from 00:00 to 01:00 on 2026-09-06: a holiday the
// day before ends at the jump, the first instant of the next date.
func TestAHolidayBeforeClocksSkipMidnightEndsAtTheJump(t *testing.T) {
	p := policy.Default()
	p.Holidays = []policy.Holiday{{Date: "2026-09-05"}}
	p.HolidaysQuiet = true
	santiago, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)

	got := p.Decide(policy.Request{Now: time.Date(2026, 9, 5, 20, 0, 0, 0, santiago), Channel: "email", CustomerTimeZone: "America/Santiago"}, "")

	require.True(t, time.Date(2026, 9, 6, 4, 0, 0, 0, time.UTC).Equal(got.Until), "until: got %s", got.Until.In(santiago))
	require.Equal(t, "holiday until 2026-09-06 01:00 America/Santiago", got.Reason)
}

func TestZoneFallsBackFromTheCustomerToTheServiceToThePolicyToTheServer(t *testing.T) {
	p := policy.Default()
	p.ServiceTimeZones = map[string]string{"Billing Support": "America/Chicago"}
	p.TimeZone = "Europe/Paris"
	tests := []struct{ customer, service, fallback, want string }{
		{"Asia/Kolkata", "Billing Support", "UTC", "Asia/Kolkata"},
		{"", "billing support ", "UTC", "America/Chicago"},
		{"", "Sales", "UTC", "Europe/Paris"},
		{"Not/AZone", "Sales", "UTC", "Europe/Paris"},
	}
	for _, tt := range tests {
		_, got := p.Zone(tt.customer, tt.service, tt.fallback)
		require.Equal(t, tt.want, got)
	}
	p.TimeZone = ""
	_, got := p.Zone("", "", "Asia/Tokyo")
	require.Equal(t, "Asia/Tokyo", got)
	_, got = p.Zone("", "", "")
	require.Equal(t, "UTC", got)
}

func TestHeldDetails(t *testing.T) {
	d := policy.Decision{Outcome: policy.Hold, Until: ny(t, "2026-12-01 08:00"), Zone: "America/New_York"}
	require.Equal(t, "held until 08:00 America/New_York (quiet hours)", policy.HeldDetails(d, ny(t, "2026-12-01 03:00")))
	require.Equal(t, "held until 2026-12-01 08:00 America/New_York (quiet hours)", policy.HeldDetails(d, ny(t, "2026-11-30 23:00")))
	d.Code = policy.CodeHoliday
	require.Equal(t, "held until 2026-12-01 08:00 America/New_York (holiday)", policy.HeldDetails(d, ny(t, "2026-11-30 23:00")))
}
