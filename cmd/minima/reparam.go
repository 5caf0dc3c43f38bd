package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
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

func reparamAction(c *cli.Context) error {
	out, err := outDir(c, "out")
	if err != nil {
		return err
	}
	ms, err := measureSettings(c)
	if err != nil {
		return err
	}
	alphas := c.Float64Slice("alpha")
	if len(alphas) == 0 {
		return usagef(c, "--alpha needs at least one value")
	}
	seen := map[string]bool{}
	for _, a := range alphas {
		// Curvatures scale like α^±2 and their estimates' variances like α^±4:
		// beyond 1e±8 they overflow float64 for ordinary networks.
		if !(a >= 1e-8 && a <= 1e8) {
			return usagef(c, "--alpha values must be in [1e-8, 1e8], got %v", a)
		}
		if seen[study.AlphaName(a)] {
			return usagef(c, "--alpha lists %v twice", a)
		}
		seen[study.AlphaName(a)] = true
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
	if l, K := c.Int("layer"), len(m.Spec.Layers); l < 0 || l >= K || (kind == study.KindNeuron && l >= K-1) || K < 2 {
		return usagef(c, "--layer %d is not a valid layer for --kind %s of a %d-layer network", l, kind, K)
	}
	noteSubspace(c, ms, m.Spec.NumParams())
	test, err := m.Data.Samples(c.String("data-dir"), datasets.SplitTest, c.Int("test-samples"), m.Data.Seed+7)
	if err != nil {
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
