package main

// Progress on standard error for work that can take long (a vectors run,
// waiting for a new table, verifying every row of a MetaStore, a table
// job): a bar drawn by github.com/schollz/progressbar, shown only once the
// work has taken progressDelay, and erased when it ends, so that quick
// commands and the output on standard output are left alone; or, with
// --progress plain, a plain line every plainEvery and one at the end, for
// logs.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/ddbcrypt/ddbcrypt/tableops"
)

const flagProgress = "progress"

// progressMode is the value of --progress.
type progressMode string

const (
	progressAuto  progressMode = "auto"  // a bar when standard error is a terminal; else plain lines for table jobs, nothing for the rest
	progressOn    progressMode = "on"    // a bar, terminal or not
	progressPlain progressMode = "plain" // plain lines
	progressOff   progressMode = "off"
)

func (m *progressMode) String() string { return string(*m) }
func (m *progressMode) Type() string   { return "auto|plain|on|off" }

func (m *progressMode) Set(s string) error {
	switch progressMode(s) {
	case progressAuto, progressOn, progressPlain, progressOff:
		*m = progressMode(s)
		return nil
	}
	return errors.New("must be auto, plain, on or off")
}

var (
	// progressDelay is how long work goes on before its progress shows.
	progressDelay = 2 * time.Second
	// progressRefresh is how often a shown bar is redrawn: the work's
	// updates show then, and its elapsed time and spinner move on.
	progressRefresh = 250 * time.Millisecond
	// plainEvery is how often --progress plain writes a line.
	plainEvery = 10 * time.Second
)

// progress reports how far some work is. A nil *progress reports nothing;
// its methods may be called all the same.
type progress struct {
	w     io.Writer
	ansi  bool // w is a terminal: erase with an escape sequence
	unit  unit // what is counted when the total is unknown
	plain bool // plain lines, not a bar
	its   bool // the bar shows steps per second
	start time.Time

	// line, when set, is a plain line for the state, and counters what
	// the bar shows after desc; both are called with p.mu held.
	line, counters func() string
	job            tableops.Progress // the state of a table job (observeJob)

	mu    sync.Mutex
	desc  string
	done  int64
	total int64                    // -1 or 0: unknown, shown as a spinner (and a count of unit)
	bar   *progressbar.ProgressBar // nil until progressDelay has passed
	max   int64                    // the bar's total, -1 for a spinner

	wrote bool // a plain line was written

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
	return newProgress(cmd, desc, u, total, false)
}

// newProgress is startProgress; with linesByDefault, --progress auto writes
// plain lines when standard error is not a terminal.
func newProgress(cmd *cobra.Command, desc string, u unit, total int, linesByDefault bool) *progress {
	w := cmd.ErrOrStderr()
	terminal := isTerminal(w)
	mode := progressAuto
	if f := cmd.Flags().Lookup(flagProgress); f != nil {
		mode = *f.Value.(*progressMode)
	}
	plain := mode == progressPlain || (mode == progressAuto && !terminal && linesByDefault)
	if mode == progressOff || (mode == progressAuto && !terminal && !plain) {
		return nil
	}
	p := &progress{
		w: w, ansi: terminal, unit: u, plain: plain, start: time.Now(),
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

// loop shows the bar after progressDelay and redraws it until finish, or
// writes the plain lines.
func (p *progress) loop() {
	defer close(p.exited)
	if p.plain {
		p.every(plainEvery, func() {
			p.writeLine()
			p.wrote = true
		})
		return
	}
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
	p.every(progressRefresh, p.draw)
}

// every calls f with p.mu held every d until finish.
func (p *progress) every(d time.Duration, f func()) {
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			p.mu.Lock()
			f()
			p.mu.Unlock()
		}
	}
}

// writeLine writes the state as a plain line; p.mu is held.
func (p *progress) writeLine() {
	if p.line != nil {
		fmt.Fprintln(p.w, p.line())
		return
	}
	line := p.desc
	if p.unit.many != "" {
		line += ": " + plural(int(p.done), p.unit.one, p.unit.many)
	}
	if p.total > 0 {
		line += fmt.Sprintf(" of %d", p.total)
	}
	fmt.Fprintf(p.w, "%s (%s)\n", line, time.Since(p.start).Round(time.Second))
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
	if p.its {
		opts = append(opts, progressbar.OptionShowIts(), progressbar.OptionSetItsString(p.unit.many))
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
	desc, sep := p.desc, ": "
	if p.max <= 0 && p.unit.many != "" {
		desc += sep + plural(int(p.done), p.unit.one, p.unit.many)
		sep = "; "
	}
	if p.counters != nil {
		desc += sep + p.counters()
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

// finish stops the progress and erases a shown bar, or writes the last
// plain line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.exited
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.plain && (p.done > 0 || p.wrote) { // work that did not start has nothing to say
		p.writeLine()
	}
	if p.bar != nil {
		p.bar.Clear()
		p.bar = nil
	}
}

var items = unit{"item", "items"}

// observeJob returns the tableops.Options.Progress of a table job that
// feeds p, or nil when p is nil. The bar counts this run's items against
// the estimated total less what earlier runs of the job did, so its
// rate and time left are this run's; the plain lines show the job's
// counters as the report counts them.
func (p *progress) observeJob() func(tableops.Progress) {
	if p == nil {
		return nil
	}
	p.update(func() {
		p.its = true
		desc := p.desc
		p.line = func() string { return jobLine(desc, p.job, time.Since(p.start)) }
		p.counters = func() string { return jobCounters(p.job) }
	})
	return func(s tableops.Progress) {
		p.update(func() {
			p.job = s
			p.done = s.Scanned - s.Resumed
			if s.Total > s.Resumed {
				p.total = s.Total - s.Resumed
			}
		})
	}
}

// jobCounters are a table job's outcome counters.
func jobCounters(s tableops.Progress) string {
	return fmt.Sprintf("%d verified, %d rewritten, %d skipped, %d failed", s.Verified, s.Rewritten, s.Skipped, s.Failed)
}

// jobLine is a plain progress line of a table job, elapsed after its start:
// the items scanned of the estimated total, the counters, this run's items
// per second and the time left at that pace.
func jobLine(desc string, s tableops.Progress, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d scanned", desc, s.Scanned)
	if s.Total > 0 {
		fmt.Fprintf(&b, " of about %d", s.Total)
	}
	fmt.Fprintf(&b, ", %s", jobCounters(s))
	if secs := elapsed.Seconds(); secs > 0 {
		rate := float64(s.Scanned-s.Resumed) / secs
		fmt.Fprintf(&b, "; %.1f items/s", rate)
		if rate > 0 && s.Total > s.Scanned {
			left := time.Duration(float64(s.Total-s.Scanned) / rate * float64(time.Second))
			fmt.Fprintf(&b, ", about %s left", left.Round(time.Second))
		}
	}
	fmt.Fprintf(&b, " (%s)", elapsed.Round(time.Second))
	return b.String()
}
