package main

import (
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
	"github.com/spf13/cobra"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
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
	asGroup(cmd)
	cmd.AddCommand(&cobra.Command{
		Use:   "decrypt DIR",
		Short: "Decrypt every scenario of DIR and compare with its plaintext",
		Long: `Decrypt every scenario of DIR and compare each item with its plaintext.
A scenario that cannot run here is skipped, with the reason: those that need
AWS KMS (unless --network), those of the Most Recent provider when no
DynamoDB is configured for their MetaStore (set AWS_ENDPOINT_URL_DYNAMODB to
a local DynamoDB, or give --network to use one in AWS), and providers or key
types the runner does not support.
Exit status 1 if any item failed or the vectors could not be read.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := newRunner(cmd)
			if err != nil {
				return err
			}
			p := trackScenarios(cmd, r, "vectors decrypt")
			rep, err := r.Decrypt(cmd.Context(), args[0])
			p.finish()
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
			p := trackScenarios(cmd, r, "vectors encrypt")
			rep, err := r.Encrypt(cmd.Context(), args[0], args[1])
			p.finish()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, w := range rep.Written {
				fmt.Fprintf(out, "wrote %s (%s, %s): %s\n", w.Path, w.Provider, w.Version, plural(w.Items, "item", "items"))
			}
			for _, r := range rep.Rows {
				fmt.Fprintf(out, "wrote %s (MetaStore rows of %s, inner provider %s): %s\n", r.Path, r.Scenario, r.Provider, plural(r.Items, "row", "rows"))
			}
			for _, s := range rep.Skipped {
				fmt.Fprintf(out, "SKIP %s: %s\n", s.Name, s.SkipReason)
			}
			for _, c := range rep.Copied {
				fmt.Fprintf(out, "copied %s\n", c)
			}
			fmt.Fprintf(out, "wrote scenarios.json with %s to %s\n", plural(len(rep.Written), "scenario", "scenarios"), rep.Out)
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
	cfg, err := config.LoadDefaultConfig(cmd.Context(), config.WithLogger(logging.Nop{}))
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	return &vectors.Runner{Network: network, AWS: &cfg}, nil
}

// trackScenarios starts the progress of a run of r (what names it) and
// returns it, for the caller to finish. The runner builds each scenario's
// provider, in the order of scenarios.json, before it runs the scenario
// (skipped ones aside), so builders that report the scenario they are asked
// for tell how far the run is.
func trackScenarios(cmd *cobra.Command, r *vectors.Runner, what string) *progress {
	p := startProgress(cmd, what, unit{}, -1)
	if p == nil {
		return nil
	}
	builders := vectors.DefaultProviders()
	for name, build := range builders {
		builders[name] = func(r *vectors.Runner, set *vectors.Set, spec vectors.ProviderSpec) (cmp.Provider, error) {
			if i := slices.Index(set.Scenarios, spec.Scenario); i >= 0 {
				p.SetTotal(len(set.Scenarios))
				p.Set(i, what+": "+spec.Scenario.Name())
			}
			return build(r, set, spec)
		}
	}
	r.Providers = builders
	return p
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
			fmt.Fprintf(out, "PASS %s (%s, %s): %s%s\n", res.Name, res.Provider, res.Version, plural(res.Passed, "item", "items"), unmatched(res))
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
