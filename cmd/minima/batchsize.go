package main

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
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
	tf = append(tf, &cli.IntFlag{Name: "steps", Value: d.Train.Steps, Usage: "train this many SGD steps per model instead of --epochs (the same number of updates for every batch size)", DefaultText: "none: --epochs"})
	flags := append(append(append(studyDataFlags(d.Data), batchsizeArchFlags(d.Arch)...), tf...),
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
			if s.Arch, err = archSettings(c, s.Data); err != nil {
				return err
			}
			s.Train.LR, s.Train.Momentum, s.Train.Init = c.Float64("lr"), c.Float64("momentum"), c.String("init")
			if s.Train.Epochs, s.Train.Steps, err = trainLength(c, s.Train); err != nil {
				return err
			}
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

// trainLength is --epochs or --steps: exactly one of them trains; without
// either, the study's default (def) does.
func trainLength(c *cli.Context, def graph.TrainSettings) (epochs, steps int, err error) {
	switch {
	case c.IsSet("steps") && c.IsSet("epochs"):
		return 0, 0, usagef(c, "give --epochs or --steps, not both")
	case c.IsSet("steps"):
		if c.Int("steps") < 1 {
			return 0, 0, usagef(c, "--steps must be ≥ 1, got %d", c.Int("steps"))
		}
		return 0, c.Int("steps"), nil
	case c.IsSet("epochs"):
		if c.Int("epochs") < 1 {
			return 0, 0, usagef(c, "--epochs must be ≥ 1, got %d", c.Int("epochs"))
		}
		return c.Int("epochs"), 0, nil
	}
	return def.Epochs, def.Steps, nil
}

// batchsizeArchFlags are train's architecture flags (archFlags) with the
// study's default architecture.
func batchsizeArchFlags(def study.ArchSettings) []cli.Flag {
	flags := archFlags()
	defaults := archDefaults(def)
	for _, f := range flags {
		switch f := f.(type) {
		case *cli.StringFlag:
			if f.Name == "arch" {
				f.Value = def.Arch
			} else if v, ok := defaults[f.Name]; ok {
				f.DefaultText = v + " (" + def.Arch + ")"
			}
		case *cli.IntFlag:
			if v, ok := defaults[f.Name]; ok {
				f.DefaultText = v
			}
		case *cli.BoolFlag:
			if v, ok := defaults[f.Name]; ok {
				f.DefaultText = v + " (" + def.Arch + ")"
			}
		}
	}
	return flags
}

// archDefaults are the values of the architecture flags that describe def.
func archDefaults(def study.ArchSettings) map[string]string {
	m := map[string]string{"hidden": ints(def.Hidden), "no-bias": strconv.FormatBool(!def.Bias)}
	if def.Arch == archCNN && def.CNN != nil {
		m["conv"], m["kernel"], m["pool"], m["hidden"] = ints(def.CNN.Channels), strconv.Itoa(def.CNN.Kernel), strconv.Itoa(def.CNN.Pool), ints(def.CNN.Hidden)
	}
	return m
}

// archSettings is the architecture the flags describe, as plain settings.
// The flags are parsed and checked by specFromFlags, as train does; the
// settings are read back from its network and must build the same one.
func archSettings(c *cli.Context, src datasets.Source) (study.ArchSettings, error) {
	// The default architecture's unset flags take the study's values.
	if def := study.DefaultBatchSizeSettings().Arch; c.String("arch") == def.Arch {
		for name, v := range archDefaults(def) {
			if !c.IsSet(name) {
				if err := c.Set(name, v); err != nil {
					return study.ArchSettings{}, usagef(c, "--%s: %v", name, err)
				}
			}
		}
	}
	d, classes := dataInputs(src), dataClasses(src)
	spec, err := specFromFlags(c, src.Kind, d, classes)
	if err != nil {
		return study.ArchSettings{}, err
	}
	a := study.ArchSettings{Arch: c.String("arch"), Bias: spec.HasBias(), Loss: spec.Loss}
	var hidden []int
	for _, l := range spec.Layers[:len(spec.Layers)-1] {
		if dense, ok := l.(*graph.Dense); ok {
			hidden = append(hidden, dense.Out)
		}
	}
	if a.Arch == archMLP {
		a.Hidden = hidden
	} else {
		a.CNN = &graph.CNNSettings{Input: spec.Input, Pool: 1, Hidden: append([]int{}, hidden...)}
		for _, l := range spec.Layers {
			switch l := l.(type) {
			case *graph.Conv2D:
				a.CNN.Channels, a.CNN.Kernel = append(a.CNN.Channels, l.Out), l.Kernel[0]
			case *graph.MaxPool:
				a.CNN.Pool = l.Size[0]
			}
		}
	}
	if back, err := a.Spec(d, classes); err != nil || !reflect.DeepEqual(back, spec) {
		return a, fmt.Errorf("batchsize: the architecture flags' network %v is not expressible as study settings (%v)", spec, err)
	}
	return a, nil
}
