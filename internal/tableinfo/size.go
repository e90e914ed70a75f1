package tableinfo

import "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

// MaxItemSize is DynamoDB's limit on an item: 400 KB.
const MaxItemSize = 400 * 1024

// ItemSize returns the size DynamoDB counts for an item: attribute names and
// values. Numbers are counted by their text, which is never less than
// DynamoDB's own count, so an item this accepts is never refused as too
// large.
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, av := range item {
		n += len(name) + valueSize(av)
	}
	return n
}

func valueSize(av types.AttributeValue) int {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return len(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberSS:
		return totalLen(v.Value)
	case *types.AttributeValueMemberNS:
		return totalLen(v.Value)
	case *types.AttributeValueMemberBS:
		return totalLen(v.Value)
	case *types.AttributeValueMemberL:
		n := 3
		for _, el := range v.Value {
			n += 1 + valueSize(el)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, el := range v.Value {
			n += 1 + len(k) + valueSize(el)
		}
		return n
	}
	return 1 // BOOL, NULL
}

// totalLen returns the sum of the lengths of xs.
func totalLen[E ~string | ~[]byte](xs []E) int {
	n := 0
	for _, x := range xs {
		n += len(x)
	}
	return n
}
