package cmp_test

// The Most Recent provider over the real MetaStore on DynamoDB Local: the
// DynamoDB calls items naming unknown versions cost, and recovery from a
// connection that hangs silently. They skip without DynamoDB Local (fail
// under CI=true); see internal/testing/testenv.

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/metaid"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// countingDB counts the DynamoDB calls of a MetaStore.
type countingDB struct {
	db    *dynamodb.Client
	calls atomic.Int64
}

func (c *countingDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.calls.Add(1)
	return c.db.GetItem(ctx, in, o...)
}

func (c *countingDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.calls.Add(1)
	return c.db.PutItem(ctx, in, o...)
}

func (c *countingDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.calls.Add(1)
	return c.db.Query(ctx, in, o...)
}

func (c *countingDB) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	c.calls.Add(1)
	return c.db.Scan(ctx, in, o...)
}

// newMetaStoreTable creates a MetaStore table, deleted when the test ends.
func newMetaStoreTable(t *testing.T, db *dynamodb.Client) string {
	t.Helper()
	name := testenv.TableName(t)
	if err := metastore.CreateTable(t.Context(), db, name); err != nil {
		t.Fatal(err)
	}
	testenv.DeleteTableAtEnd(t, db, name)
	return name
}

func newMetaStoreMostRecent(t *testing.T, store cmp.ProviderStore, cfg cmp.MostRecentConfig) *cmp.MostRecent {
	t.Helper()
	cfg.Store, cfg.MaterialName, cfg.TTL = store, "orders", time.Hour
	m, err := cmp.NewMostRecent(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func withMetaID(desc map[string]string, id string) map[string]string {
	out := map[string]string{}
	for k, v := range desc {
		out[k] = v
	}
	out[cmp.DescMetaID] = id
	return out
}

// TestMostRecentMetaStoreUnknownVersions: items naming versions that are not
// in the MetaStore cost one GetItem and one Query per NegativeTTL together,
// sequential or concurrent; a version created since is read once
// NegativeTTL has passed.
func TestMostRecentMetaStoreUnknownVersions(t *testing.T) {
	db := testenv.DynamoDB(t)
	table := newMetaStoreTable(t, db)
	cdb := &countingDB{db: db}
	inner := testenv.WrappedProvider(t)
	store, err := metastore.New(cdb, table, inner)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	writer := newMetaStoreMostRecent(t, store, cmp.MostRecentConfig{})
	mat, err := writer.EncryptionMaterials(ctx, &cmp.EncryptionContext{TableName: "data"})
	if err != nil {
		t.Fatal(err)
	}
	desc := mat.MaterialDescription // version 0

	// NegativeTTL longer than the test: counts that a slow machine cannot
	// change.
	reader := newMetaStoreMostRecent(t, store, cmp.MostRecentConfig{NegativeTTL: time.Hour})
	before := cdb.calls.Load()
	var wg sync.WaitGroup
	for v := range 100 {
		read := func() {
			_, err := reader.DecryptionMaterials(ctx, &cmp.EncryptionContext{TableName: "data", MaterialDescription: withMetaID(desc, metaid.Format("orders", int64(5+v)))})
			var me *cmp.MaterialError
			if !errors.Is(err, metastore.ErrNotFound) || !errors.As(err, &me) || me.Version != int64(5+v) {
				t.Errorf("version %d: %v, want metastore.ErrNotFound", 5+v, err)
			}
		}
		if v < 50 {
			read()
		} else {
			wg.Go(read)
		}
	}
	wg.Wait()
	if got := cdb.calls.Load() - before; got != 2 {
		t.Errorf("%d DynamoDB calls for 100 items naming unknown versions, want 2 (GetItem, Query)", got)
	}
	if _, err := reader.DecryptionMaterials(ctx, &cmp.EncryptionContext{TableName: "data", MaterialDescription: desc}); err != nil {
		t.Errorf("version 0: %v", err)
	}

	// Rotation by another process, seen after a short NegativeTTL.
	const negTTL = 200 * time.Millisecond
	short := newMetaStoreMostRecent(t, store, cmp.MostRecentConfig{NegativeTTL: negTTL})
	probed := time.Now()
	id1 := metaid.Format("orders", 1)
	if _, err := short.DecryptionMaterials(ctx, &cmp.EncryptionContext{TableName: "data", MaterialDescription: withMetaID(desc, id1)}); !errors.Is(err, ddbcrypt.ErrNotFound) {
		t.Fatalf("version 1 before it exists: %v", err)
	}
	other, err := metastore.New(db, table, inner)
	if err != nil {
		t.Fatal(err)
	}
	if _, v, err := other.NewProvider(ctx, "orders"); err != nil || v != 1 {
		t.Fatalf("NewProvider: %d, %v", v, err)
	}
	rotated := newMetaStoreMostRecent(t, store, cmp.MostRecentConfig{})
	mat1, err := rotated.EncryptionMaterials(ctx, &cmp.EncryptionContext{TableName: "data"})
	if err != nil || mat1.MaterialDescription[cmp.DescMetaID] != id1 {
		t.Fatalf("after the rotation: %v, %v", mat1, err)
	}
	ec1 := &cmp.EncryptionContext{TableName: "data", MaterialDescription: mat1.MaterialDescription}
	_, err = short.DecryptionMaterials(ctx, ec1)
	var rf *cmp.RememberedFailureError
	if err != nil && !(errors.As(err, &rf) && errors.Is(err, ddbcrypt.ErrNotFound)) {
		t.Fatalf("version 1 just created: %v", err)
	}
	if err == nil && time.Since(probed) < negTTL {
		t.Fatal("version 1 was read within NegativeTTL of being reported missing")
	}
	time.Sleep(time.Until(probed.Add(negTTL)))
	got, err := short.DecryptionMaterials(ctx, ec1)
	if err != nil || string(got.DecryptionKey) != string(mat1.EncryptionKey) {
		t.Fatalf("version 1 after NegativeTTL: %v", err)
	}
}

// hangFirstProxy is a TCP proxy to target whose first connection accepts
// everything and never answers; the others are passed through.
type hangFirstProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	first  atomic.Bool
	hung   chan struct{} // closed when the first connection is accepted
}

func newHangFirstProxy(t *testing.T, target string) *hangFirstProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &hangFirstProxy{ln: ln, target: target, hung: make(chan struct{})}
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *hangFirstProxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

func (p *hangFirstProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.track(c)
		if p.first.CompareAndSwap(false, true) {
			close(p.hung)
			go io.Copy(io.Discard, c) // silence
			continue
		}
		go func() {
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				return
			}
			p.track(up)
			go func() { io.Copy(up, c); up.Close() }()
			io.Copy(c, up)
			c.Close()
		}()
	}
}

