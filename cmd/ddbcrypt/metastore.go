package main

// ddbcrypt metastore: create a MetaStore table, add versions, list them.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go/logging"
	"github.com/spf13/cobra"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	cfgfile "github.com/ddbcrypt/ddbcrypt/config"
	"github.com/ddbcrypt/ddbcrypt/internal/metaid"
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
                                  (--signing-algorithm, default HmacSHA256); or
  --config FILE                   a configuration file (docs/config.md).

A configuration whose provider is most-recent is the applications' own: its
provider.provider is the inner provider, and its metastoreTable and
materialName are the default TABLE and MATERIAL (given ones must match). A
configuration with another provider (static, wrapped, direct-kms) is the
inner provider itself, and TABLE and MATERIAL must be given. Only the
provider is used: actions and signatureTableName, which are about the
items' table, are not. --config and the other inner-provider flags exclude
each other; a configuration that cannot be used is a usage error naming
its field.

The inner provider must be the same as the one the applications use with the
table, or the rows will not verify. AWS settings (region, credentials,
AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_KMS) come from the environment.
Key material is never printed.`,
	}
	asGroup(cmd)
	pf := cmd.PersistentFlags()
	pf.String(flagKMSKeyID, "", "AWS KMS key protecting the rows (Direct KMS inner provider)")
	pf.String(flagWrappingKey, "", "file holding the raw AES key that wraps the rows' content keys")
	pf.String(flagSigningKey, "", "file holding the raw HMAC key that signs the rows")
	pf.String(flagSigningAlg, defaultSigningAlgo, "MAC algorithm of --signing-key-file: HmacSHA224, HmacSHA256, HmacSHA384 or HmacSHA512")
	pf.String(flagConfig, "", "configuration file: a most-recent provider (its MetaStore and inner provider), or the inner provider itself")

	create := &cobra.Command{
		Use:   "create-table TABLE",
		Short: "Create a MetaStore table (N: string partition key, V: number sort key)",
		Long: `Create a MetaStore table and wait until it is active: partition key N (S),
