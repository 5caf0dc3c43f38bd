package main

import (
	"fmt"
	"github.com/minima-project/minima/datasets"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/study"
)

// studySubcommands are the studies of `minima study`.
func studySubcommands() []*cli.Command {
	return []*cli.Command{clustersCommand(), trainingCommand(), widthCommand(), negativeCommand()}
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
		exactLimitFlag(d.ExactLimit),
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

// studyDataFlags choose the samples of a study: train's data flags with the
// study's source as defaults, and the seed of the data.
func studyDataFlags(src datasets.Source) []cli.Flag {
	return append(dataFlags(src), &cli.Int64Flag{Name: "data-seed", Value: src.Seed, Usage: "seed of the data (subsets or clusters)"})
}

// dataSource is the study's data source the data flags describe.
func dataSource(c *cli.Context) (datasets.Source, error) {
	src, err := sourceFromFlags(c, c.Int64("data-seed"))
	if err != nil {
		return datasets.Source{}, err
	}
	return *src, nil
}

func trainingCommand() *cli.Command {
	d := study.DefaultTrainingSettings()
	flags := append(append(append(studyDataFlags(d.Data), netFlags(d.Net)...), trainFlags(d.Train)...),
		exactLimitFlag(d.ExactLimit))
	return &cli.Command{
		Name:  "training",
		Usage: "the full exact Hessian spectrum at initialisation and after training (Sagun et al.'s before/after figure)",
		Flags: append(flags, sweepFlags()...),
		Action: func(c *cli.Context) error {
			s := study.DefaultTrainingSettings()
			var err error
			if s.Data, s.Net, s.Train, s.ExactLimit, err = exactStudySettings(c); err != nil {
				return err
			}
			return runSweep(c, &s, "study", "training")
		},
	}
}

func widthCommand() *cli.Command {
	d := study.DefaultWidthSettings()
	flags := append(append(studyDataFlags(d.Data), trainFlags(d.Train)...),
		&cli.StringFlag{Name: "hidden", Value: ints(d.Hidden), Usage: "widths of the hidden layer, comma-separated: one run each"},
		&cli.BoolFlag{Name: "no-bias", Value: !d.Bias, Usage: "layers without biases"},
		&cli.StringFlag{Name: "loss", Value: string(d.Loss), Usage: "cross_entropy or mse"},
		&cli.IntFlag{Name: "top", Value: d.Top, Usage: "largest eigenvalues to compute"},
		&cli.Float64Flag{Name: "tol", Value: d.Tol, Usage: "Lanczos relative residual tolerance"},
		probeSeedFlag())
	return &cli.Command{
		Name:  "width",
		Usage: "the top Hessian eigenvalues of one-hidden-layer MLPs as the width grows (Sagun et al.: they barely change)",
		Flags: append(flags, sweepFlags()...),
		Action: func(c *cli.Context) error {
			s := study.DefaultWidthSettings()
			var err error
			if s.Data, err = dataSource(c); err != nil {
				return err
			}
			net, err := netSettings(c)
			if err != nil {
				return err
			}
			if len(net.Hidden) == 0 {
				return usagef(c, "--hidden: want widths like 20,50,100")
			}
			s.Hidden, s.Bias, s.Loss = net.Hidden, net.Bias, net.Loss
			if s.Train, err = trainSettings(c); err != nil {
				return err
			}
			s.Top, s.Tol, s.Seed = c.Int("top"), c.Float64("tol"), c.Int64("probe-seed")
			return runSweep(c, &s, "study", "width")
		},
	}
}

func negativeCommand() *cli.Command {
	d := study.DefaultNegativeSettings()
	flags := append(append(append(studyDataFlags(d.Data), netFlags(d.Net)...), trainFlags(d.Train)...),
		&cli.StringFlag{Name: "seeds", Value: seeds(d.Seeds), Usage: "training seeds, comma-separated: one run each"},
		exactLimitFlag(d.ExactLimit))
	return &cli.Command{
		Name:  "negative",
		Usage: "negative Hessian eigenvalues at the end of training: count, share and magnitude against the positive ones",
		Flags: append(flags, sweepFlags()...),
		Action: func(c *cli.Context) error {
			s := study.DefaultNegativeSettings()
			var err error
			if s.Data, s.Net, s.Train, s.ExactLimit, err = exactStudySettings(c); err != nil {
				return err
			}
			if s.Seeds, err = parseSeeds(c.String("seeds")); err != nil {
				return usagef(c, "--seeds: %v", err)
			}
			return runSweep(c, &s, "study", "negative")
		},
	}
}

// exactLimitFlag is the largest network a study takes the exact spectrum of.
func exactLimitFlag(limit int) cli.Flag {
	return &cli.IntFlag{Name: "exact-limit", Value: limit, Usage: "largest network whose exact spectrum is computed"}
}

// exactStudySettings reads the data, network and training flags of a study
// that takes exact spectra, and refuses a network above --exact-limit.
func exactStudySettings(c *cli.Context) (datasets.Source, study.NetSettings, graph.TrainSettings, int, error) {
	data, err := dataSource(c)
	if err != nil {
		return data, study.NetSettings{}, graph.TrainSettings{}, 0, err
	}
	net, err := netSettings(c)
	if err != nil {
		return data, net, graph.TrainSettings{}, 0, err
	}
	train, err := trainSettings(c)
	if err != nil {
		return data, net, train, 0, err
	}
	limit := c.Int("exact-limit")
	if n := net.Spec(dataInputs(data), dataClasses(data)).NumParams(); n > limit {
		return data, net, train, limit, usagef(c, "the network has %d parameters, above --exact-limit %d", n, limit)
	}
	return data, net, train, limit, nil
}

// dataInputs and dataClasses are the input size and classes of src.
func dataInputs(src datasets.Source) int {
	if src.Clusters != nil {
		return src.Clusters.Dim
	}
	return datasets.MNISTDim
}

func dataClasses(src datasets.Source) int {
	if src.Clusters != nil {
		return src.Clusters.Classes
	}
	return datasets.MNISTClasses
}

func seeds(xs []int64) string {
	var parts []string
	for _, x := range xs {
		parts = append(parts, strconv.FormatInt(x, 10))
	}
	return strings.Join(parts, ",")
}

func parseSeeds(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer seed", f)
		}
		out = append(out, v)
	}
	return out, nil
}
