package console

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/simulate"
	"github.com/ccflow/ccflow/usecase"
)

func TestTheForecastHasARowForEveryDayAndBarsToScale(t *testing.T) {
	tally := func(sent int, held, skipped map[string]int) simulate.Tally {
		return simulate.Tally{Sent: sent, Held: held, Skipped: skipped}
	}
	res := simulate.Result{Totals: simulate.Totals{Events: 8, Matched: 6, MatchShare: 0.75, TimeZone: "UTC", Days: []simulate.Day{
		{Day: "2026-11-23", Channel: "email", Tally: tally(4, nil, map[string]int{"opted_out": 1}), Surveys: 4},
		{Day: "2026-11-23", Channel: "sms", Tally: tally(1, map[string]int{"quiet_hours": 2}, nil)},
		{Day: "2026-11-26", Channel: "sms", Tally: tally(3, nil, map[string]int{"daily_cap": 1})},
	}}}

	f := forecastOf(usecase.Simulation{ID: "sim_1", Status: usecase.SimulationDone, Result: &res}, "apology")

	require.Equal(t, []forecastRow{
		{Day: "2026-11-23", Email: 4, SMS: 1, Held: 2, Skipped: 1, Surveys: 4, Reasons: "held: quiet hours 2, skipped: opted out 1"},
		{Day: "2026-11-24"},
		{Day: "2026-11-25"},
		{Day: "2026-11-26", SMS: 3, Skipped: 1, Reasons: "skipped: daily cap 1"},
	}, f.Rows)
	require.Equal(t, "75.0", f.MatchPercent())
	c := f.Chart
	require.Equal(t, 5, c.Top, "the scale tops at a round number above the most")
	require.Len(t, c.Days, 4)
	email := c.Days[0].Bars[0]
	require.Equal(t, "email", email.Series)
	plot := float64(c.Height) - chartBottom - chartTop
	require.InDelta(t, plot*4/5, email.H, 1e-9)
	require.InDelta(t, chartTop+plot-email.H, email.Y, 1e-9)
	require.Zero(t, c.Days[1].Bars[0].H, "a day without messages has empty bars")
	require.Contains(t, c.Label, "Mon 23: 4 email, 1 SMS, 2 held, 1 skipped")
}

func TestNiceTop(t *testing.T) {
	for most, top := range map[int]int{0: 2, 1: 2, 2: 2, 3: 5, 5: 5, 6: 10, 11: 20, 21: 50, 99: 100, 101: 200} {
		require.Equal(t, top, niceTop(most), "most %d", most)
	}
}

func TestAForecastStillRunningSaysHowFarItIs(t *testing.T) {
	f := forecastOf(usecase.Simulation{ID: "sim_2", Status: usecase.SimulationRunning,
		Progress: usecase.SimulationProgress{Events: 40, Total: 100}}, "a b")
	require.True(t, f.Running)
	require.Equal(t, "/console/simulations/sim_2?entry=a+b", f.PollPath())
	failed := forecastOf(usecase.Simulation{Status: usecase.SimulationFailed, Error: "the store did not answer"}, "x")
	require.Equal(t, "The forecast could not be made: the store did not answer", failed.Problem)
}
