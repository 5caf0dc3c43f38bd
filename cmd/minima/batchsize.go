package main

import (
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/study"
)

// batchsizeCommand is `minima batchsize`: small against large batches, with
// classical and reparametrisation-invariant measures.
func batchsizeCommand() *cli.Command {
	d := study.DefaultBatchSizeSettings()
	eps := make([]string, len(d.Eps))
	for i, e := range d.Eps {
		eps[i] = strconv.FormatFloat(e, 'g', -1, 64)
	}
	tf := trainFlags(d.Train)[1:] // the batch size is swept
	tf = tf[:len(tf)-1]           // and so is the seed
	flags := append(append(append(studyDataFlags(d.Data), netFlags(d.Net)...), tf...),
		&cli.StringFlag{Name: "sizes", Value: ints(d.Sizes), Usage: "batch sizes, comma-separated, smallest first"},
		&cli.StringFlag{Name: "seeds", Value: seeds(d.Seeds), Usage: "training seeds, comma-separated"},
		&cli.IntFlag{Name: "top", Value: d.Top, Usage: "largest Hessian eigenvalues (Lanczos)"},
		&cli.IntFlag{Name: "bottom", Value: d.Bottom, Usage: "smallest Hessian eigenvalues (Lanczos)"},
		&cli.Float64Flag{Name: "tol", Value: d.Tol, Usage: "Lanczos relative residual tolerance"},
		&cli.StringFlag{Name: "eps", Value: strings.Join(eps, ","), Usage: "ε of ε-sharpness, comma-separated"},
		&cli.IntFlag{Name: "subspace", Value: d.Subspace, Usage: "also ε-sharpness in a random p-dimensional subspace (0: full space only)"},
		&cli.IntFlag{Name: "sharpness-iters", Value: d.SharpnessIters, Usage: "iterations of the box-constrained ascent"},
		&cli.IntFlag{Name: "flatness-directions", Value: d.FlatnessDirections, Usage: "random directions of ε-flatness"},
		&cli.IntFlag{Name: "probes", Value: d.TraceProbes, Usage: "Rademacher probes of the trace estimates"},
		probeSeedFlag(),
	)
	return &cli.Command{
		Name:  "batchsize",
		Usage: "small against large batches: spectrum ends, ε-sharpness and the invariant measures per batch size and seed",
		Flags: append(flags, sweepFlags()...),
		Action: func(c *cli.Context) error {
			s := study.DefaultBatchSizeSettings()
			var err error
			if s.Data, err = dataSource(c); err != nil {
				return err
			}
			if s.Net, err = netSettings(c); err != nil {
				return err
			}
			s.Train.Epochs, s.Train.LR, s.Train.Momentum, s.Train.Init = c.Int("epochs"), c.Float64("lr"), c.Float64("momentum"), c.String("init")
			if s.Sizes, err = parseInts(c.String("sizes")); err != nil || len(s.Sizes) < 2 {
				return usagef(c, "--sizes: want two or more batch sizes like 10,512")
			}
			if s.Seeds, err = parseSeeds(c.String("seeds")); err != nil {
				return usagef(c, "--seeds: %v", err)
			}
			s.Eps = nil
			for _, f := range strings.Split(c.String("eps"), ",") {
				e, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
				if err != nil || !positive(e) {
					return usagef(c, "--eps: %q is not a positive number", f)
				}
				s.Eps = append(s.Eps, e)
			}
			s.Top, s.Bottom, s.Tol = c.Int("top"), c.Int("bottom"), c.Float64("tol")
			s.Subspace, s.SharpnessIters, s.FlatnessDirections, s.TraceProbes, s.ProbeSeed = c.Int("subspace"), c.Int("sharpness-iters"), c.Int("flatness-directions"), c.Int("probes"), c.Int64("probe-seed")
			if s.SharpnessIters < 1 || s.FlatnessDirections < 1 || s.Subspace < 0 {
				return usagef(c, "--sharpness-iters and --flatness-directions must be positive, --subspace ≥ 0")
			}
			return runSweep(c, &s, "batchsize")
		},
	}
}
