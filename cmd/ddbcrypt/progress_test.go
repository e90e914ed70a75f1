package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
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
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(w.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("progress output %q lacks %q", w.String(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor("verifying: 0 rows")
	p.Add(1)
	waitFor("verifying: 1 row ")
	for range 6 {
		p.Add(1)
	}
	waitFor("verifying: 7 rows")
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
