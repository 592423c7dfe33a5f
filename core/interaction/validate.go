package interaction

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/mail"
	"slices"
	"strings"
	_ "time/tzdata" // customers' time zones must load on any machine, with or without zoneinfo files
	"unicode/utf8"

	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/vars"
	"github.com/ccflow/ccflow/core/zones"
)

// maxIDLength bounds interaction_id: it becomes part of a Temporal workflow ID.
const maxIDLength = 128

// Limits of the event's other text fields. Values that become search
// attributes (service, customer.id, disposition) stay far below
// Temporal's 2 KiB per value: 200 characters are at most 800 bytes.
const (
	maxTextLength     = 200
	maxEmailLength    = 254 // RFC 5321's longest path
	maxTimeZoneLength = 64
	maxLanguageLength = 35 // the longest BCP 47 tag in common use
	maxChannelLength  = 100
	maxVariableName   = 64
	maxVariableValue  = 2000
)

// TextRules are the rules of the event's text fields, by JSON path, for
// documentation; Validate applies them. interaction_id has its own
// alphabet, and customer.phone is E.164.
var TextRules = map[string]validation.Text{
	"service":             validation.Line(maxTextLength),
	"channel":             validation.Line(maxChannelLength),
	"disposition":         validation.Line(maxTextLength),
	"agent.id":            validation.Line(maxTextLength),
	"agent.name":          validation.Line(maxTextLength),
	"customer.id":         validation.Line(maxTextLength),
	"customer.first_name": validation.Line(maxTextLength),
	"customer.last_name":  validation.Line(maxTextLength),
	"customer.email":      validation.Line(maxEmailLength),
	"customer.time_zone":  validation.Line(maxTimeZoneLength),
	"customer.language":   validation.Line(maxLanguageLength),
	"case.id":             validation.Line(maxTextLength),
	"case.number":         validation.Line(maxTextLength),
	"case.disposition":    validation.Line(maxTextLength),
	"variables.*":         validation.Lines(maxVariableValue),
}

// texts lists e's text fields with their paths, in the order of the event.
func (e Event) texts() [][2]string {
	out := [][2]string{{"service", e.Service}, {"channel", e.Channel}, {"disposition", e.Disposition}}
	if a := e.Agent; a != nil {
		out = append(out, [2]string{"agent.id", a.ID}, [2]string{"agent.name", a.Name})
	}
	if c := e.Customer; c != nil {
		out = append(out, [2]string{"customer.id", c.ID}, [2]string{"customer.first_name", c.FirstName},
			[2]string{"customer.last_name", c.LastName}, [2]string{"customer.email", c.Email},
			[2]string{"customer.time_zone", c.TimeZone}, [2]string{"customer.language", c.Language})
	}
	if c := e.Case; c != nil {
		out = append(out, [2]string{"case.id", c.ID}, [2]string{"case.number", c.Number},
			[2]string{"case.disposition", c.Disposition})
	}
	return out
}

// Validate reports every problem with e as validation.Errors, or nil. Field
// paths use the JSON names, e.g. "customer.email".
func (e Event) Validate() error {
	var errs validation.Errors
	add := func(err *validation.FieldError) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkInteractionID(e.InteractionID))
	// A text field that breaks its rule gets no other check: its value
	// may be too long to repeat in a message, or not text at all.
	bad := map[string]bool{}
	for _, f := range e.texts() {
		if err := TextRules[f[0]].Check(f[0], f[1]); err != nil {
			bad[f[0]] = true
			add(err)
		}
	}
	if strings.TrimSpace(e.Service) == "" {
		add(validation.Errorf("service", "is required"))
	}
	if s := e.AverageSentiment; s != nil && (math.IsNaN(*s) || *s < -1 || *s > 1) {
		add(validation.Errorf("average_sentiment", "%v is not between -1 and 1", *s))
	}
	if c := e.Customer; c != nil {
		if !bad["customer.email"] {
			add(checkEmail("customer.email", c.Email))
		}
		add(checkPhone("customer.phone", c.Phone))
		if !bad["customer.time_zone"] {
			add(checkTimeZone("customer.time_zone", c.TimeZone))
		}
	}
	errs = append(errs, checkVariables(e.Variables)...)
	sortByField(errs)
	return errs.Err()
}

// fieldOrder is the order of an event's fields, for reporting problems in
// the order of the event.
var fieldOrder = []string{"interaction_id", "service", "channel", "disposition", "average_sentiment", "agent", "customer", "case", "variables"}

