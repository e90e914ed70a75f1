package mapper

// Finding items by the value of an encrypted attribute, through its beacon.

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
)

// equality asks for the items whose encrypted attribute attr has value.
type equality struct {
	attr  string
	value types.AttributeValue
}

// QueryBeacon starts a query for the items whose encrypted attribute attr
// (an attribute name, with a beacon: ddbcrypt tag option beacon) equals
// value. It queries the index whose partition key is attr's beacon
// attribute — the one beaconindex names, or any the table has that
// projects all attributes; Index chooses another — with value's beacon,
// then verifies and decrypts each item and drops those whose value is not
// value: the beacon's false positives. Callers get exact matches only.
// Sort, Filter, Limit and the others narrow it as for any query; Limit
// counts exact matches.
//
// value is converted as the mapper's encoder converts a field's value, so
// pass a value of the type the attribute is stored as (for a field tagged
// string or unixtime, what it stores). Two values match when their
// canonical serializations are equal: numbers compare by value, sets
// ignore their order.
func (t *Table[T]) QueryBeacon(attr string, value any, opts ...Option) *Query[T] {
	q := t.Query(nil, opts...)
	eq, err := t.t.equality(attr, value)
	if q.err == nil {
		q.err = err
	}
	q.byBeacon = &eq
	return q
}

// WhereEqual narrows the query to the items whose encrypted attribute attr
// equals value, through attr's beacon: a filter on the beacon attribute,
// then the false positives dropped after decryption, as QueryBeacon does.
// It reads every item of the partition, so on a large table prefer
// QueryBeacon with an index.
func (q *Query[T]) WhereEqual(attr string, value any) *Query[T] {
	eq, err := q.t.equality(attr, value)
	if q.err == nil {
		q.err = err
	}
	q.equal = append(q.equal, eq)
	return q
}

// WhereEqual narrows the scan to the items whose encrypted attribute attr
// equals value, as Query.WhereEqual does. A scan reads the whole table:
// QueryBeacon with an index reads only the items that share the beacon.
func (s *Scan[T]) WhereEqual(attr string, value any) *Scan[T] {
	eq, err := s.t.equality(attr, value)
	if s.err == nil {
		s.err = err
	}
	s.equal = append(s.equal, eq)
	return s
}

// equality converts value for a search of attr.
func (t *table) equality(attr string, value any) (equality, error) {
	av, err := t.m.codec.Encoder().Encode(value)
	if err != nil {
		return equality{}, invalidItem("table %s: the value to find in attribute %q: %v", t.name, attr, err)
	}
	return equality{attr: attr, value: av}, nil
}

// beaconFilters returns a filter on the beacon attribute of each equality.
func beaconFilters(ctx context.Context, p *engine.Table, eqs []equality) ([]expression.ConditionBuilder, error) {
	conds := make([]expression.ConditionBuilder, 0, len(eqs))
	for _, eq := range eqs {
		b, err := p.Beacon(ctx, eq.attr, eq.value)
		if err != nil {
			return nil, err
		}
		conds = append(conds, expression.Name(beacon.Attribute(eq.attr)).Equal(expression.Value(b.Value)))
	}
	return conds, nil
}

// matcher returns what an iterator keeps of the decrypted items: those
// whose attributes have every value eqs asks for; nil keeps every item.
func matcher(eqs []equality) func(map[string]types.AttributeValue) bool {
	if len(eqs) == 0 {
		return nil
	}
	return func(item map[string]types.AttributeValue) bool {
		for _, eq := range eqs {
			if av, ok := item[eq.attr]; !ok || !beacon.Equal(av, eq.value) {
				return false
			}
		}
		return true
	}
}
