package config_test

// The providers that call AWS, against local-kms and DynamoDB Local.

import (
	"testing"
	"time"

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