// sortByField puts problems in the order of the event's fields, keeping the
// order found within one field.
func sortByField(errs validation.Errors) {
	rank := func(path string) int {
		root, _, _ := strings.Cut(path, ".")
		return slices.Index(fieldOrder, root)
	}
	slices.SortStableFunc(errs, func(a, b *validation.FieldError) int { return rank(a.Path) - rank(b.Path) })
}

func checkInteractionID(id string) *validation.FieldError {
	const path = "interaction_id"
	switch {
	case id == "":
		return validation.Errorf(path, "is required")
	case len(id) > maxIDLength:
		return validation.Errorf(path, "%s is longer than %d characters", validation.Quote(id), maxIDLength)
	}
	for _, c := range id {
		if !isIDChar(c) {
			return validation.Errorf(path, "%q may only contain letters, digits, '.', '_', ':' and '-'", id)
		}
	}
	return nil
}

func isIDChar(c rune) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '_' || c == ':' || c == '-'
}

// checkEmail accepts a bare address only: a display name or angle brackets
// would end up inside the SMTP envelope.
func checkEmail(path, email string) *validation.FieldError {
	if email == "" {
		return nil
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return validation.Errorf(path, "%q is not an email address", email)
	}
	return nil
}

// checkPhone accepts E.164 numbers, the form Twilio requires.
func checkPhone(path, phone string) *validation.FieldError {
	if phone == "" {
		return nil
	}
	digits, ok := strings.CutPrefix(phone, "+")
	valid := ok && len(digits) >= 7 && len(digits) <= 15 && digits[0] != '0'
	for _, c := range digits {
		valid = valid && c >= '0' && c <= '9'
	}
	if !valid {
		return validation.Errorf(path, "%q is not an E.164 phone number (e.g. +15551234567)", phone)
	}
	return nil
}

func checkTimeZone(path, tz string) *validation.FieldError {
	if tz == "" {
		return nil
	}
	// "Local" loads, but means the server's zone, not the customer's.
	if _, err := zones.Load(tz); err != nil || tz == "Local" {
		return validation.Errorf(path, "%q is not an IANA time zone (e.g. America/New_York)", tz)
	}
	return nil
}

// checkVariables walks the keys in sorted order so the errors come out in
// the same order every time.
func checkVariables(vs map[string]any) validation.Errors {
	var errs validation.Errors
	for _, k := range slices.Sorted(maps.Keys(vs)) {
		path := "variables." + validation.Shorten(k)
		switch {
		case utf8.RuneCountInString(k) > maxVariableName:
			errs = append(errs, validation.Errorf(path, "%s is longer than %d characters", validation.Quote(k), maxVariableName))
		case !isSimpleName(k):
			errs = append(errs, validation.Errorf(path, "%q is not a variable name (a letter or _, then letters, digits or _)", k))
		case vars.IsReserved(k):
			errs = append(errs, validation.Errorf(path, "%q is reserved (reserved names: %s)", k, strings.Join(vars.Reserved, ", ")))
		default:
			if err := checkScalar(vs[k]); err != nil {
				errs = append(errs, validation.Errorf(path, "%s", err))
			} else if text, ok := vs[k].(string); ok {
				if err := TextRules["variables.*"].Check(path, text); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errs
}

// isSimpleName reports whether k is one undotted variable name; dotted
// names belong to ccflow's own roots such as customer.email.
func isSimpleName(k string) bool {
	return templates.ValidName(k) && !strings.Contains(k, ".")
}

func checkScalar(x any) error {
	switch t := x.(type) {
	case string, bool, int, int64:
		return nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return fmt.Errorf("%v is not a finite number", t)
		}
		return nil
	case nil:
		return errors.New("must be a string, number or bool, not null")
	case map[string]any:
		return errors.New("must be a string, number or bool, not an object")
	case []any:
		return errors.New("must be a string, number or bool, not a list")
	}
	return fmt.Errorf("must be a string, number or bool, not %T", x)
}

// CheckInteractionID reports what is wrong with an interaction id, as
// interaction_id, or nil: the rule of the event's own.
func CheckInteractionID(id string) *validation.FieldError { return checkInteractionID(id) }

// CheckCaseID reports what is wrong with a case id, at path, or nil: it is
// required, and follows the rule of the event's case.id.
func CheckCaseID(path, id string) *validation.FieldError {
	if id == "" {
		return validation.Errorf(path, "is required")
	}
	return TextRules["case.id"].Check(path, id)
}
