// Command ddbcrypt is a tool for the ddbcrypt library. Its `vectors`
// commands check ddbcrypt against the test vectors of the legacy DynamoDB
// Encryption Client and write new vectors for the reference clients to check.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1 // some vectors failed
	exitError  = 2 // the command could not run: bad arguments, unreadable files
)

// errFailed reports failed vectors; the report itself says which.
var errFailed = errors.New("vectors failed")

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit status; it is
// main without the process, so tests run it in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFailed):
		return exitFailed
	}
	fmt.Fprintln(stderr, "ddbcrypt:", err)
	return exitError
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ddbcrypt",
		Short: "Tools for ddbcrypt, the Go DynamoDB Encryption Client",
		// Errors are printed once by run, without the usage text.
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.AddCommand(newVectorsCmd())
	root.AddCommand(newInspectCmd())
	root.AddCommand(newMetastoreCmd())
	return root
}
