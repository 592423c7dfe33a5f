package entrysync

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
)

// File is one entry file, decoded, normalized and valid.
type File struct {
	// Path is where the entry was read from, as the caller named it.
	Path  string
	Entry entry.Entry
}

// FileError is what is wrong with one entry file.
type FileError struct {
	Path string
	// Err is usually validation.Errors, whose problems name their field.
	Err error
}

// Error puts every problem on its own line in front of which the file
// stands, like a compiler's: "entries/survey.yaml: steps[2].duration: …".
func (e *FileError) Error() string {
	var fields validation.Errors
	if !errors.As(e.Err, &fields) || len(fields) == 0 {
		return e.Path + ": " + e.Err.Error()
	}
	lines := make([]string, len(fields))
	for i, fe := range fields {
		lines[i] = e.Path + ": " + fe.Error()
	}
	return strings.Join(lines, "\n")
}

func (e *FileError) Unwrap() error { return e.Err }

// extensions are the files Load reads; anything else in the folder (a
// README, say) is left alone.
var extensions = []string{".yaml", ".yml", ".json"}

// Load reads every entry file in dir (one entry per *.yaml, *.yml or *.json
// file, in name order), normalizes each and validates it against catalog
// exactly as the API would. It reports the problems of every file at once,
// as FileErrors joined with errors.Join, so that nothing is applied while
// any file is wrong. Two files may not hold the same id, nor the same name
// (ignoring case), since the API keeps both unique.
func Load(dir string, catalog entry.Catalog) ([]File, error) {
	paths, err := entryFiles(dir)
	if err != nil {
		return nil, err
	}
	var (
		files []File
		errs  []error
	)
	for _, path := range paths {
		e, err := loadFile(path, catalog)
		if err != nil {
			errs = append(errs, &FileError{Path: path, Err: err})
			continue
		}
		files = append(files, File{Path: path, Entry: e})
	}
	errs = append(errs, duplicates(files)...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s holds no entry files (*.yaml, *.yml, *.json)", dir)
	}
	return files, nil
}

// entryFiles lists the entry files of dir in name order.
func entryFiles(dir string) ([]string, error) {
	dirEntries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading entry folder: %w", err)
	}
	var paths []string
	for _, de := range dirEntries {
		if !de.IsDir() && slices.Contains(extensions, strings.ToLower(filepath.Ext(de.Name()))) {
			paths = append(paths, filepath.Join(dir, de.Name()))
		}
	}
	return paths, nil
}

// decoderFor picks the decoder by file extension: JSON for .json, YAML
// (which JSON also is) for the rest.
func decoderFor(path string) func([]byte) (entry.Entry, error) {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return entry.Decode
	}
	return entry.DecodeYAML
}

// loadFile decodes, normalizes and validates the entry in one file.
func loadFile(path string, catalog entry.Catalog) (entry.Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return entry.Entry{}, err
	}
	e, err := decoderFor(path)(data)
	if err != nil {
		return entry.Entry{}, err
	}
	entry.Normalize(&e)
	if err := entry.Validate(e, catalog); err != nil {
		return entry.Entry{}, err
	}
	return e, nil
}

// duplicates reports each file whose id or name an earlier file has.
func duplicates(files []File) []error {
	var errs []error
	ids := map[string]string{}
	names := map[string]string{}
	for _, f := range files {
		if first, dup := ids[f.Entry.ID]; dup {
			errs = append(errs, &FileError{Path: f.Path, Err: validation.Errors{
				validation.Errorf("id", "%q is also the id of the entry in %s", f.Entry.ID, first)}})
			continue
		}
		ids[f.Entry.ID] = f.Path
		name := strings.ToLower(f.Entry.Name)
		if first, dup := names[name]; dup {
			errs = append(errs, &FileError{Path: f.Path, Err: validation.Errors{
				validation.Errorf("name", "%q is also the name of the entry in %s", f.Entry.Name, first)}})
			continue
		}
		names[name] = f.Path
	}
	return errs
}
