package brand

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
)

// The image types a logo may be.
const (
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
)

// Bounds of a logo: every email carries it, and a page shows it at most
// a few hundred pixels wide.
const (
	// MaxLogoBytes bounds the image itself, before base64.
	MaxLogoBytes = 100 << 10
	// MaxLogoPixels bounds each side.
	MaxLogoPixels = 2048
)

// ParseLogo reads a logo given as a data: URL ("data:image/png;base64,…")
// and checks what its bytes are, whatever type the URL declares: a PNG or
// a JPEG (the declared type must agree), at most MaxLogoBytes, at most
// MaxLogoPixels on each side, which decodes. Its errors say what to send
// instead, for the field they come from.
func ParseLogo(dataURL string) (*Logo, error) {
	rest, ok := strings.CutPrefix(dataURL, "data:")
	if !ok {
		return nil, fmt.Errorf("must be a data: URL of a PNG or JPEG image, such as \"data:image/png;base64,iVBORw0KGgo…\"")
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, fmt.Errorf("is a data: URL without a comma before its data")
	}
	declared, isBase64 := strings.CutSuffix(strings.ToLower(strings.TrimSpace(meta)), ";base64")
	switch {
	case !isBase64:
		return nil, fmt.Errorf("must be base64 (\"data:image/png;base64,…\")")
	case declared == "image/svg+xml":
		return nil, fmt.Errorf("is an SVG image, which is not accepted: an SVG can carry script, and most email clients do not show it; send a PNG or JPEG")
	case declared != TypePNG && declared != TypeJPEG && declared != "image/jpg":
		return nil, fmt.Errorf("declares %q; a logo is a PNG (image/png) or a JPEG (image/jpeg)", declared)
	}
	if base64.StdEncoding.DecodedLen(len(payload)) > MaxLogoBytes+3 {
		return nil, fmt.Errorf("is larger than %d KiB: send a smaller image", MaxLogoBytes>>10)
	}
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return nil, fmt.Errorf("is not valid base64: %w", err)
	}
	if len(data) > MaxLogoBytes {
		return nil, fmt.Errorf("is larger than %d KiB: send a smaller image", MaxLogoBytes>>10)
	}
	return checkImage(data, declared, true)
}

// checkImage checks data is the image it says it is; whole decodes all of
// it, not only its header.
func checkImage(data []byte, declared string, whole bool) (*Logo, error) {
	var actual string
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		actual = TypePNG
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		actual = TypeJPEG
	case bytes.Contains(bytes.ToLower(data[:min(len(data), 512)]), []byte("<svg")):
		return nil, fmt.Errorf("holds an SVG image, which is not accepted: an SVG can carry script, and most email clients do not show it; send a PNG or JPEG")
	default:
		return nil, fmt.Errorf("is not a PNG or JPEG image")
	}
	if declared == "image/jpg" {
		declared = TypeJPEG
	}
	if declared != actual {
		return nil, fmt.Errorf("declares %s but holds a %s image", declared, actual)
	}
	var cfg image.Config
	var err error
	if actual == TypePNG {
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	} else {
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("is not a readable %s image: %w", actual, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxLogoPixels || cfg.Height > MaxLogoPixels {
		return nil, fmt.Errorf("is %d×%d pixels; at most %d on each side", cfg.Width, cfg.Height, MaxLogoPixels)
	}
	// The whole image must decode, not only its header: a truncated one
	// would show broken in every email.
	if !whole {
		return &Logo{Type: actual, Data: data, Width: cfg.Width, Height: cfg.Height}, nil
	}
	if actual == TypePNG {
		_, err = png.Decode(bytes.NewReader(data))
	} else {
		_, err = jpeg.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("is not a readable %s image: %w", actual, err)
	}
	return &Logo{Type: actual, Data: data, Width: cfg.Width, Height: cfg.Height}, nil
}

// LogoFromFile reads a logo uploaded as a file, checked as ParseLogo
// checks a data: URL's bytes: its type is what its bytes say.
func LogoFromFile(data []byte) (*Logo, error) {
	if len(data) > MaxLogoBytes {
		return nil, fmt.Errorf("is larger than %d KiB: send a smaller image", MaxLogoBytes>>10)
	}
	declared := TypePNG
	if bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) {
		declared = TypeJPEG
	}
	return checkImage(data, declared, true)
}

// NewLogo reads a logo stored after ParseLogo checked it: its type and
// size are checked again from its header, the image is not decoded.
func NewLogo(contentType string, data []byte) (*Logo, error) {
	return checkImage(data, contentType, false)
}
