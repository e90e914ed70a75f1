package testenv

// Fault injection: a DynamoDB and KMS client that fails chosen calls the way
// AWS fails them, for the tests of what the library does then.

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Faults is a DynamoDB client and a KMS client in one: it passes calls to
// the real local services unless a rule armed with On says to fail them. It
// satisfies every client interface the library accepts (mapper.Client,
// encrypted.API, metastore.Client, metastore.TableClient, cmp.KMSClient),
// and counts the calls of each operation and keeps their inputs.
//
// It sits where the library's own client would, above the SDK's retryer, so
// an injected error is what the library sees once the SDK has given up:
// errors have the SDK's shapes and types (a *smithy.OperationError around
// the service's exception), and the SDK's retryer would classify them as it
// classifies the real ones.
//
// When a test that uses Faults ends, Faults checks that every goroutine
// started since NewFaults was called has ended; a test that runs in
// parallel with others must turn the check off (a negative LeakWait).
//
//	f := testenv.NewFaults(t)
//	table := testenv.NewTable(t, f.DynamoDB, testenv.S("pk"))
//	m := mapper.New(f, provider)
//	f.On("PutItem").Nth(2).Throttle()           // the second PutItem from now
//	f.On("BatchWriteItem").First(1).Partial(10) // only 10 writes of the first batch
//	f.On("GetItem").Hang()                      // every GetItem, until its ctx ends
//	... then f.Calls("PutItem"), f.Last("PutItem") (what was sent), and
//	f.Stored(t, table) to see what was written.
type Faults struct {
	// DynamoDB and KMS are the real clients, without faults: for creating
	// tables and keys, and for looking at what was stored.
	DynamoDB *dynamodb.Client
	KMS      *kms.Client

	// LeakWait bounds how long the check at the end of the test waits for
	// the goroutines started during the test to end. The default is 10 s.
	// A negative LeakWait turns the check off, for a test that runs in
	// parallel with others: their goroutines would look leaked.
	LeakWait time.Duration

	t         testing.TB
	transport *http.Transport // the clients', so that idle connections can be closed
	released  chan struct{}   // closed when the test ends: every hang returns

	mu     sync.Mutex
	calls  map[string]int
	inputs map[string][]any
	rules  []*Rule
}

// Operations Faults wraps, by service.
var (
	dynamoDBOps = []string{"GetItem", "PutItem", "DeleteItem", "UpdateItem", "Query", "Scan",
		"BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems", "DescribeTable", "CreateTable"}
	kmsOps = []string{"GenerateDataKey", "Decrypt"}
)

// NewFaults returns a fault injector on fresh clients for the local
// services (see DynamoDB and KMS), with no rules: every call goes through.
func NewFaults(t testing.TB) *Faults {
	t.Helper()
	requireEndpoint(t, EnvDynamoDBEndpoint, "DynamoDB")
	requireEndpoint(t, EnvKMSEndpoint, "KMS")
	cfg := loadConfig(t)
	// DynamoDB Local's error responses make the SDK warn about their
	// checksums: noise in tests that fail calls on purpose.
	cfg.Logger = logging.Nop{}
	// The SDK's default transport, but one whose idle connections (two
	// goroutines each) can be closed before goroutines are counted.
	tr := awshttp.NewBuildableClient().GetTransport()
	cfg.HTTPClient = &http.Client{Transport: tr}
	f := &Faults{
		DynamoDB:  dynamodb.NewFromConfig(cfg),
		KMS:       kms.NewFromConfig(cfg),
		LeakWait:  10 * time.Second,
		t:         t,
		transport: tr,
		released:  make(chan struct{}),
		calls:     make(map[string]int),
		inputs:    make(map[string][]any),
	}
	start := goroutines()
	t.Cleanup(func() {
		if f.LeakWait >= 0 {
			f.checkGoroutines(t, start)
		} else {
			f.transport.CloseIdleConnections()
		}
		close(f.released)
	})
	return f
}

// Calls returns the number of calls of op so far, failed or not.
func (f *Faults) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// Counts returns the number of calls of every operation called so far.
func (f *Faults) Counts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.calls)
}

// Inputs returns the inputs of the calls of op so far, in the order of the
// calls: *dynamodb.PutItemInput for "PutItem", and so on.
func (f *Faults) Inputs(op string) []any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.inputs[op])
}

// Last returns the input of the last call of op so far, or nil.
func (f *Faults) Last(op string) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ins := f.inputs[op]; len(ins) > 0 {
		return ins[len(ins)-1]
	}
	return nil
}

