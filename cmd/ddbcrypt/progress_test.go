package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/ddbcrypt/ddbcrypt/tableops"
)

// quickProgress shows progress at once and redraws it often, for the test.
func quickProgress(t *testing.T) {
	delay, refresh := progressDelay, progressRefresh
	progressDelay, progressRefresh = 0, 5*time.Millisecond
	t.Cleanup(func() { progressDelay, progressRefresh = delay, refresh })
}

// syncBuffer is a bytes.Buffer safe to read while a progress writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func progressCmd(t *testing.T, mode string, w *syncBuffer) *cobra.Command {
	t.Helper()
	cmd := &cobra.Command{}
	m := progressAuto
	cmd.Flags().Var(&m, flagProgress, "")
	if err := cmd.Flags().Set(flagProgress, mode); err != nil {
		t.Fatal(err)
	}
	cmd.SetErr(w)
	return cmd
}

// A count of unknown total: shown, counted, erased.
func TestProgressCount(t *testing.T) {
	quickProgress(t)
	var w syncBuffer
	p := startProgress(progressCmd(t, "on", &w), "verifying", rows, -1)
	if p == nil {
		t.Fatal("--progress on shows no progress")
	}
	waitFor(t, &w, "verifying: 0 rows")
	p.Add(1)
	waitFor(t, &w, "verifying: 1 row ")
	for range 6 {
		p.Add(1)
	}
	waitFor(t, &w, "verifying: 7 rows")
	p.finish()
	out := w.String()
	if !strings.HasSuffix(out, "\r") || strings.Contains(out, "\n") {
		t.Errorf("the bar is not erased at the end, or wrote a line: %q", out)
	}
	p.Add(1) // after finish: nothing
	if w.String() != out {
		t.Errorf("progress drawn after finish: %q", w.String())
	}
}

// Off, or on a writer that is not a terminal by default, or quicker than
// the delay: nothing.
func TestProgressQuiet(t *testing.T) {
	var w syncBuffer
	p := startProgress(progressCmd(t, "on", &w), "work", unit{}, 3)
	p.Add(1)
	p.finish()
	if w.String() != "" {
		t.Errorf("progress of quick work: %q", w.String())
	}

	quickProgress(t)
	for _, mode := range []string{"off", "auto"} {
		if p := startProgress(progressCmd(t, mode, &w), "work", unit{}, 3); p != nil {
			p.finish()
			t.Errorf("--progress %s: a progress on a buffer", mode)
		}
	}
	var nilProgress *progress // what startProgress returns when off
	nilProgress.Add(1)
	nilProgress.Set(1, "x")
	nilProgress.SetTotal(2)
	nilProgress.finish()
}

// A known total never shows as finished before finish (a finished bar is
// not drawn again).
func TestProgressStaysBelowTotal(t *testing.T) {
	quickProgress(t)
	var w syncBuffer
	p := startProgress(progressCmd(t, "on", &w), "work", unit{}, 2)
	p.Set(5, "work: past the end")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(w.String(), "past the end") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	p.finish()
	if out := w.String(); !strings.Contains(out, "(1/2)") || strings.Contains(out, "(2/2)") || strings.Contains(out, "100%") {
		t.Errorf("progress output %q", out)
	}
}

func TestJobLine(t *testing.T) {
	s := tableops.Progress{Scanned: 300, Verified: 250, Rewritten: 240, Skipped: 50, Failed: 10, Resumed: 100, Total: 1100}
	got := jobLine("reencrypt table T", s, 20*time.Second)
	want := "reencrypt table T: 300 scanned of about 1100, 250 verified, 240 rewritten, 50 skipped, 10 failed; 10.0 items/s, about 1m20s left (20s)"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := jobLine("x", tableops.Progress{}, 0); got != "x: 0 scanned, 0 verified, 0 rewritten, 0 skipped, 0 failed (0s)" {
		t.Errorf("nothing done: %q", got)
	}
}

// A table job's bar shows its counters, items per second and the count
// against the estimated total less what earlier runs did.
func TestJobProgressBar(t *testing.T) {
	quickProgress(t)
	var w syncBuffer
	p := newProgress(progressCmd(t, "on", &w), "verify table T", items, -1, true)
	observe := p.observeJob()
	observe(tableops.Progress{Scanned: 105, Verified: 104, Failed: 1, Resumed: 100, Total: 110})
	waitFor(t, &w, "verify table T: 104 verified, 0 rewritten, 0 skipped, 1 failed")
	waitFor(t, &w, "(5/10")
	waitFor(t, &w, "items/s")
	p.finish()
	if out := w.String(); strings.Contains(out, "\n") {
		t.Errorf("the bar wrote a line: %q", out)
	}
	if p := newProgress(progressCmd(t, "off", &w), "x", items, -1, true); p != nil || p.observeJob() != nil {
		t.Error("--progress off: a progress")
	}
}

// --progress plain, and auto when standard error is not a terminal: a line
// every plainEvery, and one at the end.
func TestJobProgressPlain(t *testing.T) {
	every := plainEvery
	plainEvery = 5 * time.Millisecond
	t.Cleanup(func() { plainEvery = every })
	for _, mode := range []string{"plain", "auto"} {
		var w syncBuffer
		p := newProgress(progressCmd(t, mode, &w), "encrypt table T", items, -1, true)
		observe := p.observeJob()
		observe(tableops.Progress{Scanned: 3, Rewritten: 3, Total: 9})
		waitFor(t, &w, "encrypt table T: 3 scanned of about 9, 0 verified, 3 rewritten, 0 skipped, 0 failed; ")
		observe(tableops.Progress{Scanned: 9, Rewritten: 8, Skipped: 1, Total: 9})
		p.finish()
		lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, "encrypt table T: 9 scanned of about 9, 0 verified, 8 rewritten, 1 skipped, 0 failed; ") || strings.Contains(w.String(), "\r") {
			t.Errorf("--progress %s: output %q", mode, w.String())
		}
	}
	// Work that never started writes nothing, even at the end.
	var w syncBuffer
	newProgress(progressCmd(t, "plain", &w), "x", items, -1, true).finish()
	if w.String() != "" {
		t.Errorf("plain progress of nothing: %q", w.String())
	}
	// Other commands write nothing by default off a terminal.
	if p := startProgress(progressCmd(t, "auto", &w), "x", items, -1); p != nil {
		p.finish()
		t.Error("startProgress, auto off a terminal: a progress")
	}
}

// waitFor waits until the progress output holds want.
func waitFor(t *testing.T, w *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(w.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("progress output %q lacks %q", w.String(), want)
		}
		time.Sleep(time.Millisecond)
	}
}
