package cmp

// The Direct KMS provider (docs/format.md 7.5, 10 #11 and #12, 11 item 8, 13 Q2
// and Q4): one AWS KMS data key per item, from which the encryption and
// signing keys are derived with HKDF.

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/number"
	"github.com/ddbcrypt/ddbcrypt/internal/sigalg"
)

// KMSClient is the part of the AWS KMS API the Direct KMS provider calls.
// *kms.Client satisfies it; so does any wrapper with the same method shapes
// (for metrics, retries or tests).
type KMSClient interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// Direct KMS wire constants (docs/format.md 7.5).
const (
	// WrapAlgorithmKMS is the "amzn-ddb-wrap-alg" of Direct KMS items.
	WrapAlgorithmKMS = "kms"

	// KMSContextTable is the KMS encryption context key that holds the
	// table name. The fixed keys of the context carry asterisks so that they
	// cannot clash with attribute names in practice.
	KMSContextTable = "*aws-kms-table*"
	// KMSContextEnvelopeAlgorithm and KMSContextSigningAlgorithm hold the
	// content and signing key descriptors.
	KMSContextEnvelopeAlgorithm = "*" + DescEnvelopeAlgorithm + "*"
	KMSContextSigningAlgorithm  = "*" + DescSigningAlgorithm + "*"

	// kmsContextAttrsValue is the value of "aws-kms-ec-attr": the primary key
	// attributes are in the KMS encryption context.
	kmsContextAttrsValue = "*keys*"

	defaultKMSEnvelopeAlgorithm = "AES/256"
	defaultKMSSigningAlgorithm  = "HmacSHA256/256"

	// kmsDataKeyBytes is the size of the data key asked of KMS. It is HKDF
	// input keying material, not an AES key, so it is 32 bytes whatever the
	// derived key sizes are (both references).
	kmsDataKeyBytes = 32

	hkdfInfoEncryption = "Encryption"
	hkdfInfoSigning    = "Signing"

	opGenerateDataKey = "GenerateDataKey"
	opDecrypt         = "Decrypt"
)

// DirectKMSConfig configures a Direct KMS provider, like Java's
// DirectKmsMaterialProvider and Python's AwsKmsCryptographicMaterialsProvider.
type DirectKMSConfig struct {
	// Client calls AWS KMS. Required, unless RegionClient is set and KeyID is
	// an ARN. Requests are sent without per-call options, so the client's
	// own configuration (retries, endpoint, a User-Agent suffix through
	// APIOptions, as the references add theirs) applies unchanged.
	Client KMSClient

	// KeyID names the KMS key that protects the data keys: a key id, a key
	// ARN, an alias name ("alias/...") or an alias ARN. Required. It is sent
	// with GenerateDataKey, and also with Decrypt (docs/format.md 7.5.4 allows it;
	// the references send none), so an item is only opened with the
	// configured key: KMS refuses an item whose data key another key
	// protects, which the provider reports as ddbcrypt.ErrIntegrity.
	KeyID string

	// GrantTokens are passed with every KMS call, for keys that a freshly
	// created grant gives access to.
	GrantTokens []string

	// Description holds entries stored with every item (Java copies its
	// configured description into items; docs/format.md 10 #11). It may set
	// "amzn-ddb-env-alg" to "AES/128", "AES/192" or "AES/256" (default) and
	// "amzn-ddb-sig-alg" to "HmacSHA<n>/<bits>" (default "HmacSHA256/256")
	// to choose the derived key sizes; no other reserved entry.
	Description map[string]string

	// RegionClient, if set and KeyID is a key or alias ARN, returns the KMS
	// client for the ARN's region ("arn:aws:kms:REGION:ACCOUNT:key/ID"), and
	// every call for the key — GenerateDataKey and Decrypt — goes through
	// it; Client is then not used and may be nil. It is called once, by
	// NewDirectKMS.
	//
	// This is how a reader in another region opens items written under an
	// AWS KMS multi-Region key, as Java's AwsKmsMultiRegionKey example does:
	// configure the reader with the ARN of the replica in its own region,
	// and Decrypt goes to that region with that ARN. A multi-Region replica
	// decrypts what its primary encrypted, so no cross-region call is made.
	// It also keeps a KeyID ARN and the client's region from disagreeing.
	RegionClient func(region string) (KMSClient, error)

	// Cache, if set, keeps decrypted data keys in memory so that reading
	// the same item again does not call KMS. Nil (the default) means every
	// DecryptionMaterials call makes one KMS Decrypt call. See
	// DataKeyCacheConfig for the security trade-off.
	Cache *DataKeyCacheConfig
}

