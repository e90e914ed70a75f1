package tableinfo

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestFromDescription(t *testing.T) {
	ti := FromDescription(&types.TableDescription{
		TableName: aws.String("t"),
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndexDescription{{
			IndexName:  aws.String("g"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("status"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndexDescription{{
			IndexName:  aws.String("l"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("when"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if ti.Name != "t" || ti.Keys != (KeySchema{"pk", "sk"}) {
		t.Fatalf("keys: %+v", ti)
	}
	if ti.Indexes["g"].ProjectsAll || !ti.Indexes["l"].ProjectsAll {
		t.Errorf("projections: %+v", ti.Indexes)
	}
	for name, want := range map[string]bool{"pk": true, "sk": true, "status": true, "when": true, "other": false} {
		if got := ti.IsKey(name); got != want {
			t.Errorf("IsKey(%q) = %v", name, got)
		}
	}
	if ti.IsIndexKey("sk") {
		t.Error("sk is a table key, not an index key")
	}
}

func TestKeyIDCanonicalNumbers(t *testing.T) {
	a := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "x"}, "sk": &types.AttributeValueMemberN{Value: "1.50"}}
	b := map[string]types.AttributeValue{"sk": &types.AttributeValueMemberN{Value: "15E-1"}, "pk": &types.AttributeValueMemberS{Value: "x"}}
	c := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "x"}, "sk": &types.AttributeValueMemberN{Value: "1.51"}}
	if KeyID(a) != KeyID(b) {
		t.Errorf("%s != %s", KeyID(a), KeyID(b))
	}
	if KeyID(a) == KeyID(c) {
		t.Errorf("different keys, same id %s", KeyID(a))
	}
}

func TestItemSize(t *testing.T) {
	item := map[string]types.AttributeValue{
		"s": &types.AttributeValueMemberS{Value: "abc"},        // 1 + 3
		"b": &types.AttributeValueMemberB{Value: []byte{1, 2}}, // 1 + 2
		"t": &types.AttributeValueMemberBOOL{Value: true},      // 1 + 1
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{ // 1 + 3 + (1 + 1 + 2)
			"k": &types.AttributeValueMemberS{Value: "vv"},
		}},
	}
	if got, want := ItemSize(item), 4+3+2+8; got != want {
		t.Errorf("ItemSize = %d, want %d", got, want)
	}
}
