//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./web/console).

package console

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/ccflow/ccflow/client/entrysync"
	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/core/linkkeys"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/auth"
)

const testToken = "console-test-token"

// testConsole is a console on a fresh database, served over HTTP, and a
// browser without JavaScript: a cookie jar and plain form posts.
type testConsole struct {
	t       *testing.T
	service *usecase.Service
	server  *httptest.Server
	client  *http.Client
}

func newTestConsole(t *testing.T) *testConsole {
	t.Helper()
	svc := &usecase.Service{Store: testenv.Store(t), Temporal: testenv.Temporal(t), TaskQueue: testenv.TaskQueue(t)}
	return serveConsole(t, svc, testToken)
}

func serveConsole(t *testing.T, svc *usecase.Service, token string) *testConsole {
	t.Helper()
	h, err := New(Config{Service: svc, APIToken: token, SessionKey: testKey, PublicURL: "http://localhost",
		Log: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &testConsole{t: t, service: svc, server: srv, client: client}
}

// do sends a request as a browser on a console page would.
func (c *testConsole) do(method, path string, form url.Values, header ...string) (*http.Response, []byte) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.server.URL+path, body)
	require.NoError(c.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", c.server.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.client.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, data
}

// signIn signs in with token through the sign-in form.
func (c *testConsole) signIn(token string) *http.Response {
	c.t.Helper()
	_, page := c.do(http.MethodGet, "/console/sign-in", nil)
	form := formOf(c.t, page, "/console/sign-in")
	form.Set("token", token)
	resp, _ := c.do(http.MethodPost, "/console/sign-in", form)
	return resp
}

// formOf reads the form posting to action from page, as a browser would
// send it without a submit button.
func formOf(t *testing.T, page []byte, action string) url.Values {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	require.NoError(t, err)
	var found url.Values
	var find func(*html.Node)
	find = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "form" && attr(n, "action") == action && found == nil {
			var buf bytes.Buffer
			require.NoError(t, html.Render(&buf, n))
			found = formValues(t, []byte(`<form id="editor">`+inner(t, n)+`</form>`))
			found.Del(fieldOp)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	require.NotNil(t, found, "the page has a form posting to %s:\n%s", action, page)
	return found
}

func inner(t *testing.T, n *html.Node) string {
	t.Helper()
	var buf bytes.Buffer
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		require.NoError(t, html.Render(&buf, c))
	}
	return buf.String()
}

// cookie returns the Set-Cookie of resp named name.
func cookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSignInKeepsTheTokenInAStrictHttpOnlyCookie(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)

	resp, _ := c.do(http.MethodGet, "/console/entries?q=x", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/console/sign-in?next=%2Fconsole%2Fentries%3Fq%3Dx", resp.Header.Get("Location"))

	resp = c.signIn("not the token")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Nil(t, cookie(resp, sessionCookie))

	_, page := c.do(http.MethodGet, "/console/sign-in?next=%2Fconsole%2Fentries%3Fq%3Dx", nil)
	form := formOf(t, page, "/console/sign-in")
	form.Set("token", testToken)
	resp, _ = c.do(http.MethodPost, "/console/sign-in", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/console/entries?q=x", resp.Header.Get("Location"))
	sess := cookie(resp, sessionCookie)
	require.NotNil(t, sess)
	require.True(t, sess.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, sess.SameSite)
	require.Equal(t, "/console/", sess.Path)
	require.False(t, sess.Secure, "served over plain HTTP to a plain-HTTP public URL")
	require.NotContains(t, sess.Value, testToken)

	resp, _ = c.do(http.MethodGet, "/console/entries", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, resp.Header.Get("X-Request-Id"), 32, "console pages are named in the logs as API requests are")
}

func TestTheCookieIsSecureBehindAnHTTPSProxy(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	_, page := c.do(http.MethodGet, "/console/sign-in", nil)
	form := formOf(t, page, "/console/sign-in")
	form.Set("token", testToken)

	resp, _ := c.do(http.MethodPost, "/console/sign-in", form, "X-Forwarded-Proto", "https")

	require.True(t, cookie(resp, sessionCookie).Secure)
}

func TestPostsNeedTheSessionsCSRFTokenAndTheConsolesOrigin(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	require.Equal(t, http.StatusSeeOther, c.signIn(testToken).StatusCode)
	_, page := c.do(http.MethodGet, "/console/entries/new", nil)
	form := formOf(t, page, "/console/entries/new")
	form.Set("name", "Forged")
	form.Set(fieldOp, opSave)
	other := newTestSessions(t, testToken)
	tests := []struct {
		name   string
		csrf   string
		header []string
	}{
		{"without a token", "", nil},
		{"with another session's token", other.csrfToken(other.start(testToken).ID), nil},
		{"from another site", form.Get(csrfField), []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}},
		{"from another origin, in an older browser", form.Get(csrfField), []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set(csrfField, tt.csrf)

			resp, body := c.do(http.MethodPost, "/console/entries/new", f, tt.header...)

			require.Equal(t, http.StatusForbidden, resp.StatusCode, string(body))
			require.Contains(t, string(body), "did not come from the console")
		})
	}
	entries, err := c.service.Entries(context.Background())
	require.NoError(t, err)
	require.Empty(t, entries, "nothing was saved")

	resp, _ := c.do(http.MethodPost, "/console/entries/new", form)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "the form itself is taken, and refused for what it holds")
}

