package encrypted_test

// Items between the encrypted client and the Python reference's
// EncryptedTable, through DynamoDB Local, both ways.

import (
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/reftest"
)

func TestPythonInterop(t *testing.T) {
	t.Parallel()
	py, db, name := reftest.PythonTable(t)
	actions := crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{
		"signed_n": crypto.SignOnly, "signed_set": crypto.SignOnly, "signed_m": crypto.SignOnly, "plain": crypto.DoNothing}}
	providers := []struct {
		name     string
		provider reftest.Provider
	}{
		{"static", reftest.Static(t)},
		{"wrapped AES", reftest.WrappedAES(t)},
		{"direct KMS", reftest.DirectKMS(t)},
	}
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			c := encrypted.NewClient(db, p.provider.Build(t), encrypted.WithTable(name, encrypted.TableConfig{Actions: &actions}))
			job := reftest.Job{Provider: p.provider, Table: name, PartitionKey: "pk", SortKey: "sk", Actions: actions}

			// Python's EncryptedTable puts, the encrypted client gets.
			job.Items = itemsWithPartition(p.name+" by Python", reftest.VariedItems())
			py.Put(t, job)
			for _, want := range job.Items {
				got := get(t, c, name, pick(want, "pk", "sk"))
				reftest.CheckItems(t, "GetItem of Python's item", []reftest.Item{got}, []reftest.Item{want})
			}

			// The encrypted client puts, Python's EncryptedTable gets.
			items := itemsWithPartition(p.name+" by ddbcrypt", reftest.VariedItems())
			job.Items = putAll(t, c, name, items)
			reftest.CheckItems(t, "Python get of the client's items", py.Get(t, job), items)
		})
	}
}

// putAll writes items through c and returns their keys.
func putAll(t *testing.T, c *encrypted.Client, table string, items []reftest.Item) []reftest.Item {
	t.Helper()
	keys := make([]reftest.Item, len(items))
	for i, item := range items {
		put(t, c, table, item)
		keys[i] = pick(item, "pk", "sk")
	}
	return keys
}

// itemsWithPartition returns copies of items with partition key pk.
func itemsWithPartition(pk string, items []reftest.Item) []reftest.Item {
	out := make([]reftest.Item, len(items))
	for i, item := range items {
		out[i] = maps.Clone(item)
		out[i]["pk"] = reftest.S(pk)
	}
	return out
}

// Python's EncryptedTable with a DO_NOTHING default writes items whose keys
// are unsigned. The client refuses them (the key rule) unless the table is
// configured with AttributeActions.UnsignedKeys, and with it writes items
// Python reads.
func TestPythonUnsignedKeys(t *testing.T) {
	t.Parallel()
	py, db, name := reftest.PythonTable(t)
	provider := reftest.WrappedAES(t)
	actions := crypto.AttributeActions{Default: crypto.DoNothing, Overrides: map[string]crypto.Action{
		"signed_n": crypto.SignOnly, "signed_m": crypto.SignOnly, "b": crypto.EncryptAndSign}}
	opted := actions
	opted.UnsignedKeys = true
	p := provider.Build(t)
	strict := encrypted.NewClient(db, p, encrypted.WithTable(name, encrypted.TableConfig{Actions: &actions}))
	lenient := encrypted.NewClient(db, p, encrypted.WithTable(name, encrypted.TableConfig{Actions: &opted}))
	job := reftest.Job{Provider: provider, Table: name, PartitionKey: "pk", SortKey: "sk", Actions: actions}

	job.Items = itemsWithPartition("by Python", reftest.VariedItems())
	py.Put(t, job)
	for _, want := range job.Items {
		in := &dynamodb.GetItemInput{TableName: aws.String(name), Key: pick(want, "pk", "sk"), ConsistentRead: aws.Bool(true)}
		_, err := strict.GetItem(t.Context(), in)
		checkIntegrity(t, "Python's unsigned-keys item without UnsignedKeys", err, name, in.Key)
		out, err := lenient.GetItem(t.Context(), in)
		if err != nil {
			t.Fatalf("GetItem with UnsignedKeys: %v", err)
		}
		reftest.CheckItems(t, "GetItem with UnsignedKeys", []reftest.Item{out.Item}, []reftest.Item{want})
	}

	items := itemsWithPartition("by ddbcrypt", reftest.VariedItems())
	job.Items = putAll(t, lenient, name, items)
	reftest.CheckItems(t, "Python get of the client's unsigned-keys items", py.Get(t, job), items)

	// Items the client writes by default have signed keys, which Python's
	// configuration leaves out: it cannot verify them.
	job.Items = putAll(t, strict, name, itemsWithPartition("signed keys", reftest.VariedItems()[:1]))
	if _, err := py.Do("get", job); err == nil {
		t.Errorf("Python verified an item whose keys are signed, with a configuration that leaves them out")
	}
}
