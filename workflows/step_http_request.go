package workflows

import (
	"cmp"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ccflow/ccflow/core/entry"
)

func init() { interpret(httpRequest) }

// httpRequestOptions are the options of an http_request step's activity.
// 5xx answers, timeouts and network errors are retried five times in all;
// the activity marks every other failure non-retryable, so it reaches the
// step's on_error at once.
func httpRequestOptions(timeout time.Duration, summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		// The request's own timeout is enforced inside the activity; the
		// margin lets it report that in its own words.
		StartToCloseTimeout:    timeout + 5*time.Second,
		ScheduleToCloseTimeout: 30 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
			MaximumAttempts:    5,
		},
		Summary: summary,
	}
}

// httpRequest makes the request of an http_request step and, with save_as,
// keeps the answer as <save_as>.status, <save_as>.headers and
// <save_as>.body, so $(reply.body.id) and `reply.body.id == 'x'` reach the
// fields of a JSON body.
//
// Its fields are rendered by what they are (templates' RenderURL,
// RenderHeader, RenderJSON), so a value from a customer or an answer stays
// one path segment, one query value, one JSON string, on its header's
// line. That changes what a request carries, not which commands the run
// makes (no field fails to render that did not before), so it needs no
// gate: a run in flight sends its next request escaped.
func httpRequest(r *run, ctx workflow.Context, s *entry.HTTPRequest, p place) error {
	timeout, err := entry.HTTPTimeout(s)
	if err != nil {
		return fmt.Errorf("timeout: %w", err)
	}
	f := fields{vars: r.vars}
	in := HTTPRequestInput{
		StepID:         p.id,
		IdempotencyKey: idempotencyKey(ctx, p.id),
		Method:         cmp.Or(s.Method, entry.DefaultHTTPMethod),
		URL:            f.url("url", s.URL),
		Connection:     s.Connection,
		Path:           f.url("path", s.Path),
		Headers:        f.headers(s.Headers),
		Body:           f.json("body", s.Body),
		Timeout:        timeout,
	}
	if f.err != nil {
		return f.err
	}

	doing := fmt.Sprintf("calling %s %s", in.Method, in.Target())
	// The Web UI shows the target as the entry writes it: rendered, a URL
	// or path may carry the customer's id, address or answers.
	templated := HTTPRequestInput{URL: s.URL, Connection: s.Connection, Path: s.Path}
	r.setDetailsShown(ctx, fmt.Sprintf("%s (step %s)", doing, p.id),
		fmt.Sprintf("calling %s %s (step %s)", in.Method, templated.Target(), p.id))
	ctx = workflow.WithActivityOptions(ctx, httpRequestOptions(timeout, fmt.Sprintf("HTTP %s for step %s", in.Method, p.id)))
	var resp HTTPResponse
	if err := workflow.ExecuteActivity(ctx, HTTPRequestActivity, in).Get(ctx, &resp); err != nil {
		return &activityError{doing: doing, err: err}
	}
	r.note(ctx, TimelineEntry{StepID: p.id, Kind: TimelineSent, Channel: ChannelHTTP, To: in.Method + " " + in.Target(),
		Reason: fmt.Sprintf("answered %d", resp.Status)})
	if s.SaveAs != "" {
		r.vars[s.SaveAs+".status"] = resp.Status
		r.vars[s.SaveAs+".headers"] = anyValues(resp.Headers)
		r.vars[s.SaveAs+".body"] = resp.Body
	}
	return nil
}

// headers renders header values, in name order so that the first error
// reported is the same on every replay.
func (f *fields) headers(h map[string]string) map[string]string {
	if len(h) == 0 {
		return nil
	}
	names := make([]string, 0, len(h))
	//workflowcheck:ignore
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make(map[string]string, len(h))
	for _, name := range names {
		out[name] = f.header("headers."+name, h[name])
	}
	return out
}

// anyValues gives headers the map type that templates and conditions dig
// into, as in $(reply.headers.etag) or reply.headers['content-type'].
func anyValues(h map[string]string) map[string]any {
	out := make(map[string]any, len(h))
	// Copying one map into another comes out the same in any order.
	//workflowcheck:ignore
	for k, v := range h {
		out[k] = v
	}
	return out
}
