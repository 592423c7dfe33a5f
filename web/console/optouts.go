package console

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/usecase"
)

// optOutsView is the Opt-outs and policy page: the opt-out list with its
// search, the form that adds one, and the contact policy form.
type optOutsView struct {
	// Channel and Address search the list.
	Channel string
	Address string
	List    []usecase.Suppression
	// Add is the add form as posted, when it comes back with problems.
	Add    usecase.SuppressionRequest
	Policy *policyForm
	Flash  string
	// PolicySummary lists the policy form's problems on top of it.
	PolicySummary []summaryItem
	// formErrors holds problems by where they go: "search.address",
	// "add.address", "time_zone", "quiet.sms.start", "max_per_day.sms"…
	formErrors
}

// PageTitle is the browser tab's title.
func (optOutsView) PageTitle() string { return "Opt-outs and policy" }

// PageNav marks the page in the navigation.
func (optOutsView) PageNav() string { return "opt-outs" }

// Channels are the channels opt-outs and windows are kept for.
func (*optOutsView) Channels() []channelView { return channels() }

// QuietOf is the policy form's window of channel.
func (v *optOutsView) QuietOf(channel string) *quietDraft { return quietOf(v.Policy.Quiet, channel) }

// SourceWords says where an opt-out came from.
func (*optOutsView) SourceWords(source string) string {
	switch source {
	case "api":
		return "the API"
	case "console":
		return "the console"
	case "sms_keyword":
		return "an SMS keyword"
	case "twilio_21610":
		return "Twilio (the number replied STOP)"
	case "unsubscribe_link":
		return "an unsubscribe link"
	}
	return source
}

// policyForm is the contact policy as its form holds it.
type policyForm struct {
	TimeZone     string
	Quiet        map[string]*quietDraft
	SurveyGrace  string
	MaxPerDay    map[string]string
	ServiceZones string
	// Caps are the rolling caps, one a line as "any 4 per 2d"; Holidays
	// the holidays, one a line as "2026-12-25" or "2027-01-01 Billing
	// Support"; HolidaysQuiet holds sends through them.
	Caps          string
	Holidays      string
	HolidaysQuiet bool
	UpdatedAt     time.Time
}

// policyFormOf is the form of a policy document.
func policyFormOf(p policy.Policy) *policyForm {
	f := &policyForm{TimeZone: p.TimeZone, SurveyGrace: p.SurveyGrace, Quiet: map[string]*quietDraft{},
		MaxPerDay: map[string]string{}, UpdatedAt: p.UpdatedAt}
	if f.SurveyGrace == "0" {
		f.SurveyGrace = ""
	}
	for _, ch := range policy.Channels {
		f.Quiet[ch] = quietFromWindow(p.QuietHours[ch])
		if n := p.MaxPerDay[ch]; n > 0 {
			f.MaxPerDay[ch] = strconv.Itoa(n)
		}
	}
	var lines []string
	for _, svc := range slices.Sorted(maps.Keys(p.ServiceTimeZones)) {
		lines = append(lines, svc+": "+p.ServiceTimeZones[svc])
	}
	f.ServiceZones = strings.Join(lines, "\n")
	lines = nil
	for _, c := range p.Caps {
		lines = append(lines, fmt.Sprintf("%s %d per %s", c.Channel, c.Max, c.Per))
	}
	f.Caps = strings.Join(lines, "\n")
	lines = nil
	for _, h := range p.Holidays {
		lines = append(lines, strings.TrimSpace(h.Date+" "+h.Service))
	}
	f.Holidays, f.HolidaysQuiet = strings.Join(lines, "\n"), p.HolidaysQuiet
	return f
}

// parsePolicyForm reads the policy form as posted.
func parsePolicyForm(form url.Values) *policyForm {
	f := &policyForm{TimeZone: form.Get("time_zone"), SurveyGrace: form.Get("survey_grace"), Quiet: parseQuiet(form),
		MaxPerDay: map[string]string{}, ServiceZones: formText(form.Get("service_time_zones")),
		Caps: formText(form.Get("caps")), Holidays: formText(form.Get("holidays")), HolidaysQuiet: form.Get("holidays_quiet") != ""}
	for _, ch := range policy.Channels {
		f.MaxPerDay[ch] = form.Get("max_per_day." + ch)
		if f.Quiet[ch].Mode == quietInherit {
			f.Quiet[ch].Mode = quietAnyTime // the policy has no level below it to inherit from
		}
	}
	return f
}

