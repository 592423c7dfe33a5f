package entry

// StepWaitForEvent is the type of WaitForEvent steps.
const StepWaitForEvent = "wait_for_event"

// WaitForEvent waits until the event Name is posted for the run (POST
// /v1/workflows/{id}/events/{name}, or for its interaction or case), or
// Timeout passes. It sets <name>.received, <name>.at and each field of the
// posted data as <name>.<field>. An event posted before the run reached
// the step is seen at once.
type WaitForEvent struct {
	Name    string `json:"name" kind:"posted_event" required:"true" label:"Event name" help:"The event to wait for, such as case_closed: letters, digits and _. The contact center posts it to /v1/workflows/{id}/events/{name}, or to the run's interaction or case."`
	Timeout string `json:"timeout" kind:"duration" required:"true" label:"Timeout" help:"How long to wait at most, such as 5d; then the run goes on with <name>.received false."`
}

func init() {
	define[WaitForEvent](StepWaitForEvent, "Wait for event",
		"Waits until the contact center posts an event for the run (such as case_closed), or a timeout passes; the event's data become variables.", inGroup(GroupWaiting))
}

// check has nothing to add to the kinds of the fields.
func (*WaitForEvent) check(*checker) {}

// defines is the event's root: its data fields are whatever is posted.
func (s *WaitForEvent) defines() []string { return []string{s.Name} }
