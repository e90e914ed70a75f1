package main

// Progress on standard error for work that can take long (a vectors run,
// waiting for a new table, verifying every row of a MetaStore): a bar drawn
// by github.com/schollz/progressbar, shown only once the work has taken
// progressDelay, and erased when it ends, so that quick commands and the
// output on standard output are left alone.

import (
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

const flagProgress = "progress"

// progressMode is the value of --progress.
type progressMode string

const (
	progressAuto progressMode = "auto" // on when standard error is a terminal
	progressOn   progressMode = "on"
	progressOff  progressMode = "off"
)

func (m *progressMode) String() string { return string(*m) }
func (m *progressMode) Type() string   { return "auto|on|off" }

func (m *progressMode) Set(s string) error {
	switch progressMode(s) {
	case progressAuto, progressOn, progressOff:
		*m = progressMode(s)
		return nil
	}
	return errors.New("must be auto, on or off")
}

var (
	// progressDelay is how long work goes on before its progress shows.
	progressDelay = 2 * time.Second
	// progressRefresh is how often a shown bar is redrawn: the work's
	// updates show then, and its elapsed time and spinner move on.
	progressRefresh = 250 * time.Millisecond
)

// progress reports how far some work is. A nil *progress reports nothing;
// its methods may be called all the same.
type progress struct {
	w    io.Writer
	ansi bool // w is a terminal: erase with an escape sequence
	unit unit // what is counted when the total is unknown

	mu    sync.Mutex
	desc  string
	done  int64
	total int64                    // -1 or 0: unknown, shown as a spinner (and a count of unit)
	bar   *progressbar.ProgressBar // nil until progressDelay has passed
	max   int64                    // the bar's total, -1 for a spinner

	stop   chan struct{}
	exited chan struct{}
}

// unit names what a progress of unknown total counts; the zero unit counts
// nothing (only the time passed shows).
type unit struct{ one, many string }

var rows = unit{"row", "rows"}

// startProgress starts reporting the progress of cmd's work, described by
// desc: total steps, or -1 if unknown (then the steps are counted in u). It
// returns nil when progress is off: with --progress off, or by default when
// standard error is not a terminal. The caller must call finish.
func startProgress(cmd *cobra.Command, desc string, u unit, total int) *progress {
	w := cmd.ErrOrStderr()
	terminal := isTerminal(w)
	mode := progressAuto
	if f := cmd.Flags().Lookup(flagProgress); f != nil {
		mode = *f.Value.(*progressMode)
	}
	if mode == progressOff || (mode == progressAuto && !terminal) {
		return nil
	}
	p := &progress{
		w: w, ansi: terminal, unit: u,
		desc: desc, total: int64(total),
		stop: make(chan struct{}), exited: make(chan struct{}),
	}
	go p.loop()
	return p
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// loop shows the bar after progressDelay and redraws it until finish.
func (p *progress) loop() {
	defer close(p.exited)
	delay := time.NewTimer(progressDelay)
	defer delay.Stop()
	select {
	case <-p.stop:
		return
	case <-delay.C:
	}
	p.mu.Lock()
	p.bar = p.newBar()
	p.draw()
	p.mu.Unlock()
	tick := time.NewTicker(progressRefresh)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			p.mu.Lock()
			p.draw()
			p.mu.Unlock()
		}
	}
}

// newBar makes the bar for the state as it is; p.mu is held.
func (p *progress) newBar() *progressbar.ProgressBar {
	total := p.total
	if total <= 0 {
		total = -1
	}
	p.max = total
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionUseANSICodes(p.ansi),
		progressbar.OptionSetDescription(p.desc),
		progressbar.OptionSetWidth(20),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(total > 0),
		// No redrawing goroutine of the bar's own: loop draws it, every
		// progressRefresh.
		progressbar.OptionSetSpinnerChangeInterval(0),
	}
	if total > 0 {
		opts = append(opts, progressbar.OptionShowCount()) // "(7/12)"
	}
	return progressbar.NewOptions64(total, opts...)
}

// draw brings the bar up to date; p.mu is held.
func (p *progress) draw() {
	if p.max <= 0 && p.total > 0 {
		// The total has become known: a bar instead of the spinner.
		p.bar.Clear()
		p.bar = p.newBar()
	}
	n := p.done
	if p.max > 0 && n >= p.max {
		// A bar that reaches its maximum is finished and never drawn
		// again; the work is finished by finish only.
		n = p.max - 1
	}
	p.bar.Set64(n)
	desc := p.desc
	if p.max <= 0 && p.unit.many != "" {
		desc += ": " + plural(int(p.done), p.unit.one, p.unit.many)
	}
	p.bar.Describe(desc) // draws it, and the time passed, even with no step done
}

// update changes the state under the lock; the loop draws it.
func (p *progress) update(change func()) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	change()
}

// Set says how far the work is (done steps) and what it is at now.
func (p *progress) Set(done int, desc string) {
	p.update(func() { p.done, p.desc = int64(done), desc })
}

// Add counts n more steps done.
func (p *progress) Add(n int) { p.update(func() { p.done += int64(n) }) }

// SetTotal sets the number of steps once it is known: a spinner shown
// until then becomes a bar, which keeps that total.
func (p *progress) SetTotal(total int) { p.update(func() { p.total = int64(total) }) }

// finish stops the progress and erases a shown bar.
func (p *progress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.exited
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Clear()
		p.bar = nil
	}
}
