package mapper

// Table information learned from DescribeTable, once per table, like the
// Python client's TableInfo.

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// keySchema names a partition key and an optional sort key.
type keySchema struct {
	partition, sort string
}

// indexInfo describes a secondary index.
type indexInfo struct {
	keys keySchema
	// projectsAll is true when the index holds whole items: only then can its
	// items be verified (the signature covers every signed attribute).
	projectsAll bool
}

// tableInfo is what the mapper needs to know about a table.
type tableInfo struct {
	name    string
	keys    keySchema
	types   map[string]types.ScalarAttributeType // of every key attribute
	indexes map[string]indexInfo
}

// isIndexKey reports whether name is a key attribute of any secondary index.
func (ti *tableInfo) isIndexKey(name string) bool {
	for _, ix := range ti.indexes {
		if ix.keys.partition == name || ix.keys.sort == name {
			return true
		}
	}
	return false
}

// tableInfo returns the description of the named table, calling
// DescribeTable on first use only; concurrent first uses make one call.
func (m *Mapper) tableInfo(ctx context.Context, name string) (*tableInfo, error) {
	if ti, ok := m.infos.Load(name); ok {
		return ti.(*tableInfo), nil
	}
	// The call is shared by every caller waiting for this table and runs on
	// the ctx of the caller that started it. Each caller waits on its own
	// ctx, and one whose ctx is still live tries again if the shared call
	// ended because another caller's ctx did.
	for {
		ch := m.describe.DoChan(name, func() (any, error) {
			if ti, ok := m.infos.Load(name); ok {
				return ti, nil
			}
			out, err := m.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
			if err != nil {
				return nil, fmt.Errorf("mapper: describing table %s: %w", name, err)
			}
			ti := describeTable(out.Table)
			m.infos.Store(name, ti)
			return ti, nil
		})
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("mapper: describing table %s: %w", name, ctx.Err())
		case r := <-ch:
			if r.Err == nil {
				return r.Val.(*tableInfo), nil
			}
			if ctx.Err() == nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
				continue // another caller gave up; this one has not
			}
			return nil, r.Err
		}
	}
}

func describeTable(d *types.TableDescription) *tableInfo {
	ti := &tableInfo{
		name:    deref(d.TableName),
		keys:    keysOf(d.KeySchema),
		types:   make(map[string]types.ScalarAttributeType, len(d.AttributeDefinitions)),
		indexes: make(map[string]indexInfo),
	}
	for _, ad := range d.AttributeDefinitions {
		ti.types[deref(ad.AttributeName)] = ad.AttributeType
	}
	for _, ix := range d.GlobalSecondaryIndexes {
		ti.indexes[deref(ix.IndexName)] = indexInfo{keys: keysOf(ix.KeySchema), projectsAll: projectsAll(ix.Projection)}
	}
	for _, ix := range d.LocalSecondaryIndexes {
		ti.indexes[deref(ix.IndexName)] = indexInfo{keys: keysOf(ix.KeySchema), projectsAll: projectsAll(ix.Projection)}
	}
	return ti
}

func keysOf(ks []types.KeySchemaElement) keySchema {
	var k keySchema
	for _, e := range ks {
		switch e.KeyType {
		case types.KeyTypeHash:
			k.partition = deref(e.AttributeName)
		case types.KeyTypeRange:
			k.sort = deref(e.AttributeName)
		}
	}
	return k
}

func projectsAll(p *types.Projection) bool {
	return p != nil && p.ProjectionType == types.ProjectionTypeAll
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
