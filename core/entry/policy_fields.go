package entry

// PolicyFields describes, for forms such as the console's entry screen,
// the entry-level fields that tune the contact policy for one entry.
func PolicyFields() []StepField {
	return []StepField{
		{Name: "quiet_hours", Label: "Quiet hours", Kind: "quiet_hours",
			Help: "Sending windows for this entry's messages in the customer's time zone, per channel, e.g. " +
				`{"sms": {"start": "09:00", "end": "20:00"}}; null for a channel sends at any time. ` +
				"Channels left out keep the contact policy's window."},
		{Name: "cancel_on_new_interaction", Label: "Stop when the customer contacts us again", Kind: "bool",
			Help: "When another interaction of the same customer ends, a run of this entry ends at once, " +
				"completed, before its next message."},
	}
}
