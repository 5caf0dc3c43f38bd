package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/study"
)

// measureFlags configure study.MeasureSettings.
func measureFlags() []cli.Flag {
	return []cli.Flag{
		&cli.Float64SliceFlag{Name: "eps", Value: cli.NewFloat64Slice(1e-3, 5e-4), Usage: "ε of ε-sharpness (comma-separated)"},
		&cli.IntFlag{Name: "subspace", Value: 100, Usage: "also ε-sharpness in a random p-dimensional subspace (0: full space only)"},
		&cli.IntFlag{Name: "sharpness-iters", Value: 10, Usage: "iterations of the box-constrained ascent"},
		&cli.Float64Flag{Name: "flatness-eps", Value: 0.01, Usage: "loss increase bounding the ε-flatness region"},
		&cli.IntFlag{Name: "flatness-directions", Value: 16, Usage: "random directions for ε-flatness (plus the top eigenvector)"},
		&cli.IntFlag{Name: "probes", Value: 50, Usage: "Rademacher probes of the trace estimates"},
		probeSeedFlag(),
		&cli.IntFlag{Name: "top-k", Value: 5, Usage: "largest Hessian eigenvalues to report (λ_max is the first)"},
		&cli.Float64Flag{Name: "lambda-tol", Value: 1e-6, Usage: "Lanczos tolerance of the top eigenvalues: ‖Hv − λv‖ ≤ tol·λ_max"},
	}
}

func measureSettings(c *cli.Context) (study.MeasureSettings, error) {
	s := study.DefaultMeasureSettings()
	// ε is relative to |θ|+1 (Keskar et al.): beyond 1 the box is no
	// neighbourhood of the minimum.
	var err error
	if s.Eps, err = floatList(c, "eps", 1e-12, 1); err != nil {
		return s, err
	}
	s.Subspace, s.SharpnessIters = c.Int("subspace"), c.Int("sharpness-iters")
	s.FlatnessEps, s.FlatnessDirections, s.TraceProbes = c.Float64("flatness-eps"), c.Int("flatness-directions"), c.Int("probes")
	s.LambdaTol, s.TopK = c.Float64("lambda-tol"), c.Int("top-k")
	s.Seed = c.Int64("probe-seed")
	if s.Subspace < 0 || s.SharpnessIters <= 0 || !positive(s.FlatnessEps) || s.FlatnessDirections <= 0 || s.TraceProbes < 2 || s.TopK < 1 || !positive(s.LambdaTol) || s.LambdaTol >= 1 {
		return s, usagef(c, "--subspace ≥ 0, --sharpness-iters, --flatness-eps, --flatness-directions positive, --lambda-tol in (0,1), --top-k ≥ 1 and --probes ≥ 2 required")
	}
	return s, nil
}

func sharpnessCommand() *cli.Command {
	return &cli.Command{
		Name:  "sharpness",
		Usage: "every flatness measure of one model: λ_max, trace, ε-sharpness, ε-flatness, ASAM, Fisher–Rao, normalised trace, relative flatness",
		Flags: append(append(sampleFlags(), measureFlags()...),
			&cli.StringFlag{Name: "out", Usage: "results directory to write (required)"},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace an existing --out directory"},
		),
		Action: sharpnessAction,
	}
}

func sharpnessAction(c *cli.Context) error {
	out, err := outDir(c, "out")
	if err != nil {
		return err
	}
	s, err := measureSettings(c)
	if err != nil {
		return err
	}
	m, set, o, err := openObjective(c)
	if err != nil {
		return err
	}
	defer o.Close()
	noteSubspace(c, s, m.Spec.NumParams())
	bar, say := progress(c, "measures")
	s.Progress = say
	res, err := study.ComputeMeasures(o, set.Y, m.Theta, s)
	bar.Finish()
	if err != nil {
		return err
	}
	err = writeDir(c, out, func(ad *report.AtomicDir) error {
		if err := report.WriteTiming(ad, report.Timing{Seconds: res.Seconds}); err != nil {
			return err
		}
		return report.WriteJSON(ad.Path("measures.json"), res)
	})
	if err != nil {
		return err
	}
	fmt.Print(study.MeasuresSummary(res))
	fmt.Printf("wrote %s\n", out)
	return nil
}

// noteSubspace says on stderr (unless --quiet) when an explicit --subspace
// p ≥ n makes the subspace ε-sharpness the full-space one, which is then
// reported alone.
func noteSubspace(c *cli.Context, s study.MeasureSettings, n int) {
	if c.IsSet("subspace") && s.Subspace >= n && !quiet(c) {
		fmt.Fprintf(os.Stderr, "minima: note: --subspace %d ≥ %d parameters: only the full-space ε-sharpness is computed\n", s.Subspace, n)
	}
}
