package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/report"
)

// sampleFlags select the samples a command evaluates on.
func sampleFlags() []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "model", Usage: "model directory (required)"},
		&cli.StringFlag{Name: "split", Value: datasets.SplitTrain, Usage: "train or test"},
		&cli.IntFlag{Name: "samples", Usage: "a stratified subset of N of the model's samples of that split (0: all of them: for train, the model's own training set)"},
		&cli.Int64Flag{Name: "seed", Usage: "seed for --samples", DefaultText: "the model's data seed"},
		&cli.IntFlag{Name: "chunk", Value: graph.DefaultChunk, Usage: "samples evaluated at once (memory of one chunk)"},
		quietFlag(),
	}
	// --data and train's data flags choose other samples than the model's
	// own (which a model converted from PyTorch does not record).
	return append(append(flags, dataDirFlag()), dataFlags(datasets.Source{})...)
}

// loadModelAndSamples reads --model and the samples --split/--samples select.
func loadModelAndSamples(c *cli.Context) (*graph.Model, *datasets.Set, error) {
	if c.NArg() > 0 {
		return nil, nil, usagef(c, "unexpected argument %q", c.Args().First())
	}
	dir := c.String("model")
	if dir == "" {
		return nil, nil, usagef(c, "--model is required")
	}
	split := c.String("split")
	if split != datasets.SplitTrain && split != datasets.SplitTest {
		return nil, nil, usagef(c, "--split must be train or test, got %q", split)
	}
	if c.Int("samples") < 0 {
		return nil, nil, usagef(c, "--samples must be ≥ 0")
	}
	if c.Int("chunk") <= 0 {
		return nil, nil, usagef(c, "--chunk must be positive")
	}
	var src *datasets.Source
	if dataFlagsSet(c) {
		if !c.IsSet("data") {
			return nil, nil, usagef(c, "data flags need --data mnist|clusters")
		}
		var err error
		if src, err = sourceFromFlags(c, c.Int64("seed")); err != nil {
			return nil, nil, err
		}
	}
	m, err := graph.LoadModel(dir)
	if err != nil {
		return nil, nil, err
	}
	if src == nil {
		if m.Data == nil {
			return nil, nil, usagef(c, "%s/model.json records no data (a converted model?): choose samples with --data mnist|clusters", dir)
		}
		src = m.Data
	}
	m.Data = src // the samples every later step (and any model written) refers to
	seed := src.Seed
	if c.IsSet("seed") {
		seed = c.Int64("seed")
	}
	set, err := src.Samples(c.String("data-dir"), split, 0, seed)
	if err != nil {
		return nil, nil, err
	}
	if set.N == 0 {
		return nil, nil, fmt.Errorf("the model's %s split is empty (it was trained without one)", split)
	}
	if set, err = subset(c, "samples", set, seed, "the model's "+split+" split"); err != nil {
		return nil, nil, err
	}
	return m, set, nil
}

func evalCommand() *cli.Command {
	return &cli.Command{
		Name:  "eval",
		Usage: "loss and accuracy of a model; --dump writes samples, logits and gradient as .npy",
		Flags: append(sampleFlags(),
			&cli.StringFlag{Name: "dump", Usage: "directory to write X.npy, y.npy, logits.npy, grad.npy and eval.json"},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace an existing --dump directory"},
		),
		Action: evalAction,
	}
}

// evalResult is eval.json.
type evalResult struct {
	Loss     float64 `json:"loss"`
	Accuracy float64 `json:"accuracy"`
	Samples  int     `json:"samples"`
}

