package study

import (
	"path/filepath"
	"testing"

	"github.com/minima-project/minima/internal/filetest"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/sweep"
)

// runClusters runs the cluster study with settings s into a new directory.
func runClusters(t *testing.T, s ClustersSettings, shard sweep.Shard, out string) {
	t.Helper()
	if _, _, err := RunSweep(&s, out, shard, Env{}); err != nil {
		t.Fatal(err)
	}
}

func TestClustersOutliersEqualK(t *testing.T) {
	out := t.TempDir()
	runClusters(t, DefaultClustersSettings(), sweep.Shard{}, out)
	var rows []ClustersRow
	if err := report.ReadJSON(filepath.Join(out, "clusters.json"), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Outliers != r.K {
			t.Errorf("k = %d: %d outliers (top %v)", r.K, r.Outliers, r.Top)
		}
	}
}

// tinyClusters is a cluster study small enough for tests.
func tinyClusters() ClustersSettings {
	s := DefaultClustersSettings()
	s.K, s.Dim, s.PerClass, s.TestPerClass, s.Net.Hidden, s.Train.Epochs = []int{2, 3, 4}, 5, 10, 5, []int{6}, 3
	return s
}

var clustersFiles = []string{"clusters.json", "clusters.csv", "clusters.png", "spectra.png", "report.md"}

func TestClustersMergedShardsEqualUnsharded(t *testing.T) {
	whole, parts, merged := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "merged")
	runClusters(t, tinyClusters(), sweep.Shard{}, whole)
	runClusters(t, tinyClusters(), sweep.Shard{Index: 0, Count: 2}, parts)
	other := t.TempDir() // the second part in a directory of its own
	runClusters(t, tinyClusters(), sweep.Shard{Index: 1, Count: 2}, other)
	ad, err := report.NewAtomicDir(merged)
	if err != nil {
		t.Fatal(err)
	}
	defer ad.Abort()
	if _, _, err := Merge([]string{parts, other}, ad); err != nil {
		t.Fatal(err)
	}
	if err := ad.Commit(); err != nil {
		t.Fatal(err)
	}
	filetest.SameFiles(t, whole, merged, clustersFiles...)
}

func TestClustersExactAgreesWithLanczos(t *testing.T) {
	out := t.TempDir()
	s := tinyClusters()
	s.K = []int{3}
	runClusters(t, s, sweep.Shard{}, out)
	var rows []ClustersRow
	if err := report.ReadJSON(filepath.Join(out, "clusters.json"), &rows); err != nil {
		t.Fatal(err)
	}
	lanczosAgrees(t, filepath.Join(out, sweep.RunsDir, "k=3", "model"), rows[0].Top[:4])
}
