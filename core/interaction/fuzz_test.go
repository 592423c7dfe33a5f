package interaction_test

import (
	"testing"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/examples"
)

// An event is decoded as the API decodes it (exact names, no name twice,
// UTF-8 only) and validated: neither panics, every problem names its
// field, and a valid event's text fields all obey their rules, its
// variables are its run's, and it survives JSON both ways.
func FuzzDecodeValidate(f *testing.F) {
	f.Add(examples.InteractionEnded)
	f.Add([]byte(`{"interaction_id": "INT-1", "service": "S", "variables": {"a": 1, "b": "x", "c": true}}`))
	f.Add([]byte(`{"interaction_id": "INT-1", "service": "S\u0000", "Service": "T"}`))
	f.Add([]byte(`{"interaction_id": "a/b", "average_sentiment": 1e309, "case": {"final": "no"}}`))
	f.Add([]byte(`{"interaction_id": "x", "service": "\ud800", "customer": {"time_zone": "Local", "email": "a@b"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev interaction.Event
		if err := jsonv2.Unmarshal(data, &ev, jsonv2.RejectUnknownMembers(true)); err != nil {
			return
		}
		err := ev.Validate()
		if err != nil {
			var errs validation.Errors
			require.ErrorAs(t, err, &errs)
			for _, fe := range errs {
				require.NotEmpty(t, fe.Path, "every problem names its field")
				require.Less(t, utf8.RuneCountInString(fe.Message), 1000, "a message never repeats a huge value whole")
			}
			return
		}
		v := ev.Vars()
		require.Equal(t, ev.InteractionID, v["interaction.id"])
		for path, rule := range interaction.TextRules {
			if path == "variables.*" {
				continue
			}
			if x, ok := v[runVariable(path)]; ok {
				require.Nil(t, rule.Check(path, x.(string)))
			}
		}
		out, err := jsonv2.Marshal(ev)
		require.NoError(t, err)
		var back interaction.Event
		require.NoError(t, jsonv2.Unmarshal(out, &back, jsonv2.RejectUnknownMembers(true)), "%s", out)
		require.NoError(t, back.Validate())
	})
}

// runVariable names the run variable of an event field: "service" is
// interaction.service, "customer.email" stays.
func runVariable(path string) string {
	switch path {
	case "service", "channel", "disposition":
		return "interaction." + path
	}
	return path
}
