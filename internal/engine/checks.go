package engine

// The checks a request must pass before it is sent.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/ddbexpr"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// refusal says where a refused request was going: the item, for a
// request about one (key holds its key or the whole item), else the table.
// The errors of the checks name neither, so that it is said once.
func (t *Table) refusal(key map[string]types.AttributeValue, err error) error {
	if key != nil {
		return &ddbcrypt.ItemError{Table: t.name, Key: t.Key(key), Err: err}
	}
	return fmt.Errorf("table %s: %w", t.name, err)
}

// param is one of the legacy parameters a request may set.
type param struct {
	name string
	used bool
}

// checkLegacy refuses a request that uses one of the legacy parameters the
// expressions replaced; they cannot be checked like expressions.
func (t *Table) checkLegacy(params ...param) error {
	for _, p := range params {
		if p.used {
			return refusedf("the legacy parameter %s is not supported; use an expression", p.name)
		}
	}
	return nil
}

// checkReturnValues refuses ReturnValues that return part of an item, which
// cannot be verified: only NONE, ALL_OLD and ALL_NEW.
func (t *Table) checkReturnValues(rv types.ReturnValue) error {
	switch rv {
	case "", types.ReturnValueNone, types.ReturnValueAllOld, types.ReturnValueAllNew:
		return nil
	}
	return refusedf("ReturnValues %s returns part of an item, which cannot be verified; use ALL_OLD or ALL_NEW", rv)
}

// projection parses a projection expression the engine applies itself after
// verifying the whole item. It returns nil paths for no projection.
func (t *Table) projection(expr *string, names map[string]string) ([]ddbexpr.Path, error) {
	if expr == nil || *expr == "" {
		return nil, nil
	}
	paths, err := ddbexpr.ProjectionPaths(*expr, names)
	if err != nil {
		return nil, refusedf("projection: %v", err)
	}
	return paths, nil
}

// checkRead checks the index and Select of a query or scan, and returns the
// projection the engine applies itself (nil for none).
func (t *Table) checkRead(index *string, sel types.Select, projection *string, names map[string]string) ([]ddbexpr.Path, error) {
	if index != nil {
		if _, err := t.IndexKeys(*index, sel == types.SelectCount); err != nil {
			return nil, err
		}
	}
	if sel == types.SelectAllProjectedAttributes && index == nil {
		return nil, refusedf("Select ALL_PROJECTED_ATTRIBUTES needs an index")
	}
	paths, err := t.projection(projection, names)
	if err != nil {
		return nil, err
	}
	if paths != nil && sel == types.SelectCount {
		return nil, refusedf("Select COUNT with a ProjectionExpression")
	}
	if paths != nil || sel != types.SelectSpecificAttributes {
		return paths, nil
	}
	return nil, refusedf("Select SPECIFIC_ATTRIBUTES needs a ProjectionExpression")
}

// IndexKeys returns the key attributes of the named secondary index, which
// must project all attributes unless only counting: an encrypted item can
// only be verified whole.
func (t *Table) IndexKeys(index string, counting bool) (tableinfo.KeySchema, error) {
	ix, ok := t.info.Indexes[index]
	if !ok {
		return tableinfo.KeySchema{}, misconfigured("no index %q", index)
	}
	if !ix.ProjectsAll && !counting {
		return tableinfo.KeySchema{}, misconfigured("index %q does not project all attributes; encrypted items can only be verified whole", index)
	}
	return ix.Keys, nil
}

// existsName is the placeholder of the condition the engine adds to
// updates, or the base of it when the request uses that name itself.
const existsName = "#ddbcrypt_exists"

// onlyExisting adds to an update's condition that the item exists, when the
// table signs its items: an update of a missing item would create an item
// without a signature, which no read could verify. Its placeholder is one
// the request does not use (exprs are the request's other expressions), so
// that it never renames an attribute of the caller's expressions.
func (t *Table) onlyExisting(cond *string, names map[string]string, exprs ...*string) (*string, map[string]string) {
	if !t.policy.Signs() {
		return cond, names
	}
	ph := freshName(existsName, names, append(exprs, cond)...)
	withName := make(map[string]string, len(names)+1)
	for k, v := range names {
		withName[k] = v
	}
	withName[ph] = t.info.Keys.Partition
	exists := "attribute_exists(" + ph + ")"
	if cond != nil && *cond != "" {
		exists = "(" + *cond + ") AND " + exists
	}
	return &exists, withName
}

