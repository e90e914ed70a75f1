package encrypted

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
)

// refused builds the error for a request the client will not send.
func refused(table, format string, args ...any) error {
	return fmt.Errorf("%w: table %s: %s", ddbcrypt.ErrInvalidItem, table, fmt.Sprintf(format, args...))
}

// checkCondition refuses a condition, filter or key-condition expression
// that names an encrypted attribute: DynamoDB sees only its ciphertext.
func (t *table) checkCondition(what string, expr *string, names map[string]string) error {
	if expr == nil || *expr == "" {
		return nil
	}
	paths, err := ddbexpr.ConditionPaths(*expr, names)
	if err != nil {
		return refused(t.name, "%s: %v", what, err)
	}
	for _, p := range paths {
		if t.action(p.Name) == crypto.EncryptAndSign {
			return &ddbcrypt.AttributeError{Attribute: p.Name, Err: refused(t.name, "the %s refers to attribute %q, which is encrypted: DynamoDB sees only its ciphertext", what, p.Name)}
		}
	}
	return nil
}

// legacy refuses a request that uses one of the legacy parameters the
// expressions replaced; they cannot be checked like expressions.
func (t *table) legacy(param string, used bool) error {
	if used {
		return refused(t.name, "the legacy parameter %s is not supported; use an expression", param)
	}
	return nil
}

// projection parses a projection expression the client applies itself after
// verifying the whole item. It returns nil paths for no projection.
func (t *table) projection(expr *string, names map[string]string) ([]ddbexpr.Path, error) {
	if expr == nil || *expr == "" {
		return nil, nil
	}
	paths, err := ddbexpr.ProjectionPaths(*expr, names)
	if err != nil {
		return nil, refused(t.name, "projection: %v", err)
	}
	return paths, nil
}

// existsName is the placeholder of the condition the client adds to
// updates, or the base of it when the request uses that name itself.
const existsName = "#ddbcrypt_exists"

// onlyExisting adds to an update's condition that the item exists, when the
// table signs its items: an update of a missing item would create an item
// without a signature, which no read could verify. Its placeholder is one
// the request does not use (exprs are the request's other expressions), so
// that it never renames an attribute of the caller's expressions.
func (t *table) onlyExisting(cond *string, names map[string]string, exprs ...*string) (*string, map[string]string) {
	if !t.signs() {
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

// checkUpdate allows an update expression only when every attribute it
// writes is unsigned plaintext (DO_NOTHING) and not a key, and every
// attribute it reads is not encrypted: a partial update of a signed
// attribute would break the item's signature, and a copy of an encrypted
// one would put ciphertext where plaintext is expected.
func (t *table) checkUpdate(expr *string, names map[string]string) error {
	if expr == nil || *expr == "" {
		return refused(t.name, "an update needs an UpdateExpression")
	}
	u, err := ddbexpr.ParseUpdate(*expr, names)
	if err != nil {
		return refused(t.name, "update: %v", err)
	}
	for _, p := range u.Written() {
		switch {
		case p.Name == crypto.SignatureAttribute || p.Name == crypto.DescriptionAttribute:
			return &ddbcrypt.AttributeError{Attribute: p.Name, Err: refused(t.name, "the update writes the reserved attribute %q", p.Name)}
		case t.info.IsKey(p.Name):
			return &ddbcrypt.AttributeError{Attribute: p.Name, Err: refused(t.name, "the update writes key attribute %q", p.Name)}
		case t.action(p.Name) != crypto.DoNothing:
			return &ddbcrypt.AttributeError{Attribute: p.Name, Err: refused(t.name, "the update writes attribute %q, which is %s: a partial update would break the item's signature; write the whole item with PutItem, or make the attribute DO_NOTHING", p.Name, t.action(p.Name))}
		}
	}
	for _, p := range u.Reads {
		if t.action(p.Name) == crypto.EncryptAndSign {
			return &ddbcrypt.AttributeError{Attribute: p.Name, Err: refused(t.name, "the update reads attribute %q, which is encrypted: DynamoDB sees only its ciphertext", p.Name)}
		}
	}
	return nil
}

// checkTransactItem refuses a transaction element that sets no operation
// or several: DynamoDB would act on one of them, and the client would have
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
// nor a delete, or both: DynamoDB would do one, and the client encrypt
// only the other.
func checkWriteRequest(table string, i int, w types.WriteRequest) error {
	switch {
	case w.PutRequest != nil && w.DeleteRequest != nil:
		return refused(table, "RequestItems[%q][%d] sets PutRequest and DeleteRequest; a write request must set exactly one", table, i)
	case w.PutRequest == nil && w.DeleteRequest == nil:
		return refused(table, "RequestItems[%q][%d] sets neither PutRequest nor DeleteRequest", table, i)
	}
	return nil
}