// String names the key only.
func (c DirectKMSConfig) String() string {
	return "cmp.DirectKMSConfig{KeyID: " + strconv.Quote(c.KeyID) + "}"
}

// kmsDescriptor is a parsed "<algorithm>/<bits>" descriptor.
type kmsDescriptor struct {
	text      string // as written to the description and the KMS context
	algorithm string // "AES", "HmacSHA256", ...
	bytes     int    // derived key length
}

// DirectKMS is the Direct KMS provider: every item gets a fresh data key
// from AWS KMS (GenerateDataKey, 32 bytes), and the item's AES encryption
// key and HMAC signing key are derived from it with HKDF-SHA256 (no salt,
// info "Encryption" and "Signing"). The KMS-encrypted data key is stored in
// the item's description; reading the item costs one KMS Decrypt call, or
// none when the data-key cache holds it.
//
// The KMS encryption context binds the data key to the table name, the
// item's primary key values and the key descriptors (docs/format.md 7.5.2), so an
// item moved to another key or table, or with a changed descriptor, cannot
// be decrypted: KMS refuses, and the provider returns ddbcrypt.ErrIntegrity.
//
// Number key values: EncryptionMaterials puts them into the context in
// DynamoDB's canonical form (docs/format.md 13 Q2), so an item written with key
// 1.0, which DynamoDB stores and returns as 1, still decrypts. The Java and
// Python clients put the text as they were given it, so
// DecryptionMaterials first sends the text as the item holds it: an item
// they wrote with key 7.50, read from a file or a stream rather than from
// DynamoDB, decrypts with one KMS call. If that text is not canonical and
// KMS refuses the context (InvalidCiphertextException), it tries once more
// with the canonical text, which opens an item ddbcrypt wrote with key 7.50
// read as written; no other failure is retried. An item those clients wrote
// with a non-canonical key number and then put in DynamoDB cannot be
// decrypted by any client: DynamoDB does not keep the text (docs/format.md 11
// item 8).
//
// KMS failures (disabled key, denied access, throttling, no connection)
// return a *KMSError, which wraps ddbcrypt.ErrKeyService and the SDK error.
// So does a response whose data key is not the 32 bytes asked for, or is
// all zeros, from GenerateDataKey or Decrypt: KMS never returns such a key,
// so it comes from a broken KMS client or wrapper, and no keys are derived
// from it.
//
// It is safe for concurrent use.
type DirectKMS struct {
	client      KMSClient
	keyID       string
	grantTokens []string
	desc        map[string]string // configured user entries, without env-alg and sig-alg
	enc, sig    kmsDescriptor
	cache       *dataKeyCache // nil: off
}

// NewDirectKMS returns a Direct KMS provider. The description and grant
// tokens are copied.
func NewDirectKMS(cfg DirectKMSConfig) (*DirectKMS, error) {
	if cfg.KeyID == "" {
		return nil, fmt.Errorf("%w: a Direct KMS provider needs a KMS key id", ddbcrypt.ErrInvalidConfig)
	}
	p := &DirectKMS{
		client:      cfg.Client,
		keyID:       cfg.KeyID,
		grantTokens: append([]string(nil), cfg.GrantTokens...),
		desc:        cloneDescription(cfg.Description),
	}
	if region, ok := kmsKeyRegion(cfg.KeyID); ok && cfg.RegionClient != nil {
		c, err := cfg.RegionClient(region)
		if err != nil {
			return nil, fmt.Errorf("%w: the KMS client for region %s: %v", ddbcrypt.ErrInvalidConfig, region, err)
		}
		p.client = c
	}
	if p.client == nil {
		return nil, fmt.Errorf("%w: a Direct KMS provider needs a KMS client", ddbcrypt.ErrInvalidConfig)
	}

	encText, sigText := defaultKMSEnvelopeAlgorithm, defaultKMSSigningAlgorithm
	for k, v := range p.desc {
		switch {
		case k == DescEnvelopeAlgorithm:
			encText = v
		case k == DescSigningAlgorithm:
			sigText = v
		case isReservedDescriptionKey(k):
			return nil, fmt.Errorf("%w: the configured description must not set %q", ddbcrypt.ErrInvalidConfig, k)
		}
	}
	delete(p.desc, DescEnvelopeAlgorithm)
	delete(p.desc, DescSigningAlgorithm)
	var ok bool
	if p.enc, ok = parseKMSEnvelopeAlgorithm(encText); !ok {
		return nil, fmt.Errorf("%w: configured %s %q is not AES/128, AES/192 or AES/256", ddbcrypt.ErrInvalidConfig, DescEnvelopeAlgorithm, encText)
	}
	if p.sig, ok = parseKMSSigningAlgorithm(sigText); !ok {
		return nil, fmt.Errorf("%w: configured %s %q is not a supported HMAC descriptor such as HmacSHA256/256", ddbcrypt.ErrInvalidConfig, DescSigningAlgorithm, sigText)
	}

	if cfg.Cache != nil {
		c, err := newDataKeyCache(*cfg.Cache)
		if err != nil {
			return nil, err
		}
		p.cache = c
	}
	return p, nil
}

