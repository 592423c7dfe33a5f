// Package policy is ccflow's contact policy as pure decisions: the policy
// document (time zone, sending windows per channel, survey grace, daily
// and rolling caps, holidays), its validation with field paths, whose time zone a send is judged
// in, and Decide, which says of one send whether it goes now, waits until
// a window opens, or is skipped, with a reason code and the words an
// operator reads. It does no I/O: the store gathers the facts Decide needs
// (is the address opted out, what was sent lately) inside the transaction
// that records the decision.
package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/zones"
)

// Channels a message goes out by.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// Channels lists every channel, in the order documents show them.
var Channels = []string{ChannelEmail, ChannelSMS}

// Bounds of the document's values.
const (
	// MaxSurveyGrace bounds survey_grace: a year.
	MaxSurveyGrace = 365 * durations.Day
	// MaxPerDayLimit bounds a daily cap.
	MaxPerDayLimit = 1000
	// maxServiceZones bounds service_time_zones.
	maxServiceZones = 1000
	// maxServiceName bounds a service name in service_time_zones.
	maxServiceName = 200
)

// Window is a sending window in local time: a send may go out when the
// recipient's clock reads from Start (inclusive) to End (exclusive), both
// "HH:MM". A window whose End is before its Start crosses midnight
// (22:00–06:00).
type Window struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// QuietHours maps a channel to its sending window. A channel mapped to
// nil may be sent to at any time; a channel left out takes the window of
// the level below (the policy's for an entry, the default for the policy).
type QuietHours map[string]*Window

// Policy is the contact policy document of GET and PUT /v1/policy.
type Policy struct {
	// TimeZone is the zone a send is judged in when neither the customer
	// nor the service has one; "" means the server's default
	// (CCFLOW_TIME_ZONE, else UTC).
	TimeZone   string     `json:"time_zone"`
	QuietHours QuietHours `json:"quiet_hours"`
	// SurveyGrace is how long after a survey no other survey goes to the
	// same customer, across entries and channels: a duration such as
	// "30d"; "" or "0" is off.
	SurveyGrace string `json:"survey_grace"`
	// MaxPerDay caps the messages per customer, channel and local day; a
	// channel left out, or 0, has no cap.
	MaxPerDay map[string]int `json:"max_per_day"`
	// ServiceTimeZones gives services a zone of their own, for customers
	// whose event has none (an addition to SPEC's document).
	ServiceTimeZones map[string]string `json:"service_time_zones,omitempty"`
	// Caps are rolling caps across entries and channels (see Cap).
	Caps []Cap `json:"caps"`
	// Holidays are dates in the customer's zone on which no wait_until
	// lands; with HolidaysQuiet, sends are held through them as through
	// quiet hours.
	Holidays      []Holiday `json:"holidays"`
	HolidaysQuiet bool      `json:"holidays_quiet"`
	// UpdatedAt is when the document was last saved; the store sets it.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// DefaultQuietHours are SPEC's defaults: SMS from 08:00 to 21:00, email at
// any time.
func DefaultQuietHours() QuietHours {
	return QuietHours{ChannelSMS: {Start: "08:00", End: "21:00"}, ChannelEmail: nil}
}

// Default is the policy in force before anyone saved one: default windows,
// no survey grace, no caps, the server's time zone.
func Default() Policy {
	return Policy{QuietHours: DefaultQuietHours(), SurveyGrace: "0", MaxPerDay: map[string]int{}, Caps: []Cap{}, Holidays: []Holiday{}}
}

// Decode reads a policy document strictly: an unknown field, a channel
// that is not email or sms or a value of the wrong type is an error naming
// its path. Channels the document leaves out of quiet_hours get the
// default window, so the stored document says everything. Errors are
// validation.Errors, and Decode validates what it read.
func Decode(data []byte) (Policy, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Policy{}, validation.Errors{validation.Errorf("", "the policy must be a JSON object: %v", err)}
	}
	p := Default()
	var errs validation.Errors
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v := raw[k]
		switch k {
		case "time_zone":
			errs = append(errs, decodeField(v, k, &p.TimeZone, "a string")...)
		case "quiet_hours":
			var qh QuietHours
			if e := decodeQuietHours(v, k, &qh); len(e) > 0 {
				errs = append(errs, e...)
				continue
			}
			for ch, w := range qh {
				p.QuietHours[ch] = w
			}
		case "survey_grace":
			errs = append(errs, decodeField(v, k, &p.SurveyGrace, "a duration string such as \"30d\"")...)
		case "max_per_day":
			var m map[string]*int
			if e := decodeField(v, k, &m, "an object of whole numbers"); len(e) > 0 {
				errs = append(errs, e...)
				continue
			}
			for ch, n := range m {
				if n == nil {
					p.MaxPerDay[ch] = 0
				} else {
					p.MaxPerDay[ch] = *n
				}
			}
		case "service_time_zones":
			errs = append(errs, decodeField(v, k, &p.ServiceTimeZones, "an object of time zone names")...)
		case "caps":
			errs = append(errs, decodeCaps(v, k, &p.Caps)...)
		case "holidays":
			errs = append(errs, decodeHolidays(v, k, &p.Holidays)...)
		case "holidays_quiet":
			errs = append(errs, decodeField(v, k, &p.HolidaysQuiet, "true or false")...)
		case "updated_at":
			// Written by the server; a client sending back what it read is fine.
		default:
			errs = append(errs, validation.Errorf(k, "unknown field"))
		}
	}
	if len(errs) > 0 {
		return Policy{}, errs
	}
	p.Normalize()
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// DecodeQuietHours reads an entry's quiet_hours override from JSON: as in
// the policy, but a channel left out keeps the policy's window.
func DecodeQuietHours(data []byte, path string) (QuietHours, validation.Errors) {
	var qh QuietHours
	errs := decodeQuietHours(data, path, &qh)
	return qh, errs
}

