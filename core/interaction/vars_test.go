package interaction_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/vars"
)

func TestVarsOfAFullEvent(t *testing.T) {
	ended := time.Date(2026, 11, 23, 5, 15, 0, 0, time.FixedZone("EST", -5*3600))
	ev := interaction.Event{
		InteractionID:    "INT-1001",
		Service:          "Billing Support",
		Channel:          "voice",
		Disposition:      "Problem solved",
		AverageSentiment: ptr(0.62),
		EndedAt:          &ended,
		Agent:            &interaction.Agent{ID: "A-7", Name: "Sam"},
		Customer: &interaction.Customer{ID: "C-77", FirstName: "Ada", LastName: "Lovelace",
			Email: "ada@example.com", Phone: "+15551234567", TimeZone: "America/New_York", Language: "en"},
		Case:      &interaction.Case{ID: "CASE-9", Number: "9", Disposition: "Need more information"},
		Variables: map[string]any{"order_id": "A-17", "amount": 12.5, "vip": true},
	}

	require.Equal(t, vars.Vars{
		"interaction.id":                "INT-1001",
		"interaction.service":           "Billing Support",
		"interaction.channel":           "voice",
		"interaction.disposition":       "Problem solved",
		"interaction.average_sentiment": 0.62,
		"interaction.ended_at":          "2026-11-23T10:15:00Z",
		"agent.id":                      "A-7",
		"agent.name":                    "Sam",
		"customer.id":                   "C-77",
		"customer.first_name":           "Ada",
		"customer.last_name":            "Lovelace",
		"customer.email":                "ada@example.com",
		"customer.phone":                "+15551234567",
		"customer.time_zone":            "America/New_York",
		"customer.language":             "en",
		"case.id":                       "CASE-9",
		"case.number":                   "9",
		"case.disposition":              "Need more information",
		"case.final":                    false,
		"order_id":                      "A-17",
		"amount":                        12.5,
		"vip":                           true,
	}, ev.Vars())
}

func TestVarsHasOnlyTheFieldsThatAreSet(t *testing.T) {
	ev := interaction.Event{
		InteractionID: "INT-1",
		Service:       "Sales",
		Customer:      &interaction.Customer{FirstName: "Ada"},
	}

	require.Equal(t, vars.Vars{
		"interaction.id":      "INT-1",
		"interaction.service": "Sales",
		"customer.first_name": "Ada",
	}, ev.Vars())
}

func TestVarsOfDecodedJSONVariables(t *testing.T) {
	var ev interaction.Event
	require.NoError(t, json.Unmarshal([]byte(`{"interaction_id":"I","service":"S","variables":{"order_id":"A-17","n":3,"ok":false}}`), &ev))

	v := ev.Vars()

	require.Equal(t, "A-17", v["order_id"])
	require.Equal(t, 3.0, v["n"])
	require.Equal(t, false, v["ok"])
}

// vars.Fields lists every variable an event gives its run, so conditions
// about them are checked at save against the real names.
func TestVarsOfAnEventAreTheReservedFields(t *testing.T) {
	ended := time.Now()
	ev := interaction.Event{
		InteractionID: "INT-1", Service: "S", Channel: "voice", Disposition: "Spam", AverageSentiment: ptr(0.1), EndedAt: &ended,
		Agent: &interaction.Agent{ID: "A", Name: "Sam"},
		Customer: &interaction.Customer{ID: "C", FirstName: "Ada", LastName: "L", Email: "a@example.com", Phone: "+15551234567",
			TimeZone: "UTC", Language: "en"},
		Case: &interaction.Case{ID: "CASE", Number: "9", Disposition: "Approved"},
	}

	for name := range ev.Vars() {
		root, field, _ := strings.Cut(name, ".")
		require.Contains(t, vars.Fields[root], field, "%s is missing from vars.Fields", name)
	}
	for _, root := range []string{"interaction", "customer", "agent", "case"} {
		for _, field := range vars.Fields[root] {
			require.Contains(t, ev.Vars(), root+"."+field, "vars.Fields lists %s.%s, which no event gives", root, field)
		}
	}
}
