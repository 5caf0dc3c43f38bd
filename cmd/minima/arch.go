package main

import (
	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
)

// Architectures of --arch.
const (
	archMLP = "mlp"
	archCNN = "cnn"
)

// defaultMLPHidden is the MLP's hidden widths when --hidden is not given
// (the CNN's come from graph.CNNSettings).
const defaultMLPHidden = "100,100"

// archFlags choose the network a command trains: --arch and its settings,
// biases and the loss.
func archFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "arch", Value: archMLP, Usage: "mlp, or cnn: conv(→C₁, k×k, relu) → maxpool → … → flatten → dense(→H…, relu) → dense"},
		&cli.StringFlag{Name: "hidden", Usage: "widths of the hidden dense layers, comma-separated (empty: none)", DefaultText: defaultMLPHidden + " (mlp), 64 (cnn)"},
		&cli.StringFlag{Name: "conv", Usage: "cnn: output channels of each convolution, comma-separated", DefaultText: "8,16"},
		&cli.IntFlag{Name: "kernel", Usage: "cnn: square kernel side of every convolution", DefaultText: "5"},
		&cli.IntFlag{Name: "pool", Usage: "cnn: max-pooling window and stride after each convolution (1: no pooling)", DefaultText: "2"},
		&cli.BoolFlag{Name: "no-bias", Usage: "layers without biases"},
		&cli.StringFlag{Name: "loss", Value: string(loss.CrossEntropy), Usage: "cross_entropy or mse"},
	}
}

// specFromFlags builds the network the architecture flags describe for
// samples of data kind dataKind with d features and the given classes.
func specFromFlags(c *cli.Context, dataKind string, d, classes int) (graph.Spec, error) {
	l := loss.Kind(c.String("loss"))
	if err := l.Validate(); err != nil {
		return graph.Spec{}, usagef(c, "--loss: %v", err)
	}
	hidden := c.String("hidden")
	switch c.String("arch") {
	case archMLP:
		for _, f := range []string{"conv", "kernel", "pool"} {
			if c.IsSet(f) {
				return graph.Spec{}, usagef(c, "--%s applies to --arch cnn only", f)
			}
		}
		if !c.IsSet("hidden") {
			hidden = defaultMLPHidden
		}
		widths, err := parseInts(hidden)
		if err != nil {
			return graph.Spec{}, usagef(c, "--hidden: %v", err)
		}
		return graph.MLP(d, widths, classes, !c.Bool("no-bias"), l), nil
	case archCNN:
		if dataKind != datasets.KindMNIST {
			return graph.Spec{}, usagef(c, "--arch cnn needs images: use --data mnist")
		}
		cs := graph.CNNSettings{Input: graph.Shape{1, 28, 28}, Kernel: c.Int("kernel"), Pool: c.Int("pool"), Classes: classes, NoBias: c.Bool("no-bias")}
		var err error
		if c.IsSet("hidden") {
			if cs.Hidden, err = parseInts(hidden); err != nil {
				return graph.Spec{}, usagef(c, "--hidden: %v", err)
			}
			if cs.Hidden == nil {
				cs.Hidden = []int{} // no hidden dense layer, not the default
			}
		}
		if c.IsSet("conv") {
			if cs.Channels, err = parseInts(c.String("conv")); err != nil || len(cs.Channels) == 0 {
				return graph.Spec{}, usagef(c, "--conv: want one or more positive channel counts, got %q", c.String("conv"))
			}
		}
		if c.IsSet("kernel") && cs.Kernel < 1 {
			return graph.Spec{}, usagef(c, "--kernel must be ≥ 1, got %d", cs.Kernel)
		}
		if c.IsSet("pool") && cs.Pool < 1 {
			return graph.Spec{}, usagef(c, "--pool must be ≥ 1, got %d", cs.Pool)
		}
		s, err := graph.CNN(cs, l)
		if err != nil {
			return graph.Spec{}, usagef(c, "--conv/--kernel/--pool: %v", err)
		}
		return s, nil
	default:
		return graph.Spec{}, usagef(c, "--arch must be %s or %s, got %q", archMLP, archCNN, c.String("arch"))
	}
}
