package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/datasets"
)

// trainData is the data train draws by default: MNIST, or with --data
// clusters 10 Gaussian clusters in 50 dimensions.
var trainData = datasets.Source{Kind: datasets.KindMNIST,
	Clusters: &datasets.ClusterConfig{Classes: 10, Dim: 50, PerClass: 100, TestPerClass: 100}}

// dataFlags choose a data source, with def's values as defaults: train's and
// the studies' data flags. Commands that evaluate a model accept them too
// (def.Kind empty: no default --data), for a model that records no source of
// its own, such as one converted from PyTorch. --data-dir is added by the
// commands that read MNIST.
func dataFlags(def datasets.Source) []cli.Flag {
	cfg := trainData.Clusters.WithDefaults()
	if def.Clusters != nil {
		cfg = def.Clusters.WithDefaults()
	}
	return []cli.Flag{
		&cli.StringFlag{Name: "data", Value: def.Kind, Usage: "mnist or clusters"},
		&cli.IntFlag{Name: "subset", Value: def.Subset, Usage: "MNIST: a stratified subset of N training images (0: all 60,000)"},
		&cli.IntFlag{Name: "test-subset", Value: def.TestSubset, Usage: "MNIST: a stratified subset of N test images (0: all 10,000)"},
		&cli.IntFlag{Name: "classes", Value: cfg.Classes, Usage: "clusters: number of Gaussian clusters (classes)"},
		&cli.IntFlag{Name: "dim", Value: cfg.Dim, Usage: "clusters: input dimension"},
		&cli.IntFlag{Name: "per-class", Value: cfg.PerClass, Usage: "clusters: training samples per class"},
		&cli.IntFlag{Name: "test-per-class", Value: cfg.TestPerClass, Usage: "clusters: test samples per class"},
		&cli.Float64Flag{Name: "spread", Value: cfg.Spread, Usage: "clusters: standard deviation of the points around their centre"},
		&cli.Float64Flag{Name: "separation", Value: cfg.Separation, Usage: "clusters: standard deviation of the centres"},
	}
}

// sourceFromFlags is the data source the data flags describe, drawn with seed.
// A flag of the other kind would be silently ignored, so it is refused.
func sourceFromFlags(c *cli.Context, seed int64) (*datasets.Source, error) {
	src := &datasets.Source{Kind: c.String("data"), Seed: seed}
	mnistFlags := []string{"subset", "test-subset", "data-dir"}
	clusterFlags := []string{"classes", "dim", "per-class", "test-per-class", "spread", "separation"}
	notFor := func(kind string, flags []string) error {
		for _, f := range flags {
			if c.IsSet(f) {
				return usagef(c, "--%s does not apply to --data %s", f, kind)
			}
		}
		return nil
	}
	switch src.Kind {
	case datasets.KindMNIST:
		if err := notFor(src.Kind, clusterFlags); err != nil {
			return nil, err
		}
		src.Subset, src.TestSubset = c.Int("subset"), c.Int("test-subset")
	case datasets.KindClusters:
		if err := notFor(src.Kind, mnistFlags); err != nil {
			return nil, err
		}
		cfg := datasets.ClusterConfig{Classes: c.Int("classes"), Dim: c.Int("dim"), PerClass: c.Int("per-class"),
			TestPerClass: c.Int("test-per-class"), Spread: c.Float64("spread"), Separation: c.Float64("separation"), Seed: seed}.WithDefaults()
		src.Clusters = &cfg
	default:
		return nil, usagef(c, "--data must be mnist or clusters, got %q", src.Kind)
	}
	if err := src.Validate(); err != nil {
		return nil, usagef(c, "%v", flagNames(err))
	}
	return src, nil
}

// dataFlagsSet reports whether any data flag was given.
func dataFlagsSet(c *cli.Context) bool {
	for _, f := range []string{"data", "subset", "test-subset", "classes", "dim", "per-class", "test-per-class", "spread", "separation"} {
		if c.IsSet(f) {
			return true
		}
	}
	return false
}

// dataFieldFlags maps the fields of model.json's "data" to the flags that set
// them.
var dataFieldFlags = map[string]string{
	"data.subset":                  "--subset",
	"data.test_subset":             "--test-subset",
	"data.clusters.classes":        "--classes",
	"data.clusters.dim":            "--dim",
	"data.clusters.per_class":      "--per-class",
	"data.clusters.test_per_class": "--test-per-class",
	"data.clusters.spread":         "--spread",
	"data.clusters.separation":     "--separation",
}

// flagNames rewrites a data-source error about a model.json field as one
// about the flag that sets it.
func flagNames(err error) error {
	var fe *datasets.FieldError
	if errors.As(err, &fe) {
		if f, ok := dataFieldFlags[fe.Field]; ok {
			return fmt.Errorf("%s %s", f, fe.Msg)
		}
	}
	return err
}
