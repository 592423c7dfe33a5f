package usecase

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/ccflow/ccflow/core/brand"
)

// LogoPath is where ccflow serves a brand's logos: LogoPath + the logo's
// file name (brand.Logo.File), a URL that names the logo's content.
const LogoPath = "/brand/logo/"

// BrandDocument is the brand as GET and PUT /v1/brand answer it: the
// default brand, one per service, and when it was saved.
type BrandDocument struct {
	BrandView
	Services  map[string]BrandView `json:"services"`
	UpdatedAt time.Time            `json:"updated_at,omitzero"`
}

// BrandView is one brand as the API shows it: its logo as the data: URL
// PUT takes, and the URL ccflow serves it at.
type BrandView struct {
	Name    string `json:"name"`
	Logo    string `json:"logo,omitempty"`
	LogoURL string `json:"logo_url,omitempty"`
	Accent  string `json:"accent,omitempty"`
	Contact string `json:"contact"`
}

func brandView(b brand.Brand) BrandView {
	v := BrandView{Name: b.Name, Accent: b.Accent, Contact: b.Contact}
	if b.Logo != nil {
		v.Logo, v.LogoURL = b.Logo.DataURL(), LogoPath+b.Logo.File()
	}
	return v
}

func brandDocument(d brand.Document, updated time.Time) BrandDocument {
	out := BrandDocument{BrandView: brandView(d.Brand), Services: map[string]BrandView{}, UpdatedAt: updated}
	for _, name := range slices.Sorted(maps.Keys(d.Services)) {
		out.Services[name] = brandView(d.Services[name])
	}
	return out
}

// Brand returns the brand document; an empty one when none was saved.
func (s *Service) Brand(ctx context.Context) (BrandDocument, error) {
	d, updated, err := s.Store.Brand(ctx)
	if err != nil {
		return BrandDocument{}, classify(err)
	}
	return brandDocument(d, updated), nil
}

// SaveBrand replaces the brand with the JSON document data (brand.Decode:
// every mistake is a validation error naming its field). The survey and
// unsubscribe pages and the survey emails sent from then on show it.
func (s *Service) SaveBrand(ctx context.Context, data []byte) (BrandDocument, error) {
	d, err := brand.Decode(data)
	if err != nil {
		return BrandDocument{}, err
	}
	return s.SaveBrandDocument(ctx, d)
}

// SaveBrandDocument is SaveBrand for a caller that built the document
// itself (the console's form) from parts each checked as Decode checks
// them.
func (s *Service) SaveBrandDocument(ctx context.Context, d brand.Document) (BrandDocument, error) {
	updated, err := s.Store.SaveBrand(ctx, d)
	if err != nil {
		return BrandDocument{}, classify(err)
	}
	s.logger().InfoContext(ctx, "brand saved", "services", len(d.Services), "logos", len(d.Logos()))
	return brandDocument(d, updated), nil
}

// BrandDocumentFor returns the brand document itself, for the console's
// form, which edits it part by part.
func (s *Service) BrandDocumentFor(ctx context.Context) (brand.Document, error) {
	d, _, err := s.Store.Brand(ctx)
	if err != nil {
		return brand.Document{}, classify(err)
	}
	return d, nil
}

// PageBrand is the brand a customer's page shows for a run of service:
// its name, its logo's URL, its readable colours and its contact line.
type PageBrand struct {
	Name    string
	LogoURL string
	Colors  brand.Colors
	Contact string
}

// BrandFor returns the brand a page shows for a run of service (the
// service's own, else the default). A brand that cannot be read is no
// reason to refuse a customer a page: it is logged and the page goes
// without one.
func (s *Service) BrandFor(ctx context.Context, service string) PageBrand {
	d, _, err := s.Store.Brand(ctx)
	if err != nil {
		s.logger().WarnContext(ctx, "reading the brand for a page; showing none", "error", err)
		return PageBrand{Colors: brand.ColorsFor("")}
	}
	b := d.For(service)
	pb := PageBrand{Name: b.Name, Colors: brand.ColorsFor(b.Accent), Contact: b.Contact}
	if b.Logo != nil {
		pb.LogoURL = LogoPath + b.Logo.File()
	}
	return pb
}

// BrandLogo returns the logo served as file (LogoPath + file);
// ErrNotFound for a name that is no logo's, or one no brand shows any
// more.
func (s *Service) BrandLogo(ctx context.Context, file string) (*brand.Logo, error) {
	if _, _, ok := brand.ParseFile(file); !ok {
		return nil, ErrNotFound
	}
	logo, err := s.Store.BrandLogo(ctx, file)
	if err != nil {
		return nil, classify(err)
	}
	return logo, nil
}
