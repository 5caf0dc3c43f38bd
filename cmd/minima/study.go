package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/study"
	"github.com/minima-project/minima/sweep"
)

// studyCommand is `minima study`: Sagun et al.'s Hessian studies, each a
// sweep that may run in parts (--shard) or as a Slurm job array (--sbatch).
func studyCommand() *cli.Command {
	return &cli.Command{
		Name:        "study",
		Usage:       "Sagun et al.'s Hessian studies: clusters, training, width, negative",
		Subcommands: studySubcommands(),
	}
}

// sweepFlags are the flags every sweep command takes.
func sweepFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "out", Usage: "output directory (required): runs/<id>/ per run, then the tables, plots and report.md; a rerun resumes"},
		&cli.StringFlag{Name: "shard", Usage: "run only part i of n (i/n, 0 ≤ i < n; e.g. $SLURM_ARRAY_TASK_ID/N) and write no tables: combine the parts with `minima merge`"},
		&cli.StringFlag{Name: "sbatch", Usage: "write a Slurm job-array script to FILE (parts into OUT.parts, merged into OUT) instead of running"},
		&cli.IntFlag{Name: "array", Usage: "with --sbatch: number of array tasks (0: one per run)"},
		dataDirFlag(),
		quietFlag(),
	}
}

// sweepFlagNames are not passed on to the array tasks by --sbatch.
var sweepFlagNames = map[string]bool{"out": true, "shard": true, "sbatch": true, "array": true, "quiet": true, "q": true}

// runSweep is the action of a sweep command: run sw (or the part --shard
// selects) into --out, or write the --sbatch script. path is the command's
// words after "minima" (e.g. "study", "clusters").
func runSweep(c *cli.Context, sw study.Sweeper, path ...string) error {
	if c.NArg() > 0 {
		return usagef(c, "unexpected argument %q", c.Args().First())
	}
	out := c.String("out")
	if out == "" {
		return usagef(c, "--out is required")
	}
	shard, err := sweep.ParseShard(c.String("shard"))
	if err != nil {
		return usagef(c, "--shard: %v", err)
	}
	p, err := sw.Plan()
	if err != nil {
		return usagef(c, "%v", err)
	}
	if file := c.String("sbatch"); file != "" {
		if c.IsSet("shard") {
			return usagef(c, "--sbatch writes a script for every part: drop --shard")
		}
		return writeSbatch(c, file, out, len(p.IDs), path)
	}
	if c.IsSet("array") {
		return usagef(c, "--array applies to --sbatch only")
	}
	bar := report.NewProgress(-1, path[len(path)-1], quiet(c))
	start := time.Now()
	o, summary, err := study.RunSweep(sw, out, shard, study.Env{DataDir: c.String("data-dir"),
		Progress: func(m string) { bar.Describe(m); bar.Add(1) }})
	bar.Finish()
	if err != nil {
		return err
	}
	fmt.Print(summary)
	fmt.Printf("%d runs done, %d already complete, in %.1f s\n", len(o.Ran), len(o.Skipped), time.Since(start).Seconds())
	if shard.Count > 0 {
		fmt.Printf("part %s written to %s; when every part is done: minima merge %s --out RESULT\n", shard, out, out)
		return nil
	}
	fmt.Printf("wrote %s\n", out)
	return nil
}

// writeSbatch writes the job-array script of the sweep: tasks write their
// parts into out.parts, the merge job writes out.
func writeSbatch(c *cli.Context, file, out string, runs int, path []string) error {
	tasks := c.Int("array")
	if tasks < 0 || tasks > runs {
		return usagef(c, "--array must be in [0, %d] (the sweep has %d runs; 0: one task per run)", runs, runs)
	}
	if tasks == 0 {
		tasks = runs
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	res, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if err := checkOut(c, res, "--out"); err != nil {
		return err
	}
	parts := res + ".parts"
	task := append([]string{exe, "--quiet"}, path...)
	task = append(append(task, passThrough(c)...), "--out", parts, "--shard")
	merge := []string{exe, "--quiet", "merge", parts, "--out", res}
	b := sweep.Batch{Name: "minima-" + strings.Join(path, "-"), Tasks: tasks, Task: task, Merge: merge, Dir: wd, Logs: filepath.Join(parts, "logs")}
	if err := sweep.WriteBatch(file, b); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d array tasks for %d runs into %s, then a merge job into %s\n", file, tasks, runs, parts, res)
	fmt.Printf("submit with: bash %s   (bash %s --wait waits for the merge)\n", file, file)
	return nil
}

// passThrough returns the command's flags that were set, except the sweep's
// own, as --name=value arguments.
func passThrough(c *cli.Context) []string {
	var args []string
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if sweepFlagNames[name] || !c.IsSet(name) {
			continue
		}
		v := c.Value(name)
		if fv, ok := v.(float64); ok {
			v = strconv.FormatFloat(fv, 'g', -1, 64)
		}
		args = append(args, fmt.Sprintf("--%s=%v", name, v))
	}
	return args
}

// mergeCommand is `minima merge DIR… --out RES`.
func mergeCommand() *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "combine the runs of a sweep found in one or more directories (parts of --shard runs) into its tables, plots and report",
		ArgsUsage: "DIR…",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "results directory to write (required)"},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace an existing --out directory"},
			quietFlag(),
		},
		Action: mergeAction,
	}
}

func mergeAction(c *cli.Context) error {
	dirs, err := trailingFlags(c)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return usagef(c, "name the directories to merge: minima merge DIR… --out RES")
	}
	out, err := outDir(c, "out")
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && report.Holds(fi, abs) {
			return usagef(c, "--out %s lies inside the input %s: write the merge elsewhere", out, d)
		}
	}
	var summary, name string
	opts := []report.DirOption{report.Protect(append(inputPaths(c), dirs...)...)}
	if c.Bool("overwrite") {
		opts = append(opts, report.AllowOverwrite())
	}
	ad, err := report.NewAtomicDir(out, opts...)
	if err != nil {
		return err
	}
	defer ad.Abort()
	if summary, name, err = study.Merge(dirs, ad); err != nil {
		return err
	}
	if err := ad.Commit(); err != nil {
		return err
	}
	fmt.Print(summary)
	fmt.Printf("merged sweep %s from %s into %s\n", name, strings.Join(dirs, ", "), out)
	return nil
}

// trailingFlags sets the merge's flags given after the directories (the
// flag parser stops at the first argument: `minima merge A B --out RES`) and
// returns the directories.
func trailingFlags(c *cli.Context) ([]string, error) {
	var dirs []string
	args := c.Args().Slice()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			dirs = append(dirs, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch name {
		case "out":
			if !hasValue {
				if i+1 == len(args) {
					return nil, usagef(c, "--out needs a value")
				}
				i++
				value = args[i]
			}
		case "overwrite", "quiet", "q":
			if !hasValue {
				value = "true"
			}
		default:
			return nil, usagef(c, "unknown flag %s", a)
		}
		if err := c.Set(name, value); err != nil {
			return nil, usagef(c, "%s: %v", a, err)
		}
	}
	return dirs, nil
}
