package interaction

// Statuses of a match in the answer to an ended interaction.
const (
	// StatusStarted: this call started the run.
	StatusStarted = "started"
	// StatusAlreadyStarted: an earlier call (or a concurrent one) started it.
	StatusAlreadyStarted = "already_started"
	// StatusWouldStart: a dry run found a match with no run yet.
	StatusWouldStart = "would_start"
	// StatusSampledOut: the entry's sample_percent leaves this customer
	// (or, without one, this interaction) out; no run starts.
	StatusSampledOut = "sampled_out"
)

// Result is the answer to POST /v1/interactions/ended: the entries the
// event matched and what became, or would become, of their runs. The
// starter writes it and clients read it, so it is declared once, here.
type Result struct {
	InteractionID string        `json:"interaction_id"`
	Matches       []MatchResult `json:"matches"`
}

// MatchResult is one entry the event matched and the run it has.
type MatchResult struct {
	EntryID      string `json:"entry_id"`
	EntryVersion int    `json:"entry_version"`
	// Trigger says which of the entry's triggers held, such as
	// `disposition = "Problem solved"`.
	Trigger    string `json:"trigger"`
	WorkflowID string `json:"workflow_id"`
	// RunID is empty for StatusWouldStart and StatusSampledOut.
	RunID  string `json:"run_id,omitempty"`
	Status string `json:"status"`
}
