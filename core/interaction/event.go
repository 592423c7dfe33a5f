// Package interaction describes the event the contact-center backend posts
// when an interaction ends.
package interaction

import "time"

// Event is an ended interaction as posted to POST /v1/interactions/ended.
type Event struct {
	InteractionID    string     `json:"interaction_id"`
	Service          string     `json:"service"`
	Channel          string     `json:"channel,omitempty"`
	Disposition      string     `json:"disposition,omitempty"`
	AverageSentiment *float64   `json:"average_sentiment,omitempty"`
	EndedAt          *time.Time `json:"ended_at,omitempty"`
	Agent            *Agent     `json:"agent,omitempty"`
	Customer         *Customer  `json:"customer,omitempty"`
	Case             *Case      `json:"case,omitempty"`
	// Variables are the backend's own values (string, number or bool),
	// available to templates and conditions under their plain names.
	Variables map[string]any `json:"variables,omitempty"`
}

// Agent is the agent who handled the interaction.
type Agent struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Customer is who the follow-up messages go to.
type Customer struct {
	ID        string `json:"id,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	TimeZone  string `json:"time_zone,omitempty"`
	Language  string `json:"language,omitempty"`
}

// Case is the case the interaction belongs to; only a non-final case
// disposition can trigger an entry.
type Case struct {
	ID          string `json:"id,omitempty"`
	Number      string `json:"number,omitempty"`
	Disposition string `json:"disposition,omitempty"`
	Final       bool   `json:"final"`
}
