package console

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNiceMaxGivesFourRoundSteps(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want float64 }{
		{0, 4}, {1, 4}, {3, 4}, {5, 8}, {8, 8}, {9, 20}, {50, 80}, {81, 200}, {1000, 2000}, {1234, 2000},
	} {
		require.Equal(t, tt.want, niceMax(tt.in), "%v", tt.in)
	}
}

func TestTrendBreaksWhereADayHadNoAnswer(t *testing.T) {
	t.Parallel()
	v := func(f float64) *float64 { return &f }
	c := trendChart(wideFrame, []trendPoint{{"1", v(50)}, {"2", v(75)}, {"3", nil}, {"4", v(100)}, {"5", v(0)}}, false)
	require.Len(t, c.Lines, 2, "two runs of answered days")
	require.Len(t, c.Dots, 4)
	nps := trendChart(narrowFrame, []trendPoint{{"1", v(-100)}, {"2", v(100)}}, true)
	require.Equal(t, narrowFrame.H-narrowFrame.Bottom, nps.Dots[0].Y, "-100 at the bottom")
	require.Equal(t, narrowFrame.Top, nps.Dots[1].Y, "100 at the top")
	require.Equal(t, "chart-nps-narrow", nps.ID, "the phone's drawing has ids of its own")
}

func TestSentAnsweredChartPutsTheRateOnItsOwnAxis(t *testing.T) {
	t.Parallel()
	half := 0.5
	c := sentAnsweredChart(wideFrame, []day{{Label: "a", Sent: 10, Answered: 5, Rate: &half}, {Label: "b"}})
	require.Len(t, c.Bars, 4)
	require.Len(t, c.Dots, 1)
	require.Equal(t, wideFrame.Top+(wideFrame.H-wideFrame.Top-wideFrame.Bottom)/2, c.Dots[0].Y, "50 % halfway up")
	require.Equal(t, "100 %", c.Right[4].Label)
}
