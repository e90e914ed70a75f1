package setup

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// Show renders an attribute value briefly: its type and value, binary
// values in shortened base64 with their length.
func Show(av types.AttributeValue) string {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return fmt.Sprintf("S %q", v.Value)
	case *types.AttributeValueMemberN:
		return "N " + v.Value
	case *types.AttributeValueMemberB:
		s := base64.StdEncoding.EncodeToString(v.Value)
		if len(s) > 32 {
			s = s[:29] + "..."
		}
		return fmt.Sprintf("B %s (%d bytes)", s, len(v.Value))
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", av), "*types.AttributeValueMember")
}

// PrintItem prints an item's attributes, one a line, sorted by name.
func PrintItem(w io.Writer, item map[string]types.AttributeValue) {
	for _, name := range slices.Sorted(maps.Keys(item)) {
		fmt.Fprintf(w, "  %-22s %s\n", name, Show(item[name]))
	}
}

// SideBySide prints each attribute of a stored item beside its value in
// plain, under the column title plainTitle; absent values show as "-".
func SideBySide(w io.Writer, stored, plain map[string]types.AttributeValue, plainTitle string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  ATTRIBUTE\tSTORED IN DYNAMODB\t%s\n", plainTitle)
	for _, name := range slices.Sorted(maps.Keys(stored)) {
		after := "-"
		if av, ok := plain[name]; ok {
			after = Show(av)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, Show(stored[name]), after)
	}
	return tw.Flush()
}

// Stored reads the item with the given key as DynamoDB holds it, bypassing
// any encryption (a consistent read).
func Stored(ctx context.Context, db *dynamodb.Client, table string, key map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("reading the stored item: %w", err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("no item %v in table %s", key, table)
	}
	return out.Item, nil
}

// Description reads r's item as DynamoDB holds it and returns its material
// description: what the provider recorded about the keys that protect it.
func Description(ctx context.Context, db *dynamodb.Client, table string, r Record) (map[string]string, error) {
	stored, err := Stored(ctx, db, table, Key(r.PartitionAttribute, r.SortAttribute))
	if err != nil {
		return nil, err
	}
	b, ok := stored[crypto.DescriptionAttribute].(*types.AttributeValueMemberB)
	if !ok {
		return nil, fmt.Errorf("record %d has no material description (%s)", r.SortAttribute, crypto.DescriptionAttribute)
	}
	return crypto.DecodeMaterialDescription(b.Value)
}

// PrintDescription prints a material description, one entry a line, long
// values shortened.
func PrintDescription(w io.Writer, desc map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(desc)) {
		v := desc[k]
		if len(v) > 40 {
			v = v[:37] + "..."
		}
		fmt.Fprintf(w, "  %-22s %s\n", k, v)
	}
}

// ShowStored reads r's item as DynamoDB holds it and prints each attribute
// beside its value in r.
func ShowStored(ctx context.Context, w io.Writer, db *dynamodb.Client, table string, r Record) error {
	stored, err := Stored(ctx, db, table, Key(r.PartitionAttribute, r.SortAttribute))
	if err != nil {
		return err
	}
	inStruct, err := attributevalue.MarshalMapWithOptions(&r, func(o *attributevalue.EncoderOptions) { o.TagKey = "ddb" })
	if err != nil {
		return err
	}
	return SideBySide(w, stored, inStruct, "IN THE STRUCT")
}

// Overwrite sets the attribute name of the item with the given key to v,
// directly in the table: what anyone with write access to the table, but
// not to the keys, can do.
func Overwrite(ctx context.Context, db *dynamodb.Client, table string, key map[string]types.AttributeValue, name string, v types.AttributeValue) error {
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &table,
		Key:                       key,
		UpdateExpression:          aws.String("SET #a = :v"),
		ExpressionAttributeNames:  map[string]string{"#a": name},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": v},
	})
	if err != nil {
		return fmt.Errorf("overwriting %q in the table: %w", name, err)
	}
	return nil
}
