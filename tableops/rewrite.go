package tableops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// maxRaces bounds how often one item is read again after a concurrent
// writer changed it between read and write.
const maxRaces = 8

// maxExpression is DynamoDB's limit on the length of an expression, in
// bytes as sent (placeholders, not the names they stand for).
const maxExpression = 4096

// rewrite is what a rewriting job puts in place of one stored item.
type rewrite struct {
	item     map[string]types.AttributeValue // nil: nothing to write, the item is skipped
	cond     *condition                      // holds while the stored item is as read
	verified bool                            // the stored item verified under the from protection
}

// planner decides the rewrite of a stored item; an error fails the item
// (unless ctx ended). The rewrite's verified counts even with an error.
type planner func(ctx context.Context, stored map[string]types.AttributeValue) (rewrite, error)

// rewriteItem handles one item for a rewriting job (Reencrypt, Encrypt,
// Decrypt): it plans the item's rewrite and writes it on the plan's
// condition. When a concurrent writer changed the item in between, it
// reads the item again (strongly consistent) and plans again, up to
// maxRaces times; an item deleted meanwhile is skipped, not recreated.
func (j *job) rewriteItem(ctx context.Context, s *seg, stored map[string]types.AttributeValue, plan planner) error {
	s.scanned.Add(1)
	key := j.info.PrimaryKey(stored)
	for race := 1; ; race++ {
		rw, err := plan(ctx, stored)
		if err == nil && rw.item == nil {
			s.skipped.Add(1)
			return nil
		}
		won := false
		if err == nil {
			won, err = j.put(ctx, key, rw)
		}
		switch {
		case won: // counted even if ctx ended meanwhile: the item is written
			s.ended(rw.verified)
			s.rewritten.Add(1)
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			s.ended(rw.verified)
			s.fail(key, err.Error())
			return nil
		case race == maxRaces:
			s.ended(rw.verified)
			s.fail(key, fmt.Sprintf("the item changed under the job %d times in a row; not rewritten", maxRaces))
			return nil
		}
		if stored, err = j.reread(ctx, key); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.fail(key, err.Error())
			return nil
		}
		if stored == nil { // deleted meanwhile: nothing to write, nothing recreated
			s.skipped.Add(1)
			return nil
		}
	}
}

// put writes rw.item on rw.cond. It reports false, with no error, when the
// condition failed. A condition over DynamoDB's length limit is an error
// of the item, before any call. A dry run stops short of the call.
func (j *job) put(ctx context.Context, key map[string]types.AttributeValue, rw rewrite) (bool, error) {
	in := &dynamodb.PutItemInput{TableName: aws.String(j.info.Name), Item: rw.item}
	in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues = rw.cond.expression()
	if n := len(*in.ConditionExpression); n > maxExpression {
		return false, &ddbcrypt.ItemError{Table: j.info.Name, Key: key, Err: fmt.Errorf("%w: the condition that the item is unchanged would be %d bytes, over DynamoDB's expression limit of %d (too many attributes to compare); not rewritten", ddbcrypt.ErrInvalidItem, n, maxExpression)}
	}
	if j.dryRun {
		return true, nil
	}
	_, err := throttled(ctx, func() (*dynamodb.PutItemOutput, error) { return j.db.PutItem(ctx, in) })
	if _, ok := errors.AsType[*types.ConditionalCheckFailedException](err); ok {
		return false, nil
	}
	if err != nil {
		return false, &ddbcrypt.ItemError{Table: j.info.Name, Key: key, Err: &ddbcrypt.DynamoDBError{Op: "PutItem", Err: err}}
	}
	return true, nil
}

// condition builds a condition expression term by term, each attribute
// name and value through a placeholder.
type condition struct {
	terms  []string
	names  map[string]string
	values map[string]types.AttributeValue
}

// equal adds the term that attribute name holds av.
func (c *condition) equal(name string, av types.AttributeValue) {
	n, v := c.name(name), ":v"+strconv.Itoa(len(c.values))
	if c.values == nil {
		c.values = map[string]types.AttributeValue{}
	}
	c.values[v] = av
	c.terms = append(c.terms, n+" = "+v)
}

