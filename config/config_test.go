package config_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp/cmpopts"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/config"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// keys are the test's key material, in every form a source can take.
type keys struct {
	aes, hmac []byte // raw
	aesB64    string // "base64:..."
	hmacB64   string
	rsaPriv   *rsa.PrivateKey
	dir       string // holds the files below
	aesFile   string // raw AES key
	hmacFile  string // raw HMAC key
	pkcs1     string // PEM, RSA PRIVATE KEY
	pkcs8     string // PEM, PRIVATE KEY
	pkix      string // PEM, PUBLIC KEY
}

// rsaKey is the tests' one RSA key: generating one is slow.
var rsaKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func newKeys(t *testing.T) *keys {
	t.Helper()
	priv, err := rsaKey()
	if err != nil {
		t.Fatal(err)
	}
	k := &keys{aes: testenv.RandomKey(t, 32), hmac: testenv.RandomKey(t, 32), rsaPriv: priv, dir: t.TempDir()}
	k.aesB64 = "base64:" + base64.StdEncoding.EncodeToString(k.aes)
	k.hmacB64 = "base64:" + base64.StdEncoding.EncodeToString(k.hmac)
	write := func(name string, data []byte) string {
		p := filepath.Join(k.dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	k.aesFile = write("aes.key", k.aes)
	k.hmacFile = write("hmac.key", k.hmac)
	k.pkcs1 = write("pkcs1.pem", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.rsaPriv)}))
	p8, err := x509.MarshalPKCS8PrivateKey(k.rsaPriv)
	if err != nil {
		t.Fatal(err)
	}
	k.pkcs8 = write("pkcs8.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}))
	pub, err := x509.MarshalPKIXPublicKey(&k.rsaPriv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	k.pkix = write("public.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	return k
}

func load(t *testing.T, doc string) (*config.Config, error) {
	t.Helper()
	return config.Load(strings.NewReader(doc))
}

// fakeKMS and fakeDB satisfy the client interfaces; building a provider
// makes no call.
type fakeKMS struct{ cmp.KMSClient }
type fakeDB struct{ metastore.Client }

var fakes = config.Clients{KMS: fakeKMS{}, DynamoDB: fakeDB{}}

// TestLoadProviders: every provider type, key kind and key source loads and
// gives the provider it names.
func TestLoadProviders(t *testing.T) {
	k := newKeys(t)
	t.Setenv("CONFIG_TEST_AES", base64.StdEncoding.EncodeToString(k.aes))
	t.Setenv("CONFIG_TEST_HMAC", base64.StdEncoding.EncodeToString(k.hmac))
	pemText, err := os.ReadFile(k.pkcs8)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONFIG_TEST_RSA", string(pemText))
	der := "base64:" + base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PrivateKey(k.rsaPriv))

	hmac := fmt.Sprintf(`{"hmac": %q, "algorithm": "HmacSHA512"}`, k.hmacB64)
	tests := []struct {
		name, provider, want string
	}{
		{"static", `{"type": "static", "encryptionKey": {"aes": "` + k.aesB64 + `"}, "signingKey": ` + hmac + `}`, "*cmp.Static"},
		{"static sign-only", `{"type": "static", "signingKey": {"hmac": "env:CONFIG_TEST_HMAC"}}`, "*cmp.Static"},
		{"static description", `{"type": "static", "signingKey": ` + hmac + `, "description": {"purpose": "test"}}`, "*cmp.Static"},
		{"wrapped aes base64", `{"type": "wrapped", "wrappingKey": {"aes": "` + k.aesB64 + `"}, "signingKey": ` + hmac + `}`, "*cmp.Wrapped"},
		{"wrapped aes env", `{"type": "wrapped", "wrappingKey": {"aes": "env:CONFIG_TEST_AES"}, "signingKey": {"hmac": "env:CONFIG_TEST_HMAC"}}`, "*cmp.Wrapped"},
		{"wrapped aes file", `{"type": "wrapped", "wrappingKey": {"aes": "file:` + k.aesFile + `"}, "signingKey": {"hmac": "file:` + k.hmacFile + `"}}`, "*cmp.Wrapped"},
		{"wrapped rsa pkcs1", `{"type": "wrapped", "wrappingKey": {"rsa": "file:` + k.pkcs1 + `"}, "signingKey": {"rsa": "file:` + k.pkcs1 + `", "algorithm": "SHA384withRSA"}}`, "*cmp.Wrapped"},
		{"wrapped rsa pkcs8 env", `{"type": "wrapped", "wrappingKey": {"rsa": "env:CONFIG_TEST_RSA"}, "signingKey": {"rsa": "env:CONFIG_TEST_RSA"}}`, "*cmp.Wrapped"},
		{"wrapped rsa der base64", `{"type": "wrapped", "wrappingKey": {"rsa": "` + der + `"}, "signingKey": ` + hmac + `}`, "*cmp.Wrapped"},
		{"wrapped rsa public", `{"type": "wrapped", "wrappingKey": {"rsa": "file:` + k.pkix + `"}, "signingKey": {"rsa": "file:` + k.pkix + `"}}`, "*cmp.Wrapped"},
		{"direct-kms", `{"type": "direct-kms", "keyId": "alias/orders", "grantTokens": ["g1"], "description": {"amzn-ddb-env-alg": "AES/128"}}`, "*cmp.DirectKMS"},
		{"most-recent", `{"type": "most-recent", "metastoreTable": "keys", "materialName": "orders", "ttl": "5m",
			"provider": {"type": "direct-kms", "keyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}`, "*cmp.MostRecent"},
		{"most-recent wrapped rows", `{"type": "most-recent", "metastoreTable": "keys", "materialName": "orders", "ttl": "90s",
			"provider": {"type": "wrapped", "wrappingKey": {"aes": "` + k.aesB64 + `"}, "signingKey": ` + hmac + `}}`, "*cmp.MostRecent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, `{"provider": `+tt.provider+`}`)
			if err != nil {
				t.Fatal(err)
			}
			p, err := c.Provider(fakes)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%T", p); got != tt.want {
				t.Errorf("provider is %s, want %s", got, tt.want)
			}
		})
	}
}

