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
)

// ChannelAny is the channel of a rolling cap that counts every message,
// whichever channel it went by.
const ChannelAny = "any"

// Bounds of rolling caps and holidays.
const (
	// MinCapWindow and MaxCapWindow bound a cap's per: a window shorter
	// than a minute caps nothing a person would notice, and the store
	// counts at most a year of sends.
	MinCapWindow = time.Minute
	MaxCapWindow = 365 * durations.Day
	// MaxCapLimit bounds a cap's max.
	MaxCapLimit = 10000
	// maxCaps bounds the caps of one policy, maxHolidays its holidays.
	maxCaps     = 20
	maxHolidays = 1000
)

// Cap is a rolling cap: at most Max messages on Channel (ChannelAny
// counts both) to one customer, across entries, in any window of Per (a
// duration such as "2d") that ends at the moment of the send.
type Cap struct {
	Channel string `json:"channel"`
	Max     int    `json:"max"`
	Per     string `json:"per"`
}

// Window is Per as a duration.
func (c Cap) Window() (time.Duration, error) {
	d, err := durations.Parse(c.Per)
	switch {
	case err != nil:
		return 0, err
	case d < MinCapWindow:
		return 0, fmt.Errorf("%q is shorter than a minute", c.Per)
	case d > MaxCapWindow:
		return 0, fmt.Errorf("%q is longer than %d days", c.Per, MaxCapWindow/durations.Day)
	}
	return d, nil
}

// counts reports whether a message on channel counts against c.
func (c Cap) counts(channel string) bool {
	return c.Channel == ChannelAny || c.Channel == channel
}

// Holiday is a date on which no wait_until lands and, with the policy's
// HolidaysQuiet, no message goes out: a date in the customer's zone, for
// every service or (Service set) one service only.
type Holiday struct {
	Date    string `json:"date"`
	Service string `json:"service,omitempty"`
}

// LongestCapWindow is the longest window of p's rolling caps, 0 without
// caps: how far back the store must count sends.
func (p Policy) LongestCapWindow() time.Duration {
	var longest time.Duration
	for _, c := range p.Caps {
		if d, err := c.Window(); err == nil && d > longest {
			longest = d
		}
	}
	return longest
}

// IsHoliday reports whether the local date (time.DateOnly) is a holiday
// of the policy for service; services are compared as matching compares
// them, without regard to case or surrounding spaces.
func (p Policy) IsHoliday(date, service string) bool {
	service = strings.TrimSpace(service)
	for _, h := range p.Holidays {
		if h.Date == date && (h.Service == "" || strings.EqualFold(h.Service, service)) {
			return true
		}
	}
	return false
}

// HolidayDates lists the holiday dates of service, for a caller that decides
// elsewhere (wait_until's planner).
func (p Policy) HolidayDates(service string) []string {
	var out []string
	for _, h := range p.Holidays {
		if p.IsHoliday(h.Date, service) && !slices.Contains(out, h.Date) {
			out = append(out, h.Date)
		}
	}
	slices.Sort(out)
	return out
}

// decodeCaps reads the caps of a policy document strictly.
func decodeCaps(data json.RawMessage, path string, caps *[]Cap) validation.Errors {
	return decodeObjects(data, path, caps, func(c *Cap) map[string]any {
		return map[string]any{"channel": &c.Channel, "max": &c.Max, "per": &c.Per}
	}, map[string]string{"channel": "a string (any, email or sms)", "max": "a whole number", "per": "a duration string such as \"2d\""})
}

// decodeHolidays reads the holidays of a policy document strictly.
func decodeHolidays(data json.RawMessage, path string, holidays *[]Holiday) validation.Errors {
	return decodeObjects(data, path, holidays, func(h *Holiday) map[string]any {
		return map[string]any{"date": &h.Date, "service": &h.Service}
	}, map[string]string{"date": "a date string such as \"2026-12-25\"", "service": "a string"})
}

// decodeObjects reads a JSON list of objects into list, each key into the
// target fields gives it, naming the path of every problem: an element
// that is not an object, a key no field has, a value of the wrong type.
func decodeObjects[T any](data json.RawMessage, path string, list *[]T, fields func(*T) map[string]any, want map[string]string) validation.Errors {
	if string(bytes.TrimSpace(data)) == "null" {
		*list = nil
		return nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(data, &elems); err != nil {
		return validation.Errors{validation.Errorf(path, "must be a list")}
	}
	out := make([]T, len(elems))
	var errs validation.Errors
	for i, elem := range elems {
		at := fmt.Sprintf("%s[%d]", path, i)
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(elem, &obj); err != nil || obj == nil {
			errs = append(errs, validation.Errorf(at, "must be an object"))
			continue
		}
		targets := fields(&out[i])
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			target, ok := targets[k]
			if !ok {
				errs = append(errs, validation.Errorf(validation.Join(at, k), "unknown field"))
				continue
			}
			errs = append(errs, decodeField(obj[k], validation.Join(at, k), target, want[k])...)
		}
	}
	*list = out
	return errs
}

// checkCaps reports the problems of rolling caps, at path.
func checkCaps(caps []Cap, path string) validation.Errors {
	var errs validation.Errors
	if len(caps) > maxCaps {
		return validation.Errors{validation.Errorf(path, "has %d caps; at most %d are allowed", len(caps), maxCaps)}
	}
	for i, c := range caps {
		at := fmt.Sprintf("%s[%d]", path, i)
		if c.Channel != ChannelAny && !slices.Contains(Channels, c.Channel) {
			errs = append(errs, validation.Errorf(validation.Join(at, "channel"), "%s is not a channel (use any, email or sms)", validation.Quote(c.Channel)))
		}
		if c.Max < 1 || c.Max > MaxCapLimit {
			errs = append(errs, validation.Errorf(validation.Join(at, "max"), "%d is not between 1 and %d", c.Max, MaxCapLimit))
		}
		if _, err := c.Window(); err != nil {
			if c.Per == "" {
				err = fmt.Errorf("is required (a window such as 2d, at least 1m)")
			}
			errs = append(errs, validation.Errorf(validation.Join(at, "per"), "%v", err))
		}
	}
	return errs
}

// checkHolidays reports the problems of holidays, at path.
func checkHolidays(holidays []Holiday, path string) validation.Errors {
	var errs validation.Errors
	if len(holidays) > maxHolidays {
		return validation.Errors{validation.Errorf(path, "has %d holidays; at most %d are allowed", len(holidays), maxHolidays)}
	}
	for i, h := range holidays {
		at := fmt.Sprintf("%s[%d]", path, i)
		if _, err := time.Parse(time.DateOnly, h.Date); err != nil || len(h.Date) != len(time.DateOnly) {
			errs = append(errs, validation.Errorf(validation.Join(at, "date"), "%s is not a date (use YYYY-MM-DD, e.g. 2026-12-25)", validation.Quote(h.Date)))
		}
		if err := validation.Line(maxServiceName).Check(validation.Join(at, "service"), h.Service); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
