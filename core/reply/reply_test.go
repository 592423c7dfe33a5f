package reply_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/reply"
	"github.com/ccflow/ccflow/core/scale"
)

func TestRead(t *testing.T) {
	t.Parallel()
	long := "4 " + strings.Repeat("slow but kind ", 114) + "agent" // 1,603 characters
	wordy := strings.Repeat("no number here ", 106) + "at all."    // 1,597 characters
	tests := []struct {
		name    string
		text    string
		on      scale.Scale
		want    int // -1: no score, the reply gets the clarifying SMS
		comment string
	}{
		// A number on the scale alone.
		{"a score", "5", scale.CSAT, 5, ""},
		{"spaces around it", "  3\n", scale.CSAT, 3, ""},
		{"the lowest", "1", scale.CSAT, 1, ""},
		{"0 on 0-10", "0", scale.NPS, 0, ""},
		{"10 on 0-10", "10", scale.NPS, 10, ""},

		// Off the scale or not a whole number: the clarifying SMS.
		{"10 on 1-5", "10", scale.CSAT, -1, ""},
		{"0 on 1-5", "0", scale.CSAT, -1, ""},
		{"11 on 0-10", "11", scale.NPS, -1, ""},
		{"a decimal", "4.5", scale.CSAT, -1, ""},
		{"a decimal comma", "4,5", scale.CSAT, -1, ""},
		{"an Arabic decimal", "٤٫٥", scale.CSAT, -1, ""},
		{"a word", "five", scale.CSAT, -1, ""},
		{"an empty body", "", scale.CSAT, -1, ""},
		{"only spaces", " \t\n ", scale.CSAT, -1, ""},
		{"a leading zero, as the page refuses it", "05", scale.CSAT, -1, ""},
		{"signed", "-1", scale.NPS, -1, ""},
		{"a plus sign", "+4", scale.CSAT, -1, ""},
		{"a range", "4-5", scale.CSAT, -1, ""},
		{"a time", "10:30", scale.NPS, -1, ""},
		{"a phone number", "call me on 1-800-555-0100", scale.CSAT, -1, ""},
		{"an international number", "+15551234567", scale.CSAT, -1, ""},
		{"an ordinal", "5th time I called", scale.CSAT, -1, ""},
		{"digits in a word", "order A17", scale.CSAT, -1, ""},
		{"two scripts in one number", "1٥", scale.NPS, -1, ""},
		{"a fraction not over the top", "1/2", scale.CSAT, -1, ""},
		{"ten over ten on 1-5", "10/10", scale.CSAT, -1, ""},
		{"STOP is no answer (keywords read it first)", "STOP", scale.CSAT, -1, ""},
		{"1,597 characters without a number", wordy, scale.CSAT, -1, ""},

		// Digits of other scripts are the same numbers.
		{"Arabic-Indic five", "٥", scale.CSAT, 5, ""},
		{"Persian five", "۵", scale.CSAT, 5, ""},
		{"Devanagari five", "५", scale.CSAT, 5, ""},
		{"full-width five", "５", scale.CSAT, 5, ""},
		{"mathematical bold five", "𝟓", scale.CSAT, 5, ""},
		{"Arabic-Indic ten on 0-10", "١٠", scale.NPS, 10, ""},
		{"an Arabic reply", "٤ شكرا", scale.CSAT, 4, "شكرا"},

		// The first number on the scale is the score, the other words the
		// comment.
		{"words after it", "5 stars, thanks!", scale.CSAT, 5, "stars, thanks!"},
		{"two numbers", "4 or 5", scale.CSAT, 4, "or 5"},
		{"words before it", "Great service - 5", scale.CSAT, 5, "Great service"},
		{"a colon", "Rating: 2", scale.CSAT, 2, "Rating"},
		{"words on both sides", "I'd say 4 because of the wait", scale.CSAT, 4, "I'd say because of the wait"},
		{"a number off the scale first", "10 minutes on hold, so 2", scale.CSAT, 2, "10 minutes on hold, so"},
		{"a time before it", "at 10:30 it was fine, 4", scale.CSAT, 4, "at 10:30 it was fine"},
		{"digits in a word before it", "Order A17 was late. 2", scale.CSAT, 2, "Order A17 was late"},
		{"over the top", "4/5", scale.CSAT, 4, ""},
		{"over the top on 0-10", "9/10 would call again", scale.NPS, 9, "would call again"},
		{"full-width over the top", "５／５", scale.CSAT, 5, ""},
		{"punctuation only", "5!", scale.CSAT, 5, ""},
		{"a keycap", "3\ufe0f\u20e3", scale.CSAT, 3, ""},
		{"an emoji", "5 👍", scale.CSAT, 5, "👍"},
		{"lines", "2\nThe agent was rude.\nNobody called back.", scale.CSAT, 2, "The agent was rude.\nNobody called back."},
		{"a control character dropped", "2\a slow", scale.CSAT, 2, "slow"},
		{"Japanese, unspaced", "5点です。ありがとう", scale.CSAT, 5, "点です。ありがとう"},
		{"Korean, unspaced", "4점이요", scale.CSAT, 4, "점이요"},
		{"a 1,603-character reply", long, scale.CSAT, 4, strings.TrimSpace(long[2:])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := reply.Read(tt.text, tt.on)
			if tt.want < 0 {
				require.False(t, got.Scored, "%q on %s reads as %d", tt.text, tt.on, got.Score)
				require.Equal(t, reply.Reading{}, got)
				return
			}
			require.True(t, got.Scored, "%q on %s holds no score", tt.text, tt.on)
			require.Equal(t, tt.want, got.Score)
			require.Equal(t, tt.comment, got.Comment)
		})
	}
}

