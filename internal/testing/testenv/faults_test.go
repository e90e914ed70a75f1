package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// Faults stands in for every client the library accepts.
var (
	_ mapper.Client          = (*Faults)(nil)
	_ encrypted.API          = (*Faults)(nil)
	_ metastore.Client       = (*Faults)(nil)
	_ metastore.TableClient  = (*Faults)(nil)
	_ cmp.KMSClient          = (*Faults)(nil)
	_ tableinfo.Describer    = (*Faults)(nil)
	_ dynamodb.ScanAPIClient = (*Faults)(nil)
)

func item(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}}
}

func put(ctx context.Context, f *Faults, table, pk string) error {
	_, err := f.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item(pk)})
	return err
}

// storedKeys returns the pk of every stored item, sorted by the scan.
func storedKeys(t *testing.T, f *Faults, table string) map[string]bool {
	t.Helper()
	keys := make(map[string]bool)
	for _, it := range f.Stored(t, table) {
		keys[it["pk"].(*types.AttributeValueMemberS).Value] = true
	}
	return keys
}

func TestFaultsChooseCalls(t *testing.T) {
	f := NewFaults(t)
	table := NewTable(t, f.DynamoDB, S("pk"))
	ctx := t.Context()

	f.On("PutItem").Nth(2).Throttle()
	f.On("PutItem").From(4).ServerError()
	f.On("PutItem").First(5).Timeout() // shadowed by the rules armed before it, except for call 1 and 3
	var failed []int
	for i := 1; i <= 6; i++ {
		if err := put(ctx, f, table, fmt.Sprint(i)); err != nil {
			failed = append(failed, i)
		}
	}
	if fmt.Sprint(failed) != "[1 2 3 4 5 6]" {
		t.Errorf("failed calls %v, want all", failed)
	}
	if got := storedKeys(t, f, table); len(got) != 0 {
		t.Errorf("stored %v after failed calls only", got)
	}

	f.Clear()
	f.On("PutItem").Nth(2).Throttle() // counts from now
	for i := 7; i <= 9; i++ {
		err := put(ctx, f, table, fmt.Sprint(i))
		if (err != nil) != (i == 8) {
			t.Errorf("call %d: error %v", i, err)
		}
	}
	if got := storedKeys(t, f, table); len(got) != 2 || !got["7"] || !got["9"] {
		t.Errorf("stored %v, want 7 and 9", got)
	}
	if got := f.Calls("PutItem"); got != 9 {
		t.Errorf("Calls(PutItem) = %d, want 9", got)
	}
}

