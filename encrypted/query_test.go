package encrypted_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// queryEnv is a table with three indexes: a global one projecting all
// attributes, a global keys-only one, and a local one projecting all.
func queryEnv(t *testing.T) *env {
	rank := testenv.N("rank")
	sk := testenv.N("sk")
	return newEnv(t,
		testenv.SecondaryIndex{Name: "byGroup", Partition: testenv.S("grp"), Sort: &sk, Projection: types.ProjectionTypeAll},
		testenv.SecondaryIndex{Name: "keysOnly", Partition: testenv.S("grp"), Projection: types.ProjectionTypeKeysOnly},
		testenv.SecondaryIndex{Name: "byRank", Local: true, Partition: testenv.S("pk"), Sort: &rank, Projection: types.ProjectionTypeAll},
	)
}

// queryItem is fullItem with the index keys and an even/odd "plain".
func queryItem(pk string, sk int) map[string]types.AttributeValue {
	parity := "odd"
	if sk%2 == 0 {
		parity = "even"
	}
	return with(fullItem(pk, sk), map[string]types.AttributeValue{
		"plain": s(parity),
		"grp":   s("g-" + pk),
		"rank":  n(strconv.Itoa(100 - sk)),
	})
}

func sks(items []map[string]types.AttributeValue) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = render(it["sk"])
	}
	return out
}

func checkItems(t *testing.T, what string, got, want []map[string]types.AttributeValue) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d items (sort keys %v), want %d (%v)", what, len(got), sks(got), len(want), sks(want))
		return
	}
	for i := range got {
		checkItem(t, fmt.Sprintf("%s: item %d", what, i), got[i], want[i])
	}
}