// KeyID returns the configured KMS key id.
func (p *DirectKMS) KeyID() string { return p.keyID }

// EncryptionMaterials asks KMS for a fresh data key (one GenerateDataKey
// call) and derives the item's keys from it. The description holds the
// configured and requested entries, "aws-kms-ec-attr" = "*keys*",
// "amzn-ddb-wrap-alg" = "kms", "amzn-ddb-env-alg", "amzn-ddb-sig-alg" and the
// encrypted data key in "amzn-ddb-env-key".
func (p *DirectKMS) EncryptionMaterials(ctx context.Context, ec *EncryptionContext) (*EncryptionMaterials, error) {
	if ec == nil {
		return nil, fmt.Errorf("%w: the Direct KMS provider needs an encryption context", ddbcrypt.ErrInvalidConfig)
	}
	base, err := describe(p.desc, ec)
	if err != nil {
		return nil, err
	}
	kmsContext, _, err := kmsEncryptionContext(ec, p.enc.text, p.sig.text)
	if err != nil {
		return nil, err
	}
	out, err := p.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             aws.String(p.keyID),
		NumberOfBytes:     aws.Int32(kmsDataKeyBytes),
		EncryptionContext: kmsContext,
		GrantTokens:       slices.Clip(p.grantTokens),
	})
	if err != nil {
		return nil, &KMSError{KeyID: p.keyID, Operation: opGenerateDataKey, Err: err}
	}
	defer clear(out.Plaintext)
	if err := checkDataKey(out.Plaintext); err != nil {
		return nil, &KMSError{KeyID: p.keyID, Operation: opGenerateDataKey, Err: err}
	}
	if len(out.CiphertextBlob) == 0 {
		return nil, &KMSError{KeyID: p.keyID, Operation: opGenerateDataKey, Err: errors.New("the response holds no encrypted data key")}
	}
	encKey, sigKey, err := deriveKMSKeys(out.Plaintext, p.enc, p.sig)
	if err != nil {
		return nil, err
	}
	defer clear(sigKey) // NewHMACKey copies it
	signing, err := NewHMACKey(p.sig.algorithm, sigKey)
	if err != nil {
		clear(encKey)
		return nil, err
	}

	desc := cloneDescription(base)
	desc[DescKMSContextAttrs] = kmsContextAttrsValue
	desc[DescWrapAlgorithm] = WrapAlgorithmKMS
	desc[DescEnvelopeAlgorithm] = p.enc.text
	desc[DescSigningAlgorithm] = p.sig.text
	desc[DescEnvelopeKey] = base64.StdEncoding.EncodeToString(out.CiphertextBlob)
	return &EncryptionMaterials{EncryptionKey: encKey, SigningKey: signing, MaterialDescription: desc}, nil
}

