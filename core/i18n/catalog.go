package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

//go:embed messages/*.json
var messageFiles embed.FS

// words is the catalog as loaded from messageFiles.
var words = mustLoad()

// loaded is the catalog: the x/text catalog the printers read, the
// languages it has (Default first) and each language's messages, for the
// tests and for Has.
type loaded struct {
	catalog   *catalog.Builder
	languages []string
	messages  map[string]map[string]string
}

func mustLoad() *loaded {
	l, err := load(messageFiles)
	if err != nil {
		panic("i18n: " + err.Error())
	}
	return l
}

// load reads every messages/<tag>.json of files into a catalog. A file
// that does not parse, is named for no language, or holds an empty
// message is an error: the catalog is part of the build, and every test
// run loads it.
func load(files embed.FS) (*loaded, error) {
	names, err := files.ReadDir("messages")
	if err != nil {
		return nil, fmt.Errorf("reading the catalog: %w", err)
	}
	l := &loaded{
		catalog:  catalog.NewBuilder(catalog.Fallback(language.MustParse(Default))),
		messages: map[string]map[string]string{},
	}
	for _, f := range names {
		lang, ok := strings.CutSuffix(f.Name(), ".json")
		if !ok {
			continue
		}
		canonical, err := Parse(lang)
		if err != nil || canonical != lang {
			return nil, fmt.Errorf("catalog file %s: the name must be a canonical language tag", f.Name())
		}
		data, err := files.ReadFile(path.Join("messages", f.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading catalog file %s: %w", f.Name(), err)
		}
		var msgs map[string]string
		if err := json.Unmarshal(data, &msgs); err != nil {
			return nil, fmt.Errorf("catalog file %s: %w", f.Name(), err)
		}
		tag := language.MustParse(lang)
		for _, key := range slices.Sorted(maps.Keys(msgs)) {
			if strings.TrimSpace(msgs[key]) == "" {
				return nil, fmt.Errorf("catalog file %s: %q is empty", f.Name(), key)
			}
			if err := l.catalog.SetString(tag, key, msgs[key]); err != nil {
				return nil, fmt.Errorf("catalog file %s: %q: %w", f.Name(), key, err)
			}
		}
		l.messages[lang] = msgs
	}
	if l.messages[Default] == nil {
		return nil, fmt.Errorf("the catalog has no %s.json, the language every other falls back to", Default)
	}
	l.languages = append([]string{Default}, slices.DeleteFunc(slices.Sorted(maps.Keys(l.messages)), func(s string) bool { return s == Default })...)
	return l, nil
}

// Languages lists the languages of ccflow's own words, Default first, the
// others sorted: en, de, es, fr, ja and any added since.
func Languages() []string { return slices.Clone(words.languages) }

// Words are ccflow's own words in one language of the catalog. A Words is
// meant for one page or message: make one with For where it is needed; it
// is not safe for concurrent use.
type Words struct {
	lang    string
	printer *message.Printer
}

// For returns the words of the catalog language closest to lang (Match
// over Languages): "es-MX" gives Spanish, "pt" (no Portuguese yet) gives
// English.
func For(lang string) Words {
	chosen := Match(lang, words.languages)
	return Words{lang: chosen, printer: message.NewPrinter(language.MustParse(chosen), message.Catalog(words.catalog))}
}

// Lang is the catalog language of w, for a page's lang attribute.
func (w Words) Lang() string { return w.lang }

// T formats the message key with args, as fmt.Sprintf formats its format
// string, in w's language: numbers are written the language's way. A key
// the language lacks falls back to English; a key the catalog lacks
// altogether is returned as it is (the tests keep that from happening).
func (w Words) T(key string, args ...any) string {
	if w.printer == nil {
		w = For(Default)
	}
	return w.printer.Sprintf(key, args...)
}

// Has reports whether the catalog has key in English, the language every
// key must be in.
func Has(key string) bool {
	_, ok := words.messages[Default][key]
	return ok
}