// document is the policy the form describes. Problems of the form itself
// (a cap that is no number, a line that is no "Service: Zone") come back
// as field errors at the paths the API would name.
func (f *policyForm) document() (policy.Policy, validation.Errors) {
	p := policy.Policy{TimeZone: f.TimeZone, SurveyGrace: f.SurveyGrace, QuietHours: policy.QuietHours{}, MaxPerDay: map[string]int{},
		HolidaysQuiet: f.HolidaysQuiet}
	var errs validation.Errors
	for _, ch := range policy.Channels {
		q := quietOf(f.Quiet, ch)
		if q.Mode == quietWindow {
			p.QuietHours[ch] = &policy.Window{Start: strings.TrimSpace(q.Start), End: strings.TrimSpace(q.End)}
		} else {
			p.QuietHours[ch] = nil
		}
		switch text := strings.TrimSpace(f.MaxPerDay[ch]); {
		case text == "":
		default:
			n, err := strconv.Atoi(text)
			if err != nil {
				errs = append(errs, validation.Errorf("max_per_day."+ch, "%q is not a whole number (0 or empty: no cap)", text))
				continue
			}
			p.MaxPerDay[ch] = n
		}
	}
	for i, line := range strings.Split(f.ServiceZones, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		// A zone name has no colon; a service name might.
		j := strings.LastIndex(line, ":")
		if j < 0 {
			errs = append(errs, validation.Errorf("service_time_zones", "line %d, %q, is not a service and its zone: write one per line as Service: Zone", i+1, strings.TrimSpace(line)))
			continue
		}
		if p.ServiceTimeZones == nil {
			p.ServiceTimeZones = map[string]string{}
		}
		p.ServiceTimeZones[strings.TrimSpace(line[:j])] = strings.TrimSpace(line[j+1:])
	}
	for i, line := range strings.Split(f.Caps, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		// "any 4 per 2d": the words the policy's reasons use.
		parts := strings.Fields(line)
		if len(parts) != 4 || parts[2] != "per" {
			errs = append(errs, validation.Errorf("caps", "line %d, %q, is not a cap: write one per line as channel max per window, such as any 4 per 2d", i+1, strings.TrimSpace(line)))
			continue
		}
		n, err := strconv.Atoi(parts[1])
		if err != nil {
			errs = append(errs, validation.Errorf("caps", "line %d: %q is not a whole number of messages", i+1, parts[1]))
			continue
		}
		p.Caps = append(p.Caps, policy.Cap{Channel: parts[0], Max: n, Per: parts[3]})
	}
	for line := range strings.SplitSeq(f.Holidays, "\n") {
		date, service, _ := strings.Cut(strings.TrimSpace(line), " ")
		if date != "" {
			p.Holidays = append(p.Holidays, policy.Holiday{Date: date, Service: strings.TrimSpace(service)})
		}
	}
	return p, errs
}

// policyTarget finds where a problem of the policy at path goes, and how
// the summary names it.
func policyTarget(path string) (target, where string) {
	switch {
	case path == "time_zone":
		return "time_zone", "Time zone"
	case path == "survey_grace":
		return "survey_grace", "Survey grace"
	case path == "quiet_hours" || strings.HasPrefix(path, "quiet_hours."):
		return quietTarget(path), "Quiet hours"
	case strings.HasPrefix(path, "max_per_day."):
		return path, "Daily cap"
	case strings.HasPrefix(path, "service_time_zones"):
		return "service_time_zones", "Time zones of services"
	case strings.HasPrefix(path, "caps"):
		return "caps", "Rolling caps"
	case strings.HasPrefix(path, "holidays_quiet"):
		return "holidays_quiet", "Hold messages on holidays"
	case strings.HasPrefix(path, "holidays"):
		return "holidays", "Holidays"
	}
	return "policy", "Contact policy"
}

// optOuts shows the opt-outs (searched when the form says so) and the
// contact policy.
func (c *console) optOuts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	view := &optOutsView{Channel: q.Get("channel"), Address: strings.TrimSpace(q.Get("address")), Flash: doneWords(q.Get("done"), q.Get("of"))}
	return c.renderOptOuts(w, r, http.StatusOK, view)
}

// What a post on the opt-outs page did, as its redirect names it: a code
// and a channel, never the address, which would otherwise sit in the
// browser's history, the access logs of every proxy on the way and the
// Referer of the next request.
const (
	doneOptedOut        = "opted-out"
	doneAlreadyOptedOut = "already-opted-out"
	doneOptedIn         = "opted-in"
	donePolicySaved     = "policy-saved"
)

