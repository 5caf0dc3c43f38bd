package main

import (
	"cmp"
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
// and refuses outright an output that is, or contains, an input: the model
// directory or the data directory (replacing it would delete the input).
func checkOut(c *cli.Context, dir, flag string) error {
	if dir == "" {
		return nil
	}
	inputs := map[string]string{"--model": c.String("model"), "the MNIST directory": c.String("data-dir")}
	if inputs["the MNIST directory"] == "" {
		inputs["the MNIST directory"] = cmp.Or(os.Getenv(datasets.MNISTEnv), datasets.MNISTDefaultDir)
	}
	for name, src := range inputs {
		if src != "" && within(src, dir) {
			return usagef(c, "%s %s would replace %s %s", flag, dir, name, src)
		}
	}
	if _, err := os.Stat(dir); err == nil && !c.Bool("overwrite") {
		return usagef(c, "%s %s already exists (use --overwrite to replace it)", flag, dir)
	}
	return nil
}

// within reports whether path is dir or lies inside it (after resolving both
// to absolute paths, and symbolic links where they exist).
func within(path, dir string) bool {
	abs := func(p string) string {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		a, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		return a
	}
	rel, err := filepath.Rel(abs(dir), abs(path))
	return err == nil && (rel == "." || filepath.IsLocal(rel))
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
