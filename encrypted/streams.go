package encrypted

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/ddbcrypt/ddbcrypt/internal/stream"
)

// StreamARNError reports a stream record whose event source ARN is not the
// ARN of a DynamoDB table's stream,
// arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL. Its ARN
// field is the ARN as given and its Reason says what is wrong. It wraps
// ddbcrypt.ErrInvalidItem. mapper.StreamARNError is the same type.
type StreamARNError = stream.ARNError

// DecryptStreamRecord verifies and decrypts the new and old images of a
// DynamoDB Streams record of the named table, as the SDK's dynamodbstreams
// client reads it, with the table's configuration. An image the stream
// view does not carry stays nil.
//
// A record is not authenticated as a whole, only each image is, so the
// record must agree with itself: a record with an image must have Keys,
// and an image whose primary key is not the record's Keys is an error
// wrapping ddbcrypt.ErrIntegrity, however valid the image is. An image
// that does not verify is an *ddbcrypt.ItemError wrapping
// ddbcrypt.ErrIntegrity; no image is returned then.
func (c *Client) DecryptStreamRecord(ctx context.Context, tableName string, r *streams.StreamRecord) (newImage, oldImage map[string]types.AttributeValue, err error) {
	t, err := c.table(ctx, &tableName)
	if err != nil {
		return nil, nil, err
	}
	rec, err := stream.FromSDK(r)
	if err != nil {
		return nil, nil, err
	}
	return rec.Decrypt(ctx, t)
}

// DecryptEventRecord verifies and decrypts the new and old images of a
// DynamoDB Streams record as AWS Lambda delivers it (one of the Records of
// aws-lambda-go's events.DynamoDBEvent), with the configuration of the
// table its event source ARN names. An image the stream view does not
// carry stays nil.
//
// The attribute values are converted exactly (numbers keep their text,
// sets their order; lists and maps may nest 32 levels deep); an attribute
// that cannot be is an error naming it. Beyond DecryptStreamRecord's
// checks, the record's event source ARN must be a table stream's (else a
// *StreamARNError), its event name INSERT, MODIFY or REMOVE, an INSERT
// carries no old image and a REMOVE no new one; such errors wrap
// ddbcrypt.ErrInvalidItem.
//
// It takes no table name: the table name is bound into each image's
// signature, so a record opened as another table's would not verify
// (items written under a shared TableConfig.SignatureTableName verify in
// every table configured with it). Nothing in a record proves it is
// recent: a valid image replayed in a new event still verifies.
func (c *Client) DecryptEventRecord(ctx context.Context, rec events.DynamoDBEventRecord) (newImage, oldImage map[string]types.AttributeValue, err error) {
	r, err := stream.FromEvent(rec)
	if err != nil {
		return nil, nil, err
	}
	t, err := c.table(ctx, &r.Table)
	if err != nil {
		return nil, nil, err
	}
	return r.Decrypt(ctx, t)
}