func (p *hangFirstProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// TestMostRecentMetaStoreHungConnection: a MetaStore whose first DynamoDB
// connection hangs silently (new connections work) fails the first item
// after the lookup timeout, and serves again after NegativeTTL.
func TestMostRecentMetaStoreHungConnection(t *testing.T) {
	db := testenv.DynamoDB(t)
	table := newMetaStoreTable(t, db)
	endpoint, err := url.Parse(os.Getenv(testenv.EnvDynamoDBEndpoint))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newHangFirstProxy(t, endpoint.Host)
	opts := db.Options()
	opts.BaseEndpoint = aws.String("http://" + proxy.ln.Addr().String())
	proxied := dynamodb.New(opts)
	store, err := metastore.New(proxied, table, testenv.WrappedProvider(t))
	if err != nil {
		t.Fatal(err)
	}
	const (
		timeout = time.Second
		negTTL  = 100 * time.Millisecond
	)
	m := newMetaStoreMostRecent(t, store, cmp.MostRecentConfig{LookupTimeout: timeout, NegativeTTL: negTTL})
	encrypt := func() (*cmp.EncryptionMaterials, error) {
		type result struct {
			mat *cmp.EncryptionMaterials
			err error
		}
		ch := make(chan result, 1)
		go func() {
			mat, err := m.EncryptionMaterials(context.Background(), &cmp.EncryptionContext{TableName: "data"})
			ch <- result{mat, err}
		}()
		select {
		case r := <-ch:
			return r.mat, r.err
		case <-time.After(30 * time.Second):
			t.Fatal("EncryptionMaterials did not return within 30 s of a hung connection")
			return nil, nil
		}
	}
	_, err = encrypt()
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ddbcrypt.ErrKeyService) {
		t.Fatalf("first item on the hung connection: %v", err)
	}
	select {
	case <-proxy.hung:
	default:
		t.Fatal("the first connection was not used")
	}
	time.Sleep(negTTL)
	mat, err := encrypt()
	if err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if id := mat.MaterialDescription[cmp.DescMetaID]; id != "orders#0" {
		t.Errorf("after recovery: %s", id)
	}
}
