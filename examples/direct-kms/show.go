package main

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// show prints an attribute value briefly.
func show(av types.AttributeValue) string {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return fmt.Sprintf("S %q", v.Value)
	case *types.AttributeValueMemberN:
		return "N " + v.Value
	case *types.AttributeValueMemberB:
		s := base64.StdEncoding.EncodeToString(v.Value)
		if len(s) > 40 {
			s = s[:37] + "..."
		}
		return fmt.Sprintf("B %s (%d bytes)", s, len(v.Value))
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", av), "*types.AttributeValueMember")
}
