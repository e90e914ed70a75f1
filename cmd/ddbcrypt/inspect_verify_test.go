package main

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	cfgfile "github.com/ddbcrypt/ddbcrypt/config"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
)

// verifyActions are the actions of the tests' configurations: status, the
// key of an index, is signed only by the key rule.
const verifyActions = `"actions": {"default": "encrypt", "overrides": {"views": "donottouch"}}`

// wrappedConfig writes a configuration of a wrapped provider with fresh
// keys (and extra top-level fields, such as actions) and returns its path.
func wrappedConfig(t *testing.T, extra string) string {
	t.Helper()
	b64 := func() string { return "base64:" + base64.StdEncoding.EncodeToString(testenv.RandomKey(t, 32)) }
	doc := fmt.Sprintf(`{"provider": {"type": "wrapped", "wrappingKey": {"aes": %q}, "signingKey": {"hmac": %q}}`, b64(), b64())
	if extra != "" {
		doc += ", " + extra
	}
	return writeTemp(t, "config.json", doc+"}")
}

// verifyTable creates a table (pk, sk; an index on status) in DynamoDB
// Local, writes an item through the library under the configuration at
// config and returns the table's name and the stored item in DynamoDB JSON.
func verifyTable(t *testing.T, config string) (string, map[string]types.AttributeValue) {
	t.Helper()
	db := testenv.DynamoDB(t)
	table := testenv.CreateTable(t, db, testenv.TableSpec{
		Name: "clicfg-" + testenv.TableName(t), Partition: testenv.S("pk"), Sort: testenv.N("sk"),
		Indexes: []testenv.SecondaryIndex{{Name: "by-status", Partition: testenv.S("status"), Projection: types.ProjectionTypeAll}},
	})
	cfg, err := cfgfile.LoadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	provider, err := cfg.Provider(cfgfile.Clients{KMS: testenv.KMS(t), DynamoDB: db})
	if err != nil {
		t.Fatal(err)
	}
	actions, err := cfg.Actions()
	if err != nil {
		t.Fatal(err)
	}
	c := encrypted.NewClient(db, provider, encrypted.WithTable(table, encrypted.TableConfig{Actions: &actions, SignatureTableName: cfg.SignatureTableName()}))
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "order-1"}, "sk": &types.AttributeValueMemberN{Value: "7"}}
	item := map[string]types.AttributeValue{
		"pk": key["pk"], "sk": key["sk"],
		"status": &types.AttributeValueMemberS{Value: "open"},
		"secret": &types.AttributeValueMemberS{Value: "card 4111-1111"},
		"views":  &types.AttributeValueMemberN{Value: "3"},
	}
	if _, err := c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
	return table, testenv.RawGet(t, db, table, key)
}

// itemFile writes item in DynamoDB JSON and returns its path.
func itemFile(t *testing.T, item map[string]types.AttributeValue) string {
	t.Helper()
	b, err := vectors.MarshalItem(item)
	if err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "item.json", string(b))
}

