// Package testenv gives integration tests clients for the local AWS
// stand-ins that scripts/services.sh runs (DynamoDB Local and local-kms).
//
// Clients are built with config.LoadDefaultConfig, so the standard AWS
// environment variables route them: `scripts/services.sh env` prints
// AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_KMS, AWS_REGION and dummy
// credentials, and `make test` sets them for the whole test run.
//
// When an endpoint variable is missing the test is skipped with a hint, or
// fails in CI (see InCI), so CI can never pass by silently skipping.
//
// Unit tests that need no server use FakeDB, an in-process DynamoDB.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// Environment variables that select the local service endpoints.
const (
	EnvDynamoDBEndpoint = "AWS_ENDPOINT_URL_DYNAMODB"
	EnvKMSEndpoint      = "AWS_ENDPOINT_URL_KMS"
)

// cleanupTimeout bounds the calls made from t.Cleanup, which run after the
// test's own context has been cancelled.
const cleanupTimeout = 30 * time.Second

// DynamoDB returns a DynamoDB client for the local DynamoDB endpoint, or
// skips the test (fails it in CI) when none is configured.
func DynamoDB(t testing.TB) *dynamodb.Client {
	t.Helper()
	requireEndpoint(t, EnvDynamoDBEndpoint, "DynamoDB")
	return dynamodb.NewFromConfig(loadConfig(t))
}

// KMS returns a KMS client for the local KMS endpoint, or skips the test
// (fails it in CI) when none is configured.
func KMS(t testing.TB) *kms.Client {
	t.Helper()
	requireEndpoint(t, EnvKMSEndpoint, "KMS")
	return kms.NewFromConfig(loadConfig(t))
}

func loadConfig(t testing.TB) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatalf("testenv: loading AWS config: %v", err)
	}
	return cfg
}

// requireEndpoint skips (or, in CI, fails) the test when env is
// unset, and refuses endpoints that are not on this machine so an
// integration test can never talk to a real AWS account.
func requireEndpoint(t testing.TB, env, service string) {
	t.Helper()
	endpoint := os.Getenv(env)
	if endpoint == "" {
		msg := fmt.Sprintf("testenv: %s is not set, so there is no local %s to test against; "+
			"run `make test`, or `scripts/services.sh start` and then "+
			"`eval \"$(scripts/services.sh env)\"` before `go test`", env, service)
		if InCI() {
			t.Fatal(msg + " (CI is set: integration tests must not be skipped)")
		}
		t.Skip(msg)
	}
	if err := checkLoopback(endpoint); err != nil {
		t.Fatalf("testenv: %s=%q: %v", env, endpoint, err)
	}
}

// InCI reports whether the tests run in CI, where a test that cannot run
// must fail instead of skipping. CI systems set the environment variable CI,
// but not all to "true" (some use "1" or "yes"), and .ci/run sets it too, so
// any value counts except the empty string and an explicit "0" or "false"
// (in any case), which let a developer opt out.
func InCI() bool {
	switch v := strings.TrimSpace(os.Getenv("CI")); {
	case v == "", v == "0", strings.EqualFold(v, "false"):
		return false
	}
	return true
}

func checkLoopback(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return errors.New("integration tests only talk to services on the loopback address (127.0.0.1, ::1 or localhost)")
}

// Key names one key attribute of a table and its scalar type.
type Key struct {
	Name string
	Type types.ScalarAttributeType
}

// S, N and B build string, number and binary key attributes.
func S(name string) Key { return Key{Name: name, Type: types.ScalarAttributeTypeS} }

// N builds a number key attribute.
func N(name string) Key { return Key{Name: name, Type: types.ScalarAttributeTypeN} }

// B builds a binary key attribute.
func B(name string) Key { return Key{Name: name, Type: types.ScalarAttributeTypeB} }

// NewTable creates an on-demand (PAY_PER_REQUEST) table with a uniquely
// generated name, the given partition key and optional sort key, waits for
// it to become active and deletes it when the test ends. It returns the
// table name.
func NewTable(t testing.TB, client *dynamodb.Client, partition Key, sort ...Key) string {
	t.Helper()
	if len(sort) > 1 {
		t.Fatalf("testenv.NewTable: at most one sort key, got %d", len(sort))
	}
	name := TableName(t)
	keys := append([]Key{partition}, sort...)
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
	}
	for i, k := range keys {
		keyType := types.KeyTypeHash
		if i == 1 {
			keyType = types.KeyTypeRange
		}
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(k.Name), AttributeType: k.Type,
		})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{
			AttributeName: aws.String(k.Name), KeyType: keyType,
		})
	}

	ctx := t.Context()
	if _, err := client.CreateTable(ctx, in); err != nil {
		t.Fatalf("testenv: CreateTable %s: %v", name, err)
	}
	DeleteTableAtEnd(t, client, name)

	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		t.Fatalf("testenv: waiting for table %s: %v", name, err)
	}
	return name
}

// DeleteTableAtEnd deletes the table name when the test ends; a table that
// is gone already is no error. optFns go to DeleteTable.
func DeleteTableAtEnd(t testing.TB, client *dynamodb.Client, name string, optFns ...func(*dynamodb.Options)) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}, optFns...)
		var notFound *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &notFound) {
			t.Errorf("testenv: DeleteTable %s: %v", name, err)
		}
	})
}

// TableName returns a fresh, valid DynamoDB table name derived from the
// test's name plus a random suffix.
func TableName(t testing.TB) string {
	var b strings.Builder
	b.WriteString("ddbcrypt-test-")
	for _, r := range t.Name() {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 200 { // table names are limited to 255 characters
			break
		}
	}
	var suffix [8]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		t.Fatalf("testenv: random table suffix: %v", err)
	}
	b.WriteByte('-')
	b.WriteString(hex.EncodeToString(suffix[:]))
	return b.String()
}

// NewKMSKey creates a symmetric ENCRYPT_DECRYPT KMS key and schedules its
// deletion when the test ends. It returns the key's ARN.
func NewKMSKey(t testing.TB, client *kms.Client) string {
	t.Helper()
	out, err := client.CreateKey(t.Context(), &kms.CreateKeyInput{
		KeySpec:     kmstypes.KeySpecSymmetricDefault,
		KeyUsage:    kmstypes.KeyUsageTypeEncryptDecrypt,
		Description: aws.String("ddbcrypt test key for " + t.Name()),
	})
	if err != nil {
		t.Fatalf("testenv: CreateKey: %v", err)
	}
	arn := aws.ToString(out.KeyMetadata.Arn)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if _, err := client.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{
			KeyId:               aws.String(arn),
			PendingWindowInDays: aws.Int32(7),
		}); err != nil {
			t.Errorf("testenv: ScheduleKeyDeletion %s: %v", arn, err)
		}
	})
	return arn
}