// TestLoadErrors: each mistake is an *Error at the right path, wrapping
// ddbcrypt.ErrInvalidConfig and no other kind, whose message holds no key
// material.
func TestLoadErrors(t *testing.T) {
	k := newKeys(t)
	t.Setenv("CONFIG_TEST_BAD_B64", "not base64 "+k.aesB64)
	badPEM := filepath.Join(k.dir, "bad.pem")
	secretPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: k.aes})
	if err := os.WriteFile(badPEM, secretPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := []string{
		k.aesB64[len("base64:"):], k.hmacB64[len("base64:"):], string(k.aes), string(k.hmac),
		base64.StdEncoding.EncodeToString(k.aes[:8]), string(secretPEM[40:60]), k.aesB64[7:20],
	}

	aes := `{"aes": "` + k.aesB64 + `"}`
	hmac := `{"hmac": "` + k.hmacB64 + `"}`
	wrapped := func(wk, sk string) string {
		return `{"provider": {"type": "wrapped", "wrappingKey": ` + wk + `, "signingKey": ` + sk + `}}`
	}
	withActions := func(actions string) string {
		return `{"provider": {"type": "static", "signingKey": ` + hmac + `}, "actions": ` + actions + `}`
	}
	mostRecent := func(fields string) string {
		return `{"provider": {"type": "most-recent", ` + fields + `}}`
	}
	inner := `"provider": {"type": "wrapped", "wrappingKey": ` + aes + `, "signingKey": ` + hmac + `}`

	tests := []struct {
		name, doc, path, says string
	}{
		{"not JSON", `{"provider": `, "", "not valid JSON"},
		{"not an object", `[1]`, "", "must be a JSON object"},
		{"trailing data", `{} {}`, "", "not valid JSON"},
		{"no provider", `{}`, "provider", "required"},
		{"unknown top-level field", `{"provider": {}, "provdier": {}}`, "provdier", "unknown field"},
		{"field case", `{"Provider": {}}`, "Provider", "unknown field"},
		{"unknown provider field", wrapped(aes, hmac)[:len(wrapped(aes, hmac))-2] + `, "keyId": "k"}}`, "provider.keyId", "unknown field"},
		{"unknown key field", wrapped(`{"aes": "`+k.aesB64+`", "bits": 256}`, hmac), "provider.wrappingKey.bits", "unknown field"},
		{"unknown signing key field", wrapped(aes, `{"hmac": "env:X", "algoritm": "HmacSHA256"}`), "provider.signingKey.algoritm", "unknown field"},
		{"unknown actions field", withActions(`{"default": "encrypt", "unsigned": true}`), "actions.unsigned", "unknown field"},
		{"unknown nested provider field", mostRecent(`"metastoreTable": "t", "materialName": "m", "ttl": "1m", "provider": {"type": "static", "signingKey": ` + hmac + `, "ttl": "1m"}`), "provider.provider.ttl", "unknown field"},
		{"no type", `{"provider": {"keyId": "k"}}`, "provider.type", "required"},
		{"type not a string", `{"provider": {"type": 1}}`, "provider.type", "a string"},
		{"unknown type", `{"provider": {"type": "kms"}}`, "provider.type", `unknown provider type "kms"`},
		{"provider not an object", `{"provider": "wrapped"}`, "provider", "must be a JSON object"},
		{"key not an object", wrapped(`"`+k.aesB64+`"`, hmac), "provider.wrappingKey", "must be a JSON object"},
		{"no wrapping key", `{"provider": {"type": "wrapped", "signingKey": ` + hmac + `}}`, "provider.wrappingKey", "required"},
		{"no signing key", `{"provider": {"type": "wrapped", "wrappingKey": ` + aes + `}}`, "provider.signingKey", "required"},
		{"static without signing key", `{"provider": {"type": "static", "encryptionKey": ` + aes + `}}`, "provider.signingKey", "required"},
		{"empty key object", wrapped(`{}`, hmac), "provider.wrappingKey", "exactly one of aes or rsa"},
		{"two kinds", wrapped(`{"aes": "`+k.aesB64+`", "rsa": "file:`+k.pkcs1+`"}`, hmac), "provider.wrappingKey", "exactly one of aes or rsa"},
		{"hmac as wrapping key", wrapped(hmac, hmac), "provider.wrappingKey.hmac", "not a key this field takes"},
		{"aes as signing key", wrapped(aes, aes), "provider.signingKey.aes", "not a key this field takes"},
		{"algorithm on aes", wrapped(`{"aes": "`+k.aesB64+`", "algorithm": "HmacSHA256"}`, hmac), "provider.wrappingKey.algorithm", "only a signing key"},
		{"bad base64", wrapped(`{"aes": "base64:`+k.aesB64[7:20]+`!"}`, hmac), "provider.wrappingKey.aes", "not valid standard base64"},
		{"no scheme", wrapped(`{"aes": "`+k.aesB64[7:]+`"}`, hmac), "provider.wrappingKey.aes", "starts with base64:, env: or file:"},
		{"missing env var", wrapped(aes, `{"hmac": "env:CONFIG_TEST_UNSET"}`), "provider.signingKey.hmac", "CONFIG_TEST_UNSET is not set"},
		{"env not base64", wrapped(`{"aes": "env:CONFIG_TEST_BAD_B64"}`, hmac), "provider.wrappingKey.aes", "CONFIG_TEST_BAD_B64 is not valid standard base64"},
		{"empty env name", wrapped(`{"aes": "env:"}`, hmac), "provider.wrappingKey.aes", "names no variable"},
		{"missing file", wrapped(`{"aes": "file:`+k.dir+`/none"}`, hmac), "provider.wrappingKey.aes", "no such file"},
		{"bad PEM", wrapped(`{"rsa": "file:`+badPEM+`"}`, hmac), "provider.wrappingKey.rsa", "not an RSA private or public key"},
		{"AES file as RSA", wrapped(`{"rsa": "file:`+k.aesFile+`"}`, hmac), "provider.wrappingKey.rsa", "not an RSA private or public key"},
		{"short AES key", wrapped(`{"aes": "base64:`+base64.StdEncoding.EncodeToString(k.aes[:8])+`"}`, hmac), "provider.wrappingKey.aes", "16, 24 or 32 bytes, not 8"},
		{"unknown HMAC algorithm", wrapped(aes, `{"hmac": "`+k.hmacB64+`", "algorithm": "HmacMD5"}`), "provider.signingKey.hmac", `"HmacMD5" is not a supported HMAC algorithm`},
		{"HMAC algorithm for RSA", wrapped(aes, `{"rsa": "file:`+k.pkcs1+`", "algorithm": "HmacSHA256"}`), "provider.signingKey.rsa", "not a supported RSA signature algorithm"},
		{"empty HMAC key", wrapped(aes, `{"hmac": "base64:"}`), "provider.signingKey.hmac", "empty HMAC key"},
		{"reserved description entry", `{"provider": {"type": "wrapped", "wrappingKey": ` + aes + `, "signingKey": ` + hmac + `, "description": {"amzn-ddb-env-key": "x"}}}`, "provider", "must not set"},
		{"grant tokens not strings", `{"provider": {"type": "direct-kms", "keyId": "k", "grantTokens": "g"}}`, "provider.grantTokens", "an array of strings"},
		{"no key id", `{"provider": {"type": "direct-kms"}}`, "provider.keyId", "required"},
		{"no metastore table", mostRecent(`"materialName": "m", "ttl": "1m", ` + inner), "provider.metastoreTable", "required"},
		{"no material name", mostRecent(`"metastoreTable": "t", "ttl": "1m", ` + inner), "provider.materialName", "material name"},
		{"material name with #", mostRecent(`"metastoreTable": "t", "materialName": "a#1", "ttl": "1m", ` + inner), "provider.materialName", "material name"},
		{"no ttl", mostRecent(`"metastoreTable": "t", "materialName": "m", ` + inner), "provider.ttl", "positive duration"},
		{"bad ttl", mostRecent(`"metastoreTable": "t", "materialName": "m", "ttl": "5", ` + inner), "provider.ttl", "positive duration"},
		{"negative ttl", mostRecent(`"metastoreTable": "t", "materialName": "m", "ttl": "-1m", ` + inner), "provider.ttl", "positive duration"},
		{"no inner provider", mostRecent(`"metastoreTable": "t", "materialName": "m", "ttl": "1m"`), "provider.provider", "required"},
		{"bad inner key", mostRecent(`"metastoreTable": "t", "materialName": "m", "ttl": "1m", "provider": {"type": "static", "signingKey": {"hmac": "env:CONFIG_TEST_UNSET"}}`), "provider.provider.signingKey.hmac", "not set"},
		{"no default action", withActions(`{"overrides": {"a": "encrypt"}}`), "actions.default", "required"},
		{"unknown default action", withActions(`{"default": "ENCRYPT"}`), "actions.default", `unknown action "ENCRYPT"`},
		{"unknown override action", withActions(`{"default": "encrypt", "overrides": {"status": "sign"}}`), "actions.overrides.status", `unknown action "sign"`},
		{"override of reserved attribute", withActions(`{"default": "encrypt", "overrides": {"*amzn-ddb-map-sig*": "signonly"}}`), "actions.overrides.*amzn-ddb-map-sig*", "reserved"},
		{"unsignedKeys not a bool", withActions(`{"default": "encrypt", "unsignedKeys": "yes"}`), "actions.unsignedKeys", "true or false"},
		{"signatureTableName not a string", `{"provider": {}, "signatureTableName": 1}`, "signatureTableName", "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.doc)
			wantError(t, err, tt.path, tt.says, secrets)
		})
	}
}

