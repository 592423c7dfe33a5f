package loadgen_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/client/loadgen"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/examples"
)

// decodeStrictly decodes an event the way the API does.
func decodeStrictly(t *testing.T, data []byte) interaction.Event {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var ev interaction.Event
	require.NoError(t, dec.Decode(&ev), "decoding %s", data)
	return ev
}

func TestEventsHaveUniqueInteractionIDs(t *testing.T) {
	events, err := loadgen.NewEvents(examples.InteractionEnded, "3f9a1c2e", 500)
	require.NoError(t, err)

	seen := map[string]bool{}
	for i := 1; i <= events.Count(); i++ {
		data, err := events.Event(i)
		require.NoError(t, err)
		id := decodeStrictly(t, data).InteractionID
		require.False(t, seen[id], "interaction id %s made twice", id)
		seen[id] = true
	}
	require.Len(t, seen, 500)
}

func TestEventIDsNameTheRunAndTheCounter(t *testing.T) {
	events, err := loadgen.NewEvents(examples.InteractionEnded, "3f9a1c2e", 20)
	require.NoError(t, err)

	require.Equal(t, "load-3f9a1c2e-000001", events.ID(1))
	require.Equal(t, "load-3f9a1c2e-000020", events.ID(20))
}

func TestEventsAreValidAndKeepTheTemplatesFields(t *testing.T) {
	events, err := loadgen.NewEvents(examples.InteractionEnded, "3f9a1c2e", 3)
	require.NoError(t, err)
	template := decodeStrictly(t, examples.InteractionEnded)

	data, err := events.Event(2)
	require.NoError(t, err)

	ev := decodeStrictly(t, data)
	require.NoError(t, ev.Validate())
	want := template
	want.InteractionID = "load-3f9a1c2e-000002"
	require.Equal(t, want, ev)
}

func TestRunsGetDifferentIDs(t *testing.T) {
	require.NotEqual(t, loadgen.NewRunID(), loadgen.NewRunID())
}

func TestNewEventsRejectsABadTemplate(t *testing.T) {
	tests := []struct {
		name     string
		template string
		count    int
		want     string
	}{
		{"not JSON", `{"service": `, 1, "decoding the event template"},
		{"a field the API does not know", `{"service": "Billing Support", "sentiment": 0.5}`, 1, `unknown field "sentiment"`},
		{"an invalid event", `{"service": "Billing Support", "average_sentiment": 3}`, 1, "average_sentiment: 3 is not between -1 and 1"},
		{"no event", string(examples.InteractionEnded), 0, "at least one event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadgen.NewEvents([]byte(tt.template), "3f9a1c2e", tt.count)

			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestNewEventsNamesTheFieldOfAnInvalidTemplate(t *testing.T) {
	_, err := loadgen.NewEvents([]byte(`{"interaction_id": "x"}`), "3f9a1c2e", 1)

	var errs validation.Errors
	require.ErrorAs(t, err, &errs)
	require.Equal(t, "service", errs[0].Path)
}

func TestVaryChangesEachEventAndLeavesTheTemplate(t *testing.T) {
	events, err := loadgen.NewEvents(examples.InteractionEnded, "3f9a1c2e", 3)
	require.NoError(t, err)
	template := decodeStrictly(t, examples.InteractionEnded)
	events.Vary(func(i int, ev *interaction.Event) {
		c := *ev.Customer
		c.ID = fmt.Sprintf("C-%d", i)
		ev.Customer = &c
	})

	for i := 1; i <= 3; i++ {
		data, err := events.Event(i)
		require.NoError(t, err)
		ev := decodeStrictly(t, data)
		require.Equal(t, fmt.Sprintf("C-%d", i), ev.Customer.ID)
		require.Equal(t, template.Customer.Email, ev.Customer.Email)
	}
	data, err := events.Event(1)
	require.NoError(t, err)
	require.Equal(t, "C-1", decodeStrictly(t, data).Customer.ID, "event 1 again, after 2 and 3")
}
