package config_test

// The providers that call AWS, against local-kms and DynamoDB Local.

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/config"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// TestDirectKMSRoundTrip: a direct-kms provider from a configuration and
// one built directly read each other's items.
func TestDirectKMSRoundTrip(t *testing.T) {
	client := testenv.KMS(t)
	arn := testenv.NewKMSKey(t, client)
	fromConfig, a := loadForTable(t, `{"type": "direct-kms", "keyId": "`+arn+`"}`, config.Clients{KMS: client})
	direct, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: client, KeyID: arn})
	if err != nil {
		t.Fatal(err)
	}
	wantRoundTrip(t, fromConfig, direct, a)
	wantRoundTrip(t, direct, fromConfig, a)
}

// TestMostRecentRoundTrip: a most-recent provider from a configuration,
// over a MetaStore whose rows a direct-kms provider protects, and one built
// directly read each other's items.
func TestMostRecentRoundTrip(t *testing.T) {
	kmsClient, db := testenv.KMS(t), testenv.DynamoDB(t)
	arn := testenv.NewKMSKey(t, kmsClient)
	table := testenv.TableName(t)
	if err := metastore.CreateTable(t.Context(), db, table); err != nil {
		t.Fatal(err)
	}
	testenv.DeleteTableAtEnd(t, db, table)

	fromConfig, a := loadForTable(t, `{"type": "most-recent", "metastoreTable": "`+table+`", "materialName": "orders", "ttl": "1m",
		"provider": {"type": "direct-kms", "keyId": "`+arn+`"}}`, config.Clients{KMS: kmsClient, DynamoDB: db})
	rows, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kmsClient, KeyID: arn})
	if err != nil {
		t.Fatal(err)
	}
	store, err := metastore.New(db, table, rows)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := cmp.NewMostRecent(cmp.MostRecentConfig{Store: store, MaterialName: "orders", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	wantRoundTrip(t, fromConfig, direct, a)
	wantRoundTrip(t, direct, fromConfig, a)
}

// TestBeaconKMSRootKeyRoundTrip: a root key made by beacon.NewKMSRootKey,
// configured by its ciphertext, decrypts under local-kms to the keys
// beacon.NewKMSKeys gives.
func TestBeaconKMSRootKeyRoundTrip(t *testing.T) {
	client := testenv.KMS(t)
	arn := testenv.NewKMSKey(t, client)
	blob, err := beacon.NewKMSRootKey(t.Context(), client, arn)
	if err != nil {
		t.Fatal(err)
	}
	c, err := load(t, beaconDoc(newKeys(t), `{"rootKey": {"kms": {"keyId": "`+arn+`", "ciphertext": "base64:`+base64.StdEncoding.EncodeToString(blob)+`"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.BeaconKeys(config.Clients{KMS: client})
	if err != nil {
		t.Fatal(err)
	}
	sameBeacons(t, got, beacon.NewKMSKeys(client, arn, blob))
}