// DecryptionMaterials decrypts the item's data key with KMS (one Decrypt
// call, or none on a data-key cache hit) and derives the item's keys from it
// (docs/format.md 7.5.4). The KMS encryption context is rebuilt from the item:
// the descriptors from its description (allow-listed values only), the key
// values from its attributes and the table name from ec. A number key
// whose text is not canonical may take a second Decrypt call, as the
// DirectKMS doc says.
//
// A missing or unusable description entry returns a
// *ddbcrypt.DescriptionError naming it; a missing key attribute a
// *ddbcrypt.AttributeError naming it. KMS refusing the data key as tampered
// (a changed "amzn-ddb-env-key", key value, table name or descriptor, or a
// data key under another KMS key) returns ddbcrypt.ErrIntegrity; other KMS
// failures a *KMSError.
func (p *DirectKMS) DecryptionMaterials(ctx context.Context, ec *EncryptionContext) (*DecryptionMaterials, error) {
	if ec == nil {
		return nil, fmt.Errorf("%w: the Direct KMS provider needs an encryption context", ddbcrypt.ErrInvalidConfig)
	}
	d := ec.MaterialDescription
	if alg, ok := d[DescWrapAlgorithm]; ok && alg != WrapAlgorithmKMS {
		return nil, descriptionError(DescWrapAlgorithm, alg, "not a Direct KMS item (want \"kms\")")
	}
	encoded, ok := d[DescEnvelopeKey]
	if !ok {
		return nil, descriptionError(DescEnvelopeKey, "", "missing")
	}
	blob, err := decodeBase64Lenient(encoded)
	if err != nil || len(blob) == 0 {
		return nil, descriptionError(DescEnvelopeKey, "", "not base64")
	}
	encText, ok := d[DescEnvelopeAlgorithm]
	if !ok {
		return nil, descriptionError(DescEnvelopeAlgorithm, "", "missing")
	}
	enc, ok := parseKMSEnvelopeAlgorithm(encText)
	if !ok {
		return nil, descriptionError(DescEnvelopeAlgorithm, encText, "not AES/128, AES/192 or AES/256")
	}
	sigText, ok := d[DescSigningAlgorithm]
	if !ok {
		return nil, descriptionError(DescSigningAlgorithm, "", "missing")
	}
	sig, ok := parseKMSSigningAlgorithm(sigText)
	if !ok {
		return nil, descriptionError(DescSigningAlgorithm, sigText, "not a supported HMAC descriptor")
	}
	canonical, asStored, err := kmsEncryptionContext(ec, enc.text, sig.text)
	if err != nil {
		return nil, err
	}
	// The references wrote the number text as they were given it; ddbcrypt
	// writes it canonical, as does DynamoDB when it returns an item.
	contexts := []map[string]string{canonical}
	if asStored != nil {
		contexts = []map[string]string{asStored, canonical}
	}

	if p.cache == nil {
		m, _, err := p.decrypt(ctx, blob, contexts, enc, sig)
		return m, err
	}
	keys := make([]dataKeyID, len(contexts))
	for i, c := range contexts {
		keys[i] = dataKeyCacheKey(blob, c)
	}
	return p.cache.get(ctx, keys, func(ctx context.Context) (*DecryptionMaterials, int, error) {
		return p.decrypt(ctx, blob, contexts, enc, sig)
	}, p.keyID)
}

// decrypt makes the KMS Decrypt call with each context in turn, going on to
// the next only when KMS refuses the ciphertext (which is what a context
// mismatch looks like), and derives the keys. It returns the index of the
// context KMS accepted.
func (p *DirectKMS) decrypt(ctx context.Context, blob []byte, contexts []map[string]string, enc, sig kmsDescriptor) (*DecryptionMaterials, int, error) {
	var (
		out *kms.DecryptOutput
		err error
		i   int
	)
	for i = range contexts {
		if i > 0 && ctx.Err() != nil {
			err = ctx.Err()
			break
		}
		out, err = p.client.Decrypt(ctx, &kms.DecryptInput{
			CiphertextBlob:    blob,
			EncryptionContext: contexts[i],
			KeyId:             aws.String(p.keyID),
			GrantTokens:       slices.Clip(p.grantTokens),
		})
		if !isKMSContextMismatch(err) {
			break
		}
	}
	if err != nil {
		if isKMSIntegrityFailure(err) {
			return nil, 0, ddbcrypt.ErrIntegrity
		}
		return nil, 0, &KMSError{KeyID: p.keyID, Operation: opDecrypt, Err: err}
	}
	defer clear(out.Plaintext)
	if err := checkDataKey(out.Plaintext); err != nil {
		return nil, 0, &KMSError{KeyID: p.keyID, Operation: opDecrypt, Err: err}
	}
	encKey, sigKey, err := deriveKMSKeys(out.Plaintext, enc, sig)
	if err != nil {
		return nil, 0, err
	}
	defer clear(sigKey)
	verification, err := NewHMACKey(sig.algorithm, sigKey)
	if err != nil {
		clear(encKey)
		return nil, 0, err
	}
	return &DecryptionMaterials{DecryptionKey: encKey, VerificationKey: verification}, i, nil
}