func TestFaultsErrorsAreTheSDKs(t *testing.T) {
	f := NewFaults(t)
	table := NewTable(t, f.DynamoDB, S("pk"))
	ctx := t.Context()
	retryable := retry.IsErrorRetryables(retry.DefaultRetryables)
	throttles := retry.IsErrorThrottles(retry.DefaultThrottles)

	for _, tc := range []struct {
		arm        func(*Rule)
		want       any // a pointer to the error type errors.As must find
		retry      aws.Ternary
		throttle   bool
		deadline   bool // matches context.DeadlineExceeded
		canceledBy bool // matches context.Canceled
	}{
		{arm: (*Rule).Throttle, want: new(*types.ProvisionedThroughputExceededException), retry: aws.TrueTernary, throttle: true},
		{arm: (*Rule).ServerError, want: new(*types.InternalServerError), retry: aws.TrueTernary},
		{arm: (*Rule).Timeout, want: new(interface{ Timeout() bool }), retry: aws.TrueTernary, deadline: true},
		{arm: (*Rule).Canceled, want: new(*smithy.CanceledError), retry: aws.FalseTernary, canceledBy: true},
	} {
		f.Clear()
		tc.arm(f.On("PutItem"))
		err := put(ctx, f, table, "x")
		var op *smithy.OperationError
		if !errors.As(err, &op) || op.Service() != "DynamoDB" || op.Operation() != "PutItem" {
			t.Errorf("%v: not a DynamoDB PutItem *smithy.OperationError", err)
		}
		if !errors.As(err, tc.want) {
			t.Errorf("%v: errors.As(%T) fails", err, tc.want)
		}
		if got := retryable.IsErrorRetryable(err); got != tc.retry {
			t.Errorf("%v: the SDK's retryer says retryable %v, want %v", err, got, tc.retry)
		}
		if got := throttles.IsErrorThrottle(err) == aws.TrueTernary; got != tc.throttle {
			t.Errorf("%v: the SDK's retryer says throttle %v, want %v", err, got, tc.throttle)
		}
		if errors.Is(err, context.DeadlineExceeded) != tc.deadline || errors.Is(err, context.Canceled) != tc.canceledBy {
			t.Errorf("%v: matches DeadlineExceeded %v and Canceled %v, want %v and %v", err,
				errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), tc.deadline, tc.canceledBy)
		}
	}

	f.Clear()
	f.On("GenerateDataKey").Throttle()
	f.On("Decrypt").ServerError()
	_, err := f.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String("alias/none")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ThrottlingException" || throttles.IsErrorThrottle(err) != aws.TrueTernary {
		t.Errorf("KMS throttle: %v, want a ThrottlingException the SDK classifies as throttling", err)
	}
	_, err = f.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: []byte("x")})
	var internal *kmstypes.KMSInternalException
	if !errors.As(err, &internal) || retryable.IsErrorRetryable(err) != aws.TrueTernary {
		t.Errorf("KMS server error: %v, want a retryable *KMSInternalException", err)
	}

	sentinel := errors.New("sentinel")
	f.Clear()
	f.On("GetItem").Fail(sentinel)
	if _, err := f.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: item("x")}); err != sentinel {
		t.Errorf("Fail: %v, want the given error", err)
	}
}

func TestFaultsHangUntilCtxEnds(t *testing.T) {
	f := NewFaults(t)
	table := NewTable(t, f.DynamoDB, S("pk"))

	for _, tc := range []struct {
		arm     func(*Rule)
		written bool
	}{{(*Rule).Hang, false}, {(*Rule).LoseResponse, true}} {
		f.Clear()
		tc.arm(f.On("PutItem"))
		pk := fmt.Sprint(tc.written)
		const wait = 200 * time.Millisecond
		ctx, cancel := context.WithTimeout(t.Context(), wait)
		start := time.Now()
		err := put(ctx, f, table, pk)
		late := time.Since(start) - wait
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v, want one wrapping context.DeadlineExceeded", err)
		}
		if late < 0 || late > Grace {
			t.Errorf("returned %v after the deadline", late)
		}
		if got := storedKeys(t, f, table)[pk]; got != tc.written {
			t.Errorf("item written: %v, want %v", got, tc.written)
		}
	}
}

func TestFaultsDelay(t *testing.T) {
	f := NewFaults(t)
	table := NewTable(t, f.DynamoDB, S("pk"))

	f.On("PutItem").Nth(1).Delay(300 * time.Millisecond).Pass()
	start := time.Now()
	if err := put(t.Context(), f, table, "slow"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("a call delayed 300ms returned after %v", d)
	}

	f.On("PutItem").Nth(1).Delay(time.Hour).ServerError()
	err := Promptly(t, 200*time.Millisecond, func(ctx context.Context) error { return put(ctx, f, table, "never") })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a call delayed past its ctx: %v", err)
	}
	if got := storedKeys(t, f, table); len(got) != 1 || !got["slow"] {
		t.Errorf("stored %v, want slow", got)
	}
}

