package entry

import (
	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/policy"
)

// StepWaitUntil is the type of WaitUntil steps.
const StepWaitUntil = "wait_until"

// WaitUntil waits on a durable timer until a local time of day on one of
// some days, in the customer's time zone, passing over the contact
// policy's holidays: "the next business morning at 10:00 their time".
type WaitUntil struct {
	Time    string   `json:"time" kind:"clock" required:"true" label:"Time" help:"The local time of day to wait for, HH:MM such as 10:00, in the customer's time zone (found as for quiet hours)."`
	Days    []string `json:"days" kind:"days" label:"Days" help:"The days of the week it may land on; every day when none is chosen. The contact policy's holidays are passed over."`
	AtLeast string   `json:"at_least" kind:"delay" label:"At least" help:"How long to wait at the least, such as 12h or 1d: with 1d, a call at 09:00 is called back tomorrow at 10:00, not today; 0s when empty."`
}

func init() {
	define[WaitUntil](StepWaitUntil, "Wait until",
		"Waits until a time of day in the customer's time zone, on chosen days, passing over holidays, on a timer that survives restarts.", inGroup(GroupWaiting))
}

// check has nothing to add to the kinds of the fields.
func (*WaitUntil) check(*checker) {}

// Until reads s as what policy.NextUntil computes with.
func (s *WaitUntil) Until() (policy.Until, error) {
	c, err := policy.ParseClock(s.Time)
	if err != nil {
		return policy.Until{}, err
	}
	u := policy.Until{Clock: c}
	for _, d := range s.Days {
		wd, err := policy.ParseDay(d)
		if err != nil {
			return policy.Until{}, err
		}
		u.Days = append(u.Days, wd)
	}
	if s.AtLeast != "" && s.AtLeast != "0" {
		if u.AtLeast, err = durations.Parse(s.AtLeast); err != nil {
			return policy.Until{}, err
		}
	}
	return u, nil
}

// Weekdays are the days of a business week, as wait_until's days write
// them.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri"}
