package metastore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// A MetaStore on the table "my-metastore", its rows protected by a Direct
// KMS provider. Building it calls nothing; using it needs the table (see
// CreateTable) in DynamoDB, and KMS for the inner provider.
func ExampleNew() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	db, keys := dynamodb.NewFromConfig(cfg), kms.NewFromConfig(cfg)
	inner, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: keys, KeyID: "alias/metastore"})
	if err != nil {
		log.Fatal(err)
	}
	store, err := metastore.New(db, "my-metastore", inner)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(store)
	// Output:
	// metastore.MetaStore(my-metastore)
}

// Creating the MetaStore table, a new version of a material (rotation:
// writers with a Most Recent provider over this store move to it within
// their TTL, and items written before stay readable), and the list of
// versions. This needs DynamoDB and a KMS key (alias/metastore here), so it
// is compiled but not run; examples/most-recent runs the same steps against
// the local services.
func ExampleMetaStore_NewProvider() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	db := dynamodb.NewFromConfig(cfg)
	if err := metastore.CreateTable(ctx, db, "my-metastore"); err != nil {
		log.Fatal(err)
	}
	inner, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kms.NewFromConfig(cfg), KeyID: "alias/metastore"})
	if err != nil {
		log.Fatal(err)
	}
	store, err := metastore.New(db, "my-metastore", inner)
	if err != nil {
		log.Fatal(err)
	}
	if _, _, err := store.NewProvider(ctx, "orders"); err != nil {
		log.Fatal(err)
	}
	versions, err := store.Versions(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range versions {
		fmt.Println(v.Name, "version", v.Version, "created", v.Created)
	}
}
