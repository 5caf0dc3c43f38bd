package report

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress is a progress bar on standard error for long computations
// (Lanczos iterations, α sweeps, ...). It is drawn only when standard error
// is a terminal and the caller is not in quiet mode, so logs and
// redirected output stay clean.
//
// All methods are safe on a nil *Progress and then do nothing, so
// numerical code can accept a *Progress and callers can pass nil. A
// non-nil Progress may be updated from several goroutines.
type Progress struct {
	bar *progressbar.ProgressBar
}

// NewProgress returns a progress bar for total steps described by desc,
// or nil (a valid, silent Progress) when quiet is true or standard error
// is not a terminal. A total ≤ 0 means unknown and shows a spinner.
func NewProgress(total int, desc string, quiet bool) *Progress {
	if quiet || !term.IsTerminal(int(os.Stderr.Fd())) {
		return nil
	}
	return newProgressTo(os.Stderr, total, desc)
}

// newProgressTo builds a visible progress bar writing to w.
func newProgressTo(w io.Writer, total int, desc string) *Progress {
	max := int64(total)
	if total <= 0 {
		max = -1
	}
	bar := progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionFullWidth(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
	return &Progress{bar: bar}
}

// Add advances the bar by n steps.
func (p *Progress) Add(n int) {
	if p == nil || p.bar == nil {
		return
	}
	_ = p.bar.Add(n)
}

// Describe replaces the text shown before the bar (for example the current
// α or the running estimate of λmax). It has no effect after Finish.
func (p *Progress) Describe(desc string) {
	if p == nil || p.bar == nil || p.bar.IsFinished() {
		return
	}
	p.bar.Describe(desc)
}

// Finish fills the bar and ends its line. The bar also finishes by itself
// when the total is reached. Calling Finish again, or Add after Finish, has
// no further visible effect.
func (p *Progress) Finish() {
	if p == nil || p.bar == nil {
		return
	}
	if !p.bar.IsFinished() {
		_ = p.bar.Finish()
	}
}
