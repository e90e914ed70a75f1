// Command ddbcrypt is a tool for the ddbcrypt library. Its `vectors`
// commands check ddbcrypt against the test vectors of the legacy DynamoDB
// Encryption Client and write new vectors for the reference clients to check;
// `inspect` describes a stored item without keys; `metastore` manages the
// key table of the Most Recent provider; `table` verifies, re-encrypts,
// encrypts or decrypts every item of a table.
//
// Exit status: 0 on success, 1 when the command ran and failed (an AWS call,
// an unreadable or malformed file, a vector that did not decrypt), 2 when
// the command line is wrong (an unknown command or flag, a wrong number of
// arguments, a missing, conflicting or malformed flag value).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed, or some vectors failed
	exitUsage   = 2 // the command line is wrong
)

// errFailed reports failed vectors or table items; the report itself (on
// standard output for vectors, the summary on standard error for a table
// job) says which.
var errFailed = errors.New("items failed")

func main() {
	os.Exit(run(interruptible(), os.Args[1:], os.Stdout, os.Stderr))
}

// interruptible returns a ctx that ends at the first SIGINT (Ctrl-C) or
// SIGTERM (a pod or a batch job stopped), so a table job stops after
// checkpointing and reports what it did. A second signal kills the
// process as usual.
func interruptible() context.Context {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx
}

// run executes the command line args and returns the exit status; it is
// main without the process, so tests run it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	return report(stderr, cmd, err)
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ddbcrypt",
		Short: "Tools for ddbcrypt, the Go DynamoDB Encryption Client",
		Long: `Tools for ddbcrypt, the Go DynamoDB Encryption Client.

Exit status: 0 on success; 1 when the command ran and failed (an AWS call, an
unreadable or malformed file, a vector that did not decrypt); 2 when the
command line is wrong (an unknown command or flag, a wrong number of
arguments, a missing, conflicting or malformed flag value).`,
		Version: version(),
		// Errors are printed once by run, without the usage text.
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	progress := progressAuto
	root.PersistentFlags().Var(&progress, flagProgress, "progress on standard error for long operations: auto (a bar when it is a terminal; for table jobs, plain lines when not), plain (a line every 10 seconds and one at the end), on (a bar) or off")
	root.AddCommand(newVectorsCmd())
	root.AddCommand(newInspectCmd())
	root.AddCommand(newMetastoreCmd())
	root.AddCommand(newTableCmd())
	root.AddCommand(newVersionCmd())
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			c.Args = helpArgs
		}
	}
	asGroup(root)
	markRunErrors(root)
	return root
}

// asGroup makes c, a command that only holds others, print its help when
// run alone and refuse an unknown sub-command as a usage error (cobra would
// print the help and succeed).
func asGroup(c *cobra.Command) {
	c.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		return unknownCommand(cmd, args[0])
	}
	c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
}

func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return errors.New(msg)
}

// helpArgs refuses `ddbcrypt help NAME` for a NAME that is no command.
func helpArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	found, rest, err := cmd.Root().Find(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return unknownCommand(found, rest[0])
	}
	return nil
}

// plural counts n things: "1 item", "2 items".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