// checkDataKey refuses a data key that KMS never returns: one of another
// length than the kmsDataKeyBytes asked for, or all zeros (which a broken
// KMS or wrapper may hand out, and from which anyone can derive the keys).
func checkDataKey(key []byte) error {
	if len(key) != kmsDataKeyBytes {
		return fmt.Errorf("the response holds a %d-byte data key, not %d bytes", len(key), kmsDataKeyBytes)
	}
	var zero [kmsDataKeyBytes]byte
	if subtle.ConstantTimeCompare(key, zero[:]) == 1 {
		return errors.New("the response holds an all-zero data key")
	}
	return nil
}

// isKMSIntegrityFailure reports whether KMS refused a data key because the
// ciphertext or the encryption context does not match
// (InvalidCiphertextException), or because another key protects it
// (IncorrectKeyException): what a tampered item looks like to KMS.
func isKMSIntegrityFailure(err error) bool {
	var incorrect *kmstypes.IncorrectKeyException
	return isKMSContextMismatch(err) || errors.As(err, &incorrect)
}

// isKMSContextMismatch reports whether KMS refused a data key with
// InvalidCiphertextException, the error it gives when the encryption
// context differs from the one the data key was made with (and when the
// ciphertext itself is damaged: KMS does not tell the two apart).
func isKMSContextMismatch(err error) bool {
	var invalid *kmstypes.InvalidCiphertextException
	return errors.As(err, &invalid)
}

// String names the key only.
func (p DirectKMS) String() string { return "cmp.DirectKMS{KeyID: " + strconv.Quote(p.keyID) + "}" }

// Format prints String for every verb, so that logging a provider cannot
// leak cached keys.
func (p DirectKMS) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// kmsEncryptionContext builds the KMS encryption context of an item
// (docs/format.md 7.5.2): the descriptors, the primary key values and the table
// name, with number key values in canonical form. If a number key's text in
// the item is not canonical, asStored is the same context with the text as
// the item holds it (what the references put in the context); otherwise it
// is nil.
func kmsEncryptionContext(ec *EncryptionContext, enc, sig string) (canonical, asStored map[string]string, err error) {
	canonical = make(map[string]string, 5)
	canonical[KMSContextEnvelopeAlgorithm] = enc
	canonical[KMSContextSigningAlgorithm] = sig
	if ec.TableName != "" {
		canonical[KMSContextTable] = ec.TableName
	}
	var stored [2]string // of the partition and sort key, where it differs
	names := [...]string{ec.PartitionKeyName, ec.SortKeyName}
	for i, name := range names {
		if name == "" {
			continue
		}
		v, s, err := kmsContextValue(name, ec.Attributes[name])
		if err != nil {
			return nil, nil, err
		}
		canonical[name] = v
		if s != v {
			stored[i] = s
		}
	}
	for i, s := range stored {
		if s == "" {
			continue
		}
		if asStored == nil {
			asStored = maps.Clone(canonical)
		}
		asStored[names[i]] = s
	}
	return canonical, asStored, nil
}

// kmsContextValue is the context text of a key attribute: S as is, N in
// canonical form, B as standard base64; and the text as stored, which
// differs from the context text only for a non-canonical N. A missing key
// is an error, as in Java (docs/format.md 10 #12).
func kmsContextValue(name string, av types.AttributeValue) (text, stored string, err error) {
	switch v := av.(type) {
	case nil:
		return "", "", &ddbcrypt.AttributeError{Attribute: name, Err: fmt.Errorf("%w: the primary key attribute is missing; its value is part of the KMS encryption context", ddbcrypt.ErrInvalidItem)}
	case *types.AttributeValueMemberS:
		return v.Value, v.Value, nil
	case *types.AttributeValueMemberN:
		s, err := number.Canonical(v.Value)
		if err != nil {
			return "", "", &ddbcrypt.AttributeError{Attribute: name, Err: err}
		}
		return s, v.Value, nil
	case *types.AttributeValueMemberB:
		s := base64.StdEncoding.EncodeToString(v.Value)
		return s, s, nil
	}
	return "", "", &ddbcrypt.AttributeError{Attribute: name, Err: fmt.Errorf("%w: a primary key in a KMS encryption context must be S, N or B, not %T", ddbcrypt.ErrInvalidItem, av)}
}

