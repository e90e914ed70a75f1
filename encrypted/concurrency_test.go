package encrypted_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
)

// incrementCounter adds one to the DO_NOTHING counter of an item through
// the client.
func incrementCounter(t *testing.T, e *env, k map[string]types.AttributeValue) {
	t.Helper()
	if _, err := e.c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(e.table), Key: k,
		UpdateExpression: aws.String("ADD #c :one"), ExpressionAttributeNames: map[string]string{"#c": "counter"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")}}); err != nil {
		t.Errorf("UpdateItem ADD counter: %v", err)
	}
}

// One client, fresh (so that the tables are prepared concurrently too),
// used from many goroutines: run with -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	second := createTable(t, e.db)
	c := encrypted.NewClient(e.rec, e.p, encrypted.WithTable(e.table, encrypted.TableConfig{Actions: testActions()}))
	e.c = c
	describesBefore := e.rec.Calls(opDescribe)

	const workers, perWorker = 12, 4
	shared := key("shared", 0)
	put(t, c, e.table, fullItem("shared", 0))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			pk := fmt.Sprintf("w%d", w)
			for i := range perWorker {
				item := fullItem(pk, i)
				for _, table := range []string{e.table, second} {
					if _, err := c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
						t.Errorf("PutItem: %v", err)
						return
					}
					out, err := c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key(pk, i), ConsistentRead: aws.Bool(true)})
					if err != nil {
						t.Errorf("GetItem: %v", err)
						return
					}
					checkItem(t, "GetItem", out.Item, item)
				}
				incrementCounter(t, e, shared)
			}
			out, err := c.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String(e.table),
				KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(pk)}, ConsistentRead: aws.Bool(true)})
			if err != nil {
				t.Errorf("Query: %v", err)
				return
			}
			if len(out.Items) != perWorker {
				t.Errorf("Query %s: %d items, want %d", pk, len(out.Items), perWorker)
			}
		})
	}
	wg.Wait()
	checkItem(t, "the shared item after every increment", get(t, c, e.table, shared),
		with(fullItem("shared", 0), map[string]types.AttributeValue{"counter": n(fmt.Sprint(workers * perWorker))}))
	// Each table was described once, however many goroutines started on it.
	if got := e.rec.Calls(opDescribe) - describesBefore; got != 2 {
		t.Errorf("DescribeTable was called %d times for two tables", got)
	}
}
