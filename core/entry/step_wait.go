package entry

// StepWait is the type of Wait steps.
const StepWait = "wait"

// Wait waits on a durable timer before the next step.
type Wait struct {
	Duration string `json:"duration" kind:"duration" required:"true" label:"Duration" help:"How long to wait, such as 45s, 30m, 12h, 1d, 1w or 1d12h; at most 365 days."`
}

func init() {
	define[Wait](StepWait, "Wait", "Waits for a while before the next step, on a timer that survives restarts.", inGroup(GroupWaiting))
}

// check has nothing to add: the duration's kind says it all.
func (*Wait) check(*checker) {}
