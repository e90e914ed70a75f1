// Command beacon finds a customer by email without storing the email in the
// clear: the email is encrypted, and beside it the mapper stores a beacon,
// a short keyed hash of the email that an index can match. The beacon is
// short on purpose — several emails share each value — so the index
// returns a few candidates, and the mapper drops those whose decrypted
// email is not the one asked for.
//
// The beacon root key is kept encrypted under KMS: made once with
// beacon.NewKMSRootKey (only its ciphertext is stored, beside the
// application's configuration) and decrypted on first use.
//
// Run it against the local services (DynamoDB Local and local-kms):
//
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	go run ./examples/beacon [-table name]
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// Customer's email is encrypted and has a 2-bit beacon, stored in the
// attribute ddbcrypt_b_email, which is the partition key of the index
// by-email. Two bits make four buckets, so that the few emails here share
// them and the false positives show; a real table sizes its beacon from
// its number of distinct emails (docs/security.md, Beacons).
type Customer struct {
	ID    string `ddb:"id,hash"`
	Email string `ddb:"email" ddbcrypt:"encrypt,beacon=2,beaconindex=by-email"`
	Name  string `ddb:"name"`
}

var customers = []Customer{
	{ID: "c-1", Email: "ana@example.com", Name: "Ana"},
	{ID: "c-2", Email: "bo@example.com", Name: "Bo"},
	{ID: "c-3", Email: "cy@example.com", Name: "Cy"},
	{ID: "c-4", Email: "di@example.com", Name: "Di"},
	{ID: "c-5", Email: "ed@example.com", Name: "Ed"},
	{ID: "c-6", Email: "ana@example.com", Name: "Ana (second account)"},
}

func run(ctx context.Context, env *setup.Env) error {
	// 1. The beacon root key, kept encrypted under KMS, apart from the keys
	// that protect the items: rotating those does not change the beacons.
	rootKey, err := beacon.NewKMSRootKey(ctx, env.KMS, env.KMSKeyID)
	if err != nil {
		return err
	}
	keys := beacon.NewKMSKeys(env.KMS, env.KMSKeyID, rootKey)
	provider, err := setup.NewProvider("kms", env.KMS, env.KMSKeyID)
	if err != nil {
		return err
	}
	m := mapper.New(env.DB, provider, mapper.WithBeaconKeys(keys))
	tbl, err := mapper.NewTable[Customer](m, mapper.WithTableName(env.Table))
	if err != nil {
		return err
	}

	// 2. The table, with the index on the beacon attribute, from the tags.
	if err := tbl.CreateTable(ctx); err != nil && !errors.As(err, new(*types.ResourceInUseException)) {
		return err
	}
	if err := tbl.BatchSave(ctx, customers); err != nil {
		return err
	}
	stored, err := setup.Stored(ctx, env.DB, env.Table, map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "c-1"}})
	if err != nil {
		return err
	}
	env.Printf("Customer c-1 as stored in table %s:\n", env.Table)
	setup.PrintItem(env.Out, stored)

	// 3. What DynamoDB sees of a query: every customer whose email shares
	// the beacon of ana@example.com.
	b := stored[beacon.Attribute("email")].(*types.AttributeValueMemberS).Value
	out, err := env.DB.Query(ctx, &dynamodb.QueryInput{TableName: &env.Table, IndexName: aws.String("by-email"),
		KeyConditionExpression:    aws.String("#b = :b"),
		ExpressionAttributeNames:  map[string]string{"#b": beacon.Attribute("email")},
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: b}}})
	if err != nil {
		return err
	}
	env.Printf("The index holds %d customers with the beacon %q of ana@example.com.\n", out.Count, b)

	// 4. The mapper's query: the same index, then only exact matches. (On
	// AWS a global index is updated within a second or so of a write;
	// DynamoDB Local updates it at once.)
	env.Printf("QueryBeacon(\"email\", \"ana@example.com\"):\n")
	for c, err := range tbl.QueryBeacon("email", "ana@example.com").All(ctx) {
		if err != nil {
			return err
		}
		env.Printf("  %s %s <%s>\n", c.ID, c.Name, c.Email)
	}

	// 5. A filter on the email itself is refused: DynamoDB sees only its
	// ciphertext.
	for _, err := range tbl.Scan().Filter(expression.Name("email").Equal(expression.Value("ana@example.com"))).All(ctx) {
		if err != nil {
			env.Printf("A filter on the encrypted email is refused: %v\n", err)
			break
		}
	}
	return nil
}

// main parses the flags, checks the AWS configuration, makes what the
// program asks for (a KMS key) and calls run.
func main() {
	setup.Main(setup.Program{Table: "ddbcrypt-beacon", OwnTable: true, KMSKey: true}, run)
}
