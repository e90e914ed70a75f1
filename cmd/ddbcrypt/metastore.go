package main

// ddbcrypt metastore: create a MetaStore table, add versions, list them.

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go/logging"
	"github.com/spf13/cobra"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// Flags of the MetaStore's inner provider, which protects its rows.
const (
	flagKMSKeyID       = "kms-key-id"
	flagWrappingKey    = "wrapping-key-file"
	flagSigningKey     = "signing-key-file"
	flagSigningAlg     = "signing-algorithm"
	flagReadCapacity   = "read-capacity"
	flagWriteCapacity  = "write-capacity"
	defaultSigningAlgo = "HmacSHA256"
)

func newMetastoreCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "metastore",
		Short: "Manage a MetaStore table, the key store of the Most Recent provider",
		Long: `Manage a MetaStore: a DynamoDB table of versioned keys (material name N,
version V) that the Most Recent provider encrypts items with, in the layout
the Java and Python DynamoDB Encryption Clients share.

The rows are themselves encrypted and signed by an inner provider, which
new-version and versions need (create-table does not). Give either

  --kms-key-id ID                 AWS KMS key (id, ARN or alias): Direct KMS, as
                                  in production; or
  --wrapping-key-file FILE        raw AES key, 16, 24 or 32 bytes, that wraps the
                                  rows' content keys (AESWrap), and
  --signing-key-file FILE         raw HMAC key that signs the rows
                                  (--signing-algorithm, default HmacSHA256).

The inner provider must be the same as the one the applications use with the
table, or the rows will not verify. AWS settings (region, credentials,
AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_KMS) come from the environment.
Key material is never printed.`,
	}
	pf := cmd.PersistentFlags()
	pf.String(flagKMSKeyID, "", "AWS KMS key protecting the rows (Direct KMS inner provider)")
	pf.String(flagWrappingKey, "", "file holding the raw AES key that wraps the rows' content keys")
	pf.String(flagSigningKey, "", "file holding the raw HMAC key that signs the rows")
	pf.String(flagSigningAlg, defaultSigningAlgo, "MAC algorithm of --signing-key-file: HmacSHA224, HmacSHA256, HmacSHA384 or HmacSHA512")

	create := &cobra.Command{
		Use:   "create-table TABLE",
		Short: "Create a MetaStore table (N: string partition key, V: number sort key)",
		Long: `Create a MetaStore table and wait until it is active: partition key N (S),
sort key V (N), on demand (PAY_PER_REQUEST) unless --read-capacity and
--write-capacity are given. An existing table is an error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			read, err := cmd.Flags().GetInt64(flagReadCapacity)
			if err != nil {
				return err
			}
			write, err := cmd.Flags().GetInt64(flagWriteCapacity)
			if err != nil {
				return err
			}
			var opts []metastore.TableOption
			mode := "on demand"
			if read != 0 || write != 0 {
				opts = append(opts, metastore.WithProvisionedThroughput(read, write))
				mode = fmt.Sprintf("provisioned, %d read and %d write capacity units", read, write)
			}
			cfg, err := config.LoadDefaultConfig(cmd.Context())
			if err != nil {
				return fmt.Errorf("loading the AWS configuration: %w", err)
			}
			if err := metastore.CreateTable(cmd.Context(), dynamoClient(cfg), args[0], opts...); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created MetaStore table %s (%s)\n", args[0], mode)
			return nil
		},
	}
	create.Flags().Int64(flagReadCapacity, 0, "provisioned read capacity units (with --write-capacity)")
	create.Flags().Int64(flagWriteCapacity, 0, "provisioned write capacity units (with --read-capacity)")
	cmd.AddCommand(create)

	cmd.AddCommand(&cobra.Command{
		Use:   "new-version TABLE MATERIAL",
		Short: "Create the next version of a material name, with fresh random keys",
		Long: `Create the next version of MATERIAL (the highest version plus one, or 0) with
fresh random keys. Writers using a Most Recent provider switch to it when
their TTL expires; items of older versions stay readable.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := openMetaStore(cmd, args[0])
			if err != nil {
				return err
			}
			_, version, err := store.NewProvider(cmd.Context(), args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created version %d of %s in %s\n", version, args[1], args[0])
			return nil
		},
	})

	cmd.AddCommand(&cobra.Command{
		Use:   "versions TABLE",
		Short: "List the material names and versions of a MetaStore, with creation times",
		Long: `List every material name and version of the MetaStore with its creation time.
Every row is verified and decrypted on the way (the creation time is
encrypted), so this also checks the rows' integrity. Rows written by the Java
or Python clients have no creation time ("-"). Key material is never printed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := openMetaStore(cmd, args[0])
			if err != nil {
				return err
			}
			list, err := store.Versions(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MATERIAL\tVERSION\tCREATED")
			for _, v := range list {
				created := "-"
				if !v.Created.IsZero() {
					created = v.Created.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\n", v.Name, v.Version, created)
			}
			return tw.Flush()
		},
	})
	return cmd
}

// openMetaStore builds the MetaStore on table with the inner provider the
// flags describe.
func openMetaStore(cmd *cobra.Command, table string) (*metastore.MetaStore, error) {
	cfg, err := config.LoadDefaultConfig(cmd.Context())
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	inner, err := innerProvider(cmd, cfg)
	if err != nil {
		return nil, err
	}
	return metastore.New(dynamoClient(cfg), table, inner)
}

// dynamoClient is the commands' DynamoDB client. The SDK's logger is off:
// DynamoDB Local's error responses (a lost create race, an existing table)
// make it warn about their checksum on stderr, beside the command's own
// error.
func dynamoClient(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.Logger = logging.Nop{} })
}

// innerProvider is Direct KMS with --kms-key-id, or a wrapped provider with
// an AES wrapping key and an HMAC signing key read from files.
func innerProvider(cmd *cobra.Command, cfg aws.Config) (cmp.Provider, error) {
	flags := cmd.Flags()
	keyID, _ := flags.GetString(flagKMSKeyID)
	wrapFile, _ := flags.GetString(flagWrappingKey)
	signFile, _ := flags.GetString(flagSigningKey)
	alg, _ := flags.GetString(flagSigningAlg)
	switch {
	case keyID != "" && (wrapFile != "" || signFile != ""):
		return nil, errors.New("give either --kms-key-id or the key files, not both")
	case keyID != "":
		return cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kms.NewFromConfig(cfg), KeyID: keyID})
	case wrapFile == "" || signFile == "":
		return nil, fmt.Errorf("the MetaStore's rows need an inner provider: --%s, or --%s and --%s", flagKMSKeyID, flagWrappingKey, flagSigningKey)
	}
	wrapBytes, err := os.ReadFile(wrapFile)
	if err != nil {
		return nil, err
	}
	defer clear(wrapBytes)
	kek, err := cmp.NewAESWrappingKey(wrapBytes)
	if err != nil {
		return nil, fmt.Errorf("--%s %s: %w", flagWrappingKey, wrapFile, err)
	}
	signBytes, err := os.ReadFile(signFile)
	if err != nil {
		return nil, err
	}
	defer clear(signBytes)
	mac, err := cmp.NewHMACKey(alg, signBytes)
	if err != nil {
		return nil, fmt.Errorf("--%s %s: %w", flagSigningKey, signFile, err)
	}
	return cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, UnwrappingKey: kek, SigningKey: mac})
}
