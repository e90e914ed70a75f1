package encrypted_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
)

// TestTypedNilValuesAreRefused: a value that is a nil member pointer, such
// as (*types.AttributeValueMemberS)(nil), in a key, an encrypted or a
// signed attribute, is an invalid item before any data call: never a
// panic.
func TestTypedNilValuesAreRefused(t *testing.T) {
	nils := map[string]types.AttributeValue{
		"S": (*types.AttributeValueMemberS)(nil), "N": (*types.AttributeValueMemberN)(nil),
		"B": (*types.AttributeValueMemberB)(nil), "BOOL": (*types.AttributeValueMemberBOOL)(nil),
		"NULL": (*types.AttributeValueMemberNULL)(nil), "SS": (*types.AttributeValueMemberSS)(nil),
		"NS": (*types.AttributeValueMemberNS)(nil), "BS": (*types.AttributeValueMemberBS)(nil),
		"L": (*types.AttributeValueMemberL)(nil), "M": (*types.AttributeValueMemberM)(nil),
	}
	for kind, nilValue := range nils {
		for _, attr := range []string{"secret", "signed", "pk", "sk"} {
			f, c := fakeClient(t)
			item := map[string]types.AttributeValue{"pk": s("p"), "sk": &types.AttributeValueMemberN{Value: "1"}, "secret": s("x"), "signed": s("y")}
			item[attr] = nilValue
			_, err := c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: fakeTbl, Item: item})
			if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
				t.Errorf("nil *%s in %q: err = %v, want ErrInvalidItem", kind, attr, err)
			}
			if ops := f.DataCalls(); len(ops) != 0 {
				t.Errorf("nil *%s in %q: calls %v reached DynamoDB", kind, attr, ops)
			}
		}
	}
}
