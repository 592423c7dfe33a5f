package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/vars"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

// runsPage is how many of an entry's latest runs the Runs page shows.
const runsPage = 20

// byConsole is who the run's state says acted, for the console's cancels
// and cleared events.
const byConsole = "console"

// runsView is the Runs page of an entry.
type runsView struct {
	EntryID   string
	EntryName string
	Deleted   bool
	Runs      []runView
	// Refresh makes the page reload its runs while one is running.
	Refresh bool
	Flash   string
	Limit   int
}

// PageTitle is the browser tab's title.
func (v runsView) PageTitle() string { return "Runs of " + v.EntryName }

// PageNav marks the entries in the navigation.
func (runsView) PageNav() string { return "entries" }

// runView is one run as the console shows it.
type runView struct {
	usecase.RunView
	// Path is the run's page in the console.
	Path string
	// TemporalURL is the run in the Temporal Web UI; "" when none is set.
	TemporalURL string
	Running     bool
	Messages    []messageRow
	Pending     []workflows.ScheduledEvent
	Variables   []variableRow
	// Back is where the run's buttons return to.
	Back string
	// CSRF is the session's token, for the run's forms.
	CSRF string
}

// Language is the language the run chose for its texts (run.language),
// "" for a run from before runs chose one.
func (v runView) Language() string {
	if v.State == nil {
		return ""
	}
	lang, _ := v.State.Variables["run.language"].(string)
	return lang
}

// messageRow is one message of a run and what became of it: sent, held
// until its window opens, skipped or failed, why when not sent, and the
// delivery status the provider reported.
type messageRow struct {
	StepID         string
	Channel        string
	To             string
	Status         string
	Reason         string
	DeliveryStatus string
	ErrorCode      string
	Attempts       int
	When           *time.Time
}

// variableRow is one variable of a run.
type variableRow struct {
	Name  string
	Value string
}

// showRuns lists the latest runs of an entry, deleted or not.
func (c *console) showRuns(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	view := runsView{EntryID: id, Limit: runsPage, Flash: r.URL.Query().Get("done")}
	e, err := c.Service.Entry(r.Context(), id)
	switch {
	case err == nil:
		view.EntryName = e.Name
	case errors.Is(err, usecase.ErrNotFound):
		versions, verr := c.Service.EntryVersions(r.Context(), id, 0, 1)
		if verr != nil {
			return verr
		}
		view.EntryName, view.Deleted = versions[0].Name, true
	default:
		return err
	}
	runs, err := c.Service.EntryRuns(r.Context(), id, runsPage)
	if err != nil {
		return err
	}
	back := "/console/entries/" + url.PathEscape(id) + "/runs"
	for _, run := range runs {
		rv := c.runView(r, run, back)
		view.Refresh = view.Refresh || rv.Running
		view.Runs = append(view.Runs, rv)
	}
	c.render(w, r, http.StatusOK, "runs", view)
	return nil
}

// runPageView is the page of one run.
type runPageView struct {
	Run   runView
	Flash string
}

// PageTitle is the browser tab's title.
func (v runPageView) PageTitle() string { return "Run " + v.Run.WorkflowID }

// PageNav marks the entries in the navigation.
func (runPageView) PageNav() string { return "entries" }

// showRun shows one run.
func (c *console) showRun(w http.ResponseWriter, r *http.Request) error {
	id := workflows.WorkflowID(r.PathValue("entry"), r.PathValue("interaction"))
	run, err := c.Service.Run(r.Context(), id)
	if err != nil {
		return err
	}
	rv := c.runView(r, run, runPath(id))
	c.render(w, r, http.StatusOK, "run", runPageView{Run: rv, Flash: r.URL.Query().Get("done")})
	return nil
}

// cancelRun stops a run.
func (c *console) cancelRun(w http.ResponseWriter, r *http.Request) error {
	id := workflows.WorkflowID(r.PathValue("entry"), r.PathValue("interaction"))
	_, err := c.Service.CancelRun(r.Context(), id, usecase.CancelRequest{Reason: r.PostFormValue("reason"), Via: byConsole})
	if err != nil {
		return err
	}
	redirect(w, r, backTo(r, id)+"?done="+url.QueryEscape("Run "+id+" is canceled: it sends nothing more."))
	return nil
}

// clearEvent clears a scheduled event of a run.
func (c *console) clearEvent(w http.ResponseWriter, r *http.Request) error {
	id := workflows.WorkflowID(r.PathValue("entry"), r.PathValue("interaction"))
	name := r.PathValue("name")
	cleared, err := c.Service.ClearEvent(r.Context(), id, name, byConsole)
	if err != nil {
		return err
	}
	done := fmt.Sprintf("Event %q of run %s is cleared: its steps will not run.", name, id)
	if !cleared.WasPending {
		done = fmt.Sprintf("Event %q of run %s was not pending (it had fired or was cleared already); nothing changed.", name, id)
	}
	redirect(w, r, backTo(r, id)+"?done="+url.QueryEscape(done))
	return nil
}

// backTo is the page a run's button returns to: the form's "back", when it
// is the run's own page or its entry's runs, else the run's page.
func backTo(r *http.Request, id string) string {
	back := r.PostFormValue("back")
	entryID, _, _ := strings.Cut(id, "/")
	if back == "/console/entries/"+url.PathEscape(entryID)+"/runs" {
		return back
	}
	return runPath(id)
}

// runPath is a run's page in the console.
func runPath(workflowID string) string {
	entryID, interactionID, _ := strings.Cut(workflowID, "/")
	return "/console/runs/" + url.PathEscape(entryID) + "/" + url.PathEscape(interactionID)
}

// runView prepares a run for a page.
func (c *console) runView(r *http.Request, run usecase.RunView, back string) runView {
	rv := runView{RunView: run, Path: runPath(run.WorkflowID), Running: run.Status == "Running", Back: back, CSRF: c.csrfOf(r)}
	if c.TemporalUIURL != "" && run.RunID != "" {
		rv.TemporalURL = c.TemporalUIURL + "/namespaces/" + url.PathEscape(c.Namespace) + "/workflows/" +
			url.PathEscape(run.WorkflowID) + "/" + url.PathEscape(run.RunID) + "/history"
	}
	attempts := map[string]usecase.DeliveryView{}
	for _, d := range run.Deliveries {
		attempts[d.ID] = d
	}
	for _, m := range run.Messages {
		row := messageRow{StepID: m.StepID, Channel: m.Channel, To: m.To, Status: m.Status, Reason: m.Reason,
			DeliveryStatus: m.DeliveryStatus, ErrorCode: m.ErrorCode}
		if !m.SentAt.IsZero() {
			row.When = &m.SentAt
		}
		if d, ok := attempts[m.DeliveryID]; ok {
			row.Attempts = d.Attempts
		}
		rv.Messages = append(rv.Messages, row)
	}
	if run.State != nil {
		for _, ev := range run.State.Events {
			if ev.Status == workflows.EventPending {
				rv.Pending = append(rv.Pending, ev)
			}
		}
		for _, name := range run.State.Variables.Names() {
			rv.Variables = append(rv.Variables, variableRow{Name: name, Value: vars.Format(run.State.Variables[name])})
		}
	}
	return rv
}

// StatusClass is the style of the run's status.
func (r runView) StatusClass() string { return strings.ToLower(r.Status) }

// CurrentStep is the step the run is at, "" when it has none.
func (r runView) CurrentStep() string {
	if r.State == nil {
		return ""
	}
	return r.State.CurrentStep
}

// Details is what the run says it is doing.
func (r runView) Details() string {
	if r.State == nil {
		return ""
	}
	return r.State.Details
}
