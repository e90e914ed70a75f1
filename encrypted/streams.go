package encrypted

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/ddbcrypt/ddbcrypt"
)

// DecryptStreamRecord verifies and decrypts the new and old images of a
// DynamoDB Streams record of the named table, with the table's
// configuration. An image the stream view does not carry stays nil.
func (c *Client) DecryptStreamRecord(ctx context.Context, tableName string, r *streams.StreamRecord) (newImage, oldImage map[string]types.AttributeValue, err error) {
	t, err := c.table(ctx, &tableName)
	if err != nil {
		return nil, nil, err
	}
	if r == nil {
		return nil, nil, fmt.Errorf("%w: nil stream record", ddbcrypt.ErrInvalidItem)
	}
	for _, img := range []struct {
		from map[string]streams.AttributeValue
		to   *map[string]types.AttributeValue
	}{{r.NewImage, &newImage}, {r.OldImage, &oldImage}} {
		if img.from == nil {
			continue
		}
		item, err := fromStream(img.from)
		if err != nil {
			return nil, nil, err
		}
		if *img.to, err = t.Decrypt(ctx, item); err != nil {
			return nil, nil, err
		}
	}
	return newImage, oldImage, nil
}

// fromStream converts a Streams item to a DynamoDB item: the two services
// have their own, identical, attribute value types.
func fromStream(item map[string]streams.AttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(item))
	for name, av := range item {
		v, err := fromStreamValue(av, 0)
		if err != nil {
			return nil, &ddbcrypt.AttributeError{Attribute: name, Err: err}
		}
		out[name] = v
	}
	return out, nil
}

func fromStreamValue(av streams.AttributeValue, depth int) (types.AttributeValue, error) {
	if depth > 32 {
		return nil, fmt.Errorf("%w: lists and maps nested deeper than 32 levels", ddbcrypt.ErrInvalidItem)
	}
	switch v := av.(type) {
	case *streams.AttributeValueMemberS:
		return &types.AttributeValueMemberS{Value: v.Value}, nil
	case *streams.AttributeValueMemberN:
		return &types.AttributeValueMemberN{Value: v.Value}, nil
	case *streams.AttributeValueMemberB:
		return &types.AttributeValueMemberB{Value: v.Value}, nil
	case *streams.AttributeValueMemberSS:
		return &types.AttributeValueMemberSS{Value: v.Value}, nil
	case *streams.AttributeValueMemberNS:
		return &types.AttributeValueMemberNS{Value: v.Value}, nil
	case *streams.AttributeValueMemberBS:
		return &types.AttributeValueMemberBS{Value: v.Value}, nil
	case *streams.AttributeValueMemberBOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Value}, nil
	case *streams.AttributeValueMemberNULL:
		return &types.AttributeValueMemberNULL{Value: v.Value}, nil
	case *streams.AttributeValueMemberL:
		l := make([]types.AttributeValue, len(v.Value))
		for i, el := range v.Value {
			var err error
			if l[i], err = fromStreamValue(el, depth+1); err != nil {
				return nil, err
			}
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case *streams.AttributeValueMemberM:
		m := make(map[string]types.AttributeValue, len(v.Value))
		for k, el := range v.Value {
			var err error
			if m[k], err = fromStreamValue(el, depth+1); err != nil {
				return nil, err
			}
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("%w: unsupported stream attribute value %T", ddbcrypt.ErrInvalidItem, av)
}
