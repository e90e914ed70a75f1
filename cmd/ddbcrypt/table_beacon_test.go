package main

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/beacon"
	cfgfile "github.com/ddbcrypt/ddbcrypt/config"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	"github.com/ddbcrypt/ddbcrypt/tableops"
)

// indexedCustomer's email has a 4-bit beacon, the partition key of the
// index by-email; listedCustomer's has the same beacon and no index, so
// that no key rule signs it.
type indexedCustomer struct {
	ID    string `ddb:"id,hash"`
	Email string `ddb:"email" ddbcrypt:"encrypt,beacon=4,beaconindex=by-email"`
	Name  string `ddb:"name" ddbcrypt:"signonly"`
}

type listedCustomer struct {
	ID    string `ddb:"id,hash"`
	Email string `ddb:"email" ddbcrypt:"encrypt,beacon=4"`
	Name  string `ddb:"name" ddbcrypt:"signonly"`
}

// beaconConfigs are three configurations of one wrapped provider: with the
// email's beacon and its root key, with the beacon and no root key (a
// reader's), and without the beacon.
type beaconConfigs struct{ full, reader, none string }

func newBeaconConfigs(t *testing.T) beaconConfigs {
	t.Helper()
	b64 := func(n int) string { return "base64:" + base64.StdEncoding.EncodeToString(testenv.RandomKey(t, n)) }
	head := fmt.Sprintf(`{"provider": {"type": "wrapped", "wrappingKey": {"aes": %q}, "signingKey": {"hmac": %q}},
 "actions": {"default": "encrypt", "overrides": {"name": "signonly"}}`, b64(32), b64(32))
	root, _ := keyFile(t, "beacon.key", beacon.RootKeyBytes)
	return beaconConfigs{
		full:   writeTemp(t, "full.json", head+`, "beacons": {"rootKey": {"raw": "file:`+root+`"}, "attributes": {"email": 4}}}`),
		reader: writeTemp(t, "reader.json", head+`, "beacons": {"attributes": {"email": 4}}}`),
		none:   writeTemp(t, "none.json", head+`}`),
	}
}

// beaconTable creates, with the mapper, a table of T (and its indexes)
// and returns its name and the mapper's table, protected as the
// configuration at path says.
func beaconTable[T any](t *testing.T, db *dynamodb.Client, path string) (string, *mapper.Table[T]) {
	t.Helper()
	cfg, err := cfgfile.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tableops.FromConfig(cfg, cfgfile.Clients{})
	if err != nil {
		t.Fatal(err)
	}
	name := "bcfg-" + testenv.TableName(t)
	tbl, err := mapper.NewTable[T](mapper.New(db, p.Provider, mapper.WithBeaconKeys(p.BeaconKeys)), mapper.WithTableName(name))
	if err != nil {
		t.Fatal(err)
	}
	if err := tbl.CreateTable(t.Context()); err != nil {
		t.Fatal(err)
	}
	testenv.DeleteTableAtEnd(t, db, name)
	return name, tbl
}

const beaconCustomers = 16

func customerEmail(i int) string { return fmt.Sprintf("c%d@example.com", i%6) }

// TestTableEncryptBackfillsBeacons: table encrypt under a configuration
// with a beacon writes the beacons, and the mapper then finds the items
// by email; a configuration without the beacon's root key cannot write
// them, and a reader's verifies them.
func TestTableEncryptBackfillsBeacons(t *testing.T) {
	db := testenv.DynamoDB(t)
	cfgs := newBeaconConfigs(t)
	name, tbl := beaconTable[indexedCustomer](t, db, cfgs.full)
	for i := range beaconCustomers {
		item := map[string]types.AttributeValue{
			"id":    &types.AttributeValueMemberS{Value: fmt.Sprintf("id%02d", i)},
			"email": &types.AttributeValueMemberS{Value: customerEmail(i)},
			"name":  &types.AttributeValueMemberS{Value: "n"},
		}
		if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &name, Item: item}); err != nil {
			t.Fatal(err)
		}
	}

	code, _, errOut := runCmd(t, "table", "encrypt", "--table", name, "--to", cfgs.reader)
	if code != exitFailure || !strings.Contains(errOut, `attribute "email"`) || !strings.Contains(errOut, "beacons.rootKey") {
		t.Fatalf("encrypt without the root key: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCmd(t, "table", "encrypt", "--table", name, "--to", cfgs.full)
	if code != exitOK || !strings.Contains(errOut, fmt.Sprintf("%d scanned, 0 verified, %d rewritten", beaconCustomers, beaconCustomers)) {
		t.Fatalf("encrypt: exit %d, stderr %q", code, errOut)
	}
	for e := range 6 {
		var want, got []string
		for i := range beaconCustomers {
			if customerEmail(i) == customerEmail(e) {
				want = append(want, fmt.Sprintf("id%02d", i))
			}
		}
		for c, err := range tbl.QueryBeacon("email", customerEmail(e)).All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, c.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("QueryBeacon %s found %v, want %v", customerEmail(e), got, want)
		}
	}
	code, _, errOut = runCmd(t, "table", "verify", "--table", name, "--config", cfgs.reader)
	if code != exitOK || !strings.Contains(errOut, fmt.Sprintf("%d verified", beaconCustomers)) {
		t.Errorf("verify with a reader's configuration: exit %d, stderr %q", code, errOut)
	}
}

