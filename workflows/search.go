package workflows

import "go.temporal.io/sdk/temporal"

// SearchAttributeKeys are every search attribute a run sets: a Temporal
// namespace must have them all registered before the first run starts, or
// the run cannot start (the starter's) or cannot go on (the run's own).
var SearchAttributeKeys = []temporal.SearchAttributeKey{
	EntryIDAttr,
	ServiceAttr,
	InteractionIDAttr,
	CustomerIDAttr,
	DispositionAttr,
	AverageSentimentAttr,
	CurrentStepAttr,
}

// SearchAttributes are the search attributes the starter sets on a run, so
// operators can find runs by entry, service, interaction, customer,
// disposition and sentiment. Facts the event lacks are left unset.
func SearchAttributes(in FollowUpInput) []temporal.SearchAttributeUpdate {
	e := in.Event
	attrs := []temporal.SearchAttributeUpdate{
		EntryIDAttr.ValueSet(in.Entry.ID),
		ServiceAttr.ValueSet(e.Service),
		InteractionIDAttr.ValueSet(e.InteractionID),
	}
	if e.Customer != nil && e.Customer.ID != "" {
		attrs = append(attrs, CustomerIDAttr.ValueSet(e.Customer.ID))
	}
	if e.Disposition != "" {
		attrs = append(attrs, DispositionAttr.ValueSet(e.Disposition))
	}
	if e.AverageSentiment != nil {
		attrs = append(attrs, AverageSentimentAttr.ValueSet(*e.AverageSentiment))
	}
	return attrs
}
