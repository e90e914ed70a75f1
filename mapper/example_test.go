package mapper_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

type Order struct {
	ID      string `ddb:"pk,hash"`
	Created int64  `ddb:"sk,range"`
	Version int    `ddb:"version,version"`
	Status  string `ddb:"status" ddbcrypt:"signonly"`
	Card    string `ddb:"card"`
}

func (Order) TableName() string { return "orders" }

func Example() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// Keys: a real application loads them from its key store, or uses
	// cmp.NewDirectKMS or cmp.NewMostRecent.
	aesKey, hmacKey := make([]byte, 32), make([]byte, 32)
	rand.Read(aesKey)
	rand.Read(hmacKey)
	mac, _ := cmp.NewHMACKey("HmacSHA256", hmacKey)
	provider, _ := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: aesKey, SigningKey: mac})

	orders, err := mapper.NewTable[Order](mapper.New(dynamodb.NewFromConfig(cfg), provider))
	if err != nil {
		log.Fatal(err)
	}
	o := Order{ID: "customer-7", Created: 1700000000, Status: "open", Card: "4111 1111 1111 1111"}
	if err := orders.Save(ctx, &o); err != nil { // o.Version is now 1
		log.Fatal(err)
	}
	for o, err := range orders.Query("customer-7").Sort(mapper.GreaterOrEqual(1700000000)).All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(o.Status, o.Card)
	}
}
