package interaction

import (
	"time"

	"github.com/ccflow/ccflow/core/vars"
)

// Vars returns the variables templates and conditions see for e: the
// interaction, agent, customer and case fields under their roots, and each
// of e.Variables under its own name. Empty fields are left out, so a
// template naming one fails as undefined instead of sending an empty string.
func (e Event) Vars() vars.Vars {
	v := vars.Vars{}
	set := func(name, value string) {
		if value != "" {
			v[name] = value
		}
	}
	set("interaction.id", e.InteractionID)
	set("interaction.service", e.Service)
	set("interaction.channel", e.Channel)
	set("interaction.disposition", e.Disposition)
	if e.AverageSentiment != nil {
		v["interaction.average_sentiment"] = *e.AverageSentiment
	}
	if e.EndedAt != nil && !e.EndedAt.IsZero() {
		v["interaction.ended_at"] = e.EndedAt.UTC().Format(time.RFC3339)
	}
	if a := e.Agent; a != nil {
		set("agent.id", a.ID)
		set("agent.name", a.Name)
	}
	if c := e.Customer; c != nil {
		set("customer.id", c.ID)
		set("customer.first_name", c.FirstName)
		set("customer.last_name", c.LastName)
		set("customer.email", c.Email)
		set("customer.phone", c.Phone)
		set("customer.time_zone", c.TimeZone)
		set("customer.language", c.Language)
	}
	if c := e.Case; c != nil {
		set("case.id", c.ID)
		set("case.number", c.Number)
		set("case.disposition", c.Disposition)
		v["case.final"] = c.Final // false is information, not absence
	}
	for name, value := range e.Variables {
		v[name] = value
	}
	return v
}
