package entry_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
)

func FuzzDecodeValidate(f *testing.F) {
	f.Add([]byte(specExample))
	f.Add([]byte(`{"name": "x", "steps": [{"type": "if", "then": [{"type": "wait", "duration": "1d12h"}]}]}`))
	f.Add([]byte(`{"steps": [{"type": "send_survey", "text": "$(survey.url", "wait": "99999999999w"}]}`))
	f.Add([]byte(`{"triggers": [{"type": "average_sentiment", "threshold": 1e308}], "steps": null}`))
	f.Add([]byte(`[{}]`))
	f.Add([]byte(`{"name": "x", "sample_percent": 20, "steps": [{"type": "wait_until", "time": "10:00", "days": ["mon"], "at_least": "0s"},
		{"type": "wait_for_event", "name": "case_closed", "timeout": "5d"},
		{"id": "ab", "type": "split", "branches": [{"id": "a", "weight": 50, "steps": [{"type": "send_sms", "text": "x",
			"fallback": [{"type": "wait", "duration": "1m"}], "fallback_after": "10m"}]}, {"id": "b", "weight": 50}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := entry.Decode(data)
		if err != nil {
			require.ErrorAs(t, err, new(validation.Errors))
			return
		}
		entry.Normalize(&e)
		if err := entry.Validate(e, entry.DefaultCatalog()); err != nil {
			var errs validation.Errors
			require.ErrorAs(t, err, &errs)
			require.NotEmpty(t, errs)
			for _, fe := range errs {
				require.NotEmpty(t, fe.Path, "every validation problem names its field")
			}
		}
	})
}
