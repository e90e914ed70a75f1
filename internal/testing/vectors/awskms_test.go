package vectors_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
)

// kmsVectorSet writes a vector set to a temporary directory: the public
// plaintext.json, a keys.json holding only the KMS key keyID, and one
// awskms scenario (network false) like the public aws-kms-direct-1.
func kmsVectorSet(t *testing.T, keyID string) string {
	t.Helper()
	dir := t.TempDir()
	plaintext, err := os.ReadFile(filepath.Join(encryptedItemDir(t), "plaintext.json"))
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := json.Marshal(map[string]any{"localKms": map[string]string{"keyId": keyID}})
	scenarios, _ := json.Marshal(map[string]any{
		"plaintext": "file://plaintext.json",
		"keys":      "file://keys.json",
		"scenarios": []any{map[string]any{
			"version":    "v1",
			"provider":   "awskms",
			"keys":       map[string]string{"decrypt": "localKms", "verify": "localKms"},
			"plaintext":  "file://plaintext.json",
			"ciphertext": "file://ciphertext/local/aws-kms-local-1.json",
			"network":    false,
		}},
	})
	for name, data := range map[string][]byte{"plaintext.json": plaintext, "keys.json": keys, "scenarios.json": scenarios} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestAWSKMSEncryptThenDecrypt is `ddbcrypt vectors encrypt` followed by
// `ddbcrypt vectors decrypt` for a Direct KMS scenario whose key lives in
// the local KMS server (docs/format.md 13 Q4).
func TestAWSKMSEncryptThenDecrypt(t *testing.T) {
	keyARN := testenv.NewKMSKey(t, testenv.KMS(t))
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	in, out := kmsVectorSet(t, keyARN), t.TempDir()
	r := &vectors.Runner{AWS: &cfg}
	wrep, err := r.Encrypt(t.Context(), in, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(wrep.Written) != 1 || len(wrep.Skipped) != 0 || wrep.Written[0].Items != 16 || wrep.Written[0].Provider != "awskms" {
		t.Fatalf("encrypt report %+v", wrep)
	}
	rep, err := r.Decrypt(t.Context(), out)
	if err != nil {
		t.Fatal(err)
	}
	res := rep.Result("aws-kms-local-1.json")
	if res == nil || res.Skipped || res.Passed != 16 || res.Failed != 0 || res.Unmatched != 0 {
		t.Fatalf("decrypt: %+v", res)
	}

	// The written items are Direct KMS items under that key.
	data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(wrep.Written[0].Path)))
	if err != nil {
		t.Fatal(err)
	}
	described := 0
	for table, items := range kmsReadTables(t, data) {
		for _, item := range items {
			d := kmsDescription(t, item)
			if d == nil {
				continue
			}
			described++
			if d["amzn-ddb-wrap-alg"] != "kms" || d["aws-kms-ec-attr"] != "*keys*" || d["amzn-ddb-env-alg"] != "AES/256" || d["amzn-ddb-sig-alg"] != "HmacSHA256/256" {
				t.Errorf("%s: description %v", table, d)
			}
		}
	}
	if described == 0 {
		t.Error("no item has a material description")
	}

	// Without an AWS configuration the scenario is skipped, not failed.
	rep, err = (&vectors.Runner{}).Decrypt(t.Context(), out)
	if err != nil {
		t.Fatal(err)
	}
	if res := rep.Result("aws-kms-local-1.json"); res == nil || !res.Skipped || !strings.Contains(res.SkipReason, "AWS configuration") {
		t.Errorf("without AWS: %+v", res)
	}
}

// TestAWSKMSNetworkScenarioSkipped: the public aws-kms-direct-1 scenario
// needs the real us-west-2 key; without Runner.Network it is skipped even
// when an AWS configuration is present.
func TestAWSKMSNetworkScenarioSkipped(t *testing.T) {
	rep, err := (&vectors.Runner{AWS: &aws.Config{Region: "us-east-1"}}).Decrypt(t.Context(), encryptedItemDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if res := rep.Result("aws-kms-direct-1.json"); res == nil || !res.Skipped || !strings.Contains(res.SkipReason, "network") {
		t.Errorf("aws-kms-direct-1.json: %+v, want skipped as network", res)
	}
}

// recordingKMS records Decrypt requests and refuses them: enough to see
// what the provider would ask KMS, offline.
type recordingKMS struct {
	mu       sync.Mutex
	requests []*kms.DecryptInput
}

var errKMSOffline = errors.New("offline")

func (r *recordingKMS) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return nil, errKMSOffline
}

func (r *recordingKMS) Decrypt(_ context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, in)
	return nil, errKMSOffline
}