// TestTableBeacons: table verify and inspect --verify of items with a
// beacon need the beacon in the configuration (not its root key); table
// reencrypt to a configuration without it drops it.
func TestTableBeacons(t *testing.T) {
	db := testenv.DynamoDB(t)
	cfgs := newBeaconConfigs(t)
	name, tbl := beaconTable[listedCustomer](t, db, cfgs.full)
	for i := range beaconCustomers {
		if err := tbl.Save(t.Context(), &listedCustomer{ID: fmt.Sprintf("id%02d", i), Email: customerEmail(i), Name: "n"}); err != nil {
			t.Fatal(err)
		}
	}
	key := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "id03"}}
	stored := testenv.RawGet(t, db, name, key)
	if _, ok := stored[beacon.Attribute("email")]; !ok {
		t.Fatal("the mapper wrote no beacon")
	}
	file := itemFile(t, stored)

	for _, cfg := range []string{cfgs.full, cfgs.reader} {
		code, _, errOut := runCmd(t, "table", "verify", "--table", name, "--config", cfg)
		if code != exitOK || !strings.Contains(errOut, fmt.Sprintf("%d verified", beaconCustomers)) {
			t.Errorf("verify --config %s: exit %d, stderr %q", cfg, code, errOut)
		}
		code, out, errOut := runCmd(t, "inspect", file, "--verify", "--config", cfg, "--table", name, "--partition-key", "id")
		if code != exitOK || !strings.Contains(out, "  ddbcrypt_b_email         signed, plaintext (beacon of email)\n") {
			t.Errorf("inspect --verify --config %s: exit %d, stderr %q, stdout:\n%s", cfg, code, errOut, out)
		}
	}
	code, _, errOut := runCmd(t, "table", "verify", "--table", name, "--config", cfgs.none)
	if code != exitFailure || !strings.Contains(errOut, fmt.Sprintf("0 verified, 0 rewritten, 0 skipped, %d failed", beaconCustomers)) || !strings.Contains(errOut, `beacon attributes ("ddbcrypt_b_email")`) {
		t.Errorf("verify without the beacon: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut := runCmd(t, "inspect", file, "--verify", "--config", cfgs.none, "--table", name, "--partition-key", "id")
	if code != exitFailure || !strings.Contains(out, "verify:     FAILED") || !strings.Contains(errOut, "ddbcrypt_b_email") {
		t.Errorf("inspect --verify without the beacon: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	code, _, errOut = runCmd(t, "table", "reencrypt", "--table", name, "--from", cfgs.reader, "--to", cfgs.none)
	if code != exitOK || !strings.Contains(errOut, fmt.Sprintf("%d rewritten", beaconCustomers)) {
		t.Fatalf("reencrypt: exit %d, stderr %q", code, errOut)
	}
	if stored := testenv.RawGet(t, db, name, key); stored[beacon.Attribute("email")] != nil {
		t.Errorf("the beacon is still stored after a reencrypt to a configuration without it")
	}
	code, _, errOut = runCmd(t, "table", "verify", "--table", name, "--config", cfgs.none)
	if code != exitOK || !strings.Contains(errOut, fmt.Sprintf("%d verified", beaconCustomers)) {
		t.Errorf("verify without the beacon after reencrypt: exit %d, stderr %q", code, errOut)
	}
}
