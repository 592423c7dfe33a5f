package interaction_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/validation/validationtest"
)

func ptr(f float64) *float64 { return &f }

// valid is SPEC's example event; each case changes one thing.
func valid() interaction.Event {
	return interaction.Event{
		InteractionID:    "INT-1001",
		Service:          "Billing Support",
		Disposition:      "Problem solved",
		AverageSentiment: ptr(0.62),
		Customer: &interaction.Customer{ID: "C-77", Email: "ada@example.com", Phone: "+15551234567",
			TimeZone: "America/New_York"},
		Case:      &interaction.Case{ID: "CASE-9", Disposition: "Need more information"},
		Variables: map[string]any{"order_id": "A-17", "amount": 12.5, "vip": true},
	}
}

func TestValidateAcceptsAValidEvent(t *testing.T) {
	require.NoError(t, valid().Validate())
}

func TestValidateAcceptsTheMinimalEvent(t *testing.T) {
	require.NoError(t, interaction.Event{InteractionID: "a", Service: "s"}.Validate())
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*interaction.Event)
		path    string
		message string
	}{
		{"interaction_id required", func(e *interaction.Event) { e.InteractionID = "" },
			"interaction_id", "is required"},
		{"interaction_id characters", func(e *interaction.Event) { e.InteractionID = "a b" },
			"interaction_id", `"a b" may only contain letters, digits, '.', '_', ':' and '-'`},
		{"interaction_id has no slash", func(e *interaction.Event) { e.InteractionID = "a/b" },
			"interaction_id", `"a/b" may only contain`},
		{"interaction_id at most 128 characters", func(e *interaction.Event) { e.InteractionID = strings.Repeat("x", 129) },
			"interaction_id", "longer than 128 characters"},
		{"service required", func(e *interaction.Event) { e.Service = "" },
			"service", "is required"},
		{"service not blank", func(e *interaction.Event) { e.Service = "  " },
			"service", "is required"},
		{"sentiment above 1", func(e *interaction.Event) { e.AverageSentiment = ptr(1.01) },
			"average_sentiment", "1.01 is not between -1 and 1"},
		{"sentiment below -1", func(e *interaction.Event) { e.AverageSentiment = ptr(-2) },
			"average_sentiment", "-2 is not between -1 and 1"},
		{"sentiment not a number", func(e *interaction.Event) { e.AverageSentiment = ptr(math.NaN()) },
			"average_sentiment", "NaN is not between -1 and 1"},
		{"sentiment infinite", func(e *interaction.Event) { e.AverageSentiment = ptr(math.Inf(1)) },
			"average_sentiment", "+Inf is not between -1 and 1"},
		{"email malformed", func(e *interaction.Event) { e.Customer.Email = "ada@" },
			"customer.email", `"ada@" is not an email address`},
		{"email with a display name", func(e *interaction.Event) { e.Customer.Email = "Ada <ada@example.com>" },
			"customer.email", "is not an email address"},
		{"phone without +", func(e *interaction.Event) { e.Customer.Phone = "15551234567" },
			"customer.phone", `"15551234567" is not an E.164 phone number`},
		{"phone too short", func(e *interaction.Event) { e.Customer.Phone = "+123456" },
			"customer.phone", "is not an E.164 phone number"},
		{"phone too long", func(e *interaction.Event) { e.Customer.Phone = "+1234567890123456" },
			"customer.phone", "is not an E.164 phone number"},
		{"phone with spaces", func(e *interaction.Event) { e.Customer.Phone = "+1 555 123 4567" },
			"customer.phone", "is not an E.164 phone number"},
		{"time zone unknown", func(e *interaction.Event) { e.Customer.TimeZone = "Mars/Olympus" },
			"customer.time_zone", `"Mars/Olympus" is not an IANA time zone`},
		{"time zone Local is the server's", func(e *interaction.Event) { e.Customer.TimeZone = "Local" },
			"customer.time_zone", "is not an IANA time zone"},
		{"variable name not simple", func(e *interaction.Event) { e.Variables = map[string]any{"order.id": "1"} },
			"variables.order.id", `"order.id" is not a variable name`},
		{"variable name starts with a digit", func(e *interaction.Event) { e.Variables = map[string]any{"1st": "1"} },
			"variables.1st", "is not a variable name"},
		{"variable name reserved", func(e *interaction.Event) { e.Variables = map[string]any{"survey": "x"} },
			"variables.survey", `"survey" is reserved`},
		{"variable is an object", func(e *interaction.Event) { e.Variables = map[string]any{"o": map[string]any{}} },
			"variables.o", "must be a string, number or bool, not an object"},
		{"variable is a list", func(e *interaction.Event) { e.Variables = map[string]any{"l": []any{1.0}} },
			"variables.l", "not a list"},
		{"variable is null", func(e *interaction.Event) { e.Variables = map[string]any{"n": nil} },
			"variables.n", "not null"},
		// Every text field has a length limit and a control-character rule.
		{"service of 3,000 characters, over what a search attribute holds", func(e *interaction.Event) { e.Service = strings.Repeat("s", 3000) },
			"service", "is 3000 characters long; at most 200 are allowed"},
		{"service with a NUL", func(e *interaction.Event) { e.Service = "Billing\x00" },
			"service", "holds a control character (U+0000)"},
		{"service not UTF-8", func(e *interaction.Event) { e.Service = "Billing \xff" },
			"service", "is not valid UTF-8 text"},
		{"channel on one line", func(e *interaction.Event) { e.Channel = "voice\nsms" }, "channel", "control character"},
		{"disposition length", func(e *interaction.Event) { e.Disposition = strings.Repeat("d", 201) }, "disposition", "at most 200"},
		{"agent name with a NUL", func(e *interaction.Event) { e.Agent = &interaction.Agent{Name: "Sam\x00"} }, "agent.name", "control character"},
		{"agent id length", func(e *interaction.Event) { e.Agent = &interaction.Agent{ID: strings.Repeat("a", 201)} }, "agent.id", "at most 200"},
		{"customer id length", func(e *interaction.Event) { e.Customer.ID = strings.Repeat("c", 201) }, "customer.id", "at most 200"},
		{"customer first name with a line break", func(e *interaction.Event) { e.Customer.FirstName = "Ada\r\nBcc: x" },
			"customer.first_name", "control character (U+000D)"},
		{"customer last name length", func(e *interaction.Event) { e.Customer.LastName = strings.Repeat("l", 201) }, "customer.last_name", "at most 200"},
		{"customer email length", func(e *interaction.Event) { e.Customer.Email = strings.Repeat("a", 250) + "@example.com" },
			"customer.email", "at most 254"},
		{"customer time zone length", func(e *interaction.Event) { e.Customer.TimeZone = strings.Repeat("z", 65) }, "customer.time_zone", "at most 64"},
		{"customer language", func(e *interaction.Event) { e.Customer.Language = "en\x00" }, "customer.language", "control character"},
		{"case id length", func(e *interaction.Event) { e.Case.ID = strings.Repeat("c", 201) }, "case.id", "at most 200"},
		{"case number with a NUL", func(e *interaction.Event) { e.Case.Number = "9\x00" }, "case.number", "control character"},
		{"case disposition length", func(e *interaction.Event) { e.Case.Disposition = strings.Repeat("d", 201) }, "case.disposition", "at most 200"},
		{"variable name length", func(e *interaction.Event) { e.Variables = map[string]any{strings.Repeat("v", 65): "x"} },
			"variables." + strings.Repeat("v", 60) + "…", "is longer than 64 characters"},
		{"variable value length", func(e *interaction.Event) { e.Variables = map[string]any{"note": strings.Repeat("n", 2001)} },
			"variables.note", "at most 2000"},
		{"variable value with a NUL", func(e *interaction.Event) { e.Variables = map[string]any{"note": "a\x00"} },
			"variables.note", "control character (U+0000)"},
		{"a huge interaction id is not repeated whole", func(e *interaction.Event) { e.InteractionID = strings.Repeat("x", 100000) },
			"interaction_id", `"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" (100000 characters) is longer than 128 characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := valid()
			tt.change(&ev)

			err := ev.Validate()

			validationtest.RequireOne(t, err, tt.path, tt.message)
		})
	}
}

func TestValidateAcceptsOptionalFieldsWhenSet(t *testing.T) {
	tests := []struct {
		name   string
		change func(*interaction.Event)
	}{
		{"sentiment -1", func(e *interaction.Event) { e.AverageSentiment = ptr(-1) }},
		{"sentiment 1", func(e *interaction.Event) { e.AverageSentiment = ptr(1) }},
		{"interaction id of every allowed character", func(e *interaction.Event) { e.InteractionID = "aZ09._:-" }},
		{"interaction id of 128 characters", func(e *interaction.Event) { e.InteractionID = strings.Repeat("x", 128) }},
		{"phone of 15 digits", func(e *interaction.Event) { e.Customer.Phone = "+123456789012345" }},
		{"time zone UTC", func(e *interaction.Event) { e.Customer.TimeZone = "UTC" }},
		{"customer without contact details", func(e *interaction.Event) { e.Customer = &interaction.Customer{ID: "C-1"} }},
		{"integer variable", func(e *interaction.Event) { e.Variables = map[string]any{"n": 3} }},
		{"names in any script, with RTL marks and emoji", func(e *interaction.Event) {
			e.Customer.FirstName = "\u200fمريم"
			e.Customer.LastName = "O\u2019Brien \U0001F469\u200d\U0001F4BB"
		}},
		{"a variable of several lines", func(e *interaction.Event) { e.Variables = map[string]any{"note": "one\r\ntwo\tthree"} }},
		{"text at its limits", func(e *interaction.Event) {
			e.Service = strings.Repeat("ß", 200)
			e.Variables = map[string]any{strings.Repeat("v", 64): strings.Repeat("n", 2000)}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := valid()
			tt.change(&ev)
			require.NoError(t, ev.Validate())
		})
	}
}

func TestValidateReportsEveryProblemInOrder(t *testing.T) {
	ev := interaction.Event{
		InteractionID: "a b",
		Customer:      &interaction.Customer{Email: "nope"},
		Variables:     map[string]any{"z": nil, "a": []any{}},
	}

	var errs validation.Errors
	require.ErrorAs(t, ev.Validate(), &errs)

	paths := []string{}
	for _, e := range errs {
		paths = append(paths, e.Path)
	}
	require.Equal(t, []string{"interaction_id", "service", "customer.email", "variables.a", "variables.z"}, paths)
}
