package crypto_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// A user record: "id" is the table's partition key, "email" is secret,
// "plan" must stay readable (queries filter on it) but not be changed
// unnoticed, and "note" is nobody's business.
var (
	user = map[string]types.AttributeValue{
		"id":    &types.AttributeValueMemberS{Value: "user-7"},
		"email": &types.AttributeValueMemberS{Value: "ada@example.com"},
		"plan":  &types.AttributeValueMemberS{Value: "pro"},
		"note":  &types.AttributeValueMemberS{Value: "likes tea"},
	}
	// The item's context: its table and the name of its key, both bound into
	// the signature.
	usersTable = crypto.Context{TableName: "users", PartitionKeyName: "id"}
	// Everything encrypted and signed, except "plan" (signed only) and
	// "note" (left alone). The key "id" is signed, never encrypted.
	userActions = crypto.AttributeActions{
		Default:   crypto.EncryptAndSign,
		Overrides: map[string]crypto.Action{"plan": crypto.SignOnly, "note": crypto.DoNothing},
	}
)

// Encrypting and decrypting an item offline with a static provider: one AES
// key encrypts and one HMAC key signs every item.
func Example_static() {
	// Fixed keys for the example. Real keys come from KMS or a secrets
	// store, never from source code.
	aesKey := bytes.Repeat([]byte{0x01}, 32)
	signingKey, err := cmp.NewHMACKey("HmacSHA256", bytes.Repeat([]byte{0x02}, 32))
	if err != nil {
		log.Fatal(err)
	}
	provider, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: aesKey, SigningKey: signingKey})
	if err != nil {
		log.Fatal(err)
	}
	encryptor := crypto.NewEncryptor(provider)

	ctx := context.Background()
	stored, err := encryptor.EncryptItem(ctx, user, userActions, usersTable)
	if err != nil {
		log.Fatal(err)
	}
	printStored(stored)

	decrypted, err := encryptor.DecryptItem(ctx, stored, userActions, usersTable)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("decrypted:", render(decrypted))
	// Output:
	// *amzn-ddb-map-desc*  binary: the material description
	// *amzn-ddb-map-sig*   binary: the signature of id, email and plan
	// email                binary: encrypted
	// id                   "user-7"
	// note                 "likes tea"
	// plan                 "pro"
	// decrypted: email="ada@example.com" id="user-7" note="likes tea" plan="pro"
}

// Encrypting and decrypting an item offline with a wrapped provider: every
// item gets a fresh content key, which an AES key-encryption key wraps into
// the item's material description. A changed signed attribute is refused.
func Example_wrapped() {
	ctx := context.Background()
	// Fixed keys for the example. Real keys come from KMS or a secrets
	// store, never from source code.
	signingKey, err := cmp.NewHMACKey("HmacSHA256", bytes.Repeat([]byte{0x04}, 32))
	if err != nil {
		log.Fatal(err)
	}
	wrappingKey, err := cmp.NewAESWrappingKey(bytes.Repeat([]byte{0x03}, 32))
	if err != nil {
		log.Fatal(err)
	}
	provider, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wrappingKey, UnwrappingKey: wrappingKey, SigningKey: signingKey})
	if err != nil {
		log.Fatal(err)
	}
	encryptor := crypto.NewEncryptor(provider)
	stored, err := encryptor.EncryptItem(ctx, user, userActions, usersTable)
	if err != nil {
		log.Fatal(err)
	}

	// The item's material description holds its content key, wrapped.
	desc, err := crypto.DecodeMaterialDescription(stored[crypto.DescriptionAttribute].(*types.AttributeValueMemberB).Value)
	if err != nil {
		log.Fatal(err)
	}
	wrapped, err := base64.StdEncoding.DecodeString(desc["amzn-ddb-env-key"])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("the item's content key, wrapped with %s: %d bytes\n", desc["amzn-ddb-wrap-alg"], len(wrapped))

	// Someone with write access to the table changes the signed "plan":
	// the item is refused.
	tampered := maps.Clone(stored)
	tampered["plan"] = &types.AttributeValueMemberS{Value: "enterprise"}
	_, err = encryptor.DecryptItem(ctx, tampered, userActions, usersTable)
	fmt.Println("after a change to plan:", errors.Is(err, ddbcrypt.ErrIntegrity), err)

	// The item as stored decrypts.
	decrypted, err := encryptor.DecryptItem(ctx, stored, userActions, usersTable)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("decrypted:", render(decrypted))
	// Output:
	// the item's content key, wrapped with AESWrap: 40 bytes
	// after a change to plan: true ddbcrypt: item failed its integrity check
	// decrypted: email="ada@example.com" id="user-7" note="likes tea" plan="pro"
}

// printStored prints what an encrypted item holds in place of each
// attribute of user, and its two reserved attributes.
func printStored(stored map[string]types.AttributeValue) {
	for _, name := range slices.Sorted(maps.Keys(stored)) {
		what := "binary: encrypted"
		switch {
		case name == crypto.DescriptionAttribute:
			what = "binary: the material description"
		case name == crypto.SignatureAttribute:
			what = "binary: the signature of id, email and plan"
		case !isBinary(stored[name]):
			what = quote(stored[name])
		}
		fmt.Printf("%-20s %s\n", name, what)
	}
}

func isBinary(av types.AttributeValue) bool {
	_, ok := av.(*types.AttributeValueMemberB)
	return ok
}

// render prints an item of strings as name="value" pairs, sorted by name.
func render(item map[string]types.AttributeValue) string {
	var b bytes.Buffer
	for _, name := range slices.Sorted(maps.Keys(item)) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", name, quote(item[name]))
	}
	return b.String()
}

// quote renders a string value in quotes, anything else by its type.
func quote(av types.AttributeValue) string {
	if s, ok := av.(*types.AttributeValueMemberS); ok {
		return fmt.Sprintf("%q", s.Value)
	}
	return fmt.Sprintf("%T", av)
}
