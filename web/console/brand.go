package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ccflow/ccflow/core/brand"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/usecase"
)

// The Brand screen edits the brand document of GET/PUT /v1/brand: the
// default brand and one per service, each a name, a logo (uploaded as a
// file), an accent colour and a contact line. Save builds the document
// the API takes and hands it to the same use case, so the console can
// store nothing the API would not, and its problems come back at the
// API's paths, shown beside the fields they name.

// brandView is the Brand screen.
type brandView struct {
	Default  *brandSection
	Services []*brandSection
	// Available are the services without a brand of their own yet.
	Available []string
	Flash     string
	Summary   []summaryItem
	formErrors
}

// PageTitle is the browser tab's title.
func (brandView) PageTitle() string { return "Brand" }

// PageNav marks the page in the navigation.
func (brandView) PageNav() string { return "brand" }

// addError keeps message at target and in the summary above the form,
// under where.
func (v *brandView) addError(target, where, message string) {
	v.add(target, message)
	v.Summary = append(v.Summary, summaryItem{Where: where, Message: message, Anchor: "#" + anchorOf(target)})
}

// brandSection is one brand of the form: the default's (Key "default") or
// a service's ("s1", "s2", … with its Service).
type brandSection struct {
	Key     string
	Service string
	Name    string
	Accent  string
	Contact string
	// Logo is the logo kept unless a new one is uploaded or it is
	// removed; LogoURL where ccflow serves it.
	Logo       *brand.Logo
	RemoveLogo bool
	// Remove drops a service's brand on Save.
	Remove bool
}

// LogoURL is where the console shows the section's logo.
func (s *brandSection) LogoURL() string {
	if s.Logo == nil {
		return ""
	}
	return usecase.LogoPath + s.Logo.File()
}

// Colors are the colours the section's accent gives, as customers see
// them.
func (s *brandSection) Colors() brand.Colors { return brand.ColorsFor(s.Accent) }

// Contrast says how readable the accent's text is: the ratio of the text
// on it and of it as text on white.
func (s *brandSection) Contrast() string {
	c := s.Colors()
	return fmt.Sprintf("text on it %.1f:1, as text on white %.1f:1",
		brand.ContrastOf(c.Accent, c.OnAccent), brand.ContrastOf(c.Strong, "#FFFFFF"))
}

// Where names the section for the summary of problems.
func (s *brandSection) Where() string {
	if s.Service == "" {
		return "Default brand"
	}
	return "Brand of " + s.Service
}

func sectionOf(key, service string, b brand.Brand) *brandSection {
	return &brandSection{Key: key, Service: service, Name: b.Name, Accent: b.Accent, Contact: b.Contact, Logo: b.Logo}
}

// brandPage shows the Brand screen.
func (c *console) brandPage(w http.ResponseWriter, r *http.Request) error {
	d, err := c.Service.BrandDocumentFor(r.Context())
	if err != nil {
		return err
	}
	view := &brandView{Default: sectionOf("default", "", d.Brand), Flash: r.URL.Query().Get("done")}
	for i, name := range slices.Sorted(maps.Keys(d.Services)) {
		view.Services = append(view.Services, sectionOf("s"+strconv.Itoa(i+1), name, d.Services[name]))
	}
	return c.renderBrand(w, r, http.StatusOK, view)
}

func (c *console) renderBrand(w http.ResponseWriter, r *http.Request, status int, view *brandView) error {
	services, err := c.Service.Services(r.Context())
	if err != nil {
		return err
	}
	for _, s := range services {
		if !slices.ContainsFunc(view.Services, func(b *brandSection) bool { return b.Service == s }) {
			view.Available = append(view.Available, s)
		}
	}
	c.render(w, r, status, "brand", view)
	return nil
}

// saveBrand stores the brand the form describes, all of it or nothing and
// the problems beside their fields.
func (c *console) saveBrand(w http.ResponseWriter, r *http.Request) error {
	stored, err := c.Service.BrandDocumentFor(r.Context())
	if err != nil {
		return err
	}
	view, logos, err := parseBrandForm(r, stored)
	if err != nil {
		return errPage(http.StatusBadRequest, "Not accepted", "This form did not come from the console ("+err.Error()+"). Reload the page.")
	}
	if len(view.Errors) > 0 {
		view.Focus = "error-summary"
		return c.renderBrand(w, r, http.StatusUnprocessableEntity, view)
	}
	doc := brandJSON(view.Default, logos["default"])
	services := map[string]any{}
	for _, s := range view.Services {
		if !s.Remove {
			services[s.Service] = brandJSON(s, logos[s.Key])
		}
	}
	doc["services"] = services
	data, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("console: encoding the brand: %w", err)
	}
	_, err = c.Service.SaveBrand(r.Context(), data)
	var all validation.Errors
	if asFieldErrors(err, &all) {
		for _, fe := range all {
			target, where := view.locate(fe.Path)
			view.addError(target, where, fe.Message)
		}
		view.Focus = "error-summary"
		return c.renderBrand(w, r, http.StatusUnprocessableEntity, view)
	}
	if err != nil {
		return err
	}
	redirect(w, r, "/console/brand?done="+url.QueryEscape("The brand is saved. The survey and unsubscribe pages show it now, and the survey emails sent from now on."))
	return nil
}

