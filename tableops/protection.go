package tableops

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/config"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// Protection says how the items of a table are protected: the materials
// provider, the attribute actions, and the table name bound into
// signatures (empty: the table's own name). It is what a configuration
// file (package config) describes.
type Protection struct {
	Provider           cmp.Provider
	Actions            crypto.AttributeActions
	SignatureTableName string
}

// FromConfig builds the Protection a loaded configuration describes, with
// clients for the providers that call AWS. The configuration must have
// attribute actions.
func FromConfig(cfg *config.Config, clients config.Clients) (Protection, error) {
	provider, err := cfg.Provider(clients)
	if err != nil {
		return Protection{}, err
	}
	actions, err := cfg.Actions()
	if err != nil {
		return Protection{}, err
	}
	return Protection{Provider: provider, Actions: actions, SignatureTableName: cfg.SignatureTableName()}, nil
}

// table returns the engine's table for the protection p of the table info
// describes.
func (p Protection) table(info *tableinfo.Info) (*engine.Table, error) {
	if p.Provider == nil {
		return nil, fmt.Errorf("tableops: table %s: %w: no provider", info.Name, ddbcrypt.ErrInvalidConfig)
	}
	policy, err := engine.NewPolicy(info, p.Actions, info.KeyNames()...)
	if err != nil {
		return nil, err
	}
	return engine.NewTable(info.Name, info, policy, p.SignatureTableName, crypto.NewEncryptor(p.Provider)), nil
}

// describe describes the named table once: its keys for the engine, its
// size for the default number of segments, and its item count for
// progress.
func describe(ctx context.Context, db DB, name string) (*tableinfo.Info, int64, int64, error) {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if err != nil {
		return nil, 0, 0, fmt.Errorf("tableops: table %s: %w", name, &ddbcrypt.DynamoDBError{Op: "DescribeTable", Err: err})
	}
	if out == nil || out.Table == nil {
		return nil, 0, 0, fmt.Errorf("tableops: table %s: %w", name, &ddbcrypt.DynamoDBError{Op: "DescribeTable", Err: fmt.Errorf("the answer describes no table")})
	}
	return tableinfo.FromDescription(out.Table), aws.ToInt64(out.Table.TableSizeBytes), aws.ToInt64(out.Table.ItemCount), nil
}