// absent adds the term that attribute name does not exist.
func (c *condition) absent(name string) {
	c.terms = append(c.terms, "attribute_not_exists("+c.name(name)+")")
}

// name returns a fresh placeholder for the attribute name.
func (c *condition) name(name string) string {
	if c.names == nil {
		c.names = map[string]string{}
	}
	n := "#n" + strconv.Itoa(len(c.names))
	c.names[n] = name
	return n
}

// expression returns the PutItem parameters of the condition.
func (c *condition) expression() (*string, map[string]string, map[string]types.AttributeValue) {
	return aws.String(strings.Join(c.terms, " AND ")), c.names, c.values
}

// unchanged is the condition that an encrypted item stored is as read: the
// same signature, and every attribute the from policy leaves unsigned as
// read (equal, or absent when it was absent and from names it). Key
// attributes are the item's own, and the signature covers every signed
// attribute.
func (j *job) unchanged(stored map[string]types.AttributeValue) *condition {
	c := &condition{}
	c.equal(crypto.SignatureAttribute, stored[crypto.SignatureAttribute])
	policy := j.from.Policy()
	for _, name := range j.candidates(stored, policy.Actions()) {
		if policy.Action(name) == crypto.DoNothing {
			c.same(stored, name)
		}
	}
	return c
}

// untouched is the condition that a plaintext item stored is as read and
// still plaintext: no signature and no material description, every
// attribute read equal to its value, and every attribute the to actions
// name but the item lacks still absent. See Encrypt for what it cannot
// detect. Its first term, that the item exists, keeps a job from
// recreating an item deleted since it was read: every other term may hold
// for an item that is gone (a key-only item's all are absences).
func (j *job) untouched(stored map[string]types.AttributeValue) *condition {
	c := &condition{}
	c.terms = append(c.terms, "attribute_exists("+c.name(j.info.Keys.Partition)+")")
	c.absent(crypto.SignatureAttribute)
	c.absent(crypto.DescriptionAttribute)
	for _, name := range j.candidates(stored, j.to.Policy().Actions()) {
		c.same(stored, name)
	}
	return c
}

// same adds the term that attribute name is as read: equal to its value
// in stored, or absent.
func (c *condition) same(stored map[string]types.AttributeValue, name string) {
	if av, ok := stored[name]; ok {
		c.equal(name, av)
	} else {
		c.absent(name)
	}
}

// candidates lists, sorted, the attributes an unchanged-item condition
// may need: those of stored and those actions name, without the primary
// key attributes (the item's own, by the PutItem's key) and the library's
// own two. Index key attributes are kept: a writer may change them.
func (j *job) candidates(stored map[string]types.AttributeValue, actions crypto.AttributeActions) []string {
	var names []string
	add := func(name string) {
		if name != j.info.Keys.Partition && name != j.info.Keys.Sort && name != crypto.SignatureAttribute && name != crypto.DescriptionAttribute {
			names = append(names, name)
		}
	}
	for name := range stored {
		add(name)
	}
	for name := range actions.Overrides {
		if _, ok := stored[name]; !ok {
			add(name)
		}
	}
	slices.Sort(names)
	return names
}

// reread reads the item of key again, strongly consistent; nil if it is
// gone.
func (j *job) reread(ctx context.Context, key map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out, err := throttled(ctx, func() (*dynamodb.GetItemOutput, error) {
		return j.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(j.info.Name), Key: key, ConsistentRead: aws.Bool(true)})
	})
	if err != nil {
		return nil, &ddbcrypt.ItemError{Table: j.info.Name, Key: key, Err: &ddbcrypt.DynamoDBError{Op: "GetItem", Err: err}}
	}
	if out.Item != nil {
		if err := j.info.CheckKey(j.info.Name, key, out.Item); err != nil {
			return nil, err
		}
	}
	return out.Item, nil
}