// deriveKMSKeys derives the encryption and signing keys from a data key:
// HKDF-SHA256 without salt (docs/format.md 7.5.3).
func deriveKMSKeys(dataKey []byte, enc, sig kmsDescriptor) (encKey, sigKey []byte, err error) {
	prk, err := hkdf.Extract(sha256.New, dataKey, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: HKDF: %v", ddbcrypt.ErrNoMaterials, err)
	}
	defer clear(prk)
	if encKey, err = hkdf.Expand(sha256.New, prk, hkdfInfoEncryption, enc.bytes); err != nil {
		return nil, nil, fmt.Errorf("%w: HKDF: %v", ddbcrypt.ErrNoMaterials, err)
	}
	if sigKey, err = hkdf.Expand(sha256.New, prk, hkdfInfoSigning, sig.bytes); err != nil {
		clear(encKey)
		return nil, nil, fmt.Errorf("%w: HKDF: %v", ddbcrypt.ErrNoMaterials, err)
	}
	return encKey, sigKey, nil
}

// parseKMSEnvelopeAlgorithm accepts the content-key descriptors "AES/128",
// "AES/192" and "AES/256", and "AES" (256 bits, as Java reads it).
func parseKMSEnvelopeAlgorithm(s string) (kmsDescriptor, bool) {
	bits, ok := parseEnvelopeAlgorithm(s)
	if !ok {
		return kmsDescriptor{}, false
	}
	if bits == 0 {
		bits = 256
	}
	return kmsDescriptor{text: s, algorithm: "AES", bytes: bits / 8}, true
}

// kmsSigningKeyBits are the derived HMAC key sizes accepted.
var kmsSigningKeyBits = map[string]int{"128": 128, "160": 160, "192": 192, "224": 224, "256": 256, "384": 384, "512": 512}

// parseKMSSigningAlgorithm accepts "HmacSHA224|256|384|512" with an optional
// "/<bits>" from kmsSigningKeyBits (256 when absent, as in Java).
func parseKMSSigningAlgorithm(s string) (kmsDescriptor, bool) {
	name, size, hasSize := strings.Cut(s, "/")
	if !IsKnownSignatureAlgorithm(name) || sigalg.IsAsymmetric(name) {
		return kmsDescriptor{}, false
	}
	bits := 256
	if hasSize {
		var ok bool
		if bits, ok = kmsSigningKeyBits[size]; !ok {
			return kmsDescriptor{}, false
		}
	}
	return kmsDescriptor{text: s, algorithm: name, bytes: bits / 8}, true
}

// kmsKeyRegion returns the region of a KMS key or alias ARN
// ("arn:<partition>:kms:<region>:<account>:key/<id>" or ".../alias/<name>"),
// and false for key ids and alias names, which carry no region.
func kmsKeyRegion(keyID string) (region string, ok bool) {
	parts := strings.SplitN(keyID, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "kms" || parts[3] == "" {
		return "", false
	}
	if !strings.HasPrefix(parts[5], "key/") && !strings.HasPrefix(parts[5], "alias/") {
		return "", false
	}
	return parts[3], true
}

// KMSError reports a failed AWS KMS call: the key, the operation and the
// SDK's error. It wraps both ddbcrypt.ErrKeyService and Err, so
// errors.Is(err, ddbcrypt.ErrKeyService) holds and errors.As reaches the
// SDK's error types (e.g. *types.DisabledException). It never holds key
// material.
type KMSError struct {
	KeyID     string // the configured key id, ARN or alias
	Operation string // "GenerateDataKey" or "Decrypt"
	Err       error  // the SDK error (or a context error)
}

func (e *KMSError) Error() string {
	return fmt.Sprintf("cmp: AWS KMS %s with key %s: %v: %v", e.Operation, e.KeyID, ddbcrypt.ErrKeyService, e.Err)
}

// Unwrap returns ddbcrypt.ErrKeyService and the SDK error.
func (e *KMSError) Unwrap() []error { return []error{ddbcrypt.ErrKeyService, e.Err} }

var _ Provider = (*DirectKMS)(nil)