sort key V (N), on demand (PAY_PER_REQUEST) unless --read-capacity and
--write-capacity are given. An existing table is an error. With a
most-recent --config, TABLE defaults to its metastoreTable.`,
		Args: metastoreArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, args, err := metastoreConfig(cmd, args, "TABLE")
			if err != nil {
				return err
			}
			read, _ := cmd.Flags().GetInt64(flagReadCapacity)
			write, _ := cmd.Flags().GetInt64(flagWriteCapacity)
			var opts []metastore.TableOption
			mode := "on demand"
			switch {
			case read < 0 || write < 0 || (read == 0) != (write == 0):
				return usagef("--%s and --%s go together, both positive (or give neither for on demand)", flagReadCapacity, flagWriteCapacity)
			case read > 0:
				opts = append(opts, metastore.WithProvisionedThroughput(read, write))
				mode = fmt.Sprintf("provisioned, %d read and %d write capacity units", read, write)
			}
			aws, err := loadAWSConfig(cmd)
			if err != nil {
				return err
			}
			p := startProgress(cmd, "creating table "+args[0]+", waiting until it is active", unit{}, -1)
			err = metastore.CreateTable(cmd.Context(), dynamodb.NewFromConfig(aws), args[0], opts...)
			p.finish()
			if err != nil {
				return metastoreError(cmd, args[0], err)
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
their TTL expires; items of older versions stay readable. With a
most-recent --config, TABLE and MATERIAL default to its metastoreTable and
materialName.`,
		Args: metastoreArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, args, err := metastoreConfig(cmd, args, "TABLE", "MATERIAL")
			if err != nil {
				return err
			}
			if err := metaid.CheckName(args[1]); err != nil {
				return &usageError{err}
			}
			store, err := openMetaStore(cmd, args[0], cfg, nil)
			if err != nil {
				return err
			}
			_, version, err := store.NewProvider(cmd.Context(), args[1])
			if err != nil {
				return metastoreError(cmd, args[0], err)
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
or Python clients have no creation time ("-"). Key material is never printed.
With a most-recent --config, TABLE defaults to its metastoreTable.`,
		Args: metastoreArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, args, err := metastoreConfig(cmd, args, "TABLE")
			if err != nil {
				return err
			}
			p := startProgress(cmd, "verifying the rows of "+args[0], rows, -1)
			store, err := openMetaStore(cmd, args[0], cfg, p)
			if err != nil {
				p.finish()
				return err
			}
			list, err := store.Versions(cmd.Context())
			p.finish()
			if err != nil {
				return metastoreError(cmd, args[0], err)
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

// openMetaStore builds the MetaStore on table with the inner provider that
// cfg (the loaded --config) or else the flags describe; p, if not nil,
// counts the rows the inner provider opens.
func openMetaStore(cmd *cobra.Command, table string, cfg *cfgfile.Config, p *progress) (*metastore.MetaStore, error) {
	var flags innerConfig
	if cfg == nil {
		var err error
		if flags, err = innerFlags(cmd); err != nil {
			return nil, err
		}
	}
	aws, err := loadAWSConfig(cmd)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(aws)
	var inner cmp.Provider
	if cfg != nil {
		if ms, ok := cfg.MetaStore(); ok {
			cfg = ms.Inner
		}
		path, _ := cmd.Flags().GetString(flagConfig)
		if inner, err = cfg.Provider(cfgfile.Clients{KMS: kms.NewFromConfig(aws), DynamoDB: db}); err != nil {
			return nil, configError(flagConfig, path, err)
		}
	} else if inner, err = flags.provider(aws); err != nil {
		return nil, err
	}
	if p != nil {
		inner = countingProvider{inner, p}
	}
	return metastore.New(db, table, inner)
}

// metastoreArgs accepts n arguments, or fewer with --config: a most-recent
// configuration supplies the missing ones (configArgs).
func metastoreArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if cmd.Flags().Changed(flagConfig) {
			return cobra.RangeArgs(0, n)(cmd, args)
		}
		return cobra.ExactArgs(n)(cmd, args)
	}
}

// metastoreConfig loads --config, or returns nil without it, and completes
// args, named names, from it (configArgs). --config with another
// inner-provider flag is a usage error naming both.
func metastoreConfig(cmd *cobra.Command, args []string, names ...string) (*cfgfile.Config, []string, error) {
	flags := cmd.Flags()
	if !flags.Changed(flagConfig) {
		return nil, args, nil
	}
	for _, other := range []string{flagKMSKeyID, flagWrappingKey, flagSigningKey, flagSigningAlg} {
		if flags.Changed(other) {
			return nil, nil, usagef("give either --%s or --%s, not both: each describes the inner provider", flagConfig, other)
		}
	}
	path, _ := flags.GetString(flagConfig)
	cfg, err := loadConfig(flagConfig, path)
	if err != nil {
		return nil, nil, err
	}
	if args, err = configArgs(cmd, cfg, args, names...); err != nil {
		return nil, nil, err
	}
	return cfg, args, nil
}

// configArgs completes args, named names (TABLE, MATERIAL), from a
// most-recent configuration's metastoreTable and materialName; a given
// argument must match.
func configArgs(cmd *cobra.Command, cfg *cfgfile.Config, args []string, names ...string) ([]string, error) {
	path, _ := cmd.Flags().GetString(flagConfig)
	ms, ok := cfg.MetaStore()
	if !ok {
		if len(args) < len(names) {
			missing := names[len(args):]
			verb := map[bool]string{true: "is", false: "are"}[len(missing) == 1]
			return nil, usagef("%s %s required: --%s %s describes the inner provider only (a most-recent provider would name its metastoreTable and materialName)", strings.Join(missing, " and "), verb, flagConfig, path)
		}
		return args, nil
	}
	from := []struct{ field, value string }{{"provider.metastoreTable", ms.Table}, {"provider.materialName", ms.MaterialName}}
	out := slices.Clone(args)
	for i, name := range names {
		switch {
		case i >= len(args):
			out = append(out, from[i].value)
		case args[i] != from[i].value:
			return nil, usagef("%s %s differs from %s %s of --%s %s: give one, or the same", name, args[i], from[i].field, from[i].value, flagConfig, path)
		}
	}
	return out, nil
}

// loadAWSConfig loads the SDK's configuration from the environment and
// checks that it has a region and credentials, which every MetaStore
// command needs: without them the first call would fail with the SDK's
// less helpful message. The SDK's logger is off: its warnings (an IMDS
// fallback, DynamoDB Local's response checksums) would land beside the
// command's own message.
func loadAWSConfig(cmd *cobra.Command) (aws.Config, error) {
	const hint = `set AWS_REGION and credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); for DynamoDB Local and local-kms: eval "$(scripts/services.sh env)"`
	cfg, err := config.LoadDefaultConfig(cmd.Context(), config.WithLogger(logging.Nop{}))
	if err != nil {
		return aws.Config{}, withHint(fmt.Errorf("loading the AWS configuration: %w", err), hint)
	}
	if cfg.Region == "" {
		return aws.Config{}, withHint(errors.New("no AWS region configured"), hint)
	}
	if _, err := cfg.Credentials.Retrieve(cmd.Context()); err != nil {
		return aws.Config{}, withHint(fmt.Errorf("no AWS credentials: %w", err), hint)
	}
	return cfg, nil
}

// innerConfig is the inner provider the flags ask for: a KMS key, or an AES
// wrapping key and an HMAC signing key read from files.
type innerConfig struct {
	keyID, wrapFile, signFile, alg string
}

// innerFlags reads and checks the inner provider's flags: a missing or
// conflicting one is a usage error.
func innerFlags(cmd *cobra.Command) (innerConfig, error) {
	flags := cmd.Flags()
	var c innerConfig
	c.keyID, _ = flags.GetString(flagKMSKeyID)
	c.wrapFile, _ = flags.GetString(flagWrappingKey)
	c.signFile, _ = flags.GetString(flagSigningKey)
	c.alg, _ = flags.GetString(flagSigningAlg)
	switch {
	case c.keyID != "" && (c.wrapFile != "" || c.signFile != ""):
		return c, usagef("give either --%s or the key files, not both", flagKMSKeyID)
	case c.keyID == "" && (c.wrapFile == "" || c.signFile == ""):
		return c, usagef("the MetaStore's rows need an inner provider: --%s, or --%s and --%s, or --%s", flagKMSKeyID, flagWrappingKey, flagSigningKey, flagConfig)
	case !slices.Contains(signingAlgorithms, c.alg):
		return c, usagef("--%s %q: must be one of %s", flagSigningAlg, c.alg, strings.Join(signingAlgorithms, ", "))
	}
	return c, nil
}

// signingAlgorithms are the values of --signing-algorithm.
var signingAlgorithms = []string{"HmacSHA224", "HmacSHA256", "HmacSHA384", "HmacSHA512"}

// provider builds the inner provider: Direct KMS with a key ID, or a
// wrapped provider with the keys of the files.
func (c innerConfig) provider(cfg aws.Config) (cmp.Provider, error) {
	if c.keyID != "" {
		return cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kms.NewFromConfig(cfg), KeyID: c.keyID})
	}
	wrapBytes, err := os.ReadFile(c.wrapFile)
	if err != nil {
		return nil, err
	}
	defer clear(wrapBytes)
	kek, err := cmp.NewAESWrappingKey(wrapBytes)
	if err != nil {
		return nil, fmt.Errorf("--%s %s: %w", flagWrappingKey, c.wrapFile, err)
	}
	signBytes, err := os.ReadFile(c.signFile)
	if err != nil {
		return nil, err
	}
	defer clear(signBytes)
	mac, err := cmp.NewHMACKey(c.alg, signBytes)
	if err != nil {
		return nil, fmt.Errorf("--%s %s: %w", flagSigningKey, c.signFile, err)
	}
	return cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, UnwrappingKey: kek, SigningKey: mac})
}

// countingProvider counts on a progress the rows its provider opens.
type countingProvider struct {
	cmp.Provider
	p *progress
}

func (c countingProvider) DecryptionMaterials(ctx context.Context, ec *cmp.EncryptionContext) (*cmp.DecryptionMaterials, error) {
	m, err := c.Provider.DecryptionMaterials(ctx, ec)
	c.p.Add(1)
	return m, err
}

// String is the inner provider's own (which never shows keys).
func (c countingProvider) String() string { return fmt.Sprint(c.Provider) }

// metastoreError adds a hint to the errors a MetaStore command can do
// something about: rows that do not verify or were written by another kind
// of provider (the wrong inner provider), a table that does not exist.
func metastoreError(cmd *cobra.Command, table string, err error) error {
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.Is(err, ddbcrypt.ErrIntegrity), errors.Is(err, ddbcrypt.ErrMaterialDescription):
		const rows = "the MetaStore's rows are signed and encrypted by its inner provider: "
		if path, _ := cmd.Flags().GetString(flagConfig); path != "" {
			return withHint(err, rows+"check that the inner provider of --%s %s (provider.provider of a most-recent provider, else provider) has the keys that wrote them", flagConfig, path)
		}
		if id, _ := cmd.Flags().GetString(flagKMSKeyID); id != "" {
			return withHint(err, rows+"check that --%s is the KMS key that wrote them (or give --%s and --%s, if raw keys did)", flagKMSKeyID, flagWrappingKey, flagSigningKey)
		}
		return withHint(err, rows+"check that --%s, --%s and --%s give the keys that wrote them (or give --%s, if a KMS key did)", flagWrappingKey, flagSigningKey, flagSigningAlg, flagKMSKeyID)
	case errors.As(err, &notFound):
		return withHint(err, "is %s the MetaStore table, in this region or endpoint? Create one with: ddbcrypt metastore create-table %s", table, table)
	}
	return err
}
