package main

import (
	"math"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/report"
)

// outDir returns the value of the required output flag, refusing an existing
// directory unless --overwrite is set.
func outDir(c *cli.Context, flag string) (string, error) {
	dir := c.String(flag)
	if dir == "" {
		return "", usagef(c, "--%s is required", flag)
	}
	return dir, checkOut(c, dir, "--"+flag)
}

// checkOut refuses an existing output directory unless --overwrite is set,
// and refuses outright an existing output that holds an input — the model's
// files or the MNIST files — since replacing it would delete the input.
func checkOut(c *cli.Context, dir, flag string) error {
	if dir == "" {
		return nil
	}
	out, err := os.Stat(filepath.Clean(dir)) // the path report.NewAtomicDir replaces
	if err != nil {
		return nil // nothing there to replace
	}
	for _, in := range inputFiles(c) {
		if holds(out, in.file) {
			return usagef(c, "%s %s would replace %s", flag, dir, in.name)
		}
	}
	if !c.Bool("overwrite") {
		return usagef(c, "%s %s already exists (use --overwrite to replace it)", flag, dir)
	}
	return nil
}

// input is a file of an input a command reads, with its description.
type input struct{ name, file string }

// inputFiles lists a file of each input a command reads.
func inputFiles(c *cli.Context) []input {
	var in []input
	if m := c.String("model"); m != "" {
		in = append(in, input{"--model " + m, filepath.Join(m, "model.json")},
			input{"the parameters of --model " + m, filepath.Join(m, "params", "dense0_W.npy")})
	}
	if d, err := datasets.FindMNIST(c.String("data-dir")); err == nil {
		in = append(in, input{"the MNIST directory " + d, filepath.Join(d, datasets.MNISTTrainImages+".gz")})
	}
	return in
}

// holds reports whether the directory dir is file or one of its ancestors,
// compared as files (so links, "..", and case-folding file systems cannot
// hide it).
func holds(dir os.FileInfo, file string) bool {
	p, err := filepath.Abs(file)
	if err != nil {
		return false
	}
	for {
		if fi, err := os.Stat(p); err == nil && os.SameFile(fi, dir) {
			return true
		}
		parent := filepath.Dir(p)
		if parent == p {
			return false
		}
		p = parent
	}
}

// writeDir writes a results directory atomically: write fills it, and it
// appears at dir only if write succeeds.
func writeDir(c *cli.Context, dir string, write func(ad *report.AtomicDir) error) error {
	var opts []report.DirOption
	if c.Bool("overwrite") {
		opts = append(opts, report.AllowOverwrite())
	}
	ad, err := report.NewAtomicDir(dir, opts...)
	if err != nil {
		return err
	}
	defer ad.Abort()
	if err := write(ad); err != nil {
		return err
	}
	return ad.Commit()
}

// openObjective loads --model and its samples (sampleFlags) and prepares the
// mean loss over them. The caller closes the objective.
func openObjective(c *cli.Context) (*graph.Model, *datasets.Set, *graph.Objective, error) {
	m, set, err := loadModelAndSamples(c)
	if err != nil {
		return nil, nil, nil, err
	}
	o, err := graph.NewObjective(m.Spec, set, c.Int("chunk"))
	if err != nil {
		return nil, nil, nil, err
	}
	return m, set, o, nil
}

// progress returns a progress line on stderr (nil when quiet or not a
// terminal) and a callback that shows a message on it.
func progress(c *cli.Context, name string) (*report.Progress, func(string)) {
	bar := report.NewProgress(-1, name, quiet(c))
	return bar, func(msg string) { bar.Describe(msg); bar.Add(1) }
}

// probeSeedFlag seeds the randomised estimators of a command.
func probeSeedFlag() cli.Flag {
	return &cli.Int64Flag{Name: "probe-seed", Value: 1, Usage: "seed of random start vectors, probes and directions (same seed, same result)"}
}

// positive reports whether x is a positive finite number.
func positive(x float64) bool { return x > 0 && !math.IsInf(x, 1) }
