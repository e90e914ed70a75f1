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

// reencrypt handles one item for Reencrypt.
func (j *job) reencrypt(ctx context.Context, s *seg, stored map[string]types.AttributeValue) error {
	s.scanned.Add(1)
	key := j.from.Key(stored)
	for race := 1; ; race++ {
		plain, err := j.from.Decrypt(ctx, stored)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if _, toErr := j.to.Decrypt(ctx, stored); toErr == nil {
				s.skipped.Add(1)
				return nil
			}
			s.fail(key, err.Error())
			return nil
		}
		won, err := j.write(ctx, stored, plain)
		switch {
		case won: // counted even if ctx ended meanwhile: the item is moved
			s.verified.Add(1)
			s.rewritten.Add(1)
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			s.verified.Add(1)
			s.fail(key, err.Error())
			return nil
		case race == maxRaces:
			s.verified.Add(1)
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
		if stored == nil { // deleted meanwhile: nothing to move, nothing recreated
			s.skipped.Add(1)
			return nil
		}
	}
}

// write encrypts plain under to and puts it in place of stored, on the
// condition that the stored item is unchanged. It reports false, with no
// error, when the condition failed.
func (j *job) write(ctx context.Context, stored, plain map[string]types.AttributeValue) (bool, error) {
	enc, err := j.to.Encrypt(ctx, plain)
	if err != nil {
		return false, err
	}
	in := &dynamodb.PutItemInput{TableName: aws.String(j.info.Name), Item: enc}
	in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues = j.unchanged(stored)
	_, err = throttled(ctx, func() (*dynamodb.PutItemOutput, error) { return j.db.PutItem(ctx, in) })
	if _, ok := errors.AsType[*types.ConditionalCheckFailedException](err); ok {
		return false, nil
	}
	if err != nil {
		return false, &ddbcrypt.ItemError{Table: j.info.Name, Key: j.from.Key(stored), Err: &ddbcrypt.DynamoDBError{Op: "PutItem", Err: err}}
	}
	return true, nil
}

// unchanged is the condition that the item stored is as read: the same
// signature, and every attribute the from policy leaves unsigned as read
// (equal, or absent when it was absent and from names it). Key attributes
// are the item's own, and the signature covers every signed attribute.
func (j *job) unchanged(stored map[string]types.AttributeValue) (*string, map[string]string, map[string]types.AttributeValue) {
	names := map[string]string{"#sig": crypto.SignatureAttribute}
	values := map[string]types.AttributeValue{":sig": stored[crypto.SignatureAttribute]}
	terms := []string{"#sig = :sig"}
	policy := j.from.Policy()
	unsigned := func(name string) bool {
		return policy.Action(name) == crypto.DoNothing && !j.info.IsKey(name) &&
			name != crypto.SignatureAttribute && name != crypto.DescriptionAttribute
	}
	candidates := slices.Collect(func(yield func(string) bool) {
		for name := range stored {
			if !yield(name) {
				return
			}
		}
		for name := range policy.Actions().Overrides {
			if _, ok := stored[name]; !ok && !yield(name) {
				return
			}
		}
	})
	slices.Sort(candidates)
	for i, name := range candidates {
		if !unsigned(name) {
			continue
		}
		n := "#u" + strconv.Itoa(i)
		names[n] = name
		if av, ok := stored[name]; ok {
			v := ":u" + strconv.Itoa(i)
			values[v] = av
			terms = append(terms, n+" = "+v)
		} else {
			terms = append(terms, "attribute_not_exists("+n+")")
		}
	}
	return aws.String(strings.Join(terms, " AND ")), names, values
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
