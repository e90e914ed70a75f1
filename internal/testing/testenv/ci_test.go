package testenv_test

import (
	"runtime"
	"sync"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

func TestInCI(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  bool
	}{
		{"", false},
		{"   ", false},
		{"0", false},
		{"false", false},
		{"FALSE", false},
		{"False", false},
		{"true", true},
		{"TRUE", true},
		{"True", true},
		{"1", true},
		{"yes", true},
		{"woodpecker", true},
	} {
		t.Setenv("CI", tc.value)
		if got := testenv.InCI(); got != tc.want {
			t.Errorf("CI=%q: InCI() = %v, want %v", tc.value, got, tc.want)
		}
	}
}

// outcomeTB stands in for a test: it records whether Fatal or Skip ended
// it, and ends its goroutine as they would.
type outcomeTB struct {
	testing.TB // nil: any other method panics
	mu         sync.Mutex
	outcome    string
}

func (o *outcomeTB) Helper() {}

func (o *outcomeTB) end(outcome string) {
	o.mu.Lock()
	o.outcome = outcome
	o.mu.Unlock()
	runtime.Goexit()
}

func (o *outcomeTB) Fatal(...any)          { o.end("fatal") }
func (o *outcomeTB) Fatalf(string, ...any) { o.end("fatal") }
func (o *outcomeTB) Skip(...any)           { o.end("skip") }
func (o *outcomeTB) Skipf(string, ...any)  { o.end("skip") }

// outcome runs f with a stand-in test in its own goroutine, as the testing
// package runs a test, and returns how it ended ("" if it did not end).
func outcome(f func(testing.TB)) string {
	o := &outcomeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(o)
	}()
	<-done
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.outcome
}

// Without an endpoint, the integration tests skip outside CI and fail in
// it, whatever value of CI the CI system uses.
func TestMissingEndpointFailsInCI(t *testing.T) {
	t.Setenv(testenv.EnvDynamoDBEndpoint, "")
	t.Setenv(testenv.EnvKMSEndpoint, "")
	for _, tc := range []struct {
		ci, want string
	}{
		{"", "skip"},
		{"false", "skip"},
		{"0", "skip"},
		{"true", "fatal"},
		{"1", "fatal"},
		{"yes", "fatal"},
	} {
		t.Setenv("CI", tc.ci)
		if got := outcome(func(tb testing.TB) { testenv.DynamoDB(tb) }); got != tc.want {
			t.Errorf("CI=%q, no DynamoDB endpoint: the test ended with %q, want %q", tc.ci, got, tc.want)
		}
		if got := outcome(func(tb testing.TB) { testenv.KMS(tb) }); got != tc.want {
			t.Errorf("CI=%q, no KMS endpoint: the test ended with %q, want %q", tc.ci, got, tc.want)
		}
	}
}