func TestInspectVerify(t *testing.T) {
	config := wrappedConfig(t, verifyActions)
	table, stored := verifyTable(t, config)
	file := itemFile(t, stored)
	offline := []string{"--partition-key", "pk", "--sort-key", "sk", "--index-key", "status"}

	// Keys from DescribeTable, and from the flags.
	for _, keys := range [][]string{nil, offline} {
		args := append([]string{"inspect", file, "--verify", "--config", config, "--table", table}, keys...)
		code, out, errOut := runCmd(t, args...)
		if code != exitOK || errOut != "" {
			t.Fatalf("%v: exit %d, stderr %q", keys, code, errOut)
		}
		for _, want := range []string{
			"provider:   Wrapped", // the inspection is still there
			"verify:     OK: signature verified and item decrypted under " + config + " (table name signed: " + table + "; keys: pk, sk, status)",
			"secret                   encrypted and signed\n",
			"status                   signed, plaintext (key)\n",
			"views                    not signed, plaintext\n",
			"--show-plaintext",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: output lacks %q:\n%s", keys, want, out)
			}
		}
		if strings.Contains(out, "4111") {
			t.Errorf("%v: plaintext printed without --show-plaintext:\n%s", keys, out)
		}
	}

	// --show-plaintext prints the values.
	code, out, errOut := runCmd(t, append([]string{"inspect", file, "--verify", "--config", config, "--table", table, "--show-plaintext"}, offline...)...)
	if code != exitOK || !strings.Contains(out, `{"S":"card 4111-1111"}`) {
		t.Errorf("--show-plaintext: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}

	// With the keys given, no AWS is needed for a wrapped configuration.
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_PROFILE", "ddbcrypt-clicfg-no-such-profile")
	if code, out, errOut := runCmd(t, append([]string{"inspect", file, "--verify", "--config", config, "--table", table}, offline...)...); code != exitOK {
		t.Errorf("offline: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}

	for what, tc := range map[string]struct {
		file   string
		config string
		args   []string
	}{
		"tampered":             {itemFile(t, with(stored, "status", &types.AttributeValueMemberS{Value: "paid"})), config, offline},
		"tampered ciphertext":  {itemFile(t, with(stored, "secret", flipped(stored["secret"]))), config, offline},
		"other keys":           {file, wrappedConfig(t, verifyActions), offline},
		"another table's name": {file, config, append([]string{"--table", table + "-copy"}, offline...)},
		"index key missing":    {file, config, offline[:4]},
	} {
		args := append([]string{"inspect", tc.file, "--verify", "--config", tc.config, "--table", table}, tc.args...)
		code, out, errOut := runCmd(t, args...)
		if code != exitFailure || !strings.Contains(out, "verify:     FAILED") ||
			!strings.Contains(errOut, "does not verify") || !strings.Contains(errOut, "integrity") || !strings.Contains(errOut, "\nhint: ") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", what, code, out, errOut)
		}
		if strings.Contains(out+errOut, "4111") {
			t.Errorf("%s: plaintext in the output", what)
		}
		checkOnePrefix(t, errOut)
	}
}

// TestInspectVerifySignatureTableName: items written under a
// configuration's signatureTableName verify with it, whatever --table
// says, and not without it.
func TestInspectVerifySignatureTableName(t *testing.T) {
	b64 := func() string { return "base64:" + base64.StdEncoding.EncodeToString(testenv.RandomKey(t, 32)) }
	provider := fmt.Sprintf(`{"provider": {"type": "static", "encryptionKey": {"aes": %q}, "signingKey": {"hmac": %q}}, `, b64(), b64()) + verifyActions
	logical := writeTemp(t, "logical.json", provider+`, "signatureTableName": "orders-logical"}`)
	physical := writeTemp(t, "physical.json", provider+"}")
	table, stored := verifyTable(t, logical)
	file := itemFile(t, stored)
	code, out, errOut := runCmd(t, "inspect", file, "--verify", "--config", logical, "--table", table)
	if code != exitOK || !strings.Contains(out, "table name signed: orders-logical;") {
		t.Errorf("with signatureTableName: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	code, out, errOut = runCmd(t, "inspect", file, "--verify", "--config", physical, "--table", table)
	if code != exitFailure || !strings.Contains(out, "table name signed: "+table+";") || !strings.Contains(errOut, "does not verify") {
		t.Errorf("without signatureTableName: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// with returns a copy of item with attribute name set to v.
func with(item map[string]types.AttributeValue, name string, v types.AttributeValue) map[string]types.AttributeValue {
	c := make(map[string]types.AttributeValue, len(item))
	for k, av := range item {
		c[k] = av
	}
	c[name] = v
	return c
}

// flipped returns a binary value with its last bit flipped.
func flipped(av types.AttributeValue) types.AttributeValue {
	b := append([]byte(nil), av.(*types.AttributeValueMemberB).Value...)
	b[len(b)-1] ^= 1
	return &types.AttributeValueMemberB{Value: b}
}

// TestInspectVerifyKMS: a Direct KMS configuration, against local-kms.
func TestInspectVerifyKMS(t *testing.T) {
	kmsConfig := func(keyID string) string {
		return writeTemp(t, "kms.json", `{"provider": {"type": "direct-kms", "keyId": "`+keyID+`"}, `+verifyActions+`}`)
	}
	config := kmsConfig(testenv.NewKMSKey(t, testenv.KMS(t)))
	table, stored := verifyTable(t, config)
	file := itemFile(t, stored)
	code, out, errOut := runCmd(t, "inspect", file, "--verify", "--config", config, "--table", table)
	if code != exitOK || !strings.Contains(out, "provider:   Direct KMS") || !strings.Contains(out, "verify:     OK") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	other := kmsConfig(testenv.NewKMSKey(t, testenv.KMS(t)))
	code, out, errOut = runCmd(t, "inspect", file, "--verify", "--config", other, "--table", table)
	if code != exitFailure || !strings.Contains(out, "verify:     FAILED") || !strings.Contains(errOut, "does not verify") {
		t.Errorf("another KMS key: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	checkOnePrefix(t, errOut)
}

// TestInspectVerifyUsage: flags that go together, and configurations that
// cannot be used, are usage errors naming the flag or the field; no AWS is
// needed to find them.
func TestInspectVerifyUsage(t *testing.T) {
	item := writeTemp(t, "item.json", `{"pk": {"S": "x"}, "sk": {"N": "1"}, "*amzn-ddb-map-sig*": {"B": "AAAA"}}`)
	good := wrappedConfig(t, verifyActions)
	keys := []string{"--table", "orders", "--partition-key", "pk"}
	for what, tc := range map[string]struct {
		args []string
		want string
	}{
		"config without verify":  {[]string{"--config", good}, "--config needs --verify"},
		"plaintext alone":        {[]string{"--show-plaintext"}, "--show-plaintext needs --verify"},
		"verify without config":  {[]string{"--verify", "--table", "orders"}, "--verify needs --config"},
		"verify without table":   {[]string{"--verify", "--config", good}, "--verify needs --table"},
		"sort key alone":         {[]string{"--verify", "--config", good, "--table", "orders", "--sort-key", "sk"}, "go with --partition-key"},
		"empty index key":        {append([]string{"--verify", "--config", good, "--index-key", ""}, keys...), "must not be empty"},
		"missing config":         {append([]string{"--verify", "--config", good + ".none"}, keys...), "--config " + good + ".none"},
		"not JSON":               {append([]string{"--verify", "--config", writeTemp(t, "c.json", "{")}, keys...), "--config"},
		"bad field":              {append([]string{"--verify", "--config", writeTemp(t, "c.json", `{"provider": {"type": "wrapped", "wrappingKey": {"aes": "base64:AAAA"}, "signingKey": {"hmac": "base64:AAAA"}}, `+verifyActions+`}`)}, keys...), "provider.wrappingKey"},
		"unknown field":          {append([]string{"--verify", "--config", wrappedConfig(t, verifyActions+`, "colour": "red"`)}, keys...), "colour"},
		"no actions":             {append([]string{"--verify", "--config", wrappedConfig(t, "")}, keys...), "actions: required"},
		"a key encrypted":        {append([]string{"--verify", "--config", wrappedConfig(t, `"actions": {"default": "signonly", "overrides": {"pk": "encrypt"}}`)}, keys...), `table orders: attribute "pk"`},
		"a beacon unencrypted":   {append([]string{"--verify", "--config", wrappedConfig(t, verifyActions+`, "beacons": {"attributes": {"views": 8}}`)}, keys...), `attribute "views" has a beacon but is DO_NOTHING`},
		"a bad beacon":           {append([]string{"--verify", "--config", wrappedConfig(t, verifyActions+`, "beacons": {"attributes": {"secret": 99}}`)}, keys...), "beacons.attributes.secret"},
		"env source not set":     {append([]string{"--verify", "--config", writeTemp(t, "c.json", `{"provider": {"type": "static", "signingKey": {"hmac": "env:DDBCRYPT_CLICFG_UNSET"}}, `+verifyActions+`}`)}, keys...), "provider.signingKey.hmac"},
		"unknown provider type":  {append([]string{"--verify", "--config", writeTemp(t, "c.json", `{"provider": {"type": "magic"}, `+verifyActions+`}`)}, keys...), "provider.type"},
		"empty partition key":    {[]string{"--verify", "--config", good, "--table", "orders", "--partition-key", ""}, "--partition-key must not be empty"},
		"positional and --table": {[]string{"extra", "--verify", "--config", good}, "accepts at most 1 arg"},
	} {
		code, _, errOut := runCmd(t, append([]string{"inspect", item}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "Run 'ddbcrypt inspect --help'") {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", what, code, errOut, exitUsage, tc.want)
		}
		checkOnePrefix(t, errOut)
	}
}
