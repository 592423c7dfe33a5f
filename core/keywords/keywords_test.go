package keywords_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/keywords"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want keywords.Action
		word string
	}{
		// SPEC's keywords, in any case, surrounding spaces ignored.
		{"STOP", keywords.OptOut, "STOP"},
		{" stop ", keywords.OptOut, "STOP"},
		{"Stop", keywords.OptOut, "STOP"},
		{"StopAll", keywords.OptOut, "STOPALL"},
		{"unsubscribe", keywords.OptOut, "UNSUBSCRIBE"},
		{"CANCEL", keywords.OptOut, "CANCEL"},
		{"end", keywords.OptOut, "END"},
		{"Quit", keywords.OptOut, "QUIT"},
		{"REVOKE", keywords.OptOut, "REVOKE"},
		{"optout", keywords.OptOut, "OPTOUT"},
		{"START", keywords.OptIn, "START"},
		{"unstop", keywords.OptIn, "UNSTOP"},
		{"Yes", keywords.OptIn, "YES"},
		{"\tstart\n", keywords.OptIn, "START"},

		// The revocations the issue and SPEC list: punctuation, emphasis,
		// look-alikes, courtesy words, plain phrases.
		{"Stop.", keywords.OptOut, "STOP"},
		{"STOP!", keywords.OptOut, "STOP"},
		{"ＳＴＯＰ", keywords.OptOut, "STOP"},
		{"stop please", keywords.OptOut, "STOP"},
		{"opt out", keywords.OptOut, "OPT OUT"},
		{"please stop texting me", keywords.OptOut, "STOP TEXTING ME"},
		{"Opt-out.", keywords.OptOut, "OPT OUT"},
		{"STOP!!! 🛑", keywords.OptOut, "STOP"},
		{"**STOP**", keywords.OptOut, "STOP"},
		{"\"stop\"", keywords.OptOut, "STOP"},
		{"𝐒𝐓𝐎𝐏", keywords.OptOut, "STOP"},                         // mathematical bold
		{"Ⓢⓣⓞⓟ", keywords.OptOut, "STOP"},                         // circled letters
		{"S\u0332T\u0332O\u0332P\u0332", keywords.OptOut, "STOP"}, // underlined with combining marks
		{"st\u200bop", keywords.OptOut, "STOP"},                   // a zero-width space inside
		{"\u200fSTOP\u200f", keywords.OptOut, "STOP"},
		{"stop stop", keywords.OptOut, "STOP"},
		{"Thanks, unsubscribe", keywords.OptOut, "UNSUBSCRIBE"},
		{"STOP NOW", keywords.OptOut, "STOP"},
		{"Don't text me.", keywords.OptOut, "DONT TEXT ME"},
		{"do not contact me", keywords.OptOut, "DO NOT CONTACT ME"},
		{"remove me", keywords.OptOut, "REMOVE ME"},
		{"start please", keywords.OptIn, "START"},
		{"opt in", keywords.OptIn, "OPT IN"},

		// Letters of other alphabets that Unicode case mapping turns into
		// ASCII ones are not those letters.
		{"ſtart", keywords.None, ""},
		{"quıt", keywords.None, ""},
		{"QUİT", keywords.None, ""},
		{"stöp", keywords.None, ""},
		{"sto\u0308p", keywords.None, ""}, // the same, decomposed
		{"ЅТОР", keywords.None, ""},       // Cyrillic look-alikes

		// A keyword among other words is a message for an operator.
		{"don't stop the refund", keywords.None, ""},
		{"Please cancel my order", keywords.None, ""},
		{"I want to stop", keywords.None, ""},
		{"yes I got it but the tracking number is wrong", keywords.None, ""},
		{"start the return please", keywords.None, ""},
		{"When will this end?", keywords.None, ""},
		{"stop and start", keywords.None, ""},
		{"S.T.O.P", keywords.None, ""},
		{"4", keywords.None, ""},
		{"", keywords.None, ""},
		{"please", keywords.None, ""},
		{"!!!", keywords.None, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.body), func(t *testing.T) {
			t.Parallel()
			got := keywords.Classify(tt.body)
			require.Equal(t, tt.want, got.Action)
			require.Equal(t, tt.word, got.Keyword)
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"  Stop.  ":             "stop",
		"Don’t STOP the refund": "dont stop the refund",
		"ＳＴＯＰ！":                 "stop",
		"ſtart":                 "ſtart",
		"a\x00b":                "ab",
		"opt-out":               "opt out",
	}
	for in, want := range tests {
		require.Equal(t, want, keywords.Normalize(in), "%q", in)
	}
}

func ExampleClassify() {
	for _, body := range []string{"Stop.", "stop please", "don't stop the refund", "ſtart"} {
		fmt.Printf("%q: %s\n", body, keywords.Classify(body).Action)
	}
	// Output:
	// "Stop.": opt_out
	// "stop please": opt_out
	// "don't stop the refund": none
	// "ſtart": none
}

func FuzzClassifyIsASCIIInTheEnd(f *testing.F) {
	for _, s := range []string{"STOP", "ſtart", "ＳＴＯＰ", "don't stop"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := keywords.Classify(body)
		for _, c := range r.Keyword {
			if c > 127 {
				t.Fatalf("%q read as the keyword %q", body, r.Keyword)
			}
		}
		if (r.Action == keywords.None) != (r.Keyword == "") {
			t.Fatalf("%q: action %s with keyword %q", body, r.Action, r.Keyword)
		}
	})
}
