package testenv

// The guide's example record (the Java mapper's DataPoJo), shared by the
// tests of the mapper, the schema and the providers.

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// GuideRecord is the guide's record as a Go struct: a string partition key,
// a number sort key, and one attribute that is neither encrypted nor
// signed ("leave me").
type GuideRecord struct {
	PartitionAttribute string `ddb:"partition_attribute,hash"`
	SortAttribute      int    `ddb:"sort_attribute,range"`
	Example            string `ddb:"example"`
	SomeNumbers        int    `ddb:"some numbers"`
	SomeBinary         []byte `ddb:"and some binary"`
	LeaveMe            string `ddb:"leave me" ddbcrypt:"donottouch"`
}

// Guide returns the guide's record with its values.
func Guide() GuideRecord {
	return GuideRecord{
		PartitionAttribute: "is this",
		SortAttribute:      55,
		Example:            "data",
		SomeNumbers:        99,
		SomeBinary:         []byte{0x00, 0x01, 0x02},
		LeaveMe:            "alone",
	}
}

// GuideItem returns the guide's record as an item.
func GuideItem() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"partition_attribute": &types.AttributeValueMemberS{Value: "is this"},
		"sort_attribute":      &types.AttributeValueMemberN{Value: "55"},
		"example":             &types.AttributeValueMemberS{Value: "data"},
		"some numbers":        &types.AttributeValueMemberN{Value: "99"},
		"and some binary":     &types.AttributeValueMemberB{Value: []byte{0x00, 0x01, 0x02}},
		"leave me":            &types.AttributeValueMemberS{Value: "alone"},
	}
}

// GuideActions returns the attribute actions of the guide's record: every
// attribute encrypted and signed but "leave me", which is left alone.
func GuideActions() crypto.AttributeActions {
	return crypto.AttributeActions{
		Default:   crypto.EncryptAndSign,
		Overrides: map[string]crypto.Action{"leave me": crypto.DoNothing},
	}
}

// GuideContext returns the context of the guide's record in table, keyed
// by partition_attribute and sort_attribute.
func GuideContext(table string) crypto.Context {
	return crypto.Context{TableName: table, PartitionKeyName: "partition_attribute", SortKeyName: "sort_attribute"}
}
