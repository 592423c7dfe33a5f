// Package i18n chooses the language a customer reads and holds ccflow's own
// words in every language it speaks: the survey and unsubscribe pages, the
// survey email's buttons and lines, and the SMS wording ccflow writes
// itself (the reply prompt and the clarifying SMS of surveys answered by
// reply).
//
// It is pure: no I/O at run time (the catalog is embedded in the binary),
// so the workflow interpreter may call it as freely as the starter's pages.
// Everything here is deterministic: the same tags and the same build give
// the same choice and the same words, which is what a workflow's replay
// needs.
//
// # Choosing a language
//
// Tags are BCP 47 ("es", "es-MX", "pt-BR", "ja"). Match chooses among the
// tags on offer the one closest to the customer's, with the language
// matcher of golang.org/x/text/language ("es-MX" takes "es", "zh-TW" takes
// "zh-Hant", "nb" takes "no"), and the first on offer (the default) when
// none is close. MatchAccept does the same for a browser's
// Accept-Language header, weights and all. Parse checks a tag and returns
// its canonical form ("ES-mx" is "es-MX"); a tag that is well formed but
// names no known language ("xx") is refused.
//
// # The catalog
//
// ccflow's own words are data, one JSON file per language under messages/
// ({"key": "text"}), loaded once into a golang.org/x/text/message catalog.
// Words(lang) gives the words of the catalog language closest to lang;
// Words.T(key, args...) formats a message as fmt does, but with the
// language's own number formatting ("2,000" in English, "2.000" in German).
// A key missing in one language falls back to English; the tests require
// every language to have every key, with the same verbs in the same order.
//
// To add a language, add messages/<tag>.json with every key of en.json:
// nothing else lists the languages. Right-to-left scripts (Arabic, Hebrew,
// Persian) are not supported yet: the pages and emails are laid out left
// to right, and the catalog has none of them.
package i18n
