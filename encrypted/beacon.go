package encrypted

// Finding items by the value of an encrypted attribute, through its beacon.

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/beacon"
)

// Beacon returns the beacon of value for the encrypted attribute attr of
// table (TableConfig.Beacons), to put in a query of the index whose
// partition key is the beacon attribute, or in a filter on it:
//
//	b, err := c.Beacon(ctx, "customers", "email", &types.AttributeValueMemberS{Value: email})
//	out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("customers"), IndexName: aws.String("by-email"),
//		KeyConditionExpression:    aws.String("#b = :b"),
//		ExpressionAttributeNames:  map[string]string{"#b": beacon.Attribute("email")},
//		ExpressionAttributeValues: map[string]types.AttributeValue{":b": b}})
//	matches := encrypted.KeepMatches(out.Items, "email", &types.AttributeValueMemberS{Value: email})
//
// Equal beacons do not prove equal values: pass what the query returns to
// KeepMatches. An attribute without a beacon is an error wrapping
// ddbcrypt.ErrInvalidConfig that names it.
func (c *Client) Beacon(ctx context.Context, table, attr string, value types.AttributeValue) (types.AttributeValue, error) {
	t, err := c.table(ctx, &table)
	if err != nil {
		return nil, err
	}
	b, err := t.Beacon(ctx, attr, value)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// KeepMatches returns the decrypted items whose attribute attr equals
// value, dropping the false positives of a beacon: the same canonical
// serialization, so numbers compare by value and sets ignore their order.
// It reuses items' backing array.
func KeepMatches(items []map[string]types.AttributeValue, attr string, value types.AttributeValue) []map[string]types.AttributeValue {
	return beacon.Filter(items, attr, value)
}
