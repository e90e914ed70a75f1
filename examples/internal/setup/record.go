package setup

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// The key attributes of the examples' tables: a string partition key and a
// number sort key.
const (
	PartitionKey = "partition_attribute"
	SortKey      = "sort_attribute"
)

// Record is the record the examples protect, after the one of the DynamoDB
// Encryption Client guide (its attribute names and values), with one
// sign-only attribute added so that every action appears: the keys are
// signed (DynamoDB must read them), "status" is signed and stays readable,
// "leave me" is neither encrypted nor signed, and the rest is encrypted and
// signed. The tags say so: `ddb` names each attribute (hash and range mark
// the keys) and `ddbcrypt` chooses an action other than the default,
// encrypt and sign.
type Record struct {
	PartitionAttribute string `ddb:"partition_attribute,hash"`
	SortAttribute      int    `ddb:"sort_attribute,range"`
	Status             string `ddb:"status" ddbcrypt:"signonly"`
	Example            string `ddb:"example"`
	SomeNumbers        int    `ddb:"some numbers"`
	SomeBinary         []byte `ddb:"and some binary"`
	LeaveMe            string `ddb:"leave me" ddbcrypt:"donottouch"`
}

// NewRecord returns the guide's record under partition "is this" with the
// given sort key and "example" text.
func NewRecord(sort int, example string) Record {
	return Record{PartitionAttribute: "is this", SortAttribute: sort, Status: "active", Example: example,
		SomeNumbers: 99, SomeBinary: []byte{0x00, 0x01, 0x02}, LeaveMe: "alone"}
}

// Key returns the primary key of the item with the given partition and sort
// key, as DynamoDB's GetItem takes it.
func Key(partition string, sort int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		PartitionKey: &types.AttributeValueMemberS{Value: partition},
		SortKey:      &types.AttributeValueMemberN{Value: fmt.Sprint(sort)},
	}
}

// Item returns the record of NewRecord(sort, "data") under partition as a
// raw item, for the item encryptor and the encrypted client.
func Item(partition string, sort int) map[string]types.AttributeValue {
	item := Key(partition, sort)
	item["status"] = &types.AttributeValueMemberS{Value: "active"}
	item["example"] = &types.AttributeValueMemberS{Value: "data"}
	item["some numbers"] = &types.AttributeValueMemberN{Value: "99"}
	item["and some binary"] = &types.AttributeValueMemberB{Value: []byte{0x00, 0x01, 0x02}}
	item["leave me"] = &types.AttributeValueMemberS{Value: "alone"}
	return item
}

// Actions says for raw items what Record's tags say for the mapper: keys
// signed (as they always are), "status" signed only, "leave me" left alone,
// everything else encrypted and signed.
func Actions() crypto.AttributeActions {
	return crypto.AttributeActions{
		Default:   crypto.EncryptAndSign,
		Overrides: map[string]crypto.Action{"status": crypto.SignOnly, "leave me": crypto.DoNothing},
	}
}
