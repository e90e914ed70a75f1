package mapper_test

// Items between the mapper and the Python reference's EncryptedTable,
// through DynamoDB Local, both ways.

import (
	"errors"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/reftest"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	gocmp "github.com/google/go-cmp/cmp"
)

// interopRecord has a field of each kind the mapper stores, with the three
// actions.
type interopRecord struct {
	PK      string            `ddb:"pk,hash"`
	SK      int               `ddb:"sk,range"`
	Name    string            `ddb:"name"`
	Amount  float64           `ddb:"amount"`
	Count   int64             `ddb:"count"`
	Data    []byte            `ddb:"data"`
	Tags    []string          `ddb:"tags,stringset"`
	Scores  []int             `ddb:"scores,numberset"`
	Blobs   [][]byte          `ddb:"blobs,binaryset"`
	Lines   []string          `ddb:"lines"`
	Attrs   map[string]string `ddb:"attrs"`
	Nested  interopNested     `ddb:"nested"`
	Flag    bool              `ddb:"flag"`
	Missing *string           `ddb:"missing"`
	Status  string            `ddb:"status" ddbcrypt:"signonly"`
	Note    string            `ddb:"note" ddbcrypt:"donottouch"`
}

type interopNested struct {
	Level int      `ddb:"level"`
	Path  []string `ddb:"path"`
}

// interopRecordItem returns a record and the item the mapper stores for it
// (before encryption).
func interopRecordItem(pk string, sk int, sortKey string) (interopRecord, reftest.Item) {
	rec := interopRecord{
		PK: pk, SK: sk, Name: "Zoë 😀", Amount: 1234.5625, Count: -42, Data: []byte{0, 1, 0xfe, 0xff},
		Tags: []string{"green", "red"}, Scores: []int{1, 2, 3}, Blobs: [][]byte{{1}, {2, 3}}, // sets in order: a set's order is not kept
		Lines: []string{"one", "two"}, Attrs: map[string]string{"k": "v", "ß": "sharp"},
		Nested: interopNested{Level: 7, Path: []string{"a", "b"}}, Flag: true,
		Status: "active", Note: "untouched",
	}
	item := reftest.Item{
		"pk": reftest.S(pk), "sk": reftest.N(sortKey),
		"name": reftest.S(rec.Name), "amount": reftest.N("1234.5625"), "count": reftest.N("-42"),
		"data": reftest.B(rec.Data...), "tags": reftest.SS("red", "green"), "scores": reftest.NS("3", "1", "2.0"),
		"blobs": reftest.BS([]byte{1}, []byte{2, 3}), "lines": reftest.L(reftest.S("one"), reftest.S("two")),
		"attrs":  reftest.M(reftest.Item{"k": reftest.S("v"), "ß": reftest.S("sharp")}),
		"nested": reftest.M(reftest.Item{"level": reftest.N("7"), "path": reftest.L(reftest.S("a"), reftest.S("b"))}),
		"flag":   reftest.Bool(true), "missing": reftest.Null(), "status": reftest.S("active"), "note": reftest.S("untouched"),
	}
	return rec, item
}

func TestPythonInterop(t *testing.T) {
	t.Parallel()
	py, db, name := reftest.PythonTable(t)
	actions := crypto.AttributeActions{Default: crypto.EncryptAndSign,
		Overrides: map[string]crypto.Action{"status": crypto.SignOnly, "note": crypto.DoNothing}}
	metaStore := reftest.NewMetaStoreTable(t)
	providers := []struct {
		name     string
		provider reftest.Provider
	}{
		{"wrapped RSA-OAEP", reftest.WrappedRSA(t)},
		{"direct KMS", reftest.DirectKMS(t)},
		{"most recent", reftest.MostRecent(metaStore, "mapper", reftest.WrappedAES(t))},
	}
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			tbl := mustTable[interopRecord](t, mapper.New(db, p.provider.Build(t)), name)
			job := reftest.Job{Provider: p.provider, Table: name, PartitionKey: "pk", SortKey: "sk", Actions: actions}

			// Python's EncryptedTable writes, the mapper loads. The sort key
			// is spelled oddly, and stored normalized, but for Direct KMS,
			// where that would make the item unreadable (see
			// cmp.TestPythonDirectKMSNumberKeys).
			sk := "001.0"
			if p.provider.Kind == "kms" {
				sk = "1"
			}
			want, item := interopRecordItem(p.name, 1, sk)
			job.Items = []reftest.Item{item}
			py.Put(t, job)
			got := interopRecord{PK: want.PK, SK: want.SK}
			if err := tbl.Load(t.Context(), &got); err != nil {
				t.Fatalf("mapper Load of Python's item: %v", err)
			}
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Errorf("mapper Load of Python's item (-want +got):\n%s", diff)
			}

			// The mapper saves, Python's EncryptedTable gets.
			rec, want2 := interopRecordItem(p.name, 2, "2")
			if err := tbl.Save(t.Context(), &rec); err != nil {
				t.Fatalf("mapper Save: %v", err)
			}
			job.Items = []reftest.Item{{"pk": want2["pk"], "sk": want2["sk"]}}
			reftest.CheckItems(t, "Python get of the mapper's item", py.Get(t, job), []reftest.Item{want2})
		})
	}
}

