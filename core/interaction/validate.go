package interaction

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/mail"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // customers' time zones must load on any machine, with or without zoneinfo files

	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/vars"
)

// maxIDLength bounds interaction_id: it becomes part of a Temporal workflow ID.
const maxIDLength = 128

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
	if strings.TrimSpace(e.Service) == "" {
		add(validation.Errorf("service", "is required"))
	}
	if s := e.AverageSentiment; s != nil && (math.IsNaN(*s) || *s < -1 || *s > 1) {
		add(validation.Errorf("average_sentiment", "%v is not between -1 and 1", *s))
	}
	if c := e.Customer; c != nil {
		add(checkEmail("customer.email", c.Email))
		add(checkPhone("customer.phone", c.Phone))
		add(checkTimeZone("customer.time_zone", c.TimeZone))
	}
	errs = append(errs, checkVariables(e.Variables)...)
	return errs.Err()
}

func checkInteractionID(id string) *validation.FieldError {
	const path = "interaction_id"
	switch {
	case id == "":
		return validation.Errorf(path, "is required")
	case len(id) > maxIDLength:
		return validation.Errorf(path, "%q is longer than %d characters", id, maxIDLength)
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
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
		return validation.Errorf(path, "%q is not an IANA time zone (e.g. America/New_York)", tz)
	}
	return nil
}

// checkVariables walks the keys in sorted order so the errors come out in
// the same order every time.
func checkVariables(vs map[string]any) validation.Errors {
	var errs validation.Errors
	for _, k := range slices.Sorted(maps.Keys(vs)) {
		path := "variables." + k
		switch {
		case !isSimpleName(k):
			errs = append(errs, validation.Errorf(path, "%q is not a variable name (a letter or _, then letters, digits or _)", k))
		case vars.IsReserved(k):
			errs = append(errs, validation.Errorf(path, "%q is reserved (reserved names: %s)", k, strings.Join(vars.Reserved, ", ")))
		default:
			if err := checkScalar(vs[k]); err != nil {
				errs = append(errs, validation.Errorf(path, "%s", err))
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