func TestSignOutEndsTheSessionInTheBrowser(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	_, page := c.do(http.MethodGet, "/console/entries", nil)

	resp, _ := c.do(http.MethodPost, "/console/sign-out", formOf(t, page, "/console/sign-out"))

	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, -1, cookie(resp, sessionCookie).MaxAge)
	resp, _ = c.do(http.MethodGet, "/console/entries", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

// A session keeps the token it was opened with: when the token is taken
// out of CCFLOW_API_TOKEN, its sessions end.
func TestASessionEndsWhenItsTokenIsRotatedOut(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	rotated := serveConsole(t, c.service, "the-new-token")
	rotated.client.Jar = c.client.Jar
	u, err := url.Parse(rotated.server.URL)
	require.NoError(t, err)
	old, err := url.Parse(c.server.URL)
	require.NoError(t, err)
	rotated.client.Jar.SetCookies(u, c.client.Jar.Cookies(old))

	resp, _ := rotated.do(http.MethodGet, "/console/entries", nil)

	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Location"), "/console/sign-in")
}

// editor is the entry screen as a browser without JavaScript uses it:
// every button posts the whole form.
type editor struct {
	c      *testConsole
	action string
	form   url.Values
	status int
	page   []byte
}

func (c *testConsole) openEditor(path string) *editor {
	c.t.Helper()
	resp, page := c.do(http.MethodGet, path, nil)
	require.Equal(c.t, http.StatusOK, resp.StatusCode, string(page))
	action := path
	if i := strings.Index(action, "?"); i >= 0 {
		action = action[:i]
	}
	return &editor{c: c, action: action, form: formOf(c.t, page, action), status: resp.StatusCode, page: page}
}

// press posts the form with the button of value op, and reads the form
// the answer shows.
func (e *editor) press(op string) *http.Response {
	e.c.t.Helper()
	f := url.Values{}
	for k, v := range e.form {
		f[k] = v
	}
	f.Set(fieldOp, op)
	resp, page := e.c.do(http.MethodPost, e.action, f)
	e.status, e.page = resp.StatusCode, page
	if resp.StatusCode != http.StatusSeeOther {
		e.form = formOf(e.c.t, page, e.action)
	}
	return resp
}

// key finds the key of the last trigger ("t") or block ("b") in the form.
func (e *editor) last(list string) string {
	values := e.form[list]
	require.NotEmpty(e.c.t, values)
	v := values[len(values)-1]
	if i := strings.LastIndex(v, "/"); i >= 0 {
		return v[i+1:]
	}
	return v
}

func TestTheEntryScreenWorksWithoutJavaScript(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	e := c.openEditor("/console/entries/new")

	e.form.Set("name", "Post-call survey")
	e.form.Set("service", otherService)
	e.form.Set("new_service", "Billing Support")
	e.press(opAddTrigger)
	sentiment := e.last("trigger")
	e.form.Set(sentiment+".type", entry.TriggerAverageSentiment)
	e.form.Set(sentiment+".operator", ">")
	e.form.Set(sentiment+".percent", "51")
	e.press(opApplyTrigger + ":" + sentiment)
	require.Empty(t, e.form.Get(sentiment+".editing"), "the trigger is applied")
	require.Contains(t, string(e.page), "Average sentiment greater than 51 %")
	require.Contains(t, string(e.page), "A workflow is triggered if the average sentiment is greater than 0.51")
	e.press(opAddTrigger)
	disposition := e.last("trigger")
	e.form.Set(disposition+".type", entry.TriggerDisposition)
	e.form.Set(disposition+".disposition", "Problem solved")
	e.press(opApplyTrigger + ":" + disposition)

	e.press(opAdd + ":" + entry.StepSendSurvey)
	survey := e.last("block")
	e.press(opAdd + ":" + entry.StepWait)
	wait := e.last("block")
	e.press(opAdd + ":" + entry.StepSendEmail)
	email := e.last("block")
	e.form.Set(survey+".f.channel", "email")
	e.form.Set(survey+".f.question", "How did we do?")
	e.form.Set(survey+".f.subject", "Your call")
	e.form.Set(survey+".f.text", "Rate us:\r\n$(survey.url)")
	e.form.Set(survey+".f.wait", "1d")
	e.form.Set(survey+".id", "survey")
	e.form.Set(wait+".f.duration", "1w")
	e.form.Set(email+".f.subject", "Thanks, $(customer.first_name)")
	e.form.Set(email+".f.text", "Hello")
	e.press(opUp + ":" + email) // email before the wait

	resp := e.press(opSave)

	require.Equal(t, http.StatusSeeOther, resp.StatusCode, string(e.page))
	require.Equal(t, "/console/entries/post-call-survey?created=1", resp.Header.Get("Location"))
	got, err := c.service.Entry(context.Background(), "post-call-survey")
	require.NoError(t, err)
	want := entry.Entry{ID: "post-call-survey", Name: "Post-call survey", Service: "Billing Support", Enabled: true,
		Triggers: []entry.Trigger{
			{Type: entry.TriggerAverageSentiment, Operator: ">", Threshold: threshold(0.51)},
			{Type: entry.TriggerDisposition, Disposition: "Problem solved"},
		},
		Steps: []entry.Step{
			{ID: "survey", Spec: &entry.SendSurvey{Channel: "email", Question: entry.Plain("How did we do?"), Subject: entry.Plain("Your call"),
				Text: entry.Plain("Rate us:\n$(survey.url)"), Wait: "1d"}},
			{Spec: &entry.SendEmail{Subject: entry.Plain("Thanks, $(customer.first_name)"), Text: entry.Plain("Hello")}},
			{Spec: &entry.Wait{Duration: "1w"}},
		}}
	require.Equal(t, want, got.Definition())
}

func TestAnEmptyNameIsShownBesideTheNameAndNothingIsSaved(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	e := c.openEditor("/console/entries/new")

	e.press(opSave)

	require.Equal(t, http.StatusUnprocessableEntity, e.status)
	page := string(e.page)
	require.Contains(t, page, `<div class="field-error" id="f-name-error"><p>is required</p></div>`)
	require.Contains(t, page, `aria-describedby="f-name-error" aria-invalid="true"`)
	require.Contains(t, page, "Name: is required")
	entries, err := c.service.Entries(context.Background())
	require.NoError(t, err)
	require.Empty(t, entries)
}

func TestASaveFromAnOlderVersionSaysSoAndOverwritesNothing(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	ctx := context.Background()
	_, err := c.service.CreateEntry(ctx, entry.Entry{Name: "Survey", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps:    []entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}})
	require.NoError(t, err)
	mine := c.openEditor("/console/entries/survey")
	theirs := c.openEditor("/console/entries/survey")

	wait := mine.last("block")
	theirs.form.Set(wait+".f.duration", "2d")
	require.Equal(t, http.StatusSeeOther, theirs.press(opSave).StatusCode)
	mine.form.Set(wait+".f.duration", "3d")
	mine.press(opSave)

	require.Equal(t, http.StatusConflict, mine.status)
	require.Contains(t, string(mine.page), "Someone else changed this entry")
	require.Contains(t, string(mine.page), "You opened version 1; the entry is at version 2 now. Nothing was saved")
	require.Equal(t, "3d", mine.form.Get(wait+".f.duration"), "my change is still on the page")
	current, err := c.service.Entry(ctx, "survey")
	require.NoError(t, err)
	require.Equal(t, 2, current.Version)
	require.Equal(t, &entry.Wait{Duration: "2d"}, current.Steps[0].Spec)

	require.Equal(t, http.StatusSeeOther, mine.press(opSave+":2").StatusCode, "saving over it, knowingly")
	current, err = c.service.Entry(ctx, "survey")
	require.NoError(t, err)
	require.Equal(t, 3, current.Version)
	require.Equal(t, &entry.Wait{Duration: "3d"}, current.Steps[0].Spec)
}

