package simulate

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// htmlText is the text an HTML body shows, a line per block, for the
// preview of an email that has no text part.
func htmlText(body string) string {
	if strings.TrimSpace(body) == "" {
		return ""
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return body
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style" || n.Data == "head"):
			return
		case n.Type == html.ElementNode && n.Data == "br":
			b.WriteString("\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode && n.Data == "a" {
			for _, a := range n.Attr {
				if a.Key == "href" && a.Val != "" && !strings.Contains(textOf(n), a.Val) {
					b.WriteString(" (" + a.Val + ")")
				}
			}
		}
		if n.Type == html.ElementNode && blocks[n.Data] {
			b.WriteString("\n")
		}
	}
	walk(doc)
	lines := strings.Split(b.String(), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(spaces.ReplaceAllString(l, " ")); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// blocks are the elements that end a line of text.
var blocks = map[string]bool{"p": true, "div": true, "li": true, "tr": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "table": true, "ul": true, "ol": true, "blockquote": true}

var spaces = regexp.MustCompile(`\s+`)

// textOf is the text inside n.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// sortedKeys are m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