// TestAWSKMSPublicDescriptions parses the material descriptions of the
// Java Direct KMS vector (aws-kms-direct-1.json) offline, and checks the
// KMS Decrypt request the provider builds for each item: the stored data
// key, the key id of keys.json and the encryption context of docs/format.md
// 7.5.2.
func TestAWSKMSPublicDescriptions(t *testing.T) {
	dir := encryptedItemDir(t)
	set, err := vectors.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	keyARN := set.Keys["awsKmsUsWest2"].KeyID
	if !strings.HasPrefix(keyARN, "arn:aws:kms:us-west-2:") {
		t.Fatalf("awsKmsUsWest2 = %q", keyARN)
	}
	var sc *vectors.Scenario
	for _, s := range set.Scenarios {
		if s.Name() == "aws-kms-direct-1.json" {
			sc = s
		}
	}
	if sc == nil || sc.Provider != "awskms" || !sc.Network {
		t.Fatalf("scenario aws-kms-direct-1.json: %+v", sc)
	}
	data, err := os.ReadFile(sc.Ciphertext)
	if err != nil {
		t.Fatal(err)
	}
	kmsc := &recordingKMS{}
	p, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kmsc, KeyID: keyARN})
	if err != nil {
		t.Fatal(err)
	}
	keyNames := map[string][2]string{"TableName": {"hashKey", "rangeKey"}, "HashKeyOnly": {"hashKey", ""}}
	n, plain := 0, 0
	for table, items := range kmsReadTables(t, data) {
		names, ok := keyNames[table]
		if !ok {
			t.Fatalf("unexpected table %s", table)
		}
		for _, item := range items {
			d := kmsDescription(t, item)
			if d == nil {
				plain++
				continue
			}
			want := map[string]string{
				"aws-kms-ec-attr":       "*keys*",
				"amzn-ddb-wrap-alg":     "kms",
				"amzn-ddb-env-alg":      "AES/256",
				"amzn-ddb-sig-alg":      "HmacSHA256/256",
				"amzn-ddb-map-sym-mode": "/CBC/PKCS5Padding",
				"amzn-ddb-env-key":      d["amzn-ddb-env-key"],
			}
			if !maps.Equal(d, want) {
				t.Errorf("%s: description %v", table, d)
			}
			blob, err := base64.StdEncoding.DecodeString(d["amzn-ddb-env-key"])
			if err != nil || len(blob) == 0 {
				t.Fatalf("%s: env-key: %v", table, err)
			}

			ec := &cmp.EncryptionContext{TableName: table, PartitionKeyName: names[0], SortKeyName: names[1], Attributes: item, MaterialDescription: d}
			_, err = p.DecryptionMaterials(t.Context(), ec)
			if !errors.Is(err, errKMSOffline) {
				t.Fatalf("%s: %v, want the offline KMS error", table, err)
			}
			req := kmsc.requests[len(kmsc.requests)-1]
			wantContext := map[string]string{
				"*amzn-ddb-env-alg*": "AES/256",
				"*amzn-ddb-sig-alg*": "HmacSHA256/256",
				"*aws-kms-table*":    table,
				"hashKey":            kmsKeyText(item["hashKey"]),
			}
			if names[1] != "" {
				wantContext["rangeKey"] = kmsKeyText(item["rangeKey"])
			}
			if aws.ToString(req.KeyId) != keyARN || string(req.CiphertextBlob) != string(blob) || !maps.Equal(req.EncryptionContext, wantContext) {
				t.Errorf("%s: Decrypt request key %q, context %v; want %v", table, aws.ToString(req.KeyId), req.EncryptionContext, wantContext)
			}
			n++
		}
	}
	if n == 0 || n+plain != 16 {
		t.Errorf("%d items with a Direct KMS description and %d plaintext items, want 16 in all", n, plain)
	}
	t.Logf("%d Direct KMS descriptions parsed, %d items stored as plaintext", n, plain)
}

func kmsKeyText(av types.AttributeValue) string {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return v.Value
	}
	return "?"
}

func kmsReadTables(t *testing.T, data []byte) map[string][]map[string]types.AttributeValue {
	t.Helper()
	var raw map[string][]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string][]map[string]types.AttributeValue{}
	for table, list := range raw {
		for _, r := range list {
			item, err := vectors.UnmarshalItem(r)
			if err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], item)
		}
	}
	return out
}

// kmsDescription returns an item's parsed material description, or nil
// for an item stored as plaintext (action "nothing").
func kmsDescription(t *testing.T, item map[string]types.AttributeValue) map[string]string {
	t.Helper()
	b, ok := item[crypto.DescriptionAttribute].(*types.AttributeValueMemberB)
	if !ok {
		if _, signed := item[crypto.SignatureAttribute]; signed {
			t.Fatalf("signed item without a material description")
		}
		return nil
	}
	d, err := crypto.DecodeMaterialDescription(b.Value)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
