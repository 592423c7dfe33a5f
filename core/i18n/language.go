package i18n

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// Default is the language of ccflow's words, and of an entry that names no
// default_language.
const Default = "en"

// maxTagLength bounds a tag: the longest BCP 47 tags in common use are
// far shorter, and the parser's work grows with the input.
const maxTagLength = 35

// Parse checks that tag is a BCP 47 language tag naming a known language,
// and returns its canonical form ("ES-mx" is "es-MX", "iw" is "he"). A tag
// that is malformed, or well formed but unknown ("xx", "english"), is an
// error saying so.
func Parse(tag string) (string, error) {
	t := strings.TrimSpace(tag)
	if t == "" {
		return "", fmt.Errorf("is empty: give a language tag such as %q or %q", "es", "pt-BR")
	}
	if len(t) > maxTagLength {
		return "", fmt.Errorf("%q is longer than a language tag (%d characters at most)", t[:maxTagLength]+"…", maxTagLength)
	}
	parsed, err := language.Parse(t)
	if err != nil {
		return "", fmt.Errorf("%q is not a known language tag (BCP 47, such as %q or %q)", t, "es", "pt-BR")
	}
	return parsed.String(), nil
}

// Match returns the tag of supported (as written there) closest to want, a
// customer's language: the same language before a related one, a region
// of it before another ("es-MX" takes "es" before "es-ES"), and
// supported[0] (the default) when none is close or want is empty or no
// tag. supported must not be empty; its tags that do not parse are never
// chosen, unless they come first.
func Match(want string, supported []string) string {
	if len(supported) == 0 {
		panic("i18n: Match needs at least one supported language")
	}
	tags, index := parseAll(supported)
	desired, err := language.Parse(strings.TrimSpace(want))
	if err != nil || len(tags) == 0 {
		return supported[0]
	}
	return matchTags(tags, index, supported, desired)
}

// MatchAccept is Match for the languages a browser asks for, an
// Accept-Language header ("es-MX,es;q=0.9,en;q=0.8"): the closest to its
// most wanted languages, else supported[0].
func MatchAccept(acceptLanguage string, supported []string) string {
	if len(supported) == 0 {
		panic("i18n: MatchAccept needs at least one supported language")
	}
	if len(acceptLanguage) > 1000 {
		acceptLanguage = acceptLanguage[:1000] // a real header is short
	}
	tags, index := parseAll(supported)
	desired, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(desired) == 0 || len(tags) == 0 {
		return supported[0]
	}
	return matchTags(tags, index, supported, desired...)
}

// parseAll parses the supported tags, keeping the index of each parsed one
// in supported; the first tag always counts, as the default, even when it
// does not parse (und).
func parseAll(supported []string) ([]language.Tag, []int) {
	var tags []language.Tag
	var index []int
	for i, s := range supported {
		t, err := language.Parse(s)
		if err != nil {
			if i != 0 {
				continue
			}
			t = language.Und
		}
		tags = append(tags, t)
		index = append(index, i)
	}
	return tags, index
}

func matchTags(tags []language.Tag, index []int, supported []string, desired ...language.Tag) string {
	// The matcher puts the first tag first when nothing matches, which
	// is the default.
	_, i, conf := language.NewMatcher(tags).Match(desired...)
	if conf == language.No {
		return supported[0]
	}
	return supported[index[i]]
}