// freshName returns base, or base with a number after it, whichever comes
// first that is neither a name of names nor a placeholder of exprs.
func freshName(base string, names map[string]string, exprs ...*string) string {
	used := make(map[string]bool)
	for _, e := range exprs {
		if e != nil {
			for _, ph := range placeholder.FindAllString(*e, -1) {
				used[ph] = true
			}
		}
	}
	name := base
	for i := 1; ; i++ {
		if _, ok := names[name]; !ok && !used[name] {
			return name
		}
		name = fmt.Sprintf("%s%d", base, i)
	}
}

var placeholder = regexp.MustCompile(`#[A-Za-z0-9_]+`)

// usedNames keeps the expression attribute names the remaining expressions
// still use: DynamoDB refuses a request with unused names, and the
// projection that used some is no longer sent.
func usedNames(names map[string]string, exprs ...*string) map[string]string {
	if len(names) == 0 {
		return names
	}
	used := make(map[string]string)
	for _, e := range exprs {
		if e == nil {
			continue
		}
		for _, ph := range placeholder.FindAllString(*e, -1) {
			if n, ok := names[ph]; ok {
				used[ph] = n
			}
		}
	}
	if len(used) == 0 {
		return nil
	}
	return used
}

// checkTransactItem refuses a transaction element that sets no operation
// or several: DynamoDB would act on one of them, and the engine would have
// checked another.
func checkTransactItem(i int, ti types.TransactWriteItem) error {
	var ops, tables []string
	add := func(op string, name *string) {
		ops = append(ops, op)
		if !slices.Contains(tables, aws.ToString(name)) {
			tables = append(tables, aws.ToString(name))
		}
	}
	if op := ti.ConditionCheck; op != nil {
		add("ConditionCheck", op.TableName)
	}
	if op := ti.Put; op != nil {
		add("Put", op.TableName)
	}
	if op := ti.Delete; op != nil {
		add("Delete", op.TableName)
	}
	if op := ti.Update; op != nil {
		add("Update", op.TableName)
	}
	switch len(ops) {
	case 0:
		return fmt.Errorf("%w: TransactItems[%d] sets no operation; set exactly one of ConditionCheck, Put, Delete and Update", ddbcrypt.ErrInvalidItem, i)
	case 1:
		return nil
	}
	return refused(strings.Join(tables, ", "), "TransactItems[%d] sets %s; an element must set exactly one operation", i, strings.Join(ops, " and "))
}

// checkWriteRequest refuses a batch write request that sets neither a put
// nor a delete, or both: DynamoDB would do one, and the engine encrypt
// only the other. A delete needs a key the SDK can send; a put's item is
// checked as it is encrypted.
func checkWriteRequest(table string, i int, w types.WriteRequest) error {
	switch {
	case w.PutRequest != nil && w.DeleteRequest != nil:
		return refused(table, "RequestItems[%q][%d] sets PutRequest and DeleteRequest; a write request must set exactly one", table, i)
	case w.PutRequest == nil && w.DeleteRequest == nil:
		return refused(table, "RequestItems[%q][%d] sets neither PutRequest nor DeleteRequest", table, i)
	case w.DeleteRequest != nil && len(w.DeleteRequest.Key) == 0:
		return refused(table, "RequestItems[%q][%d].DeleteRequest sets no Key", table, i)
	case w.DeleteRequest != nil:
		if err := badValue(w.DeleteRequest.Key); err != nil {
			return fmt.Errorf("table %s: RequestItems[%q][%d].DeleteRequest.Key: %w", table, table, i, err)
		}
	}
	return nil
}

// values is a part of a request that holds attribute values, named as the
// request's field is.
type values struct {
	part string
	m    map[string]types.AttributeValue
}

// checkValues refuses a request part holding a value the SDK cannot send
// (crypto.CheckValue: a nil or nil member value, say, on which its
// serializer panics), naming the part and the attribute or placeholder.
// Items to be written are checked as they are encrypted.
func checkValues(parts ...values) error {
	for _, p := range parts {
		if err := badValue(p.m); err != nil {
			return fmt.Errorf("%s: %w", p.part, err)
		}
	}
	return nil
}

// badValue returns the error of the first value of m crypto.CheckValue
// refuses, as an *ddbcrypt.AttributeError naming its name in m; nil if
// there is none.
func badValue(m map[string]types.AttributeValue) error {
	for name, av := range m {
		if err := crypto.CheckValue(av); err != nil {
			return &ddbcrypt.AttributeError{Attribute: name, Err: err}
		}
	}
	return nil
}