// Reset forgets the calls so far: Calls, Counts and Inputs start again from
// nothing. Armed rules are kept and still count their calls from when they
// were armed.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		r.base -= f.calls[r.op]
	}
	f.calls = make(map[string]int)
	f.inputs = make(map[string][]any)
}

// Clear removes every rule: from now on every call goes through.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}

// On starts a rule for the calls of op ("PutItem", "GenerateDataKey", ...),
// by default every call from now on; Nth, First and From choose calls, and a
// fault (Throttle, ServerError, Timeout, Hang, ...) arms it. Calls are
// numbered from 1, counting from when the rule is armed. When several rules
// match a call, the one armed first applies.
func (f *Faults) On(op string) *Rule {
	f.t.Helper()
	if !slices.Contains(dynamoDBOps, op) && !slices.Contains(kmsOps, op) {
		f.t.Fatalf("testenv.Faults.On(%q): not an operation Faults wraps", op)
	}
	return &Rule{f: f, op: op, first: 1}
}

// Rule says which calls of one operation fail, and how.
type Rule struct {
	f           *Faults
	op          string
	first, last int // call numbers the rule applies to; last 0: no end
	base        int // calls of op before the rule was armed
	delay       time.Duration
	fault       fault
	keep        int   // Partial: the requests passed on
	err         error // Fail
	do          func(ctx context.Context, n int, in any) (any, error)
}

type fault int

const (
	pass fault = iota + 1
	throttle
	serverError
	timeout
	canceled
	hang
	loseResponse
	partial
	failWith
	custom
)

// Nth applies the rule to the nth call only.
func (r *Rule) Nth(n int) *Rule { r.first, r.last = n, n; return r }

// First applies the rule to the first n calls.
func (r *Rule) First(n int) *Rule { r.first, r.last = 1, n; return r }

// From applies the rule to the nth call and every later one.
func (r *Rule) From(n int) *Rule { r.first, r.last = n, 0; return r }

// Delay makes the chosen calls wait d first (or until their ctx ends, which
// fails them as Hang does), as a slow service would.
func (r *Rule) Delay(d time.Duration) *Rule { r.delay = d; return r }

// Pass passes the calls on to the service: with Delay, a slow service.
func (r *Rule) Pass() { r.arm(pass) }

// Throttle fails the calls as throttled: DynamoDB's
// *types.ProvisionedThroughputExceededException, KMS's ThrottlingException
// (a smithy.APIError), after the SDK's last retry.
func (r *Rule) Throttle() { r.arm(throttle) }

// ServerError fails the calls with HTTP 500: DynamoDB's
// *types.InternalServerError, KMS's *kmstypes.KMSInternalException, after
// the SDK's last retry.
func (r *Rule) ServerError() { r.arm(serverError) }

// Timeout fails the calls as the SDK's HTTP client does when the service
// does not answer in time: a *url.Error whose error is a timeout and
// matches context.DeadlineExceeded, though the caller's ctx is live.
func (r *Rule) Timeout() { r.arm(timeout) }

// Canceled fails the calls with the SDK's error for a cancelled context
// (*smithy.CanceledError wrapping context.Canceled), though the caller's
// ctx is live: what a call made on a context that another caller cancelled
// returns.
func (r *Rule) Canceled() { r.arm(canceled) }

// Hang makes the calls wait, without reaching the service, until their ctx
// ends, and then fail as the SDK does when a request's ctx ends.
func (r *Rule) Hang() { r.arm(hang) }

// LoseResponse passes the calls to the service and then hangs like Hang:
// the call took effect but its caller never learns it.
func (r *Rule) LoseResponse() { r.arm(loseResponse) }

// Partial passes on only the first keep requests of a BatchWriteItem (or
// keys of a BatchGetItem), tables in name order, and returns the others as
// unprocessed, as DynamoDB does when it is short of capacity. With keep 0
// the service is not called at all.
func (r *Rule) Partial(keep int) {
	r.f.t.Helper()
	if r.op != "BatchWriteItem" && r.op != "BatchGetItem" {
		r.f.t.Fatalf("testenv.Faults: Partial on %s; only BatchWriteItem and BatchGetItem return unprocessed requests", r.op)
	}
	r.keep = keep
	r.arm(partial)
}

// Fail fails the calls with err, as it is.
func (r *Rule) Fail(err error) {
	r.err = err
	r.arm(failWith)
}

