package mapper

import (
	"context"
	"reflect"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/internal/stream"
)

// StreamARNError reports a stream record whose event source ARN is not the
// ARN of a DynamoDB table's stream,
// arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL. Its ARN
// field is the ARN as given and its Reason says what is wrong. It wraps
// ddbcrypt.ErrInvalidItem. encrypted.StreamARNError is the same type.
type StreamARNError = stream.ARNError

// DecodeStreamRecord verifies, decrypts and decodes the new and old images
// of a DynamoDB Streams record of the table, as AWS Lambda delivers it
// (one of the Records of aws-lambda-go's events.DynamoDBEvent): the items
// as Load would return them. An image the record does not carry (the
// stream's view type, an INSERT's old image, a REMOVE's new one) is a nil
// pointer.
//
// A record is not authenticated as a whole, only each image is, so the
// record must agree with itself and with the table first: its event source
// ARN must name this table (else an error wrapping
// ddbcrypt.ErrInvalidItem; a malformed ARN is a *StreamARNError), its
// event name must be INSERT, MODIFY or REMOVE, an INSERT must carry no old
// image and a REMOVE no new one, and a record with an image must have
// Keys (ddbcrypt.ErrInvalidItem). An image whose primary key is not the
// record's Keys is an error wrapping ddbcrypt.ErrIntegrity, however valid
// the image is, and so is an image that does not verify (an *ItemError
// naming the table and key). Attributes the struct lacks are an error
// unless AcceptUnknownAttributes, as for Load. On any error neither image
// is returned. Nothing in a record proves it is recent: a valid image
// replayed in a new event still verifies.
func (t *Table[T]) DecodeStreamRecord(ctx context.Context, rec events.DynamoDBEventRecord) (newImage, oldImage *T, err error) {
	r, err := stream.FromEvent(rec)
	if err != nil {
		return nil, nil, err
	}
	p, err := t.t.prepare(ctx)
	if err != nil {
		return nil, nil, &ItemError{Table: t.t.name, Key: r.Keys, Err: err}
	}
	newItem, oldItem, err := r.Decrypt(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	if newImage, err = decodeImage[T](t.t, p.Key(newItem), newItem); err != nil {
		return nil, nil, err
	}
	if oldImage, err = decodeImage[T](t.t, p.Key(oldItem), oldItem); err != nil {
		return nil, nil, err
	}
	return newImage, oldImage, nil
}

// decodeImage decodes a verified, decrypted image into a new T; nil stays
// nil. Errors name the item.
func decodeImage[T any](t *table, key, item map[string]types.AttributeValue) (*T, error) {
	if item == nil {
		return nil, nil
	}
	v := new(T)
	if err := t.m.codec.Decode(t.schema, item, reflect.ValueOf(v).Elem()); err != nil {
		return nil, &ItemError{Table: t.name, Key: key, Err: err}
	}
	return v, nil
}
