package tableops

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/config"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// Protection says how the items of a table are protected: the materials
// provider, the attribute actions, the table name bound into signatures
// (empty: the table's own name), and the beacons the items carry with the
// keys that compute them. It is what a configuration file (package config)
// describes.
//
// A beacon attribute (beacon.Attribute) is signed and never encrypted, so
// a protection without Beacons takes a stored beacon for an ordinary
// attribute: under an encrypting default, items with beacons then fail
// to verify. Only a protection the jobs write under — the to of Reencrypt
// and Encrypt — needs BeaconKeys; one they only read under (Verify, the
// from of Reencrypt and Decrypt) verifies beacons as signed attributes
// without them, so an audit needs no beacon root key.
type Protection struct {
	Provider           cmp.Provider
	Actions            crypto.AttributeActions
	SignatureTableName string
	Beacons            []beacon.Spec
	BeaconKeys         *beacon.Keys
}

// FromConfig builds the Protection a loaded configuration describes, with
// clients for the providers that call AWS (and for a beacon root key kept
// under KMS). The configuration must have attribute actions.
func FromConfig(cfg *config.Config, clients config.Clients) (Protection, error) {
	provider, err := cfg.Provider(clients)
	if err != nil {
		return Protection{}, err
	}
	actions, err := cfg.Actions()
	if err != nil {
		return Protection{}, err
	}
	keys, err := cfg.BeaconKeys(clients)
	if err != nil {
		return Protection{}, err
	}
	return Protection{Provider: provider, Actions: actions, SignatureTableName: cfg.SignatureTableName(), Beacons: cfg.Beacons(), BeaconKeys: keys}, nil
}

// table returns the engine's table for the protection p of the table info
// describes: the one way the jobs and the ddbcrypt command build it.
func (p Protection) table(info *tableinfo.Info) (*engine.Table, error) {
	t, err := engine.Protection(p).Table(info)
	if err != nil {
		return nil, fmt.Errorf("tableops: %w", err)
	}
	return t, nil
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
