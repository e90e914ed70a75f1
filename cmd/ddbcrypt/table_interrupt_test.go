package main

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// TestTableInterrupt: Ctrl-C (SIGINT) stops a table job after
// checkpointing the items it handled, mid-page, with exit status 1 and a
// hint; the same command then resumes and handles each remaining item
// once.
func TestTableInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const n = 40
	db := testenv.DynamoDB(t)
	wait := startBuild(t)
	table := testenv.NewTable(t, db, testenv.S("pk"), testenv.N("sk"))
	c1 := tableConfig(t, "DDBCRYPT_TEST_TABLE_WRAP_1")
	c2 := tableConfig(t, "DDBCRYPT_TEST_TABLE_WRAP_2")
	fillTable(t, db, table, c1, n)
	signatures := func() map[string]string {
		out, err := db.Scan(t.Context(), &dynamodb.ScanInput{TableName: &table, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		sigs := map[string]string{}
		for _, item := range out.Items {
			sigs[item["sk"].(*types.AttributeValueMemberN).Value] = string(item[crypto.SignatureAttribute].(*types.AttributeValueMemberB).Value)
		}
		return sigs
	}
	before := signatures()
	bin := wait()
	cpTable := testenv.TableName(t) + "-cp"
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &cpTable})
	})
	dir := t.TempDir()
	args := []string{"table", "reencrypt", "--table", table, "--from", c1, "--to", c2, "--segments", "1",
		"--page-size", "100", "--job", "ctrl-c", "--checkpoint-table", cpTable}

	// Slowed to 20 items/s, the job is interrupted once a few items moved.
	p := startProc(t, bin, append(args, "--rate", "20", "--report", filepath.Join(dir, "r1.json"))...)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		moved := 0
		for sk, sig := range signatures() {
			if sig != before[sk] {
				moved++
			}
		}
		if moved >= 3 {
			break
		}
		if p.exited() || time.Now().After(deadline) {
			t.Fatalf("the job moved %d items and ended or took a minute; stderr:\n%s", moved, p.stderr.String())
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := p.wait()
	if ee, ok := errors.AsType[*exec.ExitError](err); !ok || ee.ExitCode() != exitFailure {
		t.Fatalf("interrupted job: %v, want exit status %d; stderr:\n%s", err, exitFailure, p.stderr.String())
	}
	stderr := p.stderr.String()
	if !strings.Contains(stderr, "interrupted") || !strings.Contains(stderr, "hint: its checkpoints are saved") {
		t.Errorf("interrupted job: stderr %q; want it to say so and how to resume", stderr)
	}
	first := readJobReport(t, filepath.Join(dir, "r1.json"))
	cp := checkpointsOf(t, db, cpTable, "ctrl-c")[0]
	if first.Scanned == 0 || first.Scanned >= n || cp.Scanned == 0 || cp.Done {
		t.Fatalf("after the interruption: report %+v, checkpoint %+v; want some items handled and checkpointed, in the middle of the one page", first, cp)
	}

	// The same command resumes after the last item checkpointed.
	p = startProc(t, bin, append(args, "--report", filepath.Join(dir, "r2.json"))...)
	if err := p.wait(); err != nil {
		t.Fatalf("resumed job: %v; stderr:\n%s", err, p.stderr.String())
	}
	r := readJobReport(t, filepath.Join(dir, "r2.json"))
	// An item whose write was in flight at the signal may have landed
	// uncounted: at most that one is handled again (skipped).
	if r.Scanned != n || r.Rewritten+r.Skipped != n || r.Skipped > 1 || r.Failed != 0 {
		t.Errorf("resumed job: %+v; want %d scanned, each rewritten once (at most one in-flight item skipped)", r, n)
	}
}
