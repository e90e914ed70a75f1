package main

// ddbcrypt --version and ddbcrypt version: what was built, from the build
// information the Go toolchain embeds in the binary.

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version describes the running binary; see versionOf.
func version() string {
	info, _ := debug.ReadBuildInfo()
	return versionOf(info)
}

// versionOf describes a build: the module version ("v1.2.0" when installed
// with go install ...@v1.2.0, a pseudo-version or "(devel)" when built from a
// checkout), then the commit and whether the checkout had uncommitted changes
// when the toolchain recorded them (by default, in a git clone) and the
// version does not already say so (a pseudo-version names the commit, and
// ends in +dirty for a modified checkout), and the Go version:
//
//	v1.2.0 (go1.26.0)
//	v0.0.0-20261205112230-3ae6490a12ac+dirty (go1.26.0)
//	(devel) commit 3ae6490a12ac, modified (go1.26.0)
func versionOf(info *debug.BuildInfo) string {
	if info == nil {
		return "(unknown: the binary has no build information)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	var b strings.Builder
	b.WriteString(v)
	if revision != "" && !strings.Contains(v, revision[:min(12, len(revision))]) {
		fmt.Fprintf(&b, " commit %.12s", revision)
		if modified == "true" {
			b.WriteString(", modified")
		}
	}
	if info.GoVersion != "" {
		fmt.Fprintf(&b, " (%s)", info.GoVersion)
	}
	return b.String()
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of ddbcrypt (as --version does)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), cmd.Root().Name(), cmd.Root().Version)
			return err
		},
	}
}
