package api

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/usecase"
)

// simulationBody is the body of POST /v1/simulations. The entry and the
// policy are kept as they came, to be read by their own decoders (the
// entry API's and PUT /v1/policy's), whose problems name the field under
// "entry" and "policy".
type simulationBody struct {
	Entry    jsontext.Value      `json:"entry,omitzero"`
	EntryID  string              `json:"entry_id,omitempty"`
	Event    *interaction.Event  `json:"event,omitempty"`
	Events   []interaction.Event `json:"events,omitempty"`
	Recorded *recordedPeriod     `json:"recorded,omitempty"`
	Customer *simulatedCustomer  `json:"customer,omitempty"`
	Policy   jsontext.Value      `json:"policy,omitzero"`
	Now      *time.Time          `json:"now,omitempty"`
}

type recordedPeriod struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// simulatedCustomer is what the customers do: Answers is {"score": 2,
// "after": "3h"} or "none"; Delivery is "delivered" or "undelivered".
type simulatedCustomer struct {
	Answers  jsontext.Value `json:"answers,omitzero"`
	Delivery string         `json:"delivery,omitempty"`
}

// simulatedAnswer is the object form of customer.answers.
type simulatedAnswer struct {
	Score *int   `json:"score"`
	After string `json:"after,omitempty"`
}

// simulate is POST /v1/simulations: 200 with the result when the
// simulation ends within a few seconds, else 202 with the job to poll at
// its Location; 429 with Retry-After when the starter runs as many
// simulations as it runs at once.
func (s *server) simulate(w http.ResponseWriter, r *http.Request) error {
	var body simulationBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	req, err := simulationRequest(body)
	if err != nil {
		return err
	}
	sim, err := s.Service.Simulate(r.Context(), req)
	var busy *usecase.BusyError
	if errors.As(err, &busy) {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(busy.RetryAfter.Seconds()))))
	}
	if err != nil {
		return err
	}
	if sim.Status == usecase.SimulationDone {
		writeJSON(w, http.StatusOK, sim.Result)
		return nil
	}
	w.Header().Set("Location", "/v1/simulations/"+url.PathEscape(sim.ID))
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusAccepted, sim)
	return nil
}

// getSimulation is GET /v1/simulations/{id}: the job, with its result
// once done.
func (s *server) getSimulation(w http.ResponseWriter, r *http.Request) error {
	sim, err := s.Service.SimulationJob(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sim)
	return nil
}

// simulationRequest reads the parts of body their own decoders read,
// naming each problem's field in the request.
func simulationRequest(body simulationBody) (usecase.SimulationRequest, error) {
	req := usecase.SimulationRequest{EntryID: body.EntryID, Event: body.Event, Events: body.Events, Now: body.Now}
	var errs validation.Errors
	if given(body.Entry) {
		e, err := entry.Decode(body.Entry)
		if err != nil {
			errs = append(errs, under("entry", err)...)
		}
		req.Entry = &e
	}
	if given(body.Policy) {
		p, err := policy.Decode(body.Policy)
		if err != nil {
			errs = append(errs, under("policy", err)...)
		}
		req.Policy = &p
	}
	if r := body.Recorded; r != nil {
		req.Recorded = &usecase.SimulationPeriod{From: r.From, To: r.To}
	}
	if c := body.Customer; c != nil {
		switch c.Delivery {
		case "", "delivered":
		case "undelivered":
			req.Undelivered = true
		default:
			errs = append(errs, validation.Errorf("customer.delivery", "%q is neither delivered nor undelivered", c.Delivery))
		}
		a, err := answerOf(c.Answers)
		if err != nil {
			errs = append(errs, under("", err)...)
		}
		req.Answer = a
	}
	if len(errs) > 0 {
		return req, errs
	}
	return req, nil
}

// answerOf reads customer.answers: "none", or an answer.
func answerOf(raw jsontext.Value) (*usecase.SimulatedAnswer, error) {
	const path = "customer.answers"
	if !given(raw) || string(bytes.TrimSpace(raw)) == `"none"` {
		return nil, nil
	}
	if raw.Kind() != '{' {
		return nil, validation.Errorf(path, `must be "none" or an answer such as {"score": 2, "after": "3h"}`)
	}
	var a simulatedAnswer
	if err := unmarshalStrict(raw, &a); err != nil {
		var apiErr *apiError
		if errors.As(err, &apiErr) {
			return nil, validation.Errorf(validation.Join(path, apiErr.Field), "%s", trimField(apiErr.Message, apiErr.Field))
		}
		return nil, validation.Errorf(path, "%v", err)
	}
	if a.Score == nil {
		return nil, validation.Errorf(path+".score", "is required (the score the customer gives)")
	}
	out := &usecase.SimulatedAnswer{Score: *a.Score}
	if a.After != "" {
		d, err := durations.Parse(a.After)
		if err != nil {
			return nil, validation.Errorf(path+".after", "%v", err)
		}
		out.After = d
	}
	return out, nil
}

// trimField is a problem's message without the field it starts with.
func trimField(message, field string) string {
	if field == "" {
		return message
	}
	if rest, ok := bytes.CutPrefix([]byte(message), []byte(field+": ")); ok {
		return string(rest)
	}
	return message
}

// given reports whether a raw member was given at all (not null).
func given(v jsontext.Value) bool {
	t := bytes.TrimSpace(v)
	return len(t) > 0 && string(t) != "null"
}

// under puts the problems of a nested document under path.
func under(path string, err error) validation.Errors {
	var all validation.Errors
	if !errors.As(err, &all) {
		if fe := validation.First(err); fe != nil {
			all = validation.Errors{fe}
		} else {
			all = validation.Errors{validation.Errorf("", "%v", err)}
		}
	}
	out := make(validation.Errors, len(all))
	for i, fe := range all {
		out[i] = &validation.FieldError{Path: validation.Join(path, fe.Path), Message: fe.Message}
	}
	return out
}