// A save on the entry screen is used by the starter's very next event, as
// any other change is. The starter runs as in production (its entry index
// watched) but cannot hear PostgreSQL's NOTIFY, so the test cannot pass by
// its luck: each save is matched at once, inside the second between two
// generation checks.
func TestTheNextEventSeesAnEntrySavedOnTheEntryScreen(t *testing.T) {
	t.Parallel()
	svc := &usecase.Service{Store: testenv.DeafStore(t), Temporal: testenv.Temporal(t), TaskQueue: testenv.TaskQueue(t)}
	ctx, stop := context.WithCancel(context.Background())
	done, err := svc.StartBackground(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { stop(); <-done })
	c := serveConsole(t, svc, testToken)
	c.signIn(testToken)
	_, err = svc.CreateEntry(ctx, entry.Entry{Name: "Survey", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps:    []entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}})
	require.NoError(t, err)
	versionMatched := func() int {
		t.Helper()
		res, err := svc.Ingest(ctx, interaction.Event{InteractionID: fmt.Sprintf("INT-%d", time.Now().UnixNano()),
			Service: "Billing Support", Disposition: "Problem solved"}, true)
		require.NoError(t, err)
		if len(res.Matches) == 0 {
			return 0
		}
		require.Len(t, res.Matches, 1)
		return res.Matches[0].EntryVersion
	}
	require.Equal(t, 1, versionMatched())

	for saved := 2; saved < 5; saved++ {
		e := c.openEditor("/console/entries/survey")
		e.form.Set(e.last("block")+".f.duration", fmt.Sprintf("%dd", saved))
		require.Equal(t, http.StatusSeeOther, e.press(opSave).StatusCode, string(e.page))
		require.Equal(t, saved, versionMatched(), "the event right after the save of version %d", saved)
	}
}