// Every score Read gives is one the page and the JSON answer take too.
func TestReadGivesOnlyScoresOnTheScale(t *testing.T) {
	t.Parallel()
	for _, on := range scale.All {
		for n := -2; n <= 12; n++ {
			for _, text := range []string{fmt.Sprint(n), fmt.Sprintf("%d thanks", n), fmt.Sprintf("hmm %d", n)} {
				got := reply.Read(text, on)
				require.Equal(t, on.Contains(n), got.Scored, "%q on %s", text, on)
				if got.Scored {
					require.Equal(t, n, got.Score, "%q on %s", text, on)
				}
			}
		}
	}
}

// The digits of every script Unicode knows are read: the Nd table is
// rows of ten, each starting at a zero, which digit values rely on.
func TestEveryScriptsDigitsRead(t *testing.T) {
	t.Parallel()
	rows := 0
	for _, rg := range unicode.Nd.R16 {
		require.EqualValues(t, 1, rg.Stride)
		require.Zero(t, (int(rg.Hi)-int(rg.Lo)+1)%10, "range %U-%U", rg.Lo, rg.Hi)
		for zero := rune(rg.Lo); zero <= rune(rg.Hi); zero += 10 {
			require.Equal(t, 5, reply.Read(string(zero+5), scale.CSAT).Score, "%U", zero+5)
			require.Equal(t, 10, reply.Read(string([]rune{zero + 1, zero}), scale.NPS).Score, "%U%U", zero+1, zero)
			rows++
		}
	}
	for _, rg := range unicode.Nd.R32 {
		require.EqualValues(t, 1, rg.Stride)
		require.Zero(t, (int(rg.Hi)-int(rg.Lo)+1)%10, "range %U-%U", rg.Lo, rg.Hi)
		for zero := rune(rg.Lo); zero <= rune(rg.Hi); zero += 10 {
			require.Equal(t, 5, reply.Read(string(zero+5), scale.CSAT).Score, "%U", zero+5)
			rows++
		}
	}
	require.Greater(t, rows, 60, "Unicode has more than 60 scripts' digits")
}

// FuzzRead: any text reads without a panic, a score is on the scale, and a
// comment is text, no longer than the reply, without control characters a survey
// comment refuses.
func FuzzRead(f *testing.F) {
	for _, s := range []string{"5", "5 stars, thanks!", "٥", "4/5", "1-800-555-0100", "", "\x00\xff", "-+/5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, on := range scale.All {
			got := reply.Read(text, on)
			if !got.Scored {
				require.Equal(t, reply.Reading{}, got)
				continue
			}
			require.True(t, on.Contains(got.Score))
			require.True(t, utf8.ValidString(got.Comment))
			require.LessOrEqual(t, len(got.Comment), len(strings.ToValidUTF8(text, "\uFFFD")))
			for _, r := range got.Comment {
				require.False(t, unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r', "%U in the comment", r)
			}
		}
	})
}

func ExampleRead() {
	for _, text := range []string{"5 stars, thanks!", "4 or 5", "10", "٥", "Great service - 4/5"} {
		r := reply.Read(text, scale.CSAT)
		if !r.Scored {
			fmt.Printf("%q: no score on 1-5, so ccflow asks for one\n", text)
			continue
		}
		fmt.Printf("%q: score %d, comment %q\n", text, r.Score, r.Comment)
	}
	// Output:
	// "5 stars, thanks!": score 5, comment "stars, thanks!"
	// "4 or 5": score 4, comment "or 5"
	// "10": no score on 1-5, so ccflow asks for one
	// "٥": score 5, comment ""
	// "Great service - 4/5": score 4, comment "Great service"
}
