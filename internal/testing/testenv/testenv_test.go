package testenv_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

var validTableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

func TestTableNameIsValidAndUnique(t *testing.T) {
	t.Run("sub/test with spaces & symbols"+strings.Repeat("x", 240), func(t *testing.T) {
		a, b := testenv.TableName(t), testenv.TableName(t)
		for _, n := range []string{a, b} {
			if !validTableName.MatchString(n) {
				t.Errorf("TableName() = %q (len %d): not a valid DynamoDB table name", n, len(n))
			}
		}
		if a == b {
			t.Errorf("TableName() returned %q twice", a)
		}
	})
}

func TestDynamoDBPutGet(t *testing.T) {
	t.Parallel()
	ddb := testenv.DynamoDB(t)
	table := testenv.NewTable(t, ddb, testenv.S("pk"), testenv.N("sk"))

	item := map[string]types.AttributeValue{
		"pk":   &types.AttributeValueMemberS{Value: "user#1"},
		"sk":   &types.AttributeValueMemberN{Value: "42"},
		"blob": &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 0xff}},
	}
	if _, err := ddb.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	out, err := ddb.GetItem(t.Context(), &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            map[string]types.AttributeValue{"pk": item["pk"], "sk": item["sk"]},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	got, ok := out.Item["blob"].(*types.AttributeValueMemberB)
	if !ok || !bytes.Equal(got.Value, []byte{0, 1, 2, 0xff}) {
		t.Fatalf("GetItem returned %#v, want the item that was put", out.Item)
	}
}

func TestDynamoDBPartitionKeyOnly(t *testing.T) {
	t.Parallel()
	ddb := testenv.DynamoDB(t)
	table := testenv.NewTable(t, ddb, testenv.B("id"))
	desc, err := ddb.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	ks := desc.Table.KeySchema
	if len(ks) != 1 || aws.ToString(ks[0].AttributeName) != "id" || ks[0].KeyType != types.KeyTypeHash {
		t.Fatalf("key schema = %+v, want a single HASH key \"id\"", ks)
	}
}

func TestKMSDataKeyRoundTrip(t *testing.T) {
	t.Parallel()
	client := testenv.KMS(t)
	keyARN := testenv.NewKMSKey(t, client)
	encCtx := map[string]string{"table": "t1"}

	dk, err := client.GenerateDataKey(t.Context(), &kms.GenerateDataKeyInput{
		KeyId:             aws.String(keyARN),
		KeySpec:           kmstypes.DataKeySpecAes256,
		EncryptionContext: encCtx,
	})
	if err != nil {
		t.Fatalf("GenerateDataKey: %v", err)
	}
	if len(dk.Plaintext) != 32 {
		t.Fatalf("data key is %d bytes, want 32", len(dk.Plaintext))
	}
	dec, err := client.Decrypt(t.Context(), &kms.DecryptInput{
		CiphertextBlob:    dk.CiphertextBlob,
		EncryptionContext: encCtx,
	})
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if !bytes.Equal(dec.Plaintext, dk.Plaintext) {
		t.Fatal("Decrypt did not return the generated data key")
	}
	if _, err := client.Decrypt(t.Context(), &kms.DecryptInput{
		CiphertextBlob:    dk.CiphertextBlob,
		EncryptionContext: map[string]string{"table": "other"},
	}); err == nil {
		t.Fatal("Decrypt with a different encryption context succeeded")
	}
}
