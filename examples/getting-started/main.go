// Command getting-started is the program of the README's "Getting started",
// which shows it from `package main` on (a test keeps the two the same):
// it creates its table from the struct's tags, then saves, loads and
// queries encrypted orders. Unlike the other examples it does not check
// for the local services: with AWS credentials and a region it runs
// against AWS too (see the README's "Running on AWS").
//
// Against DynamoDB Local:
//
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	export ORDERS_WRAPPING_KEY=$(openssl rand -base64 32) ORDERS_SIGNING_KEY=$(openssl rand -base64 32)
//	go run ./examples/getting-started [-table name]
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

type Order struct {
	Customer string `ddb:"customer,hash"` // keys are signed, never encrypted
	ID       int64  `ddb:"id,range"`
	Status   string `ddb:"status" ddbcrypt:"signonly"` // readable, signed
	Card     string `ddb:"card"`                       // encrypted and signed (the default)
}

func main() {
	table := flag.String("table", "orders", "the table, created if missing")
	flag.Parse()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx) // credentials and region: the SDK's usual sources
	check(err)
	kek, err := cmp.NewAESWrappingKey(key("ORDERS_WRAPPING_KEY")) // wraps a fresh AES key per item
	check(err)
	mac, err := cmp.NewHMACKey("HmacSHA256", key("ORDERS_SIGNING_KEY"))
	check(err)
	provider, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, UnwrappingKey: kek, SigningKey: mac})
	check(err)
	orders, err := mapper.NewTable[Order](mapper.New(dynamodb.NewFromConfig(cfg), provider), mapper.WithTableName(*table))
	check(err)
	if err := orders.CreateTable(ctx); err != nil && !errors.As(err, new(*types.ResourceInUseException)) {
		log.Fatal(err) // a table that exists already will do
	}
	check(orders.Save(ctx, &Order{Customer: "c-7", ID: 1, Status: "open", Card: "4111 1111 1111 1111"}))
	check(orders.Save(ctx, &Order{Customer: "c-7", ID: 2, Status: "paid", Card: "5500 0000 0000 0004"}))
	o := Order{Customer: "c-7", ID: 1} // the key
	check(orders.Load(ctx, &o))
	fmt.Printf("loaded  %+v\n", o)
	for o, err := range orders.Query("c-7").Sort(mapper.GreaterOrEqual(2)).All(ctx) {
		check(err)
		fmt.Printf("queried %+v\n", o)
	}
}

// key decodes the base64 key in the environment variable name: keys come
// from the environment or a secrets store, never from source code.
func key(name string) []byte {
	k, err := base64.StdEncoding.DecodeString(os.Getenv(name))
	if err != nil || len(k) == 0 {
		log.Fatalf("%s must hold a key in base64: export %s=$(openssl rand -base64 32)", name, name)
	}
	return k
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
