// Package export writes lists as files a spreadsheet or a pipeline reads:
// CSV (RFC 4180, a header row, every cell safe to open in a spreadsheet)
// and newline-delimited JSON, one item at a time, flushing as it goes, so
// an export of any size holds one item in memory. The JSON API and the
// console export the same lists through it.
package export

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
)

// Media types of the exports.
const (
	CSV    = "text/csv"
	NDJSON = "application/x-ndjson"
)

// Negotiate returns the export format the Accept header asks for first
// (CSV or NDJSON), or "" when it asks for neither (JSON pages).
func Negotiate(accept string) string {
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case CSV, NDJSON:
			return mt
		case "application/json":
			return ""
		}
	}
	return ""
}

// Writer writes items to an HTTP answer in one format.
type Writer struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	csv    *csv.Writer
	json   *json.Encoder
	header []string
	// pending counts the items written since the last flush.
	pending int
}

// flushEvery is how many items are written between flushes: the client
// gets them as they come, in writes of a reasonable size.
const flushEvery = 200

// NewWriter starts an answer in format (CSV or NDJSON) with status 200;
// name is the file name a browser saves it as (name.csv), header the CSV
// columns.
func NewWriter(w http.ResponseWriter, format, name string, header []string) *Writer {
	h := w.Header()
	ew := &Writer{w: w, rc: http.NewResponseController(w), header: header}
	switch format {
	case CSV:
		h.Set("Content-Type", "text/csv; charset=utf-8; header=present")
		h.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		ew.csv = csv.NewWriter(w)
		ew.csv.UseCRLF = true // RFC 4180
	default:
		h.Set("Content-Type", NDJSON)
		ew.json = json.NewEncoder(w)
		ew.json.SetEscapeHTML(false)
	}
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if ew.csv != nil {
		_ = ew.csv.Write(header) // an error shows in the next write's
	}
	return ew
}

// Write writes one item: v as a JSON line, or record as a CSV row.
func (e *Writer) Write(v any, record []string) error {
	var err error
	if e.csv != nil {
		cells := make([]string, len(record))
		for i, c := range record {
			cells[i] = SafeCell(c)
		}
		err = e.csv.Write(cells)
	} else {
		err = e.json.Encode(v)
	}
	if err != nil {
		return err
	}
	if e.pending++; e.pending >= flushEvery {
		return e.Flush()
	}
	return nil
}

// Flush sends what was written so far to the client.
func (e *Writer) Flush() error {
	e.pending = 0
	if e.csv != nil {
		e.csv.Flush()
		if err := e.csv.Error(); err != nil {
			return err
		}
	}
	if err := e.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// SafeCell makes a CSV cell safe to open in a spreadsheet: a cell that
// would start a formula (=, +, -, @, or a tab or carriage return before
// one) is written with a leading apostrophe, which spreadsheets show as
// text, so a customer's comment like "=HYPERLINK(…)" cannot run. Numbers
// ccflow writes itself (scores, versions) never start so.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
