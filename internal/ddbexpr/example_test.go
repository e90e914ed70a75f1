package ddbexpr_test

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/internal/ddbexpr"
)

func ExampleConditionPaths() {
	names := map[string]string{"#r": "Reviews", "#s": "secret"}
	paths, err := ddbexpr.ConditionPaths("size(#r.#s) > :n AND (price BETWEEN :lo AND :hi OR NOT attribute_exists(secret))", names)
	if err != nil {
		panic(err)
	}
	for _, p := range paths {
		fmt.Printf("%s (top-level attribute %q)\n", p, p.Name)
	}
	// Output:
	// Reviews.secret (top-level attribute "Reviews")
	// price (top-level attribute "price")
	// secret (top-level attribute "secret")
}

func ExampleParseUpdate() {
	u, err := ddbexpr.ParseUpdate("SET #c = if_not_exists(#c, :zero) + :one, tags = list_append(tags, :t) REMOVE old", map[string]string{"#c": "count"})
	if err != nil {
		panic(err)
	}
	fmt.Println("set:", u.Set, "remove:", u.Remove, "reads:", u.Reads)
	// Output:
	// set: [count tags] remove: [old] reads: [count tags]
}

func ExampleProject() {
	item := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "1"},
		"doc": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"a": &types.AttributeValueMemberN{Value: "1"},
			"b": &types.AttributeValueMemberN{Value: "2"},
		}},
	}
	paths, err := ddbexpr.ProjectionPaths("pk, doc.b, missing", nil)
	if err != nil {
		panic(err)
	}
	out := ddbexpr.Project(item, paths)
	fmt.Println(len(out), out["pk"].(*types.AttributeValueMemberS).Value,
		len(out["doc"].(*types.AttributeValueMemberM).Value))
	// Output:
	// 2 1 1
}

func ExampleError() {
	_, err := ddbexpr.ConditionPaths("#a = :v", map[string]string{})
	fmt.Println(err)
	// Output:
	// ddbexpr: undefined expression attribute name at offset 0 (near "#a"): #a is not in the expression attribute names map
}
