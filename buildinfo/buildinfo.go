// Package buildinfo says which build of ccflow is running: the module
// version and the VCS revision the Go toolchain stamps into every binary,
// overridable at link time for builds made outside a git checkout (a
// container build, a CI that sets -buildvcs=false):
//
//	go build -ldflags "-X github.com/ccflow/ccflow/buildinfo.version=v1.4.0 \
//	  -X github.com/ccflow/ccflow/buildinfo.revision=$(git rev-parse HEAD)" ./starter
//
// Every binary prints it for --version, logs it when it starts, and the
// starter and the worker show it on /livez.
package buildinfo

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// Link-time overrides; empty means "read the build info".
var (
	version  string
	revision string
)

// Info is one binary's build.
type Info struct {
	// Version is the module version ("v1.4.0", a pseudo-version, or
	// "(devel)" for a build from a working tree without a tag).
	Version string `json:"version"`
	// Revision is the VCS commit the binary was built from; empty when the
	// build recorded none.
	Revision string `json:"revision,omitempty"`
	// Modified is true when the working tree had uncommitted changes.
	Modified bool `json:"modified,omitempty"`
	// GoVersion is the toolchain that built the binary.
	GoVersion string `json:"go_version"`
}

// Read returns the running binary's build.
func Read() Info {
	info, _ := debug.ReadBuildInfo() // false only for binaries built without module support
	return fromBuildInfo(info, version, revision)
}

// fromBuildInfo is Read over given inputs, for tests.
func fromBuildInfo(bi *debug.BuildInfo, versionOverride, revisionOverride string) Info {
	i := Info{Version: "(devel)", GoVersion: runtime.Version()}
	if bi != nil {
		if bi.Main.Version != "" {
			i.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			i.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				i.Revision = s.Value
			case "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	if versionOverride != "" {
		i.Version = versionOverride
	}
	if revisionOverride != "" {
		i.Revision, i.Modified = strings.TrimSuffix(revisionOverride, "-dirty"), strings.HasSuffix(revisionOverride, "-dirty")
	}
	return i
}

// String is the line --version prints: "v1.4.0 (revision 1a2b3c4d5e6f, modified; go1.26.8)".
func (i Info) String() string {
	var parts []string
	if i.Revision != "" {
		rev := "revision " + short(i.Revision)
		if i.Modified {
			rev += ", modified"
		}
		parts = append(parts, rev)
	}
	parts = append(parts, i.GoVersion)
	return fmt.Sprintf("%s (%s)", i.Version, strings.Join(parts, "; "))
}

// BuildID names this build for Temporal's worker versioning: the version,
// and the revision when there is one, so two builds from different commits
// that share a "(devel)" version are still told apart. A modified tree is
// marked, since it is not the commit it names.
func (i Info) BuildID() string {
	id := i.Version
	if i.Revision != "" {
		id += "+" + short(i.Revision)
		if i.Modified {
			id += ".modified"
		}
	}
	return id
}

// short is the first 12 characters of a commit hash, as git shows them.
func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// HandleVersionFlag parses a command's arguments when it takes no other
// flag than --version: with --version it prints "<name> <build>" to w and
// reports true (the caller exits 0); any other argument is an error.
func HandleVersionFlag(name string, args []string, w io.Writer) (bool, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the caller prints the error
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return false, fmt.Errorf("usage: %s [--version] (its settings are environment variables): %w", name, err)
	}
	if fs.NArg() > 0 {
		return false, fmt.Errorf("%s takes no arguments (its settings are environment variables), got %q", name, fs.Args())
	}
	if *version {
		fmt.Fprintln(w, name, Read())
	}
	return *version, nil
}