func TestFaultsPartialBatches(t *testing.T) {
	f := NewFaults(t)
	a := NewTable(t, f.DynamoDB, S("pk"))
	b := NewTable(t, f.DynamoDB, S("pk"))
	first, second := min(a, b), max(a, b) // Partial keeps tables in name order
	ctx := t.Context()

	writes := func(pks ...string) []types.WriteRequest {
		var w []types.WriteRequest
		for _, pk := range pks {
			w = append(w, types.WriteRequest{PutRequest: &types.PutRequest{Item: item(pk)}})
		}
		return w
	}
	f.On("BatchWriteItem").Nth(1).Partial(3)
	f.On("BatchWriteItem").Nth(2).Partial(0)
	out, err := f.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		first: writes("1", "2"), second: writes("3", "4", "5"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(out.UnprocessedItems[first]); got != 0 {
		t.Errorf("%d unprocessed in the first table, want 0", got)
	}
	var held []string
	for _, w := range out.UnprocessedItems[second] {
		held = append(held, w.PutRequest.Item["pk"].(*types.AttributeValueMemberS).Value)
	}
	if fmt.Sprint(held) != "[4 5]" {
		t.Errorf("unprocessed %v, want [4 5]", held)
	}
	if got := storedKeys(t, f, second); len(got) != 1 || !got["3"] {
		t.Errorf("stored in the second table: %v, want 3", got)
	}
	out, err = f.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: out.UnprocessedItems})
	if err != nil || len(out.UnprocessedItems[second]) != 2 {
		t.Errorf("Partial(0): %v, %d unprocessed, want 2", err, len(out.UnprocessedItems[second]))
	}
	if got := storedKeys(t, f, second); len(got) != 1 {
		t.Errorf("Partial(0) wrote: %v", got)
	}

	f.On("BatchGetItem").Partial(1)
	get, err := f.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		first: {Keys: []map[string]types.AttributeValue{item("1"), item("2")}, ConsistentRead: aws.Bool(true)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	un := get.UnprocessedKeys[first]
	if len(get.Responses[first]) != 1 || len(un.Keys) != 1 || !aws.ToBool(un.ConsistentRead) {
		t.Errorf("BatchGetItem Partial(1): %d items, unprocessed %+v; want 1 item and 1 consistent key", len(get.Responses[first]), un)
	}
}

// recorder is a testing.TB that keeps what Errorf reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestFaultsLeakCheck(t *testing.T) {
	f := &Faults{LeakWait: 50 * time.Millisecond, transport: &http.Transport{}}
	stopOld := make(chan struct{})
	go oldGoroutine(stopOld)
	start := goroutines()
	stop := make(chan struct{})
	go leakingGoroutine(stop)
	close(stopOld) // the count drops back, but a new goroutine runs

	rec := &recorder{TB: t}
	f.checkGoroutines(rec, start)
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "leakingGoroutine") || strings.Count(rec.errs[0], "goroutine ") != 2 {
		t.Errorf("with a goroutine left: reported %q, want a dump of it alone", rec.errs)
	}
	close(stop)
	rec.errs = nil
	f.LeakWait = 5 * time.Second
	f.checkGoroutines(rec, start)
	if len(rec.errs) != 0 {
		t.Errorf("once the goroutine ended: reported %q", rec.errs)
	}
}

func oldGoroutine(stop chan struct{}) { <-stop }

func leakingGoroutine(stop chan struct{}) { <-stop }