// exportRemote is the part of ccflow's API ccflowctl's export reads,
// answered by the console's own use cases.
type exportRemote struct {
	entrysync.Remote // the rest is not called
	svc              *usecase.Service
}

func (r exportRemote) Entries(ctx context.Context) ([]entry.Entry, error) { return r.svc.Entries(ctx) }

// The console shows a version in the very YAML ccflowctl exports it as,
// whatever its texts, and that YAML reads back as the same entry: texts a
// YAML reader would take for a boolean, a number or a null keep their
// quotes, and spaces and lines are kept.
func TestTheConsoleShowsTheYAMLThatCcflowctlExports(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	ctx := context.Background()
	saved, err := c.service.CreateEntry(ctx, entry.Entry{ID: "ambiguous", Name: "Ambiguous values", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps: []entry.Step{
			{Spec: &entry.SetVariable{Name: "a", Value: "yes"}},
			{Spec: &entry.SetVariable{Name: "b", Value: "1e3"}},
			{Spec: &entry.SetVariable{Name: "c", Value: "null"}},
			{Spec: &entry.SetVariable{Name: "d", Value: "0o17"}},
			{Spec: &entry.SetVariable{Name: "e", Value: "note: a colon"}},
			{Spec: &entry.SetVariable{Name: "f", Value: "12:30"}},
			{Spec: &entry.SendSMS{Text: entry.Plain("  1e3 leading spaces")}},
			{Spec: &entry.SendEmail{Subject: entry.Plain("Several lines"), Text: entry.Plain("  yes\nno: maybe\n\n0o17\n")}},
		}})
	require.NoError(t, err)

	resp, page := c.do(http.MethodGet, "/console/entries/ambiguous/versions", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	shown := preText(t, page, "yaml")
	dir := t.TempDir()
	_, err = entrysync.Export(ctx, exportRemote{svc: c.service}, dir, io.Discard)
	require.NoError(t, err)
	exported, err := os.ReadFile(filepath.Join(dir, "ambiguous.yaml"))
	require.NoError(t, err)

	require.Equal(t, string(exported), shown, "the console and ccflowctl write the same YAML")
	for _, quoted := range []string{`value: "yes"`, `value: "1e3"`, `value: "null"`, `value: "0o17"`} {
		require.Contains(t, shown, quoted)
	}
	back, err := entry.DecodeYAML(exported)
	require.NoError(t, err)
	require.Equal(t, saved.Definition(), back.Definition(), "the YAML reads back as the entry")
}

// preText is the text of the page's first <pre> of class class.
func preText(t *testing.T, page []byte, class string) string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	require.NoError(t, err)
	var text *string
	var find func(*html.Node)
	find = func(n *html.Node) {
		if text == nil && n.Type == html.ElementNode && n.Data == "pre" && attr(n, "class") == class {
			var b strings.Builder
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.TextNode {
					b.WriteString(c.Data)
				}
			}
			s := b.String()
			text = &s
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	require.NotNil(t, text, "the page has a <pre class=%q>", class)
	return *text
}

func TestATakenNameIsShownBesideTheName(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	_, err := c.service.CreateEntry(context.Background(), entry.Entry{Name: "Survey", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerDisposition, Disposition: "Problem solved"}},
		Steps:    []entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}})
	require.NoError(t, err)
	e := c.openEditor("/console/entries/new")
	e.form.Set("name", "SURVEY")
	e.press(opAddTrigger)
	tr := e.last("trigger")
	e.form.Set(tr+".type", entry.TriggerDisposition)
	e.form.Set(tr+".disposition", "Spam")
	e.press(opAdd + ":" + entry.StepWait)
	e.form.Set(e.last("block")+".f.duration", "1d")

	e.press(opSave)

	require.Equal(t, http.StatusConflict, e.status)
	require.Contains(t, string(e.page), `<div class="field-error" id="f-name-error"><p>an entry with id &#34;survey&#34; already exists</p></div>`)
}