// brandJSON is a section as the API's document writes it, with the logo
// the form keeps (a data: URL).
func brandJSON(s *brandSection, logo string) map[string]any {
	return map[string]any{"name": s.Name, "accent": s.Accent, "contact": s.Contact, "logo": logo}
}

// addBrandService gives a service a brand of its own, empty: each field
// is the default's until it is set.
func (c *console) addBrandService(w http.ResponseWriter, r *http.Request) error {
	service := strings.TrimSpace(r.PostFormValue("service"))
	if service == "" {
		return errPage(http.StatusBadRequest, "Not accepted", "Name a service to give a brand of its own.")
	}
	if err := validation.Line(200).Check("service", service); err != nil {
		return errPage(http.StatusBadRequest, "Not accepted", "The service's name "+err.Message+".")
	}
	d, err := c.Service.BrandDocumentFor(r.Context())
	if err != nil {
		return err
	}
	if d.Services == nil {
		d.Services = map[string]brand.Brand{}
	}
	if _, ok := d.Services[service]; !ok {
		d.Services[service] = brand.Brand{}
		if _, err := c.Service.SaveBrandDocument(r.Context(), d); err != nil {
			return err
		}
	}
	redirect(w, r, "/console/brand?done="+url.QueryEscape(service+" has a brand of its own: each field it leaves empty is the default brand's."))
	return nil
}

// parseBrandForm reads the Brand form (multipart, for the logos) into a
// view, with each section's logo as the document will hold it: a new
// upload, the stored one, or none. A logo that is no PNG or JPEG is a
// problem of its field. A form that names sections the console never
// makes is an error.
func parseBrandForm(r *http.Request, stored brand.Document) (*brandView, map[string]string, error) {
	if err := r.ParseMultipartForm(maxForm); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, nil, fmt.Errorf("reading the form: %w", err)
	}
	f := r.PostForm
	view := &brandView{}
	logos := map[string]string{}
	read := func(key, service string, keep *brand.Logo) *brandSection {
		s := &brandSection{Key: key, Service: service, Name: f.Get(key + ".name"), Accent: strings.TrimSpace(f.Get(key + ".accent")),
			Contact: f.Get(key + ".contact"), RemoveLogo: f.Get(key+".remove_logo") != "", Remove: f.Get(key+".remove") != "", Logo: keep}
		if s.RemoveLogo {
			s.Logo = nil
		}
		if logo, err := uploadedLogo(r, key+".logo"); err != nil {
			view.addError(key+".logo", s.Where()+" · Logo", "The logo "+err.Error())
		} else if logo != nil {
			s.Logo = logo
		}
		if s.Logo != nil {
			logos[key] = s.Logo.DataURL()
		}
		return s
	}
	view.Default = read("default", "", stored.Logo)
	keys := f["section"]
	if len(keys) > 200 {
		return nil, nil, errors.New("too many sections")
	}
	for _, key := range keys {
		service := f.Get(key + ".service")
		if !strings.HasPrefix(key, "s") || key == "s" || strings.Trim(key[1:], "0123456789") != "" || service == "" {
			return nil, nil, fmt.Errorf("section %q is not one the console makes", key)
		}
		view.Services = append(view.Services, read(key, service, stored.Services[service].Logo))
	}
	return view, logos, nil
}

// uploadedLogo is the logo uploaded in the file field name, nil when none
// was.
func uploadedLogo(r *http.Request, name string) (*brand.Logo, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[name]) == 0 {
		return nil, nil
	}
	fh := r.MultipartForm.File[name][0]
	if fh.Size == 0 {
		return nil, nil // the browser's empty file field
	}
	file, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("could not be read: %w", err)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, brand.MaxLogoBytes+1))
	if err != nil {
		return nil, fmt.Errorf("could not be read: %w", err)
	}
	return brand.LogoFromFile(data)
}

// locate finds where a problem of the document at path goes: the
// field's key and the summary's words for it.
func (v *brandView) locate(path string) (target, where string) {
	field := func(s *brandSection, rest string) (string, string) {
		if rest == "" {
			return s.Key + ".name", s.Where()
		}
		return s.Key + "." + rest, s.Where() + " · " + brandFieldLabel(rest)
	}
	if rest, ok := strings.CutPrefix(path, "services."); ok {
		for _, s := range v.Services {
			if name, ok := strings.CutPrefix(rest, validation.Shorten(s.Service)); ok && (name == "" || name[0] == '.') {
				return field(s, strings.TrimPrefix(name, "."))
			}
		}
		return "default.name", "Brand"
	}
	return field(v.Default, path)
}

func brandFieldLabel(name string) string {
	switch name {
	case "name":
		return "Name"
	case "logo":
		return "Logo"
	case "accent":
		return "Accent colour"
	case "contact":
		return "Contact line"
	}
	return name
}
