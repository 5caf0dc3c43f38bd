package study

import (
	"fmt"
	"path/filepath"

	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/sweep"
)

// Env is what a study's runs take from the machine without it changing their
// results: where MNIST is and where progress goes.
type Env struct {
	DataDir  string
	Progress func(string) // nil: silent
}

func (e Env) say(format string, a ...any) {
	if e.Progress != nil {
		e.Progress(fmt.Sprintf(format, a...))
	}
}

// A Sweeper is a study made of independent runs (package sweep): its settings
// give the plan, each run writes its own directory, and the tables, plots and
// report are made from the completed runs, whether they ran in one process
// or in many.
type Sweeper interface {
	// Plan is the sweep's name, settings and run ids.
	Plan() (*sweep.Plan, error)
	// Run computes run id into dir.
	Run(id string, dir *report.AtomicDir, env Env) error
	// Write makes the study's files in dst from the completed runs and
	// returns a summary for the terminal.
	Write(runs *sweep.Set, dst Dest) (string, error)
}

// Dest is where a study writes its files: a report.AtomicDir, or Dir.
type Dest interface {
	Path(rel string) string
}

// Dir is a Dest writing into an existing directory, file by file (each file
// is written atomically).
type Dir string

// Path is rel inside the directory.
func (d Dir) Path(rel string) string { return filepath.Join(string(d), rel) }

// RowFile is the file each study run writes its result row to.
const RowFile = "row.json"

// RunSweep runs the part shard of sw into out (skipping runs already
// complete there). For the whole sweep (the zero Shard) it then writes the
// study's files into out and returns their summary; for a part it returns
// "".
func RunSweep(sw Sweeper, out string, shard sweep.Shard, env Env) (*sweep.Outcome, string, error) {
	p, err := sw.Plan()
	if err != nil {
		return nil, "", err
	}
	o, err := sweep.Execute(p, out, func(id string, dir *report.AtomicDir) error { return sw.Run(id, dir, env) },
		sweep.Options{Shard: shard, Progress: env.Progress})
	if err != nil || shard.Count > 0 {
		return o, "", err
	}
	runs, err := sweep.Load(out)
	if err != nil {
		return o, "", err
	}
	if err := runs.Complete(); err != nil {
		return o, "", err
	}
	summary, err := sw.Write(runs, Dir(out))
	return o, summary, err
}

// Merge writes into dst the study's files from the runs found in dirs, which
// must make up one complete sweep. It returns the summary and the sweep's
// name.
func Merge(dirs []string, dst Dest) (summary, name string, err error) {
	runs, err := sweep.Load(dirs...)
	if err != nil {
		return "", "", err
	}
	if err := runs.Complete(); err != nil {
		return "", runs.Name, err
	}
	sw, err := SweepOf(runs)
	if err != nil {
		return "", runs.Name, err
	}
	summary, err = sw.Write(runs, dst)
	return summary, runs.Name, err
}

// SweepOf returns the study a set of runs belongs to, with the settings they
// were made with.
func SweepOf(runs *sweep.Set) (Sweeper, error) {
	var sw Sweeper
	switch runs.Name {
	case ClustersName:
		sw = &ClustersSettings{}
	case TrainingName:
		sw = &TrainingSettings{}
	case WidthName:
		sw = &WidthSettings{}
	case NegativeName:
		sw = &NegativeSettings{}
	case BatchSizeName:
		sw = &BatchSizeSettings{}
	default:
		return nil, fmt.Errorf("study: unknown sweep %q", runs.Name)
	}
	if err := runs.Decode(sw); err != nil {
		return nil, err
	}
	return sw, nil
}

// readRows reads the row of every run, in plan order.
func readRows[T any](runs *sweep.Set) ([]T, error) {
	rows := make([]T, len(runs.IDs))
	for i, id := range runs.IDs {
		if err := report.ReadJSON(runs.Path(id, RowFile), &rows[i]); err != nil {
			return nil, err
		}
	}
	return rows, nil
}