func TestOptOutsAreAddedListedAndRemoved(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	_, page := c.do(http.MethodGet, "/console/opt-outs", nil)
	require.Contains(t, string(page), "No one has opted out.")
	add := formOf(t, page, "/console/opt-outs/add")

	add.Set("channel", "email")
	add.Set("address", "+15551234567")
	resp, page := c.do(http.MethodPost, "/console/opt-outs/add", add)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, string(page), `<div class="field-error" id="f-add-address-error"><p>&#34;&#43;15551234567&#34; is not an email address`)

	add.Set("channel", "sms")
	add.Set("reason", "asked on the phone")
	resp, _ = c.do(http.MethodPost, "/console/opt-outs/add", add)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	// The redirect names what was done, not to whom: it lands in the
	// browser's history and every proxy's access log.
	require.Equal(t, "/console/opt-outs?done=opted-out&of=sms", resp.Header.Get("Location"))
	_, page = c.do(http.MethodGet, resp.Header.Get("Location"), nil)
	require.Contains(t, string(page), "The address is opted out of SMS: no entry sends it any.")
	list, err := c.service.Suppressions(context.Background(), "sms", "+15551234567")
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "console", list[0].Source)
	require.Equal(t, "asked on the phone", list[0].Reason)

	_, page = c.do(http.MethodGet, "/console/opt-outs?channel=sms&address=%2B15551234567", nil)
	require.Contains(t, string(page), "asked on the phone")
	resp, _ = c.do(http.MethodPost, "/console/opt-outs/remove", formOf(t, page, "/console/opt-outs/remove"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.NotContains(t, resp.Header.Get("Location"), "5551234567")
	list, err = c.service.Suppressions(context.Background(), "", "")
	require.NoError(t, err)
	require.Empty(t, list)
}

func TestThePolicyFormSavesTheDocumentOrSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	_, page := c.do(http.MethodGet, "/console/opt-outs", nil)
	form := formOf(t, page, "/console/opt-outs/policy")
	require.Equal(t, "window", form.Get("quiet.sms.mode"), "SPEC's default SMS window")
	require.Equal(t, "08:00", form.Get("quiet.sms.start"))

	form.Set("survey_grace", "3 dayz")
	form.Set("quiet.sms.end", "25:00")
	resp, page := c.do(http.MethodPost, "/console/opt-outs/policy", form)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, string(page), `id="f-survey_grace-error"><p>&#34;3 dayz&#34; is not a duration`)
	require.Contains(t, string(page), `id="f-quiet-sms-end-error"><p>&#34;25:00&#34; is not a time of day`)
	saved, err := c.service.Policy(context.Background())
	require.NoError(t, err)
	require.Equal(t, "0", saved.SurveyGrace, "nothing was saved")

	form.Set("survey_grace", "30d")
	form.Set("quiet.sms.end", "20:30")
	form.Set("quiet.email.mode", "window")
	form.Set("quiet.email.start", "07:00")
	form.Set("quiet.email.end", "22:00")
	form.Set("max_per_day.sms", "2")
	form.Set("time_zone", "America/New_York")
	form.Set("service_time_zones", "Billing Support: America/Chicago\r\n")
	resp, _ = c.do(http.MethodPost, "/console/opt-outs/policy", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	saved, err = c.service.Policy(context.Background())
	require.NoError(t, err)
	require.Equal(t, "30d", saved.SurveyGrace)
	require.Equal(t, "America/New_York", saved.TimeZone)
	require.Equal(t, policy.QuietHours{"sms": {Start: "08:00", End: "20:30"}, "email": {Start: "07:00", End: "22:00"}}, saved.QuietHours)
	require.Equal(t, map[string]int{"sms": 2}, saved.MaxPerDay)
	require.Equal(t, map[string]string{"Billing Support": "America/Chicago"}, saved.ServiceTimeZones)
}

