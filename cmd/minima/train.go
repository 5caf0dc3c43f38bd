package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/report"
)

func dataDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "data-dir", Usage: "directory with the MNIST files (else $MINIMA_DATA, else ./data/mnist)"}
}

func quietFlag() cli.Flag {
	return &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output on stderr"}
}

func trainCommand() *cli.Command {
	return &cli.Command{
		Name:  "train",
		Usage: "train a ReLU MLP or CNN by minibatch SGD and write a model directory",
		Flags: append([]cli.Flag{
			&cli.IntFlag{Name: "batch-size", Value: 64, Usage: "minibatch size"},
			&cli.IntFlag{Name: "epochs", Value: 10, Usage: "passes over the training set"},
			&cli.Float64Flag{Name: "lr", Value: 0.05, Usage: "learning rate"},
			&cli.Float64Flag{Name: "momentum", Usage: "heavy-ball momentum in [0,1)"},
			&cli.StringFlag{Name: "init", Value: graph.He, Usage: "he or glorot"},
			&cli.Int64Flag{Name: "seed", Value: 1, Usage: "seed for data subsets, initialisation and minibatch order"},
			&cli.StringFlag{Name: "out", Usage: "model directory to write (required)"},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace an existing model directory"},
			quietFlag(),
		}, append(append(dataFlags(trainData), dataDirFlag()), archFlags()...)...),
		Action: trainAction,
	}
}

func parseInts(s string) ([]int, error) {
	var out []int
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func trainAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef(c, "unexpected argument %q", c.Args().First())
	}
	out, err := outDir(c, "out")
	if err != nil {
		return err
	}
	src, err := sourceFromFlags(c, c.Int64("seed"))
	if err != nil {
		return err
	}
	ts := graph.TrainSettings{BatchSize: c.Int("batch-size"), Epochs: c.Int("epochs"), LR: c.Float64("lr"),
		Momentum: c.Float64("momentum"), Init: c.String("init"), Seed: c.Int64("seed")}
	if ts.Init != graph.He && ts.Init != graph.Glorot {
		return usagef(c, "--init must be he or glorot, got %q", ts.Init)
	}
	if err := ts.Validate(); err != nil {
		return usagef(c, "%v", err)
	}
	// The network is checked before any data is read.
	spec, err := specFromFlags(c, src.Kind, dataInputs(*src), dataClasses(*src))
	if err != nil {
		return err
	}

	// Training evaluates in chunks of graph.DefaultChunk samples between epochs.
	if err := checkMemory(c, spec, max(ts.BatchSize, graph.DefaultChunk), 0, "the network's size (--hidden, --conv) or --batch-size"); err != nil {
		return err
	}
	train, test, err := src.Load(c.String("data-dir"))
	if err != nil {
		return err
	}
	steps := ts.Epochs * ((train.N + ts.BatchSize - 1) / ts.BatchSize)
	bar := report.NewProgress(steps, "train", quiet(c))
	ts.Progress = func(st graph.TrainStatus) {
		bar.Describe(fmt.Sprintf("epoch %d/%d loss %.4f", st.Epoch, ts.Epochs, st.Loss))
		bar.Add(1)
	}
	res, err := graph.Train(spec, train, test, ts)
	bar.Finish()
	if err != nil {
		return err
	}
	info := &graph.TrainInfo{TrainSettings: ts, History: res.History}
	if len(res.History) > 0 {
		info.Final = &res.History[len(res.History)-1]
	}
	pinned := src.Pin(train) // model.json records which data it was trained on
	m := &graph.Model{Spec: spec, Theta: res.Theta, Data: &pinned, Train: info}
	if err := m.Save(out, c.Bool("overwrite")); err != nil {
		return err
	}
	fmt.Printf("trained %v on %d samples (%d parameters)\n", spec, train.N, spec.NumParams())
	t := &report.Table{Columns: []string{"epoch", "train_loss", "train_acc", "test_loss", "test_acc"}}
	for _, h := range res.History {
		row := []any{h.Epoch, h.TrainLoss, h.TrainAcc, "", ""}
		if h.TestLoss != nil {
			row[3], row[4] = *h.TestLoss, *h.TestAcc
		}
		t.Rows = append(t.Rows, row)
	}
	fmt.Print(report.Text(t))
	fmt.Printf("model written to %s\n", out)
	return nil
}