// Faults keeps the inputs of the calls; Reset forgets them and the counts
// but not the armed rules, which keep counting from when they were armed.
func TestFaultsInputsAndReset(t *testing.T) {
	f := NewFaults(t)
	table := NewTable(t, f.DynamoDB, S("pk"))
	ctx := t.Context()

	if f.Last("PutItem") != nil || len(f.Inputs("PutItem")) != 0 || len(f.Counts()) != 0 {
		t.Errorf("before any call: Last %v, Inputs %v, Counts %v", f.Last("PutItem"), f.Inputs("PutItem"), f.Counts())
	}
	f.On("PutItem").Nth(3).Throttle()
	for _, pk := range []string{"1", "2"} {
		if err := put(ctx, f, table, pk); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: item("1")}); err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, in := range f.Inputs("PutItem") {
		sent = append(sent, in.(*dynamodb.PutItemInput).Item["pk"].(*types.AttributeValueMemberS).Value)
	}
	if fmt.Sprint(sent) != "[1 2]" {
		t.Errorf("Inputs(PutItem) sent %v, want [1 2]", sent)
	}
	if last, _ := f.Last("PutItem").(*dynamodb.PutItemInput); last == nil || last.Item["pk"].(*types.AttributeValueMemberS).Value != "2" {
		t.Errorf("Last(PutItem) = %v, want the input of the second call", f.Last("PutItem"))
	}
	if got := fmt.Sprint(f.Counts()); got != "map[GetItem:1 PutItem:2]" {
		t.Errorf("Counts() = %s", got)
	}

	f.Reset()
	if f.Calls("PutItem") != 0 || f.Last("PutItem") != nil || len(f.Counts()) != 0 {
		t.Errorf("after Reset: Calls %d, Last %v, Counts %v; want nothing", f.Calls("PutItem"), f.Last("PutItem"), f.Counts())
	}
	// The rule's third call is the first since Reset.
	if err := put(ctx, f, table, "3"); err == nil {
		t.Error("the third PutItem of the rule, after Reset: no error")
	}
	if err := put(ctx, f, table, "4"); err != nil {
		t.Errorf("the fourth PutItem of the rule: %v", err)
	}
	if f.Calls("PutItem") != 2 || len(f.Inputs("PutItem")) != 2 {
		t.Errorf("after Reset and 2 calls: Calls %d, %d inputs", f.Calls("PutItem"), len(f.Inputs("PutItem")))
	}
}

// Do answers the calls in place of the service, with the call's number
// and input.
func TestFaultsDo(t *testing.T) {
	f := NewFaults(t)
	table := NewTable(t, f.DynamoDB, S("pk"))
	ctx := t.Context()

	if err := put(ctx, f, table, "before"); err != nil {
		t.Fatal(err)
	}
	var numbers []int
	f.On("PutItem").From(2).Do(func(ctx context.Context, n int, in any) (any, error) {
		numbers = append(numbers, n)
		p := *in.(*dynamodb.PutItemInput)
		p.Item = item("via do " + fmt.Sprint(n))
		return f.DynamoDB.PutItem(ctx, &p)
	})
	errDo := errors.New("from do")
	f.On("GetItem").Do(func(context.Context, int, any) (any, error) { return nil, errDo })
	for _, pk := range []string{"1", "2", "3"} {
		if err := put(ctx, f, table, pk); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(numbers) != "[2 3]" {
		t.Errorf("Do got call numbers %v, want [2 3]", numbers)
	}
	if got := storedKeys(t, f, table); len(got) != 4 || !got["before"] || !got["1"] || !got["via do 2"] || !got["via do 3"] {
		t.Errorf("stored %v, want before, 1, via do 2 and via do 3", got)
	}
	if _, err := f.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: item("1")}); err != errDo {
		t.Errorf("GetItem answered by Do: error %v, want Do's", err)
	}

	// A Do returning the wrong output fails the test and the call.
	rec := &recorder{TB: t}
	f.t = rec
	f.On("DescribeTable").Do(func(context.Context, int, any) (any, error) { return &dynamodb.GetItemOutput{}, nil })
	if _, err := f.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}); err == nil || len(rec.errs) != 1 {
		t.Errorf("Do returning a *GetItemOutput to DescribeTable: error %v, reported %q", err, rec.errs)
	}
	f.t = t
}

// A negative LeakWait turns the leak check off.
func TestFaultsNoLeakCheck(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	t.Run("parallel", func(t *testing.T) {
		f := NewFaults(t)
		f.LeakWait = -1
		go leakingGoroutine(stop) // another test's: not reported
	})
}
