// Package keywords reads an SMS a customer sent to the contact center's
// number and tells whether it opts them out of SMS, opts them back in, or
// is neither (a message an operator should read).
//
// Regulators read a revocation of consent as any reasonable means of
// saying so: a keyword with punctuation ("Stop."), emphasis ("STOP!",
// "ＳＴＯＰ", "𝐒𝐓𝐎𝐏"), a courtesy word ("stop please") or a plain phrase
// ("opt out", "please stop texting me") opts out. A message that merely
// contains a keyword among other words ("don't stop the refund") does not:
// it is kept for an operator.
//
// The reading is ASCII in the end: a message is normalised (see Normalize)
// and then compared with ASCII words only, so a letter of another alphabet
// that Unicode case mapping would turn into an ASCII one (the long s of
// "ſtart", the dotless i of "quıt") is not taken for it.
package keywords

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Action is what a message does.
type Action string

// The actions.
const (
	// OptOut opts the sender out of SMS.
	OptOut Action = "opt_out"
	// OptIn opts the sender back in.
	OptIn Action = "opt_in"
	// None is any other message: kept for an operator to read.
	None Action = "none"
)

// Reading is what Classify found in a message.
type Reading struct {
	Action Action
	// Keyword is the keyword or phrase recognised, in capitals ("STOP",
	// "OPT OUT"); "" for None. It names no customer data.
	Keyword string
}

// The keywords SPEC lists: each alone, in any case, opts out or in.
var (
	optOutWords = []string{"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
	optInWords  = []string{"start", "unstop", "yes"}
)

// courtesy are words that may stand beside a keyword without changing
// what it says: "stop please", "STOP now", "thanks, unsubscribe".
var courtesy = []string{"please", "pls", "plz", "now", "thanks", "thank", "you", "thx", "ok", "okay"}

// optOutPhrases are revocations in plain words, as a list of words after
// Normalize and without courtesy words.
var optOutPhrases = [][]string{
	{"opt", "out"},
	{"opt", "me", "out"},
	{"stop", "all"},
	{"unsubscribe", "me"},
	{"remove", "me"},
	{"stop", "texting", "me"},
	{"stop", "texting"},
	{"stop", "messaging", "me"},
	{"stop", "messaging"},
	{"stop", "sending", "me", "messages"},
	{"stop", "sending", "messages"},
	{"stop", "sending", "me", "texts"},
	{"stop", "sending", "texts"},
	{"stop", "contacting", "me"},
	{"dont", "text", "me"},
	{"do", "not", "text", "me"},
	{"dont", "message", "me"},
	{"do", "not", "message", "me"},
	{"dont", "contact", "me"},
	{"do", "not", "contact", "me"},
}

// optInPhrases are opt-ins in plain words.
var optInPhrases = [][]string{
	{"opt", "in"},
	{"opt", "me", "in"},
}

// Classify reads body. It is pure: the same body always reads the same.
func Classify(body string) Reading {
	words := strings.Fields(Normalize(body))
	words = slices.DeleteFunc(words, func(w string) bool { return slices.Contains(courtesy, w) })
	if len(words) == 0 {
		return Reading{Action: None}
	}
	// A keyword alone, or said more than once ("stop stop").
	if first := words[0]; !slices.ContainsFunc(words, func(w string) bool { return w != first }) {
		switch {
		case slices.Contains(optOutWords, first):
			return Reading{Action: OptOut, Keyword: strings.ToUpper(first)}
		case slices.Contains(optInWords, first):
			return Reading{Action: OptIn, Keyword: strings.ToUpper(first)}
		}
	}
	for _, p := range optOutPhrases {
		if slices.Equal(words, p) {
			return Reading{Action: OptOut, Keyword: strings.ToUpper(strings.Join(p, " "))}
		}
	}
	for _, p := range optInPhrases {
		if slices.Equal(words, p) {
			return Reading{Action: OptIn, Keyword: strings.ToUpper(strings.Join(p, " "))}
		}
	}
	return Reading{Action: None}
}

// Normalize is body as Classify compares it: lower-case ASCII words
// separated by single spaces.
//
//  1. NFC composes each letter with its accents, so "stöp" is one letter
//     away from "stop" whether it came composed or not.
//  2. Each character that is not a Latin letter outside ASCII takes its
//     compatibility form (NFKC): full-width "ＳＴＯＰ", mathematical bold
//     "𝐒𝐓𝐎𝐏" and circled letters become ASCII. Latin letters outside
//     ASCII ("ſ", "ı", "ö") stay as they are, so they match no keyword:
//     the long s is not an s here, whatever NFKC says.
//  3. Punctuation, symbols (emoji), format characters (zero-width joiners,
//     direction marks) and combining marks left over (an underline drawn
//     over a letter) go; an apostrophe inside a word goes without splitting
//     it ("don't" is "dont"), other punctuation separates words.
//  4. ASCII letters are lower-cased; every other character is kept, and so
//     keeps the word from being a keyword.
func Normalize(body string) string {
	var b strings.Builder
	for _, r := range norm.NFC.String(body) {
		if r > unicode.MaxASCII && unicode.Is(unicode.Latin, r) && !isWidthVariant(r) {
			b.WriteRune(r)
			continue
		}
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		b.WriteString(norm.NFKC.String(string(r)))
	}
	var out strings.Builder
	space := true
	for _, r := range b.String() {
		switch {
		case r == '\'' || r == '’' || r == 'ʼ':
			// inside a word: dropped, the word goes on
		case unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r):
			if !space {
				out.WriteByte(' ')
				space = true
			}
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.M, r) || unicode.IsControl(r):
			// format characters, marks left over and controls: nothing
		default:
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			out.WriteRune(r)
			space = false
		}
	}
	return strings.TrimSpace(out.String())
}

// isWidthVariant tells the full-width and half-width forms (U+FF00 to
// U+FFEF), which are Latin letters in Unicode's eyes but the same letters
// as ASCII in a reader's.
func isWidthVariant(r rune) bool { return r >= 0xFF00 && r <= 0xFFEF }