// wantError checks err against the error contract: an *Error at path
// saying says, of kind ErrInvalidConfig only, without secrets.
func wantError(t *testing.T, err error, path, says string, secrets []string) {
	t.Helper()
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *config.Error", err)
	}
	if ce.Path != path {
		t.Errorf("path %q, want %q (%v)", ce.Path, path, err)
	}
	if !strings.Contains(err.Error(), says) {
		t.Errorf("err = %v, want it to say %q", err, says)
	}
	for _, kind := range []error{ddbcrypt.ErrIntegrity, ddbcrypt.ErrInvalidItem, ddbcrypt.ErrKeyService, ddbcrypt.ErrNotFound, ddbcrypt.ErrConditionFailed, ddbcrypt.ErrDynamoDB} {
		if errors.Is(err, kind) {
			t.Errorf("err = %v wraps %v too", err, kind)
		}
	}
	if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Errorf("err = %v does not wrap ErrInvalidConfig", err)
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("err = %q holds key material", err)
		}
	}
}

// TestProviderNeedsClients: the providers that call AWS say which client
// is missing, at the provider's path.
func TestProviderNeedsClients(t *testing.T) {
	kmsDoc := `{"type": "direct-kms", "keyId": "alias/k"}`
	tests := []struct {
		name, provider string
		clients        config.Clients
		path, says     string
	}{
		{"direct-kms", kmsDoc, config.Clients{DynamoDB: fakeDB{}}, "provider", "needs a KMS client"},
		{"most-recent", `{"type": "most-recent", "metastoreTable": "t", "materialName": "m", "ttl": "1m", "provider": ` + kmsDoc + `}`,
			config.Clients{KMS: fakeKMS{}}, "provider", "needs a DynamoDB client"},
		{"most-recent's inner", `{"type": "most-recent", "metastoreTable": "t", "materialName": "m", "ttl": "1m", "provider": ` + kmsDoc + `}`,
			config.Clients{DynamoDB: fakeDB{}}, "provider.provider", "needs a KMS client"},
		{"direct-kms description", `{"type": "direct-kms", "keyId": "alias/k", "description": {"amzn-ddb-env-alg": "DES"}}`, fakes, "provider", "amzn-ddb-env-alg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, `{"provider": `+tt.provider+`}`)
			if err != nil {
				t.Fatal(err)
			}
			p, err := c.Provider(tt.clients)
			if p != nil {
				t.Errorf("provider %v with an error", p)
			}
			wantError(t, err, tt.path, tt.says, nil)
		})
	}
}