func decodeQuietHours(data []byte, path string, qh *QuietHours) validation.Errors {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return validation.Errors{validation.Errorf(path, "must be an object of channels (email, sms), each a window {\"start\": \"08:00\", \"end\": \"21:00\"} or null")}
	}
	out := QuietHours{}
	var errs validation.Errors
	for _, ch := range slices.Sorted(maps.Keys(raw)) {
		p := validation.Join(path, ch)
		if !slices.Contains(Channels, ch) {
			errs = append(errs, validation.Errorf(p, "%q is not a channel (use email or sms)", ch))
			continue
		}
		if string(bytes.TrimSpace(raw[ch])) == "null" {
			out[ch] = nil
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw[ch], &obj); err != nil {
			errs = append(errs, validation.Errorf(p, "must be a window {\"start\": \"08:00\", \"end\": \"21:00\"}, or null for any time"))
			continue
		}
		w := &Window{}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			switch k {
			case "start":
				errs = append(errs, decodeField(obj[k], validation.Join(p, k), &w.Start, "a time \"HH:MM\"")...)
			case "end":
				errs = append(errs, decodeField(obj[k], validation.Join(p, k), &w.End, "a time \"HH:MM\"")...)
			default:
				errs = append(errs, validation.Errorf(validation.Join(p, k), "unknown field"))
			}
		}
		out[ch] = w
	}
	*qh = out
	return errs
}

func decodeField(data json.RawMessage, path string, target any, want string) validation.Errors {
	if err := json.Unmarshal(data, target); err != nil {
		return validation.Errors{validation.Errorf(path, "must be %s", want)}
	}
	return nil
}

// Normalize trims the document's text and fills in what it leaves out:
// default windows for channels it does not name, "0" for no survey grace.
func (p *Policy) Normalize() {
	p.TimeZone = strings.TrimSpace(p.TimeZone)
	p.SurveyGrace = strings.TrimSpace(p.SurveyGrace)
	if p.SurveyGrace == "" {
		p.SurveyGrace = "0"
	}
	if p.QuietHours == nil {
		p.QuietHours = QuietHours{}
	}
	for ch, w := range DefaultQuietHours() {
		if _, ok := p.QuietHours[ch]; !ok {
			p.QuietHours[ch] = w
		}
	}
	p.QuietHours.normalize()
	if p.MaxPerDay == nil {
		p.MaxPerDay = map[string]int{}
	}
	if p.Caps == nil {
		p.Caps = []Cap{}
	}
	for i := range p.Caps {
		c := &p.Caps[i]
		c.Channel, c.Per = strings.ToLower(strings.TrimSpace(c.Channel)), strings.TrimSpace(c.Per)
	}
	if p.Holidays == nil {
		p.Holidays = []Holiday{}
	}
	for i := range p.Holidays {
		h := &p.Holidays[i]
		h.Date, h.Service = strings.TrimSpace(h.Date), strings.TrimSpace(h.Service)
	}
	if len(p.ServiceTimeZones) > 0 {
		trimmed := make(map[string]string, len(p.ServiceTimeZones))
		for svc, tz := range p.ServiceTimeZones {
			trimmed[strings.TrimSpace(svc)] = strings.TrimSpace(tz)
		}
		p.ServiceTimeZones = trimmed
	}
}

