// Package setup is what the example programs share besides the steps they
// show: the record they protect (Record), the command line, the AWS
// configuration and its check (with a hint to start the local services),
// the example's table, a KMS key for local runs, the providers of the
// examples that let one choose, and printing items as DynamoDB stores them.
package setup

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// Hint says how to point the examples at the local services. It ends the
// message of every configuration an example refuses.
const Hint = `To run the examples against DynamoDB Local and local-kms:
    scripts/services.sh start
    eval "$(scripts/services.sh env)"
(or ` + "`make demo`" + `, which starts the services, runs examples/demo and stops them)`

// Program says what an example needs besides its clients.
type Program struct {
	// Table is the default name of the example's table (flag -table), or ""
	// for an example that uses none.
	Table string
	// OwnTable: the example creates its table itself (its own key schema
	// and indexes), so Env.Table is only named, not created.
	OwnTable bool
	// KMSKey: the example uses a KMS key (Env.KMSKeyID).
	KMSKey bool
	// ChooseProvider: the example lets the user choose its provider with
	// -provider (Env.Provider).
	ChooseProvider bool
}

// Env is what an example works with.
type Env struct {
	// Out is where the example prints (Printf).
	Out io.Writer
	// DB and KMS are clients built from the standard AWS configuration.
	DB  *dynamodb.Client
	KMS *kms.Client
	// Table is the example's table, created if missing, if Program.Table
	// is set.
	Table string
	// KMSKeyID is the KMS key, if Program.KMSKey is set: see KMSKeyID.
	KMSKeyID string
	// Provider and ProviderName are the provider chosen with -provider, if
	// Program.ChooseProvider is set: see NewProvider.
	Provider     cmp.Provider
	ProviderName string
}

// Printf prints to e.Out.
func (e *Env) Printf(format string, args ...any) { fmt.Fprintf(e.Out, format, args...) }

// Main runs an example program. It parses the command line (-table,
// -provider and the flags the example defined before, as p says), loads the
// AWS configuration, refuses with Hint one that Check refuses, makes what p
// asks for (creating the table unless it exists), and calls run. An error
// ends the program with exit status 1.
func Main(p Program, run func(context.Context, *Env) error) {
	log.SetFlags(0)
	log.SetPrefix(filepath.Base(os.Args[0]) + ": ")
	if p.Table != "" {
		flag.StringVar(&p.Table, "table", p.Table, "table to use (created if missing)")
	}
	provider := "wrapped"
	if p.ChooseProvider {
		flag.StringVar(&provider, "provider", provider, "materials provider: static, wrapped, rsa or kms")
	}
	flag.Parse()
	ctx := context.Background()
	env, err := NewEnv(ctx, os.Stdout, p, provider)
	if err == nil {
		err = run(ctx, env)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// NewEnv loads the AWS configuration, checks it (Check; a DynamoDB
// endpoint is needed only with a table), and makes what p asks for: the
// table unless it exists, the KMS key, the provider named provider.
func NewEnv(ctx context.Context, out io.Writer, p Program, provider string) (*Env, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w\n%s", err, Hint)
	}
	if err := Check(ctx, cfg, p.Table != ""); err != nil {
		return nil, err
	}
	env := &Env{Out: out, DB: dynamodb.NewFromConfig(cfg), KMS: kms.NewFromConfig(cfg), Table: p.Table}
	if p.Table != "" && !p.OwnTable {
		if err := Table(ctx, env.DB, p.Table); err != nil {
			return nil, fmt.Errorf("creating table %s: %w", p.Table, err)
		}
	}
	if p.KMSKey || p.ChooseProvider && provider == "kms" {
		if env.KMSKeyID, err = KMSKeyID(ctx, out, env.KMS); err != nil {
			return nil, err
		}
	}
	if p.ChooseProvider {
		if env.Provider, err = NewProvider(provider, env.KMS, env.KMSKeyID); err != nil {
			return nil, err
		}
		env.ProviderName = provider
	}
	return env, nil
}

// credentialsTimeout bounds the credential lookup, which may ask the EC2
// instance metadata service, so that a machine without credentials fails
// fast.
const credentialsTimeout = 5 * time.Second

// Check refuses, with Hint, an AWS configuration without a region or
// credentials, or, if dynamoDB is set, without a DynamoDB endpoint: the
// examples create tables, and do so in AWS itself only when told to by
// AWS_ENDPOINT_URL_DYNAMODB (or AWS_ENDPOINT_URL, or endpoint_url in the
// AWS config file).
func Check(ctx context.Context, cfg aws.Config, dynamoDB bool) error {
	if cfg.Region == "" {
		return fmt.Errorf("no AWS region is set (AWS_REGION)\n%s", Hint)
	}
	if cfg.Credentials == nil {
		return fmt.Errorf("no AWS credentials are configured\n%s", Hint)
	}
	ctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return fmt.Errorf("no AWS credentials: %w\n%s", err, Hint)
	}
	if dynamoDB && !hasEndpoint(ctx, cfg, dynamodb.ServiceID) {
		return fmt.Errorf("no DynamoDB endpoint is set: the examples create tables, and do so in AWS "+
			"only when AWS_ENDPOINT_URL_DYNAMODB names it (https://dynamodb.%s.amazonaws.com)\n%s", cfg.Region, Hint)
	}
	return nil
}

// hasEndpoint reports whether the configuration names an endpoint for the
// service: AWS_ENDPOINT_URL_<SERVICE> or endpoint_url in a services section
// of the config file, or AWS_ENDPOINT_URL or a profile's endpoint_url for
// all services.
func hasEndpoint(ctx context.Context, cfg aws.Config, serviceID string) bool {
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		return true
	}
	type serviceEndpoint interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	for _, source := range cfg.ConfigSources {
		if s, ok := source.(serviceEndpoint); ok {
			if url, found, err := s.GetServiceBaseEndpoint(ctx, serviceID); err == nil && found && url != "" {
				return true
			}
		}
	}
	return false
}
