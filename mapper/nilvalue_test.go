package mapper_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// TestNilValuesInReadsAreRefused: the values a caller hands a query or a
// scan beside its structs — a paging key to start from, values of a
// filter or of the partition key — are refused before any call when
// nil or holding a nil member, on which the SDK's serializer panics.
func TestNilValuesInReadsAreRefused(t *testing.T) {
	t.Parallel()
	nilS := (*types.AttributeValueMemberS)(nil)
	start := mapper.PagingKey{"pk": &types.AttributeValueMemberS{Value: "a"}, "sk": (*types.AttributeValueMemberN)(nil)}
	inList := &types.AttributeValueMemberL{Value: []types.AttributeValue{nilS}}
	for _, tc := range []struct {
		what string
		iter func(*mapper.Table[ledger]) *mapper.Iter[ledger]
		why  []string
	}{
		{"Query StartFrom", func(tbl *mapper.Table[ledger]) *mapper.Iter[ledger] {
			return tbl.Query("a").StartFrom(start).Iter()
		}, []string{"ExclusiveStartKey", `"sk"`}},
		{"Scan StartFrom", func(tbl *mapper.Table[ledger]) *mapper.Iter[ledger] { return tbl.Scan().StartFrom(start).Iter() }, []string{"ExclusiveStartKey", `"sk"`}},
		{"Query partition value", func(tbl *mapper.Table[ledger]) *mapper.Iter[ledger] { return tbl.Query(nilS).Iter() }, []string{"ExpressionAttributeValues"}},
		{"Query filter value", func(tbl *mapper.Table[ledger]) *mapper.Iter[ledger] {
			return tbl.Query("a").Filter(expression.Name("status").Equal(expression.Value(inList))).Iter()
		}, []string{"ExpressionAttributeValues"}},
		{"Scan filter value", func(tbl *mapper.Table[ledger]) *mapper.Iter[ledger] {
			return tbl.Scan().Filter(expression.Name("status").Equal(expression.Value(nilS))).Iter()
		}, []string{"ExpressionAttributeValues"}},
	} {
		f, _, tbl := fakeMapper(t)
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic: %v", tc.what, r)
				}
			}()
			it := tc.iter(tbl)
			var out ledger
			for it.Next(context.Background(), &out) {
			}
			return it.Err()
		}()
		refusedOffline(t, f, tc.what, err, append([]string{"nil"}, tc.why...)...)
	}
}
