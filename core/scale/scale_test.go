package scale_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/core/validation"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want scale.Scale
		err  bool
	}{
		{"", scale.CSAT, false},
		{"1-5", scale.CSAT, false},
		{"0-10", scale.NPS, false},
		{"1-10", "", true},
		{" 1-5", "", true},
		{"NPS", "", true},
	} {
		got, err := scale.Parse(tt.in)
		if tt.err {
			require.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got)
	}
	require.Equal(t, scale.CSAT, scale.Of("bogus"), "a stored value that is not a scale reads as the default")
}

func TestScores(t *testing.T) {
	t.Parallel()
	require.Equal(t, []int{1, 2, 3, 4, 5}, scale.CSAT.Scores())
	require.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, scale.NPS.Scores())
	require.False(t, scale.CSAT.Contains(0))
	require.True(t, scale.NPS.Contains(0))
	require.False(t, scale.NPS.Contains(11))
}

func TestParseScore(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s    scale.Scale
		in   string
		want int
		ok   bool
	}{
		{scale.CSAT, "4", 4, true},
		{scale.CSAT, " 5 ", 5, true},
		{scale.CSAT, "0", 0, false},
		{scale.CSAT, "6", 0, false},
		{scale.NPS, "0", 0, true},
		{scale.NPS, "10", 10, true},
		{scale.NPS, "11", 0, false},
		{scale.CSAT, "4.5", 0, false},
		{scale.CSAT, "five", 0, false},
		{scale.CSAT, "+4", 0, false},
		{scale.CSAT, "-1", 0, false},
		{scale.NPS, "07", 0, false},
		{scale.CSAT, "", 0, false},
		{scale.CSAT, "4\x00", 0, false},
		{scale.CSAT, "٤", 0, false}, // an Arabic-Indic four is not read as 4
		{scale.NPS, "100000000000000000000", 0, false},
	} {
		got, err := tt.s.ParseScore("score", tt.in)
		if !tt.ok {
			require.Error(t, err, "%s %q", tt.s, tt.in)
			fe := validation.First(err)
			require.NotNil(t, fe)
			require.Equal(t, "score", fe.Path)
			continue
		}
		require.NoError(t, err, "%s %q", tt.s, tt.in)
		require.Equal(t, tt.want, got)
	}
}

func TestCheckNamesTheField(t *testing.T) {
	t.Parallel()
	require.NoError(t, scale.NPS.Check("score", 0))
	err := scale.CSAT.Check("score", 0)
	require.EqualError(t, err, "score: 0 is not a whole number from 1 to 5")
}

func TestClasses(t *testing.T) {
	t.Parallel()
	var satisfied, promoters, detractors []int
	for n := 0; n <= 10; n++ {
		if scale.Satisfied(n) {
			satisfied = append(satisfied, n)
		}
		if scale.Promoter(n) {
			promoters = append(promoters, n)
		}
		if scale.Detractor(n) {
			detractors = append(detractors, n)
		}
	}
	require.Equal(t, []int{4, 5}, satisfied)
	require.Equal(t, []int{9, 10}, promoters)
	require.Equal(t, []int{0, 1, 2, 3, 4, 5, 6}, detractors)
}

func ExampleScale_ParseScore() {
	for _, text := range []string{"9", "4.5"} {
		score, err := scale.NPS.ParseScore("score", text)
		fmt.Println(score, err)
	}
	// Output:
	// 9 <nil>
	// 0 score: "4.5" is not a whole number from 0 to 10
}
