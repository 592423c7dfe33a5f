package brand

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ccflow/ccflow/core/validation"
)

// Bounds of a document's texts and services.
const (
	maxName     = 200
	maxContact  = 300
	maxServices = 200
	// maxServiceName is the entries' service limit.
	maxServiceName = 200
)

var (
	nameText    = validation.Line(maxName)
	contactText = validation.Line(maxContact)
	serviceText = validation.Line(maxServiceName)
)

// Decode reads a brand document strictly, as PUT /v1/brand takes it:
//
//	{"name": "Acme Support", "logo": "data:image/png;base64,…",
//	 "accent": "#0B5FFF", "contact": "Call us at +1 555 0100",
//	 "services": {"Billing Support": {"name": "Acme Billing", …}}}
//
// Every field is optional; "logo_url" and "updated_at" (what GET answers
// beside the others) are ignored, so a document read can be written back. An unknown field, a
// value of the wrong type, an accent that is no #RRGGBB, a logo that is
// not a PNG or JPEG within bounds, a text too long or with control
// characters: each is a validation error naming its field
// ("services.Billing Support.accent").
func Decode(data []byte) (Document, error) {
	if err := validation.StrictJSON(data); err != nil {
		return Document{}, validation.Errors{err}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return Document{}, validation.Errors{validation.Errorf("", "the brand must be a JSON object")}
	}
	var d Document
	var errs validation.Errors
	d.Brand, errs = decodeBrand(raw, "", true)
	if v, ok := raw["services"]; ok {
		var services map[string]json.RawMessage
		if err := json.Unmarshal(v, &services); err != nil {
			errs = append(errs, validation.Errorf("services", "must be an object of brands by service name"))
		} else if len(services) > maxServices {
			errs = append(errs, validation.Errorf("services", "has %d services; at most %d may have a brand of their own", len(services), maxServices))
		} else {
			for _, name := range slices.Sorted(maps.Keys(services)) {
				at := validation.Join("services", validation.Shorten(name))
				if err := serviceText.Check(at, name); err != nil || strings.TrimSpace(name) == "" {
					if err == nil {
						err = validation.Errorf(at, "a service's name is required")
					}
					errs = append(errs, err)
					continue
				}
				var fields map[string]json.RawMessage
				if err := json.Unmarshal(services[name], &fields); err != nil || fields == nil {
					errs = append(errs, validation.Errorf(at, "must be an object: a brand with name, logo, accent and contact"))
					continue
				}
				b, e := decodeBrand(fields, at, false)
				errs = append(errs, e...)
				if d.Services == nil {
					d.Services = map[string]Brand{}
				}
				d.Services[strings.TrimSpace(name)] = b
			}
		}
	}
	if len(errs) > 0 {
		return Document{}, errs
	}
	return d, nil
}

// decodeBrand reads one brand's fields at path; top says whether it is
// the document itself, where "services" and "logo_url" are allowed too.
func decodeBrand(raw map[string]json.RawMessage, path string, top bool) (Brand, validation.Errors) {
	var b Brand
	var errs validation.Errors
	text := func(key string, rule validation.Text, into *string) {
		at := validation.Join(path, key)
		var s string
		if err := json.Unmarshal(raw[key], &s); err != nil {
			errs = append(errs, validation.Errorf(at, "must be a string"))
			return
		}
		s = strings.TrimSpace(s)
		if err := rule.Check(at, s); err != nil {
			errs = append(errs, err)
			return
		}
		*into = s
	}
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		at := validation.Join(path, key)
		switch key {
		case "name":
			text(key, nameText, &b.Name)
		case "contact":
			text(key, contactText, &b.Contact)
		case "accent":
			var s string
			text(key, validation.Line(32), &s)
			if s == "" {
				continue
			}
			if err := CheckAccent(s); err != nil {
				errs = append(errs, validation.Errorf(at, "%s", err))
				continue
			}
			b.Accent = NormalizeAccent(s)
		case "logo":
			var s string
			if err := json.Unmarshal(raw[key], &s); err != nil {
				errs = append(errs, validation.Errorf(at, "must be a string: a data: URL of a PNG or JPEG image"))
				continue
			}
			if s == "" {
				continue
			}
			if !utf8.ValidString(s) {
				errs = append(errs, validation.Errorf(at, "is not valid UTF-8 text"))
				continue
			}
			logo, err := ParseLogo(s)
			if err != nil {
				errs = append(errs, validation.Errorf(at, "%s", err))
				continue
			}
			b.Logo = logo
		case "logo_url":
			// Answered by GET beside the logo; written back, it says nothing.
		case "updated_at":
			// Answered by GET for the document; likewise.
			if !top {
				errs = append(errs, validation.Errorf(at, "unknown field"))
			}
		case "services":
			if !top {
				errs = append(errs, validation.Errorf(at, "unknown field: only the document has services"))
			}
		default:
			errs = append(errs, validation.Errorf(at, "unknown field"))
		}
	}
	return b, errs
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
