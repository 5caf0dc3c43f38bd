package main

import (
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/study"
)

// studySubcommands are the studies of `minima study`.
func studySubcommands() []*cli.Command {
	return []*cli.Command{clustersCommand()}
}

// ints formats a list of widths or counts as a flag value.
func ints(xs []int) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ","
		}
		s += strconv.Itoa(x)
	}
	return s
}

// netFlags are an MLP's hidden widths, biases and loss, defaulting to net.
func netFlags(net study.NetSettings) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "hidden", Value: ints(net.Hidden), Usage: "hidden layer widths, comma-separated"},
		&cli.BoolFlag{Name: "no-bias", Value: !net.Bias, Usage: "layers without biases"},
		&cli.StringFlag{Name: "loss", Value: string(net.Loss), Usage: "cross_entropy or mse"},
	}
}

func netSettings(c *cli.Context) (study.NetSettings, error) {
	hidden, err := parseInts(c.String("hidden"))
	if err != nil {
		return study.NetSettings{}, usagef(c, "--hidden: %v", err)
	}
	l := loss.Kind(c.String("loss"))
	if err := l.Validate(); err != nil {
		return study.NetSettings{}, usagef(c, "--loss: %v", err)
	}
	return study.NetSettings{Hidden: hidden, Bias: !c.Bool("no-bias"), Loss: l}, nil
}

// trainFlags are SGD's settings, defaulting to ts.
func trainFlags(ts graph.TrainSettings) []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "batch-size", Value: ts.BatchSize, Usage: "minibatch size"},
		&cli.IntFlag{Name: "epochs", Value: ts.Epochs, Usage: "passes over the training set"},
		&cli.Float64Flag{Name: "lr", Value: ts.LR, Usage: "learning rate"},
		&cli.Float64Flag{Name: "momentum", Value: ts.Momentum, Usage: "heavy-ball momentum in [0,1)"},
		&cli.StringFlag{Name: "init", Value: ts.Init, Usage: "he or glorot"},
		&cli.Int64Flag{Name: "seed", Value: ts.Seed, Usage: "seed of initialisation and minibatch order"},
	}
}

func trainSettings(c *cli.Context) (graph.TrainSettings, error) {
	ts := graph.TrainSettings{BatchSize: c.Int("batch-size"), Epochs: c.Int("epochs"), LR: c.Float64("lr"),
		Momentum: c.Float64("momentum"), Init: c.String("init"), Seed: c.Int64("seed")}
	if err := ts.Validate(); err != nil {
		return ts, usagef(c, "%v", err)
	}
	return ts, nil
}

func clustersCommand() *cli.Command {
	d := study.DefaultClustersSettings()
	flags := []cli.Flag{
		&cli.StringFlag{Name: "k", Value: ints(d.K), Usage: "numbers of clusters (classes), comma-separated: one run each"},
		&cli.IntFlag{Name: "dim", Value: d.Dim, Usage: "input dimension"},
		&cli.IntFlag{Name: "per-class", Value: d.PerClass, Usage: "training samples per cluster"},
		&cli.IntFlag{Name: "test-per-class", Value: d.TestPerClass, Usage: "test samples per cluster"},
		&cli.Float64Flag{Name: "spread", Value: d.Spread, Usage: "standard deviation of points around their centre"},
		&cli.Float64Flag{Name: "separation", Value: d.Separation, Usage: "standard deviation of the centres"},
		&cli.Int64Flag{Name: "data-seed", Value: d.DataSeed, Usage: "seed of the data"},
		&cli.IntFlag{Name: "exact-limit", Value: d.ExactLimit, Usage: "largest network whose exact spectrum is computed"},
	}
	flags = append(append(append(flags, netFlags(d.Net)...), trainFlags(d.Train)...), sweepFlags()...)
	return &cli.Command{
		Name:  "clusters",
		Usage: "outliers of the exact Hessian spectrum against the number k of Gaussian clusters (Sagun et al.: k)",
		Flags: flags,
		Action: func(c *cli.Context) error {
			s := study.DefaultClustersSettings()
			var err error
			if s.K, err = parseInts(c.String("k")); err != nil || len(s.K) == 0 {
				return usagef(c, "--k: want cluster counts like 2,5,10")
			}
			s.Dim, s.PerClass, s.TestPerClass = c.Int("dim"), c.Int("per-class"), c.Int("test-per-class")
			s.Spread, s.Separation, s.DataSeed, s.ExactLimit = c.Float64("spread"), c.Float64("separation"), c.Int64("data-seed"), c.Int("exact-limit")
			if s.Net, err = netSettings(c); err != nil {
				return err
			}
			if s.Train, err = trainSettings(c); err != nil {
				return err
			}
			return runSweep(c, &s, "study", "clusters")
		},
	}
}
