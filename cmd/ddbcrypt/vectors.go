package main

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/spf13/cobra"

	"github.com/ddbcrypt/ddbcrypt/internal/vectors"
)

func newVectorsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vectors",
		Short: "Run or write encrypted-item test vectors",
		Long: `Run or write encrypted-item test vectors in the layout of the legacy
DynamoDB Encryption Client's vectors: a directory with scenarios.json,
keys.json, plaintext.json and ciphertext files. DIR may also be its parent
holding encrypted_item/.`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "decrypt DIR",
		Short: "Decrypt every scenario of DIR and compare with its plaintext",
		Long: `Decrypt every scenario of DIR and compare each item with its plaintext.
Scenarios that need AWS KMS or a provider not built yet are skipped.
Exit status 1 if any item failed, 2 if the vectors could not be read.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := newRunner(cmd)
			if err != nil {
				return err
			}
			rep, err := r.Decrypt(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			printReport(cmd, rep)
			if rep.Failed() > 0 {
				return errFailed
			}
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "encrypt DIR OUT",
		Short: "Encrypt the plaintexts of DIR into a new vector set in OUT",
		Long: `Encrypt every plaintext item of every scenario of DIR that can run here,
with that scenario's provider, keys and actions, and write a vector set to OUT:
scenarios.json, keys.json, plaintext.json and ciphertext/go/*.json.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := newRunner(cmd)
			if err != nil {
				return err
			}
			rep, err := r.Encrypt(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, w := range rep.Written {
				fmt.Fprintf(out, "wrote %s (%s, %s): %d items\n", w.Path, w.Provider, w.Version, w.Items)
			}
			for _, r := range rep.Rows {
				fmt.Fprintf(out, "wrote %s (MetaStore rows of %s, inner provider %s): %d rows\n", r.Path, r.Scenario, r.Provider, r.Items)
			}
			for _, s := range rep.Skipped {
				fmt.Fprintf(out, "SKIP %s: %s\n", s.Name, s.SkipReason)
			}
			for _, c := range rep.Copied {
				fmt.Fprintf(out, "copied %s\n", c)
			}
			fmt.Fprintf(out, "wrote scenarios.json with %d scenarios to %s\n", len(rep.Written), rep.Out)
			return nil
		},
	})
	cmd.PersistentFlags().Bool("network", false, `also run scenarios marked "network": true (their KMS keys must be reachable)`)
	return cmd
}

// newRunner configures a vectors runner: AWS clients come from the standard
// SDK configuration (AWS_REGION, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_DYNAMODB,
// credentials), so vectors run against local services or real AWS alike.
func newRunner(cmd *cobra.Command) (*vectors.Runner, error) {
	network, err := cmd.Flags().GetBool("network")
	if err != nil {
		return nil, err
	}
	cfg, err := config.LoadDefaultConfig(cmd.Context())
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	return &vectors.Runner{Network: network, AWS: &cfg}, nil
}

// printReport writes one line per scenario, the failure reasons indented,
// and a last line counting items.
func printReport(cmd *cobra.Command, rep *vectors.Report) {
	out := cmd.OutOrStdout()
	for _, res := range rep.Results {
		switch {
		case res.Skipped:
			fmt.Fprintf(out, "SKIP %s: %s\n", res.Name, res.SkipReason)
		case res.Failed > 0:
			fmt.Fprintf(out, "FAIL %s (%s, %s): %d of %d failed%s\n", res.Name, res.Provider, res.Version, res.Failed, res.Passed+res.Failed, unmatched(res))
			for _, f := range res.Failures {
				fmt.Fprintf(out, "    %s\n", f)
			}
		default:
			fmt.Fprintf(out, "PASS %s (%s, %s): %d items%s\n", res.Name, res.Provider, res.Version, res.Passed, unmatched(res))
		}
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", rep.Passed(), rep.Failed())
}

func unmatched(res vectors.Result) string {
	if res.Unmatched == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d without plaintext not run)", res.Unmatched)
}