func evalAction(c *cli.Context) error {
	if err := checkOut(c, c.String("dump"), "--dump"); err != nil {
		return err
	}
	m, set, o, err := openObjective(c)
	if err != nil {
		return err
	}
	defer o.Close()
	loss, acc, err := o.Evaluate(m.Theta)
	if err != nil {
		return err
	}
	res := evalResult{Loss: loss, Accuracy: acc, Samples: set.N}
	fmt.Printf("split %s, %d samples: loss %.6g, accuracy %.4f\n", c.String("split"), set.N, loss, acc)
	if dump := c.String("dump"); dump != "" {
		logits, err := o.Logits(m.Theta)
		if err != nil {
			return err
		}
		grad := make([]float64, o.Dim())
		if _, err := o.LossGrad(grad, m.Theta); err != nil {
			return err
		}
		err = writeDir(c, dump, func(ad *report.AtomicDir) error {
			return writeDump(ad, c.String("split"), m.Data, set, m.Spec.Outputs(), logits, grad, res)
		})
		if err != nil {
			return err
		}
		fmt.Printf("wrote %s\n", dump)
	}
	return nil
}

// samplesRecord is samples.json: which samples a result was computed on.
type samplesRecord struct {
	Split       string `json:"split"`
	N           int    `json:"n"`
	Fingerprint string `json:"fingerprint"` // datasets.Fingerprint of exactly these samples
	// ModelData is the model's data source (with the fingerprint of its
	// training split); Index (indices.npy) points into its split.
	ModelData *datasets.Source `json:"model_data,omitempty"`
	Arrays    bool             `json:"arrays"` // X.npy and y.npy written
}

// maxSampleArrays is the largest X.npy written without --write-samples, in
// values (5,000 MNIST images: 31 MB).
const maxSampleArrays = 5000 * datasets.MNISTDim

// writeSamples records the samples in ad: samples.json and indices.npy always
// (int64, N: each sample's position in its split), X.npy (float64, N×D) and
// y.npy (int64, N) when arrays is set.
func writeSamples(ad *report.AtomicDir, split string, src *datasets.Source, set *datasets.Set, arrays bool) error {
	return samplesOf(split, src, set, arrays).write(ad)
}

// sampleFiles is what writeSamples writes, taken from a set before a long
// computation so that the set's features can be released during it.
type sampleFiles struct {
	rec   samplesRecord
	index []int
	x     []float64 // with rec.Arrays
	y     []int
	d     int
}

// samplesOf takes what writeSamples writes from set.
func samplesOf(split string, src *datasets.Source, set *datasets.Set, arrays bool) sampleFiles {
	idx := set.Index
	if idx == nil {
		idx = make([]int, set.N)
		for i := range idx {
			idx[i] = i
		}
	}
	f := sampleFiles{rec: samplesRecord{Split: split, N: set.N, Fingerprint: datasets.Fingerprint(set), ModelData: src, Arrays: arrays}, index: idx, y: set.Y, d: set.D}
	if arrays {
		f.x = set.X
	}
	return f
}

// write writes indices.npy, samples.json and, with rec.Arrays, X.npy and y.npy.
func (f sampleFiles) write(ad *report.AtomicDir) error {
	if err := report.WriteNpyInt64(ad.Path("indices.npy"), f.index, f.rec.N); err != nil {
		return err
	}
	if err := report.WriteJSON(ad.Path("samples.json"), f.rec); err != nil {
		return err
	}
	if !f.rec.Arrays {
		return nil
	}
	if err := report.WriteNpyFloat64(ad.Path("X.npy"), f.x, f.rec.N, f.d); err != nil {
		return err
	}
	return report.WriteNpyInt64(ad.Path("y.npy"), f.y, f.rec.N)
}

func writeDump(ad *report.AtomicDir, split string, src *datasets.Source, set *datasets.Set, classes int, logits, grad []float64, res evalResult) error {
	if err := writeSamples(ad, split, src, set, true); err != nil {
		return err
	}
	if err := report.WriteNpyFloat64(ad.Path("logits.npy"), logits, set.N, classes); err != nil {
		return err
	}
	if err := report.WriteNpyFloat64(ad.Path("grad.npy"), grad, len(grad)); err != nil {
		return err
	}
	return report.WriteJSON(ad.Path("eval.json"), res)
}