// pyUnsigned is what Python's EncryptedTable stores with a DO_NOTHING
// default and two overrides: its keys are unsigned.
type pyUnsigned struct {
	_      struct{} `ddbcrypt:"donottouch"`
	PK     string   `ddb:"pk,hash"`
	SK     int      `ddb:"sk,range"`
	Secret string   `ddb:"secret" ddbcrypt:"encrypt"`
	Status string   `ddb:"status" ddbcrypt:"signonly"`
	Note   string   `ddb:"note"`
}

// The mapper refuses Python's unsigned-keys items (the key rule) unless
// the table has WithUnsignedKeys, and with it writes items Python reads.
func TestPythonUnsignedKeys(t *testing.T) {
	t.Parallel()
	py, db, name := reftest.PythonTable(t)
	provider := reftest.WrappedAES(t)
	p := provider.Build(t)
	m := mapper.New(db, p)
	strict := mustTable[pyUnsigned](t, m, name)
	lenient, err := mapper.NewTable[pyUnsigned](m, mapper.WithTableName(name), mapper.WithUnsignedKeys())
	if err != nil {
		t.Fatal(err)
	}
	actions := crypto.AttributeActions{Default: crypto.DoNothing, Overrides: map[string]crypto.Action{"secret": crypto.EncryptAndSign, "status": crypto.SignOnly}}
	job := reftest.Job{Provider: provider, Table: name, PartitionKey: "pk", SortKey: "sk", Actions: actions, Items: []reftest.Item{{
		"pk": reftest.S("by Python"), "sk": reftest.N("1"), "secret": reftest.S("s3cret"), "status": reftest.S("active"), "note": reftest.S("n")}}}
	py.Put(t, job)

	got := pyUnsigned{PK: "by Python", SK: 1}
	if err := strict.Load(t.Context(), &got); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("Load of Python's unsigned-keys item without WithUnsignedKeys: %+v, %v; want ErrIntegrity", got, err)
	}
	got = pyUnsigned{PK: "by Python", SK: 1}
	if err := lenient.Load(t.Context(), &got); err != nil || got.Secret != "s3cret" || got.Status != "active" || got.Note != "n" {
		t.Errorf("Load with WithUnsignedKeys: %+v, %v", got, err)
	}

	rec := pyUnsigned{PK: "by ddbcrypt", SK: 2, Secret: "other", Status: "new", Note: "m"}
	if err := lenient.Save(t.Context(), &rec); err != nil {
		t.Fatalf("Save with WithUnsignedKeys: %v", err)
	}
	job.Items = []reftest.Item{{"pk": reftest.S("by ddbcrypt"), "sk": reftest.N("2")}}
	reftest.CheckItems(t, "Python get of the mapper's unsigned-keys item", py.Get(t, job), []reftest.Item{{
		"pk": reftest.S("by ddbcrypt"), "sk": reftest.N("2"), "secret": reftest.S("other"), "status": reftest.S("new"), "note": reftest.S("m")}})

	// Saved without the opt-in, the keys are signed: Python's configuration
	// leaves them out and cannot verify the item.
	rec = pyUnsigned{PK: "signed keys", SK: 3, Secret: "x", Status: "y"}
	if err := strict.Save(t.Context(), &rec); err != nil {
		t.Fatal(err)
	}
	job.Items = []reftest.Item{{"pk": reftest.S("signed keys"), "sk": reftest.N("3")}}
	if _, err := py.Do("get", job); err == nil {
		t.Errorf("Python verified an item whose keys the mapper signed, with a configuration that leaves them out")
	}
}