// TestActions: the action words, overrides and the unsigned-keys opt-in
// become crypto.AttributeActions; a file without actions has none.
func TestActions(t *testing.T) {
	k := newKeys(t)
	provider := `{"provider": {"type": "static", "signingKey": {"hmac": "` + k.hmacB64 + `"}}`
	c, err := load(t, provider+`, "actions": {"default": "encrypt", "overrides": {"status": "signonly", "views": "donottouch"}, "unsignedKeys": true}, "signatureTableName": "orders"}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Actions()
	if err != nil {
		t.Fatal(err)
	}
	want := crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"status": crypto.SignOnly, "views": crypto.DoNothing}, UnsignedKeys: true}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("Actions() (-want +got):\n%s", diff)
	}
	got.Overrides["status"] = crypto.DoNothing
	if again, _ := c.Actions(); again.Overrides["status"] != crypto.SignOnly {
		t.Error("changing the returned overrides changed the configuration")
	}
	if c.SignatureTableName() != "orders" {
		t.Errorf("SignatureTableName() = %q, want orders", c.SignatureTableName())
	}

	c, err = load(t, provider+`, "actions": {"default": "signonly"}}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Actions(); err != nil || !gocmp.Equal(got, crypto.AttributeActions{Default: crypto.SignOnly, Overrides: map[string]crypto.Action{}}, cmpopts.EquateEmpty()) {
		t.Errorf("Actions() = %+v, %v; want signonly for all", got, err)
	}

	c, err = load(t, provider+`}`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Actions()
	wantError(t, err, "actions", "required", nil)
	if c.SignatureTableName() != "" {
		t.Errorf("SignatureTableName() = %q, want empty", c.SignatureTableName())
	}
}

// TestConfigPrintsNoKeys: printing a loaded configuration shows no key.
func TestConfigPrintsNoKeys(t *testing.T) {
	k := newKeys(t)
	c, err := load(t, `{"provider": {"type": "static", "encryptionKey": {"aes": "`+k.aesB64+`"}, "signingKey": {"hmac": "`+k.hmacB64+`"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		if out := fmt.Sprintf(verb, c); out != "config.Config{keys redacted}" {
			t.Errorf("%s prints %q", verb, out)
		}
	}
}

// TestLoadFile reads a file; a missing one is an error naming it.
func TestLoadFile(t *testing.T) {
	k := newKeys(t)
	path := filepath.Join(k.dir, "c.json")
	if err := os.WriteFile(path, []byte(`{"provider": {"type": "direct-kms", "keyId": "alias/k"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	_, err := config.LoadFile(path + ".missing")
	wantError(t, err, "", path+".missing", nil)
}

// TestRoundTrip: an item encrypted with a provider built from a
// configuration decrypts with a provider built directly from the same keys,
// and the other way round.
func TestRoundTrip(t *testing.T) {
	k := newKeys(t)
	t.Setenv("CONFIG_TEST_HMAC", base64.StdEncoding.EncodeToString(k.hmac))
	hmac, err := cmp.NewHMACKey("HmacSHA256", k.hmac)
	if err != nil {
		t.Fatal(err)
	}
	aesWrap, err := cmp.NewAESWrappingKey(k.aes)
	if err != nil {
		t.Fatal(err)
	}
	direct := map[string]cmp.Provider{}
	if direct["static"], err = cmp.NewStatic(cmp.StaticConfig{EncryptionKey: k.aes, SigningKey: hmac}); err != nil {
		t.Fatal(err)
	}
	if direct["wrapped aes"], err = cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: aesWrap, UnwrappingKey: aesWrap, SigningKey: hmac}); err != nil {
		t.Fatal(err)
	}
	if direct["wrapped rsa"], err = cmp.NewAsymmetricStatic(k.rsaPriv, hmac, nil, nil); err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{
		"static":      `{"type": "static", "encryptionKey": {"aes": "file:` + k.aesFile + `"}, "signingKey": {"hmac": "env:CONFIG_TEST_HMAC"}}`,
		"wrapped aes": `{"type": "wrapped", "wrappingKey": {"aes": "` + k.aesB64 + `"}, "signingKey": {"hmac": "env:CONFIG_TEST_HMAC", "algorithm": "HmacSHA256"}}`,
		"wrapped rsa": `{"type": "wrapped", "wrappingKey": {"rsa": "file:` + k.pkcs8 + `"}, "signingKey": {"hmac": "` + k.hmacB64 + `"}}`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			fromConfig, a := loadForTable(t, doc, config.Clients{})
			wantRoundTrip(t, fromConfig, direct[name], a)
			wantRoundTrip(t, direct[name], fromConfig, a)
		})
	}
}