func TestTryItSaysWhichEntriesWouldStartAndStartsThemWhenAsked(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	c.signIn(testToken)
	ctx := context.Background()
	_, err := c.service.CreateEntry(ctx, entry.Entry{Name: "Happy callers", Enabled: true,
		Triggers: []entry.Trigger{{Type: entry.TriggerAverageSentiment, Operator: ">", Threshold: threshold(0.5)}},
		Steps:    []entry.Step{{Spec: &entry.Wait{Duration: "1d"}}}})
	require.NoError(t, err)
	_, page := c.do(http.MethodGet, "/console/try?entry=happy-callers", nil)
	form := formOf(t, page, "/console/try")
	require.Contains(t, form.Get("event"), `"interaction_id": "INT-1001"`, "SPEC's example event to start from")

	form.Set("event", `{"interaction_id": "INT-1", "service": "S",`+"\n"+`  "average_sentiment": }`)
	form.Set(fieldOp, tryDryRun)
	resp, page := c.do(http.MethodPost, "/console/try", form)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, string(page), "invalid JSON at line 2, column 24", "the API's own words")

	id := fmt.Sprintf("INT-%d", time.Now().UnixNano())
	form.Set("event", fmt.Sprintf(`{"interaction_id": %q, "service": "S", "average_sentiment": 0.62}`, id))
	resp, page = c.do(http.MethodPost, "/console/try", form)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(page), "Entry <strong>Happy callers</strong> would start.")
	require.Contains(t, string(page), "average_sentiment &gt; 0.5")
	_, err = c.service.Store.Run(ctx, "happy-callers/"+id)
	require.ErrorIs(t, err, usecase.ErrNotFound, "a dry run starts nothing")

	form.Set(fieldOp, tryStart)
	resp, page = c.do(http.MethodPost, "/console/try", form)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(page), `href="/console/runs/happy-callers/`+id+`"`)
	run, err := c.service.Store.Run(ctx, "happy-callers/"+id)
	require.NoError(t, err)
	require.Equal(t, 1, run.EntryVersion)
	t.Cleanup(func() {
		_ = c.service.Temporal.TerminateWorkflow(context.Background(), run.WorkflowID, "", "test finished")
	})
}

