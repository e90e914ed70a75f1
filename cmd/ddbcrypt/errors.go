package main

// How errors end the command: the exit status they give, and how they are
// printed (one "ddbcrypt:" prefix, then any hint on a line of its own).

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// usageError is a mistake in the command line that a command finds itself
// (a missing or conflicting flag, a flag value it does not accept); it
// exits with exitUsage like the mistakes cobra finds.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// runError marks an error that a command's RunE returned: the command line
// was accepted and the work failed. Errors without it come from cobra's
// parsing (unknown command or flag, wrong number of arguments, a flag value
// that does not parse) and are usage errors.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// hintError adds advice to an error: what to check or run next. The hint is
// printed on a line of its own after the message.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// withHint returns err with a hint.
func withHint(err error, format string, args ...any) error {
	return &hintError{err: err, hint: fmt.Sprintf(format, args...)}
}

// markRunErrors wraps the RunE of c and of every command under it in
// runError, so that report tells their errors from cobra's.
func markRunErrors(c *cobra.Command) {
	if runE := c.RunE; runE != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			err := runE(cmd, args)
			if err == nil {
				return nil
			}
			return &runError{err}
		}
	}
	for _, sub := range c.Commands() {
		markRunErrors(sub)
	}
}

// report prints err to stderr and returns the exit status: exitFailure for
// an error of a command's work, exitUsage for a wrong command line, which
// also gets a pointer to cmd's help. Failed vectors or table items print
// nothing more: the command's report says which failed.
func report(stderr io.Writer, cmd *cobra.Command, err error) int {
	if errors.Is(err, errFailed) {
		return exitFailure
	}
	fmt.Fprintln(stderr, "ddbcrypt:", message(err))
	var h *hintError
	if errors.As(err, &h) {
		fmt.Fprintln(stderr, "hint:", h.hint)
	}
	var r *runError
	var u *usageError
	if errors.As(err, &r) && !errors.As(err, &u) {
		return exitFailure
	}
	if cmd != nil {
		if cmd.Name() == "help" && cmd.Parent() == cmd.Root() {
			cmd = cmd.Root() // help for an unknown command: point to the list
		}
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return exitUsage
}

// packagePrefixes are the prefixes that the module's packages put on their
// errors. Wrapped into one another they repeat ("ddbcrypt: create material
// "m" version 1: cmp: AWS KMS GenerateDataKey with key k: ddbcrypt: key
// service call failed: ...").
var packagePrefixes = []string{"ddbcrypt: ", "cmp: ", "crypto: ", "metastore: ", "mapper: ", "encrypted: ", "vectors: ", "config: ", "tableops: "}

// message is err's message as the CLI prints it after its own "ddbcrypt: ":
// without the package prefixes where a part of the message starts (at its
// beginning and after ": "), so that a line says "ddbcrypt:" once. Text in
// double quotes (a material or attribute name, quoted with %q) is left as
// it is.
func message(err error) string {
	s := err.Error()
	var b strings.Builder
	quoted, partStart := false, true
	for i := 0; i < len(s); {
		if partStart && !quoted {
			if p := packagePrefix(s[i:]); p != "" {
				i += len(p)
				continue
			}
		}
		partStart = false
		switch c := s[i]; {
		case quoted && c == '\\' && i+1 < len(s):
			b.WriteString(s[i : i+2])
			i += 2
			continue
		case c == '"':
			quoted = !quoted
		case !quoted && strings.HasPrefix(s[i:], ": "):
			b.WriteString(": ")
			i += 2
			partStart = true
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func packagePrefix(s string) string {
	for _, p := range packagePrefixes {
		if strings.HasPrefix(s, p) {
			return p
		}
	}
	return ""
}