// loadForTable loads a configuration of the provider doc with the actions
// wantRoundTrip expects, and returns its provider and actions.
func loadForTable(t *testing.T, doc string, clients config.Clients) (cmp.Provider, crypto.AttributeActions) {
	t.Helper()
	c, err := load(t, `{"provider": `+doc+`, "actions": {"default": "encrypt", "overrides": {"status": "signonly", "views": "donottouch"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Provider(clients)
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Actions()
	if err != nil {
		t.Fatal(err)
	}
	return p, a
}

// wantRoundTrip checks that an item writer encrypts under actions a, with
// "status" signonly and "views" donottouch, reader decrypts.
func wantRoundTrip(t *testing.T, writer, reader cmp.Provider, a crypto.AttributeActions) {
	t.Helper()
	item := map[string]types.AttributeValue{
		"pk":     &types.AttributeValueMemberS{Value: "order-1"},
		"card":   &types.AttributeValueMemberS{Value: "4111"},
		"status": &types.AttributeValueMemberS{Value: "paid"},
		"views":  &types.AttributeValueMemberN{Value: "3"},
	}
	ec := crypto.Context{TableName: "orders", PartitionKeyName: "pk"}
	ignore := cmpopts.IgnoreUnexported(types.AttributeValueMemberS{}, types.AttributeValueMemberN{})
	enc, err := crypto.NewEncryptor(writer).EncryptItem(t.Context(), item, a, ec)
	if err != nil {
		t.Fatal(err)
	}
	if gocmp.Equal(enc["card"], item["card"], ignore) {
		t.Fatal("card is not encrypted")
	}
	dec, err := crypto.NewEncryptor(reader).DecryptItem(t.Context(), enc, a, ec)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(item, dec, ignore); diff != "" {
		t.Errorf("decrypted (-want +got):\n%s", diff)
	}
	// The actions are the file's: a changed donottouch attribute still
	// verifies, a changed signonly one does not.
	enc["views"] = &types.AttributeValueMemberN{Value: "4"}
	if _, err := crypto.NewEncryptor(reader).DecryptItem(t.Context(), enc, a, ec); err != nil {
		t.Errorf("donottouch attribute changed: %v", err)
	}
	enc["status"] = &types.AttributeValueMemberS{Value: "refunded"}
	if _, err := crypto.NewEncryptor(reader).DecryptItem(t.Context(), enc, a, ec); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("signonly attribute changed: err = %v, want ErrIntegrity", err)
	}
}

// TestRSAPublicKeyEncryptsOnly: a wrapped provider from an RSA public key
// encrypts, and the private key's provider reads its items; it cannot
// decrypt.
func TestRSAPublicKeyEncryptsOnly(t *testing.T) {
	k := newKeys(t)
	hmac := `{"hmac": "` + k.hmacB64 + `"}`
	provider := func(rsaFile string) cmp.Provider {
		c, err := load(t, `{"provider": {"type": "wrapped", "wrappingKey": {"rsa": "file:`+rsaFile+`"}, "signingKey": `+hmac+`}}`)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.Provider(config.Clients{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	writer, reader := provider(k.pkix), provider(k.pkcs1)
	item := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}, "secret": &types.AttributeValueMemberS{Value: "s"}}
	ec := crypto.Context{TableName: "t", PartitionKeyName: "pk"}
	a := crypto.EncryptAll()
	enc, err := crypto.NewEncryptor(writer).EncryptItem(t.Context(), item, a, ec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crypto.NewEncryptor(reader).DecryptItem(t.Context(), enc, a, ec); err != nil {
		t.Fatalf("the private key's provider: %v", err)
	}
	if _, err := crypto.NewEncryptor(writer).DecryptItem(t.Context(), enc, a, ec); !errors.Is(err, ddbcrypt.ErrNoMaterials) {
		t.Errorf("the public key's provider decrypts: err = %v, want ErrNoMaterials", err)
	}
}

// TestMetaStore: a most-recent configuration names its MetaStore, and its
// inner configuration builds the rows' provider (not the Most Recent one);
// the other types have no MetaStore.
func TestMetaStore(t *testing.T) {
	k := newKeys(t)
	wrapped := `{"type": "wrapped", "wrappingKey": {"aes": "` + k.aesB64 + `"}, "signingKey": {"hmac": "` + k.hmacB64 + `"}}`
	c, err := load(t, `{"provider": {"type": "most-recent", "metastoreTable": "keys", "materialName": "orders", "ttl": "5m", "provider": `+wrapped+`}}`)
	if err != nil {
		t.Fatal(err)
	}
	ms, ok := c.MetaStore()
	if !ok || ms.Table != "keys" || ms.MaterialName != "orders" || ms.Inner == nil {
		t.Fatalf("MetaStore() = %+v, %v", ms, ok)
	}
	p, err := ms.Inner.Provider(config.Clients{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%T", p); got != "*cmp.Wrapped" {
		t.Errorf("inner provider is %s, want *cmp.Wrapped", got)
	}
	if _, err := ms.Inner.Actions(); err == nil {
		t.Error("the inner configuration has actions")
	}
	plain, err := load(t, `{"provider": `+wrapped+`}`)
	if err != nil {
		t.Fatal(err)
	}
	if ms, ok := plain.MetaStore(); ok {
		t.Errorf("a wrapped provider has a MetaStore: %+v", ms)
	}
}