// Do makes fn answer the calls in place of the service: fn gets the call's
// number (from 1, counting from when the rule is armed, as Nth does) and
// input (*dynamodb.BatchWriteItemInput for "BatchWriteItem", and so on),
// and returns the matching output (*dynamodb.BatchWriteItemOutput) or an
// error. fn may call the real clients (f.DynamoDB, f.KMS) itself. Calls
// may run fn concurrently.
func (r *Rule) Do(fn func(ctx context.Context, n int, in any) (any, error)) {
	r.do = fn
	r.arm(custom)
}

func (r *Rule) arm(f fault) {
	r.fault = f
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.base = r.f.calls[r.op]
	r.f.rules = append(r.f.rules, r)
}

// next counts a call of op with input in and returns the rule for it, or
// nil, and the call's number for the rule.
func (f *Faults) next(op string, in any) (*Rule, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	f.inputs[op] = append(f.inputs[op], in)
	for _, r := range f.rules {
		n := f.calls[op] - r.base
		if r.op == op && n >= r.first && (r.last == 0 || n <= r.last) {
			return r, n
		}
	}
	return nil, 0
}

// call makes one call of op with input in: the real one, or the fault of
// its rule.
func call[In, Out any](ctx context.Context, f *Faults, op string, in *In, real func(context.Context) (*Out, error)) (*Out, error) {
	r, n := f.next(op, in)
	return apply(ctx, f, op, r, n, in, real)
}

func apply[In, Out any](ctx context.Context, f *Faults, op string, r *Rule, n int, in *In, real func(context.Context) (*Out, error)) (*Out, error) {
	if r == nil {
		return real(ctx)
	}
	if err := f.delay(ctx, op, r); err != nil {
		return nil, err
	}
	switch r.fault {
	case pass:
		return real(ctx)
	case custom:
		out, err := r.do(ctx, n, in)
		if out == nil {
			return nil, err
		}
		o, ok := out.(*Out)
		if !ok {
			f.t.Errorf("testenv.Faults: the Do of %s returned a %T, want a %T", op, out, o)
			return nil, fmt.Errorf("testenv.Faults: the Do of %s returned a %T", op, out)
		}
		return o, err
	case hang:
		return nil, f.hang(ctx, op)
	case loseResponse:
		// The call must take effect whatever happens to ctx meanwhile.
		sent, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		_, _ = real(sent)
		cancel()
		return nil, f.hang(ctx, op)
	}
	return nil, r.error(op)
}

// delay waits for r's delay, and fails as hang does if ctx ends first.
func (f *Faults) delay(ctx context.Context, op string, r *Rule) error {
	if r.delay <= 0 {
		return nil
	}
	timer := time.NewTimer(r.delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
	case <-f.released:
	}
	return f.hang(ctx, op)
}

// hang waits for ctx, or for the end of the test, and returns the SDK's
// error for a request whose ctx ended.
func (f *Faults) hang(ctx context.Context, op string) error {
	select {
	case <-ctx.Done():
		return opError(op, responseError(0, &smithy.CanceledError{Err: ctx.Err()}))
	case <-f.released:
		return opError(op, responseError(0, &smithy.CanceledError{Err: context.Canceled}))
	}
}

// error builds the error of an erring fault, as the SDK returns it.
func (r *Rule) error(op string) error {
	isKMS := slices.Contains(kmsOps, op)
	const note = " (injected by testenv.Faults)"
	var err error
	switch r.fault {
	case throttle:
		if isKMS {
			err = &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded" + note, Fault: smithy.FaultClient}
		} else {
			err = &types.ProvisionedThroughputExceededException{Message: aws.String("The level of configured provisioned throughput for the table was exceeded" + note)}
		}
		return opError(op, &retry.MaxAttemptsError{Attempt: 3, Err: responseError(400, err)})
	case serverError:
		if isKMS {
			err = &kmstypes.KMSInternalException{Message: aws.String("internal error" + note)}
		} else {
			err = &types.InternalServerError{Message: aws.String("Internal server error" + note)}
		}
		return opError(op, &retry.MaxAttemptsError{Attempt: 3, Err: responseError(500, err)})
	case timeout:
		endpoint := os.Getenv(EnvDynamoDBEndpoint)
		if isKMS {
			endpoint = os.Getenv(EnvKMSEndpoint)
		}
		err = &smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: endpoint + "/", Err: httpTimeout{}}}
		return opError(op, &retry.MaxAttemptsError{Attempt: 3, Err: responseError(0, err)})
	case canceled:
		return opError(op, responseError(0, &smithy.CanceledError{Err: context.Canceled}))
	case failWith:
		return r.err
	}
	panic(fmt.Sprintf("testenv.Faults: no error for fault %d", r.fault))
}

