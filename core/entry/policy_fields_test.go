package entry_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/validation"
)

const policyEntry = `{"name": "Callback", "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
	"steps": [{"type": "send_sms", "text": "Hi"}],
	"quiet_hours": {"sms": {"start": " 09:00", "end": "20:00"}, "email": null},
	"cancel_on_new_interaction": true}`

func TestEntriesCarryTheirQuietHoursAndCancelOnNewInteraction(t *testing.T) {
	e, err := entry.Decode([]byte(policyEntry))
	require.NoError(t, err)
	entry.Normalize(&e)
	require.NoError(t, entry.Validate(e, entry.DefaultCatalog()))
	require.True(t, e.CancelOnNewInteraction)
	require.Equal(t, policy.QuietHours{"sms": {Start: "09:00", End: "20:00"}, "email": nil}, e.QuietHours)

	out, err := json.Marshal(e)
	require.NoError(t, err)
	again, err := entry.Decode(out)
	require.NoError(t, err)
	require.Equal(t, e, again)
}

func TestAnEntrysQuietHoursAreCheckedWithTheirPath(t *testing.T) {
	tests := []struct{ quiet, field string }{
		{`{"sms": {"start": "9", "end": "20:00"}}`, "quiet_hours.sms.start"},
		{`{"pager": null}`, "quiet_hours.pager"},
		{`{"sms": {"start": "09:00", "end": "20:00", "tz": "UTC"}}`, "quiet_hours.sms.tz"},
		{`"09:00-20:00"`, "quiet_hours"},
	}
	for _, tt := range tests {
		doc := `{"name": "x", "triggers": [{"type": "disposition", "disposition": "Problem solved"}],
			"steps": [{"type": "send_sms", "text": "Hi"}], "quiet_hours": ` + tt.quiet + `}`
		e, err := entry.Decode([]byte(doc))
		if err == nil {
			entry.Normalize(&e)
			err = entry.Validate(e, entry.DefaultCatalog())
		}
		fe := validation.First(err)
		require.NotNil(t, fe, tt.quiet)
		require.Equal(t, tt.field, fe.Path, tt.quiet)
	}
	_, err := entry.Decode([]byte(`{"name": "x", "cancel_on_new_interaction": "yes"}`))
	require.Equal(t, "cancel_on_new_interaction", validation.First(err).Path)
}

func TestPolicyFieldsAreDescribedForForms(t *testing.T) {
	for _, f := range entry.PolicyFields() {
		require.NotEmpty(t, f.Label, f.Name)
		require.NotEmpty(t, f.Help, f.Name)
	}
}
