package entry

// StepClearEvent is the type of ClearEvent steps.
const StepClearEvent = "clear_event"

// ClearEvent cancels a scheduled event that has not fired.
type ClearEvent struct {
	Name string `json:"name" kind:"event_name" required:"true" label:"Event name" help:"The name of the scheduled event to cancel; a name with no pending event is no error."`
}

func init() {
	define[ClearEvent](StepClearEvent, "Clear event", "Cancels a scheduled event that has not fired yet.", inGroup(GroupEvents))
}

// check has nothing to add to the kind of the name.
func (*ClearEvent) check(*checker) {}
