package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/minima-project/minima/report"
)

// Layout of an output directory.
const (
	RunsDir      = "runs"     // OUT/runs/<id>/ holds one run
	RecordFile   = "run.json" // its completion record, written last
	RecordFormat = "minima/sweep-run/v1"
)

// Record is run.json, a run's completion record: which sweep it belongs to
// and the settings it was made with.
type Record struct {
	Format      string          `json:"format"`
	Sweep       string          `json:"sweep"`
	ID          string          `json:"id"`
	Fingerprint string          `json:"fingerprint"`
	Settings    json.RawMessage `json:"settings"`
	IDs         []string        `json:"ids"`
	Seconds     float64         `json:"seconds"` // wall time of the run
}

// RunFunc computes run id, writing its files into dir (inside the run's
// temporary directory; see report.AtomicDir.Path). An error abandons the
// run: nothing of it remains.
type RunFunc func(id string, dir *report.AtomicDir) error

// Options configure Execute. The zero value runs the whole sweep silently.
type Options struct {
	Shard Shard
	// Progress, if set, is told about each run started or skipped.
	Progress func(string)
}

// Outcome lists what Execute did, in plan order.
type Outcome struct {
	Ran, Skipped []string
	Seconds      float64 // wall time of the runs done
}

// RunDir is the directory of run id under the output directory out.
func RunDir(out, id string) string { return filepath.Join(out, RunsDir, id) }

// Execute runs the runs of o.Shard that are not yet complete under out. Each
// run is written into a temporary sibling of out/runs/<id>/ and renamed into
// place with its record once run succeeds. A run already complete with the
// same fingerprint is skipped; one made with other settings is an error (use
// another output directory). Several processes may execute different shards
// into the same out.
func Execute(p *Plan, out string, run RunFunc, o Options) (*Outcome, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	settings, fp, err := p.encode()
	if err != nil {
		return nil, err
	}
	say := func(format string, a ...any) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf(format, a...))
		}
	}
	res := &Outcome{}
	ids := o.Shard.Select(p.IDs)
	for k, id := range ids {
		dir := RunDir(out, id)
		done, err := complete(dir, fp)
		if err != nil {
			return res, err
		}
		if done {
			say("run %s (%d/%d): complete, skipped", id, k+1, len(ids))
			res.Skipped = append(res.Skipped, id)
			continue
		}
		say("run %s (%d/%d)", id, k+1, len(ids))
		start := time.Now()
		if err := runOne(dir, id, run, func(secs float64) Record {
			return Record{Format: RecordFormat, Sweep: p.Name, ID: id, Fingerprint: fp, Settings: settings, IDs: p.IDs, Seconds: secs}
		}); err != nil {
			return res, err
		}
		res.Ran = append(res.Ran, id)
		res.Seconds += time.Since(start).Seconds()
	}
	return res, nil
}

// runOne runs id into a temporary directory and commits it to dir.
func runOne(dir, id string, run RunFunc, record func(secs float64) Record) error {
	ad, err := report.NewAtomicDir(dir)
	if err != nil {
		return err
	}
	defer ad.Abort()
	start := time.Now()
	if err := run(id, ad); err != nil {
		return fmt.Errorf("run %s: %w", id, err)
	}
	secs := math.Round(time.Since(start).Seconds()*1000) / 1000
	if err := report.WriteJSON(ad.Path(RecordFile), record(secs)); err != nil {
		return err
	}
	return ad.Commit()
}

// complete reports whether dir holds a completed run with fingerprint fp. A
// completed run of another sweep or other settings is an error.
func complete(dir, fp string) (bool, error) {
	r, err := readRecord(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(dir); serr == nil {
			return false, fmt.Errorf("%s exists but has no %s: not a run of a sweep (remove it)", dir, RecordFile)
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if r.Fingerprint != fp {
		return false, fmt.Errorf("%s was made with other settings (fingerprint %.12s…, this sweep %.12s…): use another output directory", dir, r.Fingerprint, fp)
	}
	return true, nil
}

// readRecord reads and checks dir/run.json; a missing file wraps
// fs.ErrNotExist.
func readRecord(dir string) (*Record, error) {
	path := filepath.Join(dir, RecordFile)
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	var r Record
	if err := report.ReadJSON(path, &r); err != nil {
		return nil, err
	}
	if r.Format != RecordFormat {
		return nil, fmt.Errorf("%s: format %q, want %q", path, r.Format, RecordFormat)
	}
	if r.ID != filepath.Base(dir) {
		return nil, fmt.Errorf("%s: records run %q but lies in the directory of run %q", path, r.ID, filepath.Base(dir))
	}
	if want := fingerprintOf(r.Sweep, r.Settings, r.IDs); r.Fingerprint != want {
		return nil, fmt.Errorf("%s: fingerprint does not match its settings (edited by hand?)", path)
	}
	return &r, nil
}
