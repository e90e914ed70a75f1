package reftest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
)

// Impl is an implementation that encrypts and decrypts raw items: a
// reference (*Ref) or ddbcrypt itself (Ddbcrypt).
type Impl interface {
	Encrypt(t testing.TB, job Job) []Item
	Decrypt(t testing.TB, job Job) []Item
	String() string
}

func (r *Ref) String() string { return r.name }

// Ddbcrypt runs jobs with ddbcrypt's item encryptor, built with Options.
type Ddbcrypt struct{ Options []crypto.Option }

func (Ddbcrypt) String() string { return "ddbcrypt" }

// Encrypt encrypts the job's items with a fresh encryptor over the job's
// provider, failing the test on error.
func (d Ddbcrypt) Encrypt(t testing.TB, job Job) []Item {
	t.Helper()
	return d.run(t, job, (*crypto.Encryptor).EncryptItem)
}

// Decrypt verifies and decrypts the job's items, failing the test on error.
func (d Ddbcrypt) Decrypt(t testing.TB, job Job) []Item {
	t.Helper()
	return d.run(t, job, (*crypto.Encryptor).DecryptItem)
}

type itemFunc func(*crypto.Encryptor, context.Context, Item, crypto.AttributeActions, crypto.Context) (Item, error)

func (d Ddbcrypt) run(t testing.TB, job Job, f itemFunc) []Item {
	t.Helper()
	e := crypto.NewEncryptor(job.Provider.Build(t), d.Options...)
	out := make([]Item, len(job.Items))
	for i, item := range job.Items {
		var err error
		if out[i], err = f(e, t.Context(), item, job.Actions, job.Context()); err != nil {
			t.Fatalf("ddbcrypt: item %d (%s): %v", i, describeKey(job, item), err)
		}
	}
	return out
}

// Context is the job's encryption context for ddbcrypt.
func (job Job) Context() crypto.Context {
	return crypto.Context{TableName: job.Table, PartitionKeyName: job.PartitionKey, SortKeyName: job.SortKey}
}

// RoundTrip has writer encrypt the job's items and reader decrypt them, and
// checks that the reader gets the plaintext back and that the writer
// protected each attribute as the actions say.
func RoundTrip(t testing.TB, writer, reader Impl, job Job) {
	t.Helper()
	stored := writer.Encrypt(t, job)
	CheckProtected(t, writer.String(), job, stored)
	read := job
	read.Items = stored
	CheckItems(t, writer.String()+" → "+reader.String(), reader.Decrypt(t, read), job.Items)
}

// CheckProtected checks that each stored item carries a signature and
// description, that its encrypted attributes are binary ciphertexts unlike
// the plaintext, and that the others are stored as given.
func CheckProtected(t testing.TB, writer string, job Job, stored []Item) {
	t.Helper()
	if len(stored) != len(job.Items) {
		t.Fatalf("%s wrote %d items, want %d", writer, len(stored), len(job.Items))
	}
	for i, plain := range job.Items {
		item := stored[i]
		if _, ok := item[crypto.SignatureAttribute].(*types.AttributeValueMemberB); !ok {
			t.Errorf("%s: item %d (%s) has no binary signature", writer, i, describeKey(job, plain))
		}
		for name, av := range plain {
			got := item[name]
			if job.action(name) == crypto.EncryptAndSign {
				if ct, ok := got.(*types.AttributeValueMemberB); !ok || vectors.Equal(got, av) || len(ct.Value) < 32 {
					t.Errorf("%s: item %d (%s) attribute %q is not encrypted: %s", writer, i, describeKey(job, plain), name, vectors.Canonical(got))
				}
			} else if got == nil || !vectors.Equal(got, av) {
				t.Errorf("%s: item %d (%s) attribute %q changed: got %v, want %v", writer, i, describeKey(job, plain), name, vectors.Canonical(got), vectors.Canonical(av))
			}
		}
	}
}

// action is the action the job gives an attribute, keys by the key rule.
func (job Job) action(name string) crypto.Action {
	if name == job.PartitionKey || name == job.SortKey {
		act, _ := job.Actions.KeyAction(name)
		return act
	}
	return job.Actions.Of(name)
}

func describeKey(job Job, item Item) string {
	s := ""
	for _, k := range []string{job.PartitionKey, job.SortKey} {
		if av, ok := item[k]; ok && k != "" {
			if s != "" {
				s += ", "
			}
			s += k + "=" + string(mustJSON(av))
		}
	}
	return s
}

func mustJSON(av types.AttributeValue) []byte {
	b, err := vectors.MarshalAttribute(av)
	if err != nil {
		return []byte(err.Error())
	}
	return b[:len(b)-1] // the encoder's newline
}
