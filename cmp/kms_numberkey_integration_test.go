package cmp_test

// Number key text in the KMS encryption context, against local-kms (and
// DynamoDB Local): see kms_numberkey_test.go.

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
)

// viaFile writes item to a DynamoDB JSON file, as the vector sets hold
// items, and reads it back.
func viaFile(t *testing.T, item map[string]types.AttributeValue) map[string]types.AttributeValue {
	t.Helper()
	b, err := vectors.MarshalItem(item)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "item.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err = os.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	out, err := vectors.UnmarshalItem(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestKMSLocalNumberKeyAsStored: with local-kms, an item whose data key was
// made under a context holding the sort key as written, 7.50 (as the
// Python and Java clients do), decrypts from a file with one Decrypt call;
// an item ddbcrypt wrote with 7.50 (context 7.5) decrypts from a file with
// two, the first refused by local-kms as a context mismatch; with the
// cache, reading either again makes no call.
func TestKMSLocalNumberKeyAsStored(t *testing.T) {
	client, keyARN := localKey(t)
	for _, tc := range []struct {
		name    string
		asGiven map[string]string
		want    []map[string]string
	}{
		{"reference-written", map[string]string{"sk": "7.50"}, []map[string]string{keyContext("1", "7.50")}},
		{"ddbcrypt-written", nil, []map[string]string{keyContext("1", "7.50"), keyContext("1", "7.5")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writer := newCountingKMS(client)
			stored := viaFile(t, numberKeyItem(t, writer, keyARN, "1", "7.50", tc.asGiven))
			if sk := stored["sk"].(*types.AttributeValueMemberN).Value; sk != "7.50" {
				t.Fatalf("the file holds sk %q, want 7.50", sk)
			}
			wantContext := keyContext("1", "7.5")
			if tc.asGiven != nil {
				wantContext = keyContext("1", "7.50")
			}
			if got := writer.last().Context; got["sk"] != wantContext["sk"] {
				t.Fatalf("GenerateDataKey context holds sk %q, want %q", got["sk"], wantContext["sk"])
			}

			for _, cache := range []*cmp.DataKeyCacheConfig{nil, {TTL: time.Minute}} {
				kmsc := newCountingKMS(client)
				enc := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: keyARN, Cache: cache}))
				got, err := enc.DecryptItem(t.Context(), stored, testenv.GuideActions(), numberKeyContext)
				if err != nil {
					t.Fatalf("cache %v: %v", cache != nil, err)
				}
				if s := got["secret"].(*types.AttributeValueMemberS).Value; s != "s3cr3t 7.50" {
					t.Errorf("secret = %q", s)
				}
				wantDecryptContexts(t, kmsc, tc.want...)
				if cache != nil {
					kmsc.reset()
					if _, err := enc.DecryptItem(t.Context(), stored, testenv.GuideActions(), numberKeyContext); err != nil {
						t.Fatal(err)
					}
					kmsc.wantCalls(t, 0, 0)
				}
			}
		})
	}
}

// TestKMSLocalNumberKeyThroughDynamoDB: DynamoDB returns the key as 7.5.
// A ddbcrypt-written item then decrypts with one call; one written with
// 7.50 in its context (by the references) cannot be decrypted by anyone,
// and is refused as tampered (docs/format.md 11 item 8).
func TestKMSLocalNumberKeyThroughDynamoDB(t *testing.T) {
	client, keyARN := localKey(t)
	db := testenv.DynamoDB(t)
	table := testenv.NewTable(t, db, testenv.N("pk"), testenv.N("sk"))
	c := numberKeyContext
	c.TableName = table
	for _, tc := range []struct {
		name      string
		asGiven   map[string]string
		integrity bool
	}{
		{"ddbcrypt-written", nil, false},
		{"reference-written", map[string]string{"sk": "7.50"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := cmp.KMSClient(client)
			if tc.asGiven != nil {
				w = &asGivenKMS{KMSClient: client, asGiven: tc.asGiven}
			}
			enc := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: w, KeyID: keyARN}))
			pk := "1"
			if tc.integrity {
				pk = "2"
			}
			stored, err := enc.EncryptItem(t.Context(), map[string]types.AttributeValue{
				"pk":     &types.AttributeValueMemberN{Value: pk},
				"sk":     &types.AttributeValueMemberN{Value: "7.50"},
				"secret": &types.AttributeValueMemberS{Value: "s3cr3t"},
			}, testenv.GuideActions(), c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &table, Item: stored}); err != nil {
				t.Fatal(err)
			}
			out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: &table, ConsistentRead: aws.Bool(true),
				Key: map[string]types.AttributeValue{"pk": stored["pk"], "sk": stored["sk"]}})
			if err != nil {
				t.Fatal(err)
			}
			if sk := out.Item["sk"].(*types.AttributeValueMemberN).Value; sk != "7.5" {
				t.Fatalf("DynamoDB returned sk %q, want 7.5", sk)
			}
			kmsc := newCountingKMS(client)
			reader := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: keyARN}))
			_, err = reader.DecryptItem(t.Context(), out.Item, testenv.GuideActions(), c)
			want := keyContext(pk, "7.5")
			want["*aws-kms-table*"] = table
			wantDecryptContexts(t, kmsc, want)
			if tc.integrity {
				wantIntegrity(t, err)
			} else if err != nil {
				t.Fatal(err)
			}
		})
	}
}
