// Package reply reads a customer's SMS reply to a survey asked by SMS
// ("answer_by": "reply"): the score it gives on the survey's scale and the
// words around it, which become the comment.
//
// SPEC says a reply is the answer when it holds a number on the scale, the
// first such number being the score and any other words the comment. What
// counts as "a number" is decided here, once, with the customer's phone in
// mind:
//
//   - A number is a run of decimal digits of one script: ASCII "5", the
//     full-width "５" of a Japanese keyboard, the Arabic-Indic "٥" and the
//     Persian "۵" of Arabic-script keyboards, the Devanagari "५", and every
//     other script's decimal digits (Unicode's Nd). Each is the number five
//     as its writer types it; refusing it would answer a customer who gave
//     a number with a request for one. Digits of two scripts in one run
//     ("1٥") are not a number.
//   - It is whole and stands alone: a number touching a letter is part of a
//     word ("5th", "A17"), one with a sign is signed ("-1", "+4", a phone
//     number's "+1555…"), and digits joined to more digits by a separator
//     are a decimal, a time, a date, a range or a phone number ("4.5",
//     "4,5", "10:30", "4-5", "1-800-555-0100"), none of them a score. The
//     one such form that is a score is "N/max", the score over the
//     scale's top ("4/5" on 1-5, "9/10" on 0-10), which reads as N.
//   - It is on the scale as scale.ParseScore reads a score: a whole number
//     from the scale's lowest to its highest, without a leading zero, as
//     every other path that takes a score reads it.
//
// The first number on the scale is the score; numbers before it that are
// not on it are words of the comment ("10" on a 1-5 scale is not a score).
// The comment is the reply without the score: what stands before and after
// it, with the spaces and joining punctuation next to it ("5 - great",
// "Great: 5") left out, and nothing when no letter, number or symbol (an
// emoji is one) is left. Control
// characters other than line breaks and tabs are dropped from it, as a
// survey comment may hold none.
package reply

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ccflow/ccflow/core/scale"
)

// Reading is what a reply says.
type Reading struct {
	// Scored is true when the reply holds a number on the scale: Score is
	// that score and Comment the customer's other words ("" when none).
	Scored  bool
	Score   int
	Comment string
}

// Read reads text, a reply to a survey on scale on. Bytes that are not
// UTF-8 read as U+FFFD, so the comment is always text.
func Read(text string, on scale.Scale) Reading {
	text = strings.ToValidUTF8(text, "\uFFFD")
	for _, n := range numbers(text) {
		score, ok := n.score(on)
		if !ok {
			continue
		}
		return Reading{Scored: true, Score: score, Comment: comment(text[:n.start], text[n.end:])}
	}
	return Reading{}
}

// number is a token of digits in a reply: runs of digits joined by
// separators, from byte start to byte end.
type number struct {
	start, end int
	// runs are its runs of digits, each written in ASCII; seps the
	// separator between each run and the next.
	runs []string
	seps []rune
	// signed is true when a sign stands right before it; mixed when one of
	// its runs mixes the digits of two scripts; touching when a letter
	// stands right before or after it.
	signed, mixed, touching bool
}

// score is the score n gives on the scale, if it is one.
func (n number) score(on scale.Scale) (int, bool) {
	if n.signed || n.mixed || n.touching {
		return 0, false
	}
	switch {
	case len(n.runs) == 1:
	case len(n.runs) == 2 && (n.seps[0] == '/' || n.seps[0] == '／') && n.runs[1] == strconv.Itoa(on.Max()):
		// "4/5": the score over the scale's top.
	default:
		return 0, false
	}
	score, err := on.ParseScore("score", n.runs[0])
	return score, err == nil
}

// separators join runs of digits into one token: a decimal point or
// comma, a time's colon, a date's or a fraction's slash, hyphens and
// dashes, their full-width forms, and the Arabic decimal and thousands
// separators.
const separators = ".,:/-‐‑‒–—−．，：／－٫٬"

// signs make the number after them signed when nothing but a space, the
// start or a non-digit stands before them.
const signs = "+-−"

// numbers lists the tokens of digits in text, in order.
func numbers(text string) []number {
	var out []number
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if _, ok := digitValue(r); !ok {
			i += size
			continue
		}
		n := number{start: i}
		if before, bsize := utf8.DecodeLastRuneInString(text[:i]); bsize > 0 {
			switch {
			case strings.ContainsRune(signs, before):
				prior, _ := utf8.DecodeLastRuneInString(text[:i-bsize])
				_, priorDigit := digitValue(prior)
				n.signed = !priorDigit
			case wordLetter(before):
				n.touching = true
			}
		}
		for {
			run, mixed, next := digitRun(text, i)
			n.runs = append(n.runs, run)
			n.mixed = n.mixed || mixed
			i = next
			sep, ssize := utf8.DecodeRuneInString(text[i:])
			if ssize == 0 || !strings.ContainsRune(separators, sep) {
				break
			}
			after, _ := utf8.DecodeRuneInString(text[i+ssize:])
			if _, ok := digitValue(after); !ok {
				break
			}
			n.seps = append(n.seps, sep)
			i += ssize
		}
		n.end = i
		if after, _ := utf8.DecodeRuneInString(text[i:]); wordLetter(after) {
			n.touching = true
		}
		out = append(out, n)
	}
	return out
}

// unspaced are the scripts written without spaces between words, where a
// number stands right beside the words around it: "5点です", "5점이요",
// "ให้5คะแนน".
var unspaced = []*unicode.RangeTable{
	unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul,
	unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar,
}

// wordLetter reports whether r is a letter that makes a number beside it
// part of a word ("5th", "A17"): a letter of a script that spaces its
// words.
func wordLetter(r rune) bool {
	return unicode.IsLetter(r) && !unicode.IsOneOf(unspaced, r)
}

// digitRun reads the run of digits at text[i:], written in ASCII, whether
// it mixes scripts, and where it ends.
func digitRun(text string, i int) (run string, mixed bool, end int) {
	var b strings.Builder
	var zero rune = -1
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		v, ok := digitValue(r)
		if !ok {
			break
		}
		if z := r - rune(v); zero == -1 {
			zero = z
		} else if z != zero {
			mixed = true
		}
		b.WriteByte(byte('0' + v))
		i += size
	}
	return b.String(), mixed, i
}

// digitValue is the value of a decimal digit of any script (Unicode's Nd).
// Unicode encodes each script's digits 0 to 9 in a row, and the Nd table's
// ranges are such rows side by side, so a digit's value is its distance
// from its range's start, modulo ten.
func digitValue(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if r < 0x80 || !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	return 0, false
}

// joiners are what may stand between a score and the words beside it
// without being words: "5 - great", "Great: 5", "5, thanks".
const joiners = " \t\r\n\u00a0\u3000-‐‑‒–—−:;,.=、。，："

// comment is the reply's words around the score: before and after it.
func comment(before, after string) string {
	before = strings.TrimRight(before, joiners)
	after = strings.TrimLeft(after, joiners)
	var c string
	switch {
	case before == "":
		c = after
	case after == "":
		c = before
	default:
		c = before + " " + after
	}
	c = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return -1
		}
		return r
	}, c)
	c = strings.TrimSpace(c)
	if strings.IndexFunc(c, func(r rune) bool { return unicode.In(r, unicode.L, unicode.N, unicode.S) }) < 0 {
		return "" // punctuation, marks and spaces say nothing: "5!", a keycap's "3️⃣"
	}
	return c
}