func (qh QuietHours) normalize() {
	for _, w := range qh {
		if w != nil {
			w.Start, w.End = strings.TrimSpace(w.Start), strings.TrimSpace(w.End)
		}
	}
}

// Validate reports every problem of p (after Normalize), naming the field.
func (p Policy) Validate() error {
	var errs validation.Errors
	if p.TimeZone != "" {
		if err := CheckTimeZone(p.TimeZone); err != nil {
			errs = append(errs, validation.Errorf("time_zone", "%v", err))
		}
	}
	errs = append(errs, p.QuietHours.Check("quiet_hours")...)
	if _, err := p.Grace(); err != nil {
		errs = append(errs, validation.Errorf("survey_grace", "%v", err))
	}
	for _, ch := range slices.Sorted(maps.Keys(p.MaxPerDay)) {
		path := validation.Join("max_per_day", ch)
		switch n := p.MaxPerDay[ch]; {
		case !slices.Contains(Channels, ch):
			errs = append(errs, validation.Errorf(path, "%q is not a channel (use email or sms)", ch))
		case n < 0 || n > MaxPerDayLimit:
			errs = append(errs, validation.Errorf(path, "%d is not between 0 (no cap) and %d", n, MaxPerDayLimit))
		}
	}
	errs = append(errs, checkCaps(p.Caps, "caps")...)
	errs = append(errs, checkHolidays(p.Holidays, "holidays")...)
	if len(p.ServiceTimeZones) > maxServiceZones {
		errs = append(errs, validation.Errorf("service_time_zones", "has %d services; at most %d are allowed", len(p.ServiceTimeZones), maxServiceZones))
	}
	for _, svc := range slices.Sorted(maps.Keys(p.ServiceTimeZones)) {
		path := validation.Join("service_time_zones", svc)
		switch {
		case svc == "" || len(svc) > maxServiceName:
			errs = append(errs, validation.Errorf(path, "a service name must be 1 to %d characters", maxServiceName))
		default:
			if err := CheckTimeZone(p.ServiceTimeZones[svc]); err != nil {
				errs = append(errs, validation.Errorf(path, "%v", err))
			}
		}
	}
	return errs.Err()
}

// Check reports the problems of a quiet_hours value found at path.
func (qh QuietHours) Check(path string) validation.Errors {
	var errs validation.Errors
	for _, ch := range slices.Sorted(maps.Keys(qh)) {
		p := validation.Join(path, ch)
		if !slices.Contains(Channels, ch) {
			errs = append(errs, validation.Errorf(p, "%q is not a channel (use email or sms)", ch))
			continue
		}
		w := qh[ch]
		if w == nil {
			continue
		}
		start, err1 := ParseClock(w.Start)
		if err1 != nil {
			errs = append(errs, validation.Errorf(validation.Join(p, "start"), "%v", err1))
		}
		end, err2 := ParseClock(w.End)
		if err2 != nil {
			errs = append(errs, validation.Errorf(validation.Join(p, "end"), "%v", err2))
		}
		if err1 == nil && err2 == nil && start == end {
			errs = append(errs, validation.Errorf(validation.Join(p, "end"),
				"%q is the start too: a window needs two different times (use null to send at any time)", w.End))
		}
	}
	return errs
}

// Grace is SurveyGrace as a duration; zero is off.
func (p Policy) Grace() (time.Duration, error) {
	if p.SurveyGrace == "" || p.SurveyGrace == "0" {
		return 0, nil
	}
	d, err := durations.Parse(p.SurveyGrace)
	switch {
	case err != nil:
		return 0, err
	case d > MaxSurveyGrace:
		return 0, fmt.Errorf("%q is longer than %d days", p.SurveyGrace, MaxSurveyGrace/durations.Day)
	}
	return d, nil
}

// CheckTimeZone says what is wrong with an IANA time zone name, or nil.
func CheckTimeZone(name string) error {
	// "Local" loads, but means the server's zone, not anyone's in particular.
	if _, err := zones.Load(name); err != nil || name == "Local" || name == "" {
		return fmt.Errorf("%q is not an IANA time zone (e.g. America/New_York)", name)
	}
	return nil
}
