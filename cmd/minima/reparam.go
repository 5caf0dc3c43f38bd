package main

import (
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/reparam"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/study"
)

func reparamCommand() *cli.Command {
	return &cli.Command{
		Name:  "reparam",
		Usage: "sweep a function-preserving reparametrisation T_α and measure every flatness measure at each α",
		Flags: append(append(sampleFlags(), measureFlags()...),
			&cli.Float64SliceFlag{Name: "alpha", Value: cli.NewFloat64Slice(1e-3, 1e-2, 1e-1, 1, 10, 100, 1000), Usage: "values of α (comma-separated, in [1e-8, 1e8])"},
			&cli.IntFlag{Name: "layer", Usage: "layer α acts on (layer: any; neuron: a hidden layer)"},
			&cli.StringFlag{Name: "kind", Value: study.KindLayer, Usage: "layer (Dinh et al.'s T_α) or neuron (per-unit rescaling)"},
			&cli.IntFlag{Name: "test-samples", Usage: "test samples for accuracy (0: the whole test split)"},
			&cli.StringFlag{Name: "out", Usage: "results directory to write (required)"},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace an existing --out directory"},
		),
		Action: reparamAction,
	}
}

// testSamplesSeedOffset derives the seed of the --test-samples subset from the
// model's data seed: Data.Seed + 7, a stream apart from those of the model's
// own training subset (Data.Seed) and test subset (Data.Seed + 1, drawn by
// datasets.Source). Changing it changes which test images reparam evaluates.
const testSamplesSeedOffset = 7

func reparamAction(c *cli.Context) error {
	out, err := outDir(c, "out")
	if err != nil {
		return err
	}
	ms, err := measureSettings(c)
	if err != nil {
		return err
	}
	// Curvatures scale like α^±2 and their estimates' variances like α^±4:
	// beyond 1e±8 they overflow float64 for ordinary networks.
	alphas, err := floatList(c, "alpha", 1e-8, 1e8)
	if err != nil {
		return err
	}
	kind := c.String("kind")
	if kind != study.KindLayer && kind != study.KindNeuron {
		return usagef(c, "--kind must be layer or neuron, got %q", kind)
	}
	if c.Int("test-samples") < 0 {
		return usagef(c, "--test-samples must be ≥ 0")
	}
	m, train, err := loadModelAndSamples(c)
	if err != nil {
		return err
	}
	if l := c.Int("layer"); kind == study.KindNeuron && !slices.Contains(reparam.Hidden(m.Spec), l) {
		return usagef(c, "--layer %d: --kind neuron rescales a hidden layer with parameters, one of %v", l, reparam.Hidden(m.Spec))
	} else if _, err := reparam.ParamIndex(m.Spec, l); err != nil || len(m.Spec.ParamLayers()) < 2 {
		return usagef(c, "--layer %d: T_α needs a layer with parameters, one of %v (and a second one to compensate)", l, m.Spec.ParamLayers())
	}
	noteSubspace(c, ms, m.Spec.NumParams())
	test, err := m.Data.Samples(c.String("data-dir"), datasets.SplitTest, 0, m.Data.Seed)
	if err != nil {
		return err
	}
	if test, err = subset(c, "test-samples", test, m.Data.Seed+testSamplesSeedOffset, "the test split"); err != nil {
		return err
	}
	bar, say := progress(c, "reparam")
	var rows []study.SweepRow
	err = writeDir(c, out, func(ad *report.AtomicDir) error {
		ss := study.SweepSettings{
			Alphas: alphas, Kind: kind, Layer: c.Int("layer"), Measures: ms, Chunk: c.Int("chunk"),
			Each: func(alpha float64, theta []float64) error {
				tm := &graph.Model{Spec: m.Spec, Theta: theta, Data: m.Data, Train: m.Train}
				return tm.Save(ad.Path(study.AlphaName(alpha)), false)
			},
			Progress: say,
		}
		var err error
		rows, err = study.Sweep(m.Spec, m.Theta, train, test, ss)
		bar.Finish()
		if err != nil {
			return err
		}
		info := study.SweepInfo{Model: c.String("model"), Kind: kind, Split: c.String("split"), Layer: c.Int("layer"), Samples: train.N, Params: m.Spec.NumParams()}
		return study.WriteSweep(ad, info, rows)
	})
	if err != nil {
		return err
	}
	fmt.Print(report.Text(study.SweepTable(rows)))
	fmt.Println()
	fmt.Print(report.Text(study.SpreadTable(rows)))
	fmt.Printf("wrote %s (report.md, reparam.json, reparam.csv, reparam.png, %d models)\n", out, len(rows))
	return nil
}
