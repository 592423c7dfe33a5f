package rating_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/i18n"
	"github.com/ccflow/ccflow/core/rating"
	"github.com/ccflow/ccflow/core/scale"
)

func TestLinksChooseEachScoreOnTheScale(t *testing.T) {
	t.Parallel()
	en := i18n.For("en")
	csat := rating.Links("https://cc.example/s/tok.sig", scale.CSAT, en)
	require.Len(t, csat, 5)
	require.Equal(t, rating.Link{Score: 1, URL: "https://cc.example/s/tok.sig?score=1", Label: "Very poor"}, csat[0])
	require.Equal(t, rating.Link{Score: 5, URL: "https://cc.example/s/tok.sig?score=5", Label: "Excellent"}, csat[4])

	nps := rating.Links("https://cc.example/s/tok.sig", scale.NPS, i18n.For("ja"))
	require.Len(t, nps, 11)
	require.Equal(t, rating.Link{Score: 0, URL: "https://cc.example/s/tok.sig?score=0", Label: "まったく思わない"}, nps[0])
	require.Equal(t, "", nps[5].Label)
	require.Equal(t, "非常にそう思う", nps[10].Label)

	require.Equal(t, "https://cc.example/s/t?x=1&score=3", rating.Links("https://cc.example/s/t?x=1", scale.CSAT, en)[2].URL)
}

func TestParseScoreReadsALinksScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query string
		on    scale.Scale
		score int
		ok    bool
		err   string
	}{
		{"score=4", scale.CSAT, 4, true, ""},
		{"score=%204%20", scale.CSAT, 4, true, ""},
		{"score=0", scale.NPS, 0, true, ""},
		{"score=10", scale.NPS, 10, true, ""},
		{"", scale.CSAT, 0, false, ""},
		{"other=1", scale.CSAT, 0, false, ""},
		{"score=10", scale.CSAT, 0, false, `score: "10" is not a whole number from 1 to 5`},
		{"score=4.5", scale.CSAT, 0, false, `score: "4.5" is not a whole number from 1 to 5`},
		{"score=five", scale.CSAT, 0, false, `score: "five" is not a whole number from 1 to 5`},
		{"score=", scale.CSAT, 0, false, `score: "" is not a whole number from 1 to 5`},
		{"score=-1", scale.NPS, 0, false, `score: "-1" is not a whole number from 0 to 10`},
		{"score=%D9%A5", scale.CSAT, 0, false, `score: "٥" is not a whole number from 1 to 5`},
	}
	for _, tt := range tests {
		q, err := url.ParseQuery(tt.query)
		require.NoError(t, err)
		score, ok, err := rating.ParseScore(q, tt.on)
		if tt.err != "" {
			require.EqualError(t, err, tt.err, tt.query)
			continue
		}
		require.NoError(t, err, tt.query)
		require.Equal(t, tt.score, score, tt.query)
		require.Equal(t, tt.ok, ok, tt.query)
	}
}

// The text part of a survey email lists a link per score.
func ExampleText() {
	w := i18n.For("en")
	fmt.Println(rating.Text(rating.Links("https://cc.example/s/tok", scale.CSAT, w), w))
	// Output:
	// Answer with one click:
	// 1 (Very poor): https://cc.example/s/tok?score=1
	// 2 (Poor): https://cc.example/s/tok?score=2
	// 3 (Okay): https://cc.example/s/tok?score=3
	// 4 (Good): https://cc.example/s/tok?score=4
	// 5 (Excellent): https://cc.example/s/tok?score=5
}
