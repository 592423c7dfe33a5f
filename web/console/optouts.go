package console

import "net/http"

// optOutsView is the Opt-outs and policy page.
type optOutsView struct{}

// PageTitle is the browser tab's title.
func (optOutsView) PageTitle() string { return "Opt-outs and policy" }

// PageNav marks the page in the navigation.
func (optOutsView) PageNav() string { return "opt-outs" }

// optOuts shows the opt-out list and the contact policy. They come with
// the contact policy (its suppression and policy use cases); until then
// the page says so.
func (c *console) optOuts(w http.ResponseWriter, r *http.Request) error {
	c.render(w, r, http.StatusOK, "opt-outs", optOutsView{})
	return nil
}