// opError wraps err as the SDK wraps every error of an operation.
func opError(op string, err error) error {
	service := "DynamoDB"
	if slices.Contains(kmsOps, op) {
		service = "KMS"
	}
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: err}
}

// responseError wraps err with an HTTP status (0: no response), as the SDK
// does.
func responseError(status int, err error) error {
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}},
			Err:      err,
		},
	}
}

// httpTimeout is net/http's error for a client timeout.
type httpTimeout struct{}

func (httpTimeout) Error() string {
	return "context deadline exceeded (Client.Timeout exceeded while awaiting headers) (injected by testenv.Faults)"
}
func (httpTimeout) Timeout() bool        { return true }
func (httpTimeout) Temporary() bool      { return true }
func (httpTimeout) Is(target error) bool { return target == context.DeadlineExceeded }

// Stored returns every item of table as stored, read with the real client
// (consistent scan): what a test checks after an injected failure.
func (f *Faults) Stored(t testing.TB, table string) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(f.DynamoDB, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("testenv.Faults: scanning %s: %v", table, err)
		}
		items = append(items, page.Items...)
	}
	return items
}

// checkGoroutines waits, at most LeakWait, until every goroutine that was
// not running at start has ended, and otherwise fails the test with their
// stacks. Comparing goroutines rather than their number keeps goroutines
// of earlier tests that end meanwhile from hiding a leak.
func (f *Faults) checkGoroutines(t testing.TB, start map[string]string) {
	deadline := time.Now().Add(f.LeakWait)
	for {
		f.transport.CloseIdleConnections()
		var leaked []string
		for id, stack := range goroutines() {
			if _, ok := start[id]; !ok {
				leaked = append(leaked, stack)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("testenv.Faults: %d goroutines started during the test still run %v after it (%d run, %d did at the start):\n\n%s",
				len(leaked), f.LeakWait, runtime.NumGoroutine(), len(start), strings.Join(leaked, "\n\n"))
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// goroutines returns the stack of every goroutine by its id.
func goroutines() map[string]string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	all := make(map[string]string)
	for _, stack := range strings.Split(strings.TrimSpace(string(buf)), "\n\n") {
		// "goroutine 7 [chan receive]:\n..."
		id, _, _ := strings.Cut(strings.TrimPrefix(stack, "goroutine "), " ")
		all[id] = stack
	}
	return all
}

// The DynamoDB operations.

func (f *Faults) GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return call(ctx, f, "GetItem", in, func(ctx context.Context) (*dynamodb.GetItemOutput, error) {
		return f.DynamoDB.GetItem(ctx, in, optFns...)
	})
}

func (f *Faults) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return call(ctx, f, "PutItem", in, func(ctx context.Context) (*dynamodb.PutItemOutput, error) {
		return f.DynamoDB.PutItem(ctx, in, optFns...)
	})
}

func (f *Faults) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return call(ctx, f, "DeleteItem", in, func(ctx context.Context) (*dynamodb.DeleteItemOutput, error) {
		return f.DynamoDB.DeleteItem(ctx, in, optFns...)
	})
}

func (f *Faults) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return call(ctx, f, "UpdateItem", in, func(ctx context.Context) (*dynamodb.UpdateItemOutput, error) {
		return f.DynamoDB.UpdateItem(ctx, in, optFns...)
	})
}

func (f *Faults) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return call(ctx, f, "Query", in, func(ctx context.Context) (*dynamodb.QueryOutput, error) { return f.DynamoDB.Query(ctx, in, optFns...) })
}

func (f *Faults) Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	return call(ctx, f, "Scan", in, func(ctx context.Context) (*dynamodb.ScanOutput, error) { return f.DynamoDB.Scan(ctx, in, optFns...) })
}

func (f *Faults) TransactGetItems(ctx context.Context, in *dynamodb.TransactGetItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error) {
	return call(ctx, f, "TransactGetItems", in, func(ctx context.Context) (*dynamodb.TransactGetItemsOutput, error) {
		return f.DynamoDB.TransactGetItems(ctx, in, optFns...)
	})
}

func (f *Faults) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return call(ctx, f, "TransactWriteItems", in, func(ctx context.Context) (*dynamodb.TransactWriteItemsOutput, error) {
		return f.DynamoDB.TransactWriteItems(ctx, in, optFns...)
	})
}

func (f *Faults) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	return call(ctx, f, "DescribeTable", in, func(ctx context.Context) (*dynamodb.DescribeTableOutput, error) {
		return f.DynamoDB.DescribeTable(ctx, in, optFns...)
	})
}

