package main

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/report"
)

// outDir returns the value of the required output flag after checkOut.
func outDir(c *cli.Context, flag string) (string, error) {
	dir := c.String(flag)
	if dir == "" {
		return "", usagef(c, "--%s is required", flag)
	}
	return dir, checkOut(c, dir, "--"+flag)
}

// checkOut checks an output directory before any work, so that no run
// computes for minutes and then cannot write, or replaces what it must not.
// It refuses, in one line naming flag:
//   - ".", "..", "/" and paths ending so: they name no new directory;
//   - a path whose nearest existing ancestor is not a directory;
//   - a symbolic link (minima replaces directories, never through a link),
//     and an existing path that is not a directory;
//   - the working directory and its ancestors, and a directory that is or
//     holds an input of the run (the --model directory and its files, the
//     MNIST directory and its files), compared as files after resolving
//     links (see report.Holds);
//   - an existing directory without --overwrite;
//   - with --overwrite, an existing directory minima did not write (no
//     report.MarkerFile in it).
//
// Commit checks the last three again (report.CheckOverwrite) when it
// replaces the directory.
func checkOut(c *cli.Context, dir, flag string) error {
	if dir == "" {
		return nil
	}
	clean := filepath.Clean(dir) // the path report.NewAtomicDir replaces
	if base := filepath.Base(clean); base == "." || base == ".." || base == string(filepath.Separator) {
		return usagef(c, "%s %s: name a new directory to write (not ., .. or /)", flag, dir)
	}
	fi, err := os.Lstat(clean)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return checkParent(c, clean, dir, flag)
	case err != nil:
		return usagef(c, "%s %s: %v", flag, dir, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return usagef(c, "%s %s is a symbolic link: give the directory it points to, or a new directory", flag, dir)
	case !fi.IsDir():
		return usagef(c, "%s %s exists and is not a directory", flag, dir)
	}
	if wd, err := os.Getwd(); err == nil && report.Holds(fi, wd) {
		return usagef(c, "%s %s is the working directory or one of its ancestors", flag, dir)
	}
	for _, in := range inputs(c) {
		if report.Holds(fi, in.path) {
			return usagef(c, "%s %s would replace %s", flag, dir, in.name)
		}
	}
	if !c.Bool("overwrite") {
		return usagef(c, "%s %s already exists (use --overwrite to replace it)", flag, dir)
	}
	if err := report.CheckOverwrite(clean); err != nil {
		if errors.Is(err, report.ErrNotOutput) {
			return usagef(c, "%s %s was not written by minima (it has no %s file): --overwrite replaces only minima's output; remove it yourself or choose another %s", flag, dir, report.MarkerFile, flag)
		}
		return usagef(c, "%s %v", flag, err)
	}
	return nil
}

// checkParent refuses an output path that cannot be created: its nearest
// existing ancestor must be a directory this process may write in.
func checkParent(c *cli.Context, clean, dir, flag string) error {
	p := filepath.Dir(clean)
	for {
		fi, err := os.Stat(p)
		if err == nil {
			if !fi.IsDir() {
				return usagef(c, "%s %s: %s is not a directory", flag, dir, p)
			}
			const wOK, xOK = 0x2, 0x1 // access(2) modes
			if err := syscall.Access(p, wOK|xOK); err != nil {
				return usagef(c, "%s %s: cannot create it in %s: %v", flag, dir, p, err)
			}
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return usagef(c, "%s %s: %v", flag, dir, err)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
}

// input is a path a command reads, with its description for messages.
type input struct{ name, path string }

// maxInputEntries bounds the files listed per input directory.
const maxInputEntries = 1000

// inputs lists what a command reads: the --model directory, the MNIST
// directory, and the files (and params/ files) in them, each of which may be
// a link elsewhere.
func inputs(c *cli.Context) []input {
	var in []input
	add := func(name, dir string) {
		in = append(in, input{name, dir})
		for _, sub := range []string{dir, filepath.Join(dir, "params")} {
			f, err := os.Open(sub)
			if err != nil {
				continue
			}
			names, _ := f.Readdirnames(maxInputEntries)
			f.Close()
			for _, n := range names {
				in = append(in, input{name, filepath.Join(sub, n)})
			}
		}
	}
	if m := c.String("model"); m != "" {
		add("--model "+m, m)
	}
	if d, err := datasets.FindMNIST(c.String("data-dir")); err == nil {
		add("the MNIST directory "+d, d)
	}
	return in
}

// inputPaths are the paths of inputs(c).
func inputPaths(c *cli.Context) []string {
	var p []string
	for _, in := range inputs(c) {
		p = append(p, in.path)
	}
	return p
}

// writeDir writes a results directory atomically: write fills it, and it
// appears at dir only if write succeeds. With --overwrite it replaces a
// directory minima wrote, holding none of the command's inputs.
func writeDir(c *cli.Context, dir string, write func(ad *report.AtomicDir) error) error {
	opts := []report.DirOption{report.Protect(inputPaths(c)...)}
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
	if err := checkMemory(c, m.Spec, min(c.Int("chunk"), set.N), 0, "--chunk (or --samples)"); err != nil {
		return nil, nil, nil, err
	}
	f32 := c.Bool("float32") // hessian's flag; false for the other commands
	o, err := graph.NewObjectiveWith(m.Spec, set, graph.ObjectiveSettings{Chunk: c.Int("chunk"), Float32: f32})
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
