package mapper_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// The mapper has one option type; an option given where it does not apply
// is refused, naming it, before any call reaches DynamoDB.
func TestOptionsWhereTheyDoNotApply(t *testing.T) {
	t.Parallel()
	f, m, tbl := fakeMapper(t)
	ctx := t.Context()
	v := ledger{ID: "a", Seq: 1}
	open := mapper.If(expression.Name("status").Equal(expression.Value("open")))
	for _, tc := range []struct {
		what, option string
		err          error
	}{
		{"Save with ConsistentRead", "ConsistentRead", tbl.Save(ctx, &v, mapper.ConsistentRead())},
		{"Save with WithTableName", "WithTableName", tbl.Save(ctx, &v, mapper.WithTableName("x"))},
		{"Delete with AcceptUnknownAttributes", "AcceptUnknownAttributes", tbl.Delete(ctx, &v, mapper.AcceptUnknownAttributes())},
		{"Load with If", "If", tbl.Load(ctx, &v, open)},
		{"Mapper.Load with If", "If", m.Load(ctx, &v, open)},
		{"BatchLoad with WithUnsignedKeys", "WithUnsignedKeys", func() error { _, err := tbl.BatchLoad(ctx, []ledger{v}, mapper.WithUnsignedKeys()); return err }()},
		{"TxSave with WithBatchRetry", "WithBatchRetry", tbl.TxSave(ctx, m.NewTx(), &v, mapper.WithBatchRetry(1, 0, 0))},
		{"Query with If", "If", tbl.Query("a", open).Iter().Err()},
		{"Save with WithStream", "WithStream", tbl.Save(ctx, &v, mapper.WithStream("NEW_IMAGE"))},
		{"CreateTableInput with ConsistentRead", "ConsistentRead", func() error { _, err := tbl.CreateTableInput(mapper.ConsistentRead()); return err }()},
		{"Scan with WithSignatureTableName", "WithSignatureTableName", func() error {
			for _, err := range tbl.Scan(mapper.WithSignatureTableName("x")).All(ctx) {
				return err
			}
			return nil
		}()},
		{"NewTable with ConsistentRead", "ConsistentRead", func() error { _, err := mapper.NewTable[ledger](m, mapper.ConsistentRead()); return err }()},
		{"NewTable with a zero Option", "zero", func() error { _, err := mapper.NewTable[ledger](m, mapper.Option{}); return err }()},
		{"New with WithTableName, on first use", "WithTableName", mapper.New(f, newProvider(t), mapper.WithTableName("x")).Save(ctx, &v)},
	} {
		if !errors.Is(tc.err, ddbcrypt.ErrInvalidConfig) || !strings.Contains(fmt0(tc.err), tc.option) {
			t.Errorf("%s: error %v, want ErrInvalidConfig naming %s", tc.what, tc.err, tc.option)
		}
	}
	if ops := f.DataCalls(); len(ops) != 0 {
		t.Errorf("calls %v reached DynamoDB, want none", ops)
	}
}

func fmt0(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