func (f *Faults) CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error) {
	return call(ctx, f, "CreateTable", in, func(ctx context.Context) (*dynamodb.CreateTableOutput, error) {
		return f.DynamoDB.CreateTable(ctx, in, optFns...)
	})
}

// BatchWriteItem may also pass on part of the batch (Rule.Partial).
func (f *Faults) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	const op = "BatchWriteItem"
	r, n := f.next(op, in)
	if r == nil || r.fault != partial {
		return apply(ctx, f, op, r, n, in, func(ctx context.Context) (*dynamodb.BatchWriteItemOutput, error) {
			return f.DynamoDB.BatchWriteItem(ctx, in, optFns...)
		})
	}
	if err := f.delay(ctx, op, r); err != nil {
		return nil, err
	}
	sent, held := make(map[string][]types.WriteRequest), make(map[string][]types.WriteRequest)
	keep := r.keep
	for _, table := range sortedKeys(in.RequestItems) {
		writes := in.RequestItems[table]
		n := min(keep, len(writes))
		keep -= n
		if n > 0 {
			sent[table] = writes[:n]
		}
		if n < len(writes) {
			held[table] = writes[n:]
		}
	}
	out := &dynamodb.BatchWriteItemOutput{}
	if len(sent) > 0 {
		req := *in
		req.RequestItems = sent
		var err error
		if out, err = f.DynamoDB.BatchWriteItem(ctx, &req, optFns...); err != nil {
			return nil, err
		}
	}
	if out.UnprocessedItems == nil {
		out.UnprocessedItems = make(map[string][]types.WriteRequest)
	}
	for table, writes := range held {
		out.UnprocessedItems[table] = append(out.UnprocessedItems[table], writes...)
	}
	return out, nil
}

// BatchGetItem may also pass on part of the batch (Rule.Partial).
func (f *Faults) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	const op = "BatchGetItem"
	r, n := f.next(op, in)
	if r == nil || r.fault != partial {
		return apply(ctx, f, op, r, n, in, func(ctx context.Context) (*dynamodb.BatchGetItemOutput, error) {
			return f.DynamoDB.BatchGetItem(ctx, in, optFns...)
		})
	}
	if err := f.delay(ctx, op, r); err != nil {
		return nil, err
	}
	sent, held := make(map[string]types.KeysAndAttributes), make(map[string]types.KeysAndAttributes)
	keep := r.keep
	for _, table := range sortedKeys(in.RequestItems) {
		ka := in.RequestItems[table]
		n := min(keep, len(ka.Keys))
		keep -= n
		if n > 0 {
			part := ka
			part.Keys = ka.Keys[:n]
			sent[table] = part
		}
		if n < len(ka.Keys) {
			rest := ka
			rest.Keys = ka.Keys[n:]
			held[table] = rest
		}
	}
	out := &dynamodb.BatchGetItemOutput{}
	if len(sent) > 0 {
		req := *in
		req.RequestItems = sent
		var err error
		if out, err = f.DynamoDB.BatchGetItem(ctx, &req, optFns...); err != nil {
			return nil, err
		}
	}
	if out.UnprocessedKeys == nil {
		out.UnprocessedKeys = make(map[string]types.KeysAndAttributes)
	}
	for table, ka := range held {
		if prev, ok := out.UnprocessedKeys[table]; ok {
			ka.Keys = append(prev.Keys, ka.Keys...)
		}
		out.UnprocessedKeys[table] = ka
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// The KMS operations.

func (f *Faults) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return call(ctx, f, "GenerateDataKey", in, func(ctx context.Context) (*kms.GenerateDataKeyOutput, error) {
		return f.KMS.GenerateDataKey(ctx, in, optFns...)
	})
}

func (f *Faults) Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return call(ctx, f, "Decrypt", in, func(ctx context.Context) (*kms.DecryptOutput, error) { return f.KMS.Decrypt(ctx, in, optFns...) })
}

// Grace is how soon after its ctx's deadline a call must return, in
// Promptly. A call that ignores its ctx hangs for good, so a generous
// grace still catches it, and a loaded CI machine running -race (where a
// prompt return has been seen to take 300 ms) does not fail a correct one.
const Grace = 3 * time.Second

// Promptly calls fn with a ctx whose deadline is d away and fails the test
// unless fn returns by Grace after the deadline. It returns fn's error.
func Promptly(t testing.TB, d time.Duration, fn func(ctx context.Context) error) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	start := time.Now()
	err := fn(ctx)
	if late := time.Since(start) - d; late > Grace {
		t.Errorf("returned %v after its ctx's deadline, want at most %v (error: %v)", late.Round(time.Millisecond), Grace, err)
	}
	return err
}