// doneURL is the opt-outs page telling what a post did.
func doneURL(done, channel string) string {
	q := url.Values{"done": {done}}
	if channel != "" {
		q.Set("of", channel)
	}
	return "/console/opt-outs?" + q.Encode()
}

// doneWords says what a post did; "" for a code it does not know (a link
// made elsewhere shows nothing of its own).
func doneWords(done, channel string) string {
	if channel != policy.ChannelEmail && channel != policy.ChannelSMS {
		channel = ""
	}
	switch done {
	case doneOptedOut:
		return fmt.Sprintf("The address is opted out of %s: no entry sends it any.", channelWords(channel))
	case doneAlreadyOptedOut:
		return fmt.Sprintf("The address was opted out of %s already; nothing changed.", channelWords(channel))
	case doneOptedIn:
		return fmt.Sprintf("The address is opted back in to %s.", channelWords(channel))
	case donePolicySaved:
		return "The contact policy is saved. Every send from now on follows it, those of runs already waiting too."
	}
	return ""
}

// renderOptOuts fills in the list and the policy form (unless a posted one
// comes back) and shows the page.
func (c *console) renderOptOuts(w http.ResponseWriter, r *http.Request, status int, view *optOutsView) error {
	list, err := c.Service.Suppressions(r.Context(), view.Channel, view.Address)
	var fe *validation.FieldError
	switch {
	case err == nil:
		view.List = list
	case errors.As(err, &fe) || validation.First(err) != nil:
		fe = validation.First(err)
		view.add("search."+fe.Path, fe.Message)
		if status == http.StatusOK {
			status = http.StatusUnprocessableEntity
		}
	default:
		return err
	}
	if view.Policy == nil {
		p, err := c.Service.Policy(r.Context())
		if err != nil {
			return err
		}
		view.Policy = policyFormOf(p)
	}
	c.render(w, r, status, "opt-outs", view)
	return nil
}

// addOptOut opts an address out of a channel.
func (c *console) addOptOut(w http.ResponseWriter, r *http.Request) error {
	req := usecase.SuppressionRequest{Channel: r.PostFormValue("channel"), Address: r.PostFormValue("address"),
		Reason: r.PostFormValue("reason")}
	sup, created, err := c.Service.AddSuppression(r.Context(), req, usecase.SuppressionFromConsole)
	if fe := validation.First(err); fe != nil {
		view := &optOutsView{Add: req, formErrors: formErrors{Focus: "add-error"}}
		view.add("add."+fe.Path, fe.Message)
		return c.renderOptOuts(w, r, http.StatusUnprocessableEntity, view)
	}
	if err != nil {
		return err
	}
	done := doneOptedOut
	if !created {
		done = doneAlreadyOptedOut
	}
	redirect(w, r, doneURL(done, sup.Channel))
	return nil
}

// removeOptOut opts an address back in.
func (c *console) removeOptOut(w http.ResponseWriter, r *http.Request) error {
	channel, address := r.PostFormValue("channel"), r.PostFormValue("address")
	if err := c.Service.RemoveSuppression(r.Context(), channel, address); err != nil {
		return err
	}
	redirect(w, r, doneURL(doneOptedIn, channel))
	return nil
}

// savePolicy replaces the contact policy with the form's.
func (c *console) savePolicy(w http.ResponseWriter, r *http.Request) error {
	form := parsePolicyForm(r.PostForm)
	p, errs := form.document()
	var err error = errs
	if len(errs) == 0 {
		_, err = c.Service.SavePolicyDocument(r.Context(), p)
	}
	var all validation.Errors
	if asFieldErrors(err, &all) {
		view := &optOutsView{Policy: form, formErrors: formErrors{Focus: "policy-summary"}}
		for _, fe := range all {
			target, where := policyTarget(fe.Path)
			view.add(target, fe.Message)
			view.PolicySummary = append(view.PolicySummary, summaryItem{Where: where, Message: fe.Message, Anchor: "#" + anchorOf(target)})
		}
		return c.renderOptOuts(w, r, http.StatusUnprocessableEntity, view)
	}
	if err != nil {
		return err
	}
	redirect(w, r, doneURL(donePolicySaved, "")+"#policy")
	return nil
}

func channelWords(channel string) string {
	switch channel {
	case policy.ChannelEmail:
		return "email"
	case policy.ChannelSMS:
		return "SMS"
	case "":
		return "its channel"
	}
	return channel
}