// Guessing the token on the sign-in page is slow: after 30 wrong tokens
// from one address the page refuses every sign-in, the right one too,
// until the allowance comes back.
func TestWrongSignInsFromOneAddressAreSlowedDown(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	for i := range auth.DefaultBackoffBurst {
		require.Equal(t, http.StatusUnauthorized, c.signIn("guess").StatusCode, "guess %d", i)
	}
	refused := c.signIn(testToken)
	require.Equal(t, http.StatusTooManyRequests, refused.StatusCode, "the right token is not looked at either")
	require.NotEmpty(t, refused.Header.Get("Retry-After"))
	require.Nil(t, cookie(refused, sessionCookie))
	time.Sleep(1100 * time.Millisecond) // one try a second comes back
	require.Equal(t, http.StatusSeeOther, c.signIn(testToken).StatusCode)
}

// An empty token is no guess: it is not counted.
func TestAnEmptySignInIsNotCounted(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	for range auth.DefaultBackoffBurst + 5 {
		require.Equal(t, http.StatusUnauthorized, c.signIn("").StatusCode)
	}
	require.Equal(t, http.StatusSeeOther, c.signIn(testToken).StatusCode)
}

// An opt-out made through an unsubscribe link shows its address on the
// opt-outs page where ccflow still knows it (a delivery to it is kept),
// and says the address is not known where it does not.
func TestALinksOptOutShowsItsAddressWhereItIsKnown(t *testing.T) {
	t.Parallel()
	c := newTestConsole(t)
	ctx := context.Background()
	keys := linkkeys.ForProcess() // the service's, since it was given none
	_, err := c.service.Store.DecideSend(ctx, store.SendAttempt{
		Delivery: store.Delivery{Key: "e/i/s", WorkflowID: "e/i", StepID: "s", Channel: "email", Recipient: "grace@example.com",
			CustomerKey: "C-1", AddressHash: keys.Addresses.Hash("grace@example.com")},
		Owner: "a", LeaseFor: time.Minute, Now: time.Now(),
	}, func(policy.Policy, policy.Request) policy.Decision { return policy.Decision{Outcome: policy.Send} })
	require.NoError(t, err)
	for _, address := range []string{"grace@example.com", "nobody-we-know@example.com"} {
		id, err := policy.UnsubscribeID("email", keys.Addresses.Hash(address))
		require.NoError(t, err)
		_, err = c.service.Unsubscribe(ctx, keys.Unsubscribe.Sign(id))
		require.NoError(t, err)
	}
	c.signIn(testToken)

	_, page := c.do(http.MethodGet, "/console/opt-outs", nil)

	require.Contains(t, string(page), "grace@example.com")
	require.Contains(t, string(page), "an unsubscribe link")
	require.NotContains(t, string(page), "nobody-we-know")
	require.Contains(t, string(page), "not known (kept as a keyed hash)")
}
