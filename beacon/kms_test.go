package beacon_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

func beaconOf(t *testing.T, k *beacon.Keys) string {
	t.Helper()
	b, err := k.Beacon(t.Context(), "t", "email", &types.AttributeValueMemberS{Value: "v"}, 32)
	if err != nil {
		t.Fatal(err)
	}
	return b.Value
}

// TestKMSRootKeyLocal makes a root key under local-kms and uses it: the
// plaintext never leaves KMS, and the encryption context must match.
func TestKMSRootKeyLocal(t *testing.T) {
	client := testenv.KMS(t)
	keyID := testenv.NewKMSKey(t, client)
	blob, err := beacon.NewKMSRootKey(t.Context(), client, keyID)
	if err != nil {
		t.Fatal(err)
	}
	a, b := beacon.NewKMSKeys(client, keyID, blob), beacon.NewKMSKeys(client, keyID, blob)
	if x, y := beaconOf(t, a), beaconOf(t, b); x != y {
		t.Fatalf("one root key, two beacons: %s and %s", x, y)
	}
	// The same ciphertext made for another purpose does not decrypt.
	out, err := client.Encrypt(t.Context(), &kms.EncryptInput{KeyId: &keyID, Plaintext: make([]byte, beacon.RootKeyBytes), EncryptionContext: map[string]string{beacon.KMSContextKey: "something-else"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := beacon.NewKMSKeys(client, keyID, out.CiphertextBlob).Beacon(t.Context(), "t", "email", &types.AttributeValueMemberS{Value: "v"}, 16); !errors.Is(err, ddbcrypt.ErrKeyService) {
		t.Fatalf("a ciphertext of another purpose: err = %v, want ErrKeyService", err)
	}
}
