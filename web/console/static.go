package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// staticFS holds the console's own style sheet and script, the vendored
// libraries and their licences.
//
//go:embed static/*.css static/*.js static/*.svg static/vendor/*.js static/vendor/LICENSE-*
var staticFS embed.FS

// staticFiles serves staticFS under /console/static/. Pages name each file
// with the hash of its content (asset), so a browser may keep a file for
// a year and still never runs an old script against a new page.
type staticFiles struct {
	files  fs.FS
	hashes map[string]string // name under static/ -> short content hash
}

func loadStatic() (*staticFiles, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("console: static files: %w", err)
	}
	s := &staticFiles{files: sub, hashes: map[string]string{}}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		s.hashes[name] = hex.EncodeToString(sum[:8])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("console: hashing static files: %w", err)
	}
	return s, nil
}

// asset is the URL of the static file name (such as "console.css").
func (s *staticFiles) asset(name string) (string, error) {
	h, ok := s.hashes[name]
	if !ok {
		return "", fmt.Errorf("console: no static file %q", name)
	}
	return "/console/static/" + name + "?v=" + h, nil
}

func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/console/static/")
	data, err := fs.ReadFile(s.files, name)
	if err != nil || name == "" {
		http.NotFound(w, r)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "text/plain; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	if v := r.URL.Query().Get("v"); v != "" && v == s.hashes[name] {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(data)
}