func TestQueryAndScan(t *testing.T) {
	t.Parallel()
	e := queryEnv(t)
	var items []map[string]types.AttributeValue
	for sk := 1; sk <= 6; sk++ {
		items = append(items, queryItem("q", sk))
		put(t, e.c, e.table, items[sk-1])
	}
	put(t, e.c, e.table, queryItem("other", 1))

	// Index keys are signed, never encrypted, by default.
	checkStored(t, rawGet(t, e.db, e.table, key("q", 1)), items[0], "signed", "plain", "counter", "grp", "rank")

	query := func(in dynamodb.QueryInput) (*dynamodb.QueryOutput, error) {
		in.TableName = aws.String(e.table)
		return e.c.Query(t.Context(), &in)
	}
	scan := func(in dynamodb.ScanInput) (*dynamodb.ScanOutput, error) {
		in.TableName = aws.String(e.table)
		return e.c.Scan(t.Context(), &in)
	}

	t.Run("key condition and filter on plaintext", func(t *testing.T) {
		out, err := query(dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("pk = :p AND sk > :two"),
			FilterExpression:          aws.String("#pl = :even AND signed = :s"),
			ExpressionAttributeNames:  map[string]string{"#pl": "plain"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("q"), ":two": n("2"), ":even": s("even"), ":s": s("signed q")},
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		checkItems(t, "Query", out.Items, []map[string]types.AttributeValue{items[3], items[5]})
		if out.Count != 2 || out.ScannedCount != 4 {
			t.Errorf("Query Count %d, ScannedCount %d, want 2 and 4", out.Count, out.ScannedCount)
		}
	})

	t.Run("scan with a filter on plaintext", func(t *testing.T) {
		out, err := scan(dynamodb.ScanInput{
			FilterExpression:          aws.String("pk = :p AND plain = :odd"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("q"), ":odd": s("odd")},
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		got := out.Items
		sortBySK(got)
		checkItems(t, "Scan", got, []map[string]types.AttributeValue{items[0], items[2], items[4]})
	})

	t.Run("refused before any call", func(t *testing.T) {
		values := map[string]types.AttributeValue{":p": s("q"), ":v": s("x")}
		for _, tc := range []struct {
			what string
			in   dynamodb.QueryInput
			attr string
		}{
			{"a filter on an encrypted attribute", dynamodb.QueryInput{
				KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("plain = :v OR contains(#x, :v)"),
				ExpressionAttributeNames: map[string]string{"#x": "secret"}, ExpressionAttributeValues: values,
			}, "secret"},
			{"a filter on a nested path of an encrypted attribute", dynamodb.QueryInput{
				KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("doc.a.b = :v"), ExpressionAttributeValues: values,
			}, "doc"},
			{"a filter on size() of an encrypted attribute", dynamodb.QueryInput{
				KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("size(secret) > :v"), ExpressionAttributeValues: values,
			}, "secret"},
			{"a key condition on an encrypted attribute", dynamodb.QueryInput{
				KeyConditionExpression: aws.String("pk = :p AND secret = :v"), ExpressionAttributeValues: values,
			}, "secret"},
			{"the legacy KeyConditions", dynamodb.QueryInput{
				KeyConditions: map[string]types.Condition{"pk": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{s("q")}}},
			}, ""},
			{"the legacy QueryFilter", dynamodb.QueryInput{
				KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: values,
				QueryFilter: map[string]types.Condition{"secret": {ComparisonOperator: types.ComparisonOperatorNotNull}},
			}, ""},
			{"a keys-only index", dynamodb.QueryInput{
				IndexName: aws.String("keysOnly"), KeyConditionExpression: aws.String("grp = :g"), ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("g-q")},
			}, ""},
			{"a keys-only index with ALL_PROJECTED_ATTRIBUTES", dynamodb.QueryInput{
				IndexName: aws.String("keysOnly"), Select: types.SelectAllProjectedAttributes, KeyConditionExpression: aws.String("grp = :g"), ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("g-q")},
			}, ""},
			{"an unknown index", dynamodb.QueryInput{
				IndexName: aws.String("nosuch"), KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: values,
			}, ""},
			{"SPECIFIC_ATTRIBUTES without a projection", dynamodb.QueryInput{
				Select: types.SelectSpecificAttributes, KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: values,
			}, ""},
		} {
			before := dataCalls(e.rec)
			_, err := query(tc.in)
			checkRefused(t, "Query with "+tc.what, err, e.rec, before, tc.attr)
		}
		for _, tc := range []struct {
			what string
			in   dynamodb.ScanInput
			attr string
		}{
			{"a filter on an encrypted attribute", dynamodb.ScanInput{
				FilterExpression: aws.String("NOT (#x IN (:v, :p))"), ExpressionAttributeNames: map[string]string{"#x": "number"}, ExpressionAttributeValues: values,
			}, "number"},
			{"the legacy ScanFilter", dynamodb.ScanInput{
				ScanFilter: map[string]types.Condition{"plain": {ComparisonOperator: types.ComparisonOperatorNotNull}},
			}, ""},
			{"a keys-only index", dynamodb.ScanInput{IndexName: aws.String("keysOnly")}, ""},
		} {
			before := dataCalls(e.rec)
			_, err := scan(tc.in)
			checkRefused(t, "Scan with "+tc.what, err, e.rec, before, tc.attr)
		}
	})

	t.Run("projection", func(t *testing.T) {
		// Placeholders used by the projection only, by the filter only, and
		// by both.
		out, err := query(dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("#k = :p"),
			FilterExpression:          aws.String("#pl = :odd"),
			ProjectionExpression:      aws.String("#k, sk, #s, #d.a.b, #pl"),
			ExpressionAttributeNames:  map[string]string{"#k": "pk", "#s": "secret", "#d": "doc", "#pl": "plain"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("q"), ":odd": s("odd")},
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			t.Fatalf("Query with a projection: %v", err)
		}
		var want []map[string]types.AttributeValue
		for _, i := range []int{0, 2, 4} {
			p := pick(items[i], "pk", "sk", "secret", "plain")
			p["doc"] = m(map[string]types.AttributeValue{"a": m(map[string]types.AttributeValue{"b": s("deep")})})
			want = append(want, p)
		}
		checkItems(t, "Query with a projection", out.Items, want)
		sent := e.rec.Last(opQuery).(*dynamodb.QueryInput)
		if sent.ProjectionExpression != nil {
			t.Errorf("Query sent the projection %q; want whole items asked for", aws.ToString(sent.ProjectionExpression))
		}

		sout, err := scan(dynamodb.ScanInput{
			Select:                    types.SelectSpecificAttributes,
			ProjectionExpression:      aws.String("sk, #n"),
			FilterExpression:          aws.String("pk = :p"),
			ExpressionAttributeNames:  map[string]string{"#n": "number"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("q")},
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			t.Fatalf("Scan with a projection: %v", err)
		}
		sortBySK(sout.Items)
		want = nil
		for _, it := range items {
			want = append(want, pick(it, "sk", "number"))
		}
		checkItems(t, "Scan with a projection", sout.Items, want)
	})

	t.Run("Select COUNT", func(t *testing.T) {
		out, err := query(dynamodb.QueryInput{
			Select:                    types.SelectCount,
			KeyConditionExpression:    aws.String("pk = :p"),
			FilterExpression:          aws.String("plain = :even"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("q"), ":even": s("even")},
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			t.Fatalf("Query COUNT: %v", err)
		}
		if out.Count != 3 || len(out.Items) != 0 {
			t.Errorf("Query COUNT: Count %d and %d items, want 3 and none", out.Count, len(out.Items))
		}
		// Counting needs no verification, so a keys-only index will do.
		out, err = query(dynamodb.QueryInput{
			Select:                    types.SelectCount,
			IndexName:                 aws.String("keysOnly"),
			KeyConditionExpression:    aws.String("grp = :g"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("g-q")},
		})
		if err != nil {
			t.Fatalf("Query COUNT of a keys-only index: %v", err)
		}
		if out.Count != 6 {
			t.Errorf("Query COUNT of a keys-only index: Count %d, want 6", out.Count)
		}
		sout, err := scan(dynamodb.ScanInput{Select: types.SelectCount, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatalf("Scan COUNT: %v", err)
		}
		if sout.Count != 7 || len(sout.Items) != 0 {
			t.Errorf("Scan COUNT: Count %d and %d items, want 7 and none", sout.Count, len(sout.Items))
		}
	})

	t.Run("indexes that project all attributes", func(t *testing.T) {
		out, err := query(dynamodb.QueryInput{
			IndexName:                 aws.String("byGroup"),
			KeyConditionExpression:    aws.String("grp = :g AND sk BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("g-q"), ":lo": n("2"), ":hi": n("4")},
		})
		if err != nil {
			t.Fatalf("Query of a global index: %v", err)
		}
		checkItems(t, "Query of a global index", out.Items, items[1:4])

		out, err = query(dynamodb.QueryInput{
			IndexName:                 aws.String("byRank"),
			Select:                    types.SelectAllProjectedAttributes,
			KeyConditionExpression:    aws.String("pk = :p AND #r >= :r"),
			ExpressionAttributeNames:  map[string]string{"#r": "rank"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("q"), ":r": n("96")},
			ScanIndexForward:          aws.Bool(false),
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			t.Fatalf("Query of a local index: %v", err)
		}
		checkItems(t, "Query of a local index, highest rank first", out.Items, []map[string]types.AttributeValue{items[0], items[1], items[2], items[3]})

		sout, err := scan(dynamodb.ScanInput{IndexName: aws.String("byGroup"), FilterExpression: aws.String("grp = :g"), ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("g-other")}})
		if err != nil {
			t.Fatalf("Scan of a global index: %v", err)
		}
		checkItems(t, "Scan of a global index", sout.Items, []map[string]types.AttributeValue{queryItem("other", 1)})
	})

	t.Run("tampered item", func(t *testing.T) {
		tamper(t, e.db, e.table, key("q", 5))
		_, err := query(dynamodb.QueryInput{
			KeyConditionExpression:    aws.String("pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("q")},
			ConsistentRead:            aws.Bool(true),
		})
		checkIntegrity(t, "Query over a tampered item", err, e.table, key("q", 5))
		_, err = scan(dynamodb.ScanInput{ProjectionExpression: aws.String("secret"), ConsistentRead: aws.Bool(true)})
		checkIntegrity(t, "Scan with a projection over a tampered item", err, e.table, key("q", 5))
		_, err = query(dynamodb.QueryInput{
			IndexName:                 aws.String("byGroup"),
			KeyConditionExpression:    aws.String("grp = :g"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("g-q")},
		})
		checkIntegrity(t, "Query of an index over a tampered item", err, e.table, key("q", 5))
	})
}

func sortBySK(items []map[string]types.AttributeValue) {
	skOf := func(it map[string]types.AttributeValue) int {
		v, _ := strconv.Atoi(it["sk"].(*types.AttributeValueMemberN).Value)
		return v
	}
	for i := 1; i < len(items); i++ {
		for j := i; j > 0 && skOf(items[j]) < skOf(items[j-1]); j-- {
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
}

// The SDK's paginators drive the client like the real one, and every page
// is verified and decrypted.
func TestPaginators(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const count = 23
	var want []map[string]types.AttributeValue
	var writes []types.WriteRequest
	for sk := range count {
		it := fullItem("page", sk)
		want = append(want, it)
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
	}
	for len(writes) > 0 {
		batch := writes[:min(25, len(writes))]
		writes = writes[len(batch):]
		out, err := e.c.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{e.table: batch}})
		if err != nil {
			t.Fatalf("BatchWriteItem: %v", err)
		}
		writes = append(writes, out.UnprocessedItems[e.table]...)
	}
	sortBySK(want)

	var got []map[string]types.AttributeValue
	pages := 0
	p := dynamodb.NewQueryPaginator(e.c, &dynamodb.QueryInput{
		TableName:                 aws.String(e.table),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("page")},
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(4),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("Query page %d: %v", pages+1, err)
		}
		pages++
		got = append(got, page.Items...)
	}
	if pages < count/4 {
		t.Errorf("Query paginator: %d pages, want at least %d", pages, count/4)
	}
	checkItems(t, "Query paginator", got, want)

	got, pages = nil, 0
	sp := dynamodb.NewScanPaginator(e.c, &dynamodb.ScanInput{
		TableName:            aws.String(e.table),
		ProjectionExpression: aws.String("sk, secret"),
		ConsistentRead:       aws.Bool(true),
		Limit:                aws.Int32(5),
	})
	for sp.HasMorePages() {
		page, err := sp.NextPage(t.Context())
		if err != nil {
			t.Fatalf("Scan page %d: %v", pages+1, err)
		}
		pages++
		got = append(got, page.Items...)
	}
	if pages < count/5 {
		t.Errorf("Scan paginator: %d pages, want at least %d", pages, count/5)
	}
	sortBySK(got)
	var wantProjected []map[string]types.AttributeValue
	for _, it := range want {
		wantProjected = append(wantProjected, pick(it, "sk", "secret"))
	}
	checkItems(t, "Scan paginator with a projection", got, wantProjected)
}

// Select COUNT with a ProjectionExpression is a request DynamoDB rejects
// ("Cannot specify the ProjectionExpression when choosing to get only the
// Count"). The client must not turn it into a read of whole items: on a
// table that returns items the caller did not ask for, and on a keys-only
// index it reports the (untampered) items as failing their integrity check.
func TestSelectCountWithProjection(t *testing.T) {
	t.Parallel()
	e := queryEnv(t)
	put(t, e.c, e.table, queryItem("q", 1))
	for _, ix := range []*string{nil, aws.String("keysOnly")} {
		in := &dynamodb.QueryInput{TableName: aws.String(e.table), IndexName: ix, Select: types.SelectCount, ProjectionExpression: aws.String("pk"),
			KeyConditionExpression: aws.String("pk = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("q")}, ConsistentRead: aws.Bool(true)}
		if ix != nil {
			in.KeyConditionExpression, in.ExpressionAttributeValues[":v"], in.ConsistentRead = aws.String("grp = :v"), s("g-q"), nil
		}
		out, err := e.c.Query(t.Context(), in)
		what := "Query of the table"
		if ix != nil {
			what = "Query of index " + *ix
		}
		switch {
		case errors.Is(err, ddbcrypt.ErrIntegrity):
			t.Errorf("%s with Select COUNT and a projection: an untampered item reported as failing its integrity check: %v", what, err)
		case err == nil:
			t.Errorf("%s with Select COUNT and a projection: accepted, returning %d items (Count %d); DynamoDB rejects the request", what, len(out.Items), out.Count)
		}
	}
}
