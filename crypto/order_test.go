package crypto

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// An item signed in the Python ordering, as the Python client writes items
// whose sign-only sets or names hold characters the orderings disagree on,
// verifies by default and not with WithStrictOrdering (docs/format.md 13 Q1).
func TestPythonOrderingTolerance(t *testing.T) {
	mac, err := cmp.NewHMACKey("HmacSHA256", []byte("key"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: make([]byte, 16), SigningKey: mac})
	if err != nil {
		t.Fatal(err)
	}
	c := Context{TableName: "t", PartitionKeyName: "pk"}
	actions := AttributeActions{Default: SignOnly, Overrides: map[string]Action{"secret": EncryptAndSign}}
	item := map[string]types.AttributeValue{
		"pk":          &types.AttributeValueMemberS{Value: "k"},
		"set":         &types.AttributeValueMemberSS{Value: []string{"\uFF61", "\U0001F600"}},
		"bytes":       &types.AttributeValueMemberBS{Value: [][]byte{{0x80}, {0x01}}},
		"\uFF61name":  &types.AttributeValueMemberS{Value: "a"},
		"\U0001F600n": &types.AttributeValueMemberS{Value: "b"},
		"secret":      &types.AttributeValueMemberS{Value: "s"},
	}
	enc, err := NewEncryptor(p).EncryptItem(context.Background(), item, actions, c)
	if err != nil {
		t.Fatal(err)
	}
	// Re-sign in the Python ordering.
	var signed []signedAttribute
	for name, av := range enc {
		if name != SignatureAttribute && name != DescriptionAttribute {
			signed = append(signed, signedAttribute{name: name, value: av, encrypted: name == "secret"})
		}
	}
	javaMsg, _ := stringToSign(newSignScratch(), nil, "t", signed, javaOrder)
	pythonMsg, err := stringToSign(newSignScratch(), nil, "t", signed, pythonOrder)
	if err != nil {
		t.Fatal(err)
	}
	if string(javaMsg) == string(pythonMsg) {
		t.Fatal("the test item does not tell the orderings apart")
	}
	sig, _ := mac.Sign(pythonMsg)
	enc[SignatureAttribute] = &types.AttributeValueMemberB{Value: sig}

	if _, err := NewEncryptor(p).DecryptItem(context.Background(), enc, actions, c); err != nil {
		t.Errorf("Python-ordered signature with the tolerance on: %v", err)
	}
	if _, err := NewEncryptor(p, WithStrictOrdering()).DecryptItem(context.Background(), enc, actions, c); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("Python-ordered signature with WithStrictOrdering: err = %v, want ErrIntegrity", err)
	}
}
