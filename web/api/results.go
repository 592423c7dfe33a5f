package api

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/export"
)

// queryParams checks that the query names only known parameters, each
// once, and returns it: a misspelt filter is a 400 naming it, not a
// filter silently ignored.
func queryParams(r *http.Request, known ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &apiError{Status: http.StatusBadRequest, Code: codeInvalidField, Message: "the query string does not parse: " + err.Error()}
	}
	for name, values := range q {
		switch {
		case !slices.Contains(known, name):
			return nil, &apiError{Status: http.StatusBadRequest, Code: codeUnknownField, Field: name,
				Message: name + ": unknown query parameter"}
		case len(values) > 1:
			return nil, errField(name, "is given %d times; give it once", len(values))
		}
	}
	return q, nil
}

// getResults is GET /v1/results.
func (s *server) getResults(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "from", "to", "tz", "group_by", "entry", "service", "agent", "disposition", "channel")
	if err != nil {
		return err
	}
	answer, err := s.Service.Results(r.Context(), usecase.ResultsRequest{
		From: q.Get("from"), To: q.Get("to"), TZ: q.Get("tz"), GroupBy: q.Get("group_by"),
		Entry: q.Get("entry"), Service: q.Get("service"), Agent: q.Get("agent"),
		Disposition: q.Get("disposition"), Channel: q.Get("channel"),
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, answer)
	return nil
}

// answersRequest reads GET /v1/answers' parameters.
func answersRequest(r *http.Request) (usecase.AnswersRequest, error) {
	q, err := queryParams(r, "from", "to", "tz", "entry", "service", "agent", "score_min", "score_max", "order", "cursor", "limit")
	if err != nil {
		return usecase.AnswersRequest{}, err
	}
	return usecase.AnswersRequest{From: q.Get("from"), To: q.Get("to"), TZ: q.Get("tz"), Entry: q.Get("entry"),
		Service: q.Get("service"), Agent: q.Get("agent"), ScoreMin: q.Get("score_min"), ScoreMax: q.Get("score_max"),
		Order: q.Get("order"), Cursor: q.Get("cursor"), Limit: q.Get("limit")}, nil
}

// listAnswers is GET /v1/answers: a page of JSON, or with Accept:
// text/csv or application/x-ndjson every matching answer, streamed.
func (s *server) listAnswers(w http.ResponseWriter, r *http.Request) error {
	req, err := answersRequest(r)
	if err != nil {
		return err
	}
	format := export.Negotiate(r.Header.Get("Accept"))
	if format == "" {
		page, err := s.Service.Answers(r.Context(), req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, page)
		return nil
	}
	if err := s.Service.CheckAnswers(r.Context(), req); err != nil {
		return err
	}
	out := export.NewWriter(w, format, "answers", export.AnswerHeader)
	err = s.Service.EachAnswer(r.Context(), req, func(a usecase.ListedAnswer) error {
		return out.Write(a, export.AnswerRecord(a))
	})
	return s.endExport(r, out, err)
}

// listRuns is GET /v1/runs, as listAnswers.
func (s *server) listRuns(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "from", "to", "tz", "entry", "status", "customer", "interaction", "cursor", "limit")
	if err != nil {
		return err
	}
	req := usecase.RunsRequest{From: q.Get("from"), To: q.Get("to"), TZ: q.Get("tz"), Entry: q.Get("entry"),
		Status: q.Get("status"), Customer: q.Get("customer"), Interaction: q.Get("interaction"),
		Cursor: q.Get("cursor"), Limit: q.Get("limit")}
	format := export.Negotiate(r.Header.Get("Accept"))
	if format == "" {
		page, err := s.Service.Runs(r.Context(), req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, page)
		return nil
	}
	if err := s.Service.CheckRuns(r.Context(), req); err != nil {
		return err
	}
	out := export.NewWriter(w, format, "runs", export.RunHeader)
	err = s.Service.EachRun(r.Context(), req, func(run usecase.RunListItem) error {
		return out.Write(run, export.RunRecord(run))
	})
	return s.endExport(r, out, err)
}

// endExport finishes a streamed export. Its status is sent already, so a
// failure midway cannot be answered: it is logged, and the connection is
// dropped so the client sees the file is cut short rather than complete.
func (s *server) endExport(r *http.Request, out *export.Writer, err error) error {
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		if r.Context().Err() == nil {
			s.Log.ErrorContext(r.Context(), "export failed midway; dropping the connection", "path", r.URL.Path, "error", err)
		}
		panic(http.ErrAbortHandler)
	}
	return nil
}
