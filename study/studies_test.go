package study

import (
	"path/filepath"
	"testing"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/sweep"
)

// tinySource is 3 Gaussian clusters in 4 dimensions, 10 points each.
func tinySource() datasets.Source {
	cfg := datasets.ClusterConfig{Classes: 3, Dim: 4, PerClass: 10, TestPerClass: 5, Spread: 1, Separation: 1, Seed: 1}
	return datasets.Source{Kind: datasets.KindClusters, Seed: 1, Clusters: &cfg}
}

// runStudy runs sw whole into a new directory and returns it.
func runStudy(t *testing.T, sw Sweeper) string {
	t.Helper()
	out := t.TempDir()
	if _, _, err := RunSweep(sw, out, sweep.Shard{}, Env{}); err != nil {
		t.Fatal(err)
	}
	return out
}

func tinyTraining() *TrainingSettings {
	s := DefaultTrainingSettings()
	s.Data, s.Net.Hidden, s.Train.Epochs = tinySource(), []int{5}, 3
	return &s
}

func TestTrainingSpectraAreComplete(t *testing.T) {
	out := runStudy(t, tinyTraining())
	var rows []TrainingRow
	if err := report.ReadJSON(filepath.Join(out, "training.json"), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if len(r.Eigenvalues) != r.Params || r.Params != 4*5+5+5*3+3 {
			t.Errorf("%s: %d eigenvalues for %d parameters", r.Phase, len(r.Eigenvalues), r.Params)
		}
	}
}

func TestTrainingInitIsUntrained(t *testing.T) {
	out := runStudy(t, tinyTraining())
	var rows []TrainingRow
	if err := report.ReadJSON(filepath.Join(out, "training.json"), &rows); err != nil {
		t.Fatal(err)
	}
	if rows[0].Phase != PhaseInit || !(rows[1].Loss < rows[0].Loss) {
		t.Errorf("loss at init %g, after training %g", rows[0].Loss, rows[1].Loss)
	}
}

func TestWidthLanczosAgreesWithExact(t *testing.T) {
	s := DefaultWidthSettings()
	s.Data, s.Hidden, s.Train.Epochs, s.Top, s.Tol = tinySource(), []int{3, 6}, 3, 3, 1e-10
	out := runStudy(t, &s)
	var rows []WidthRow
	if err := report.ReadJSON(filepath.Join(out, "width.json"), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		exactAgrees(t, filepath.Join(out, sweep.RunsDir, widthID(r.Hidden), "model"), r.Top)
	}
}

func TestNegativeCountsMatchSpectrum(t *testing.T) {
	s := DefaultNegativeSettings()
	s.Data, s.Net.Hidden, s.Train.Epochs, s.Seeds = tinySource(), []int{5}, 3, []int64{1, 2}
	out := runStudy(t, &s)
	var rows []NegativeRow
	if err := report.ReadJSON(filepath.Join(out, "negative.json"), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		neg := 0
		for _, v := range r.Bottom {
			if v < -r.ZeroTol {
				neg++
			}
		}
		if neg != min(r.Negative, len(r.Bottom)) {
			t.Errorf("seed %d: %d negative counted, %d below -zero_tol in the bottom %v", r.Seed, r.Negative, neg, r.Bottom)
		}
	}
}
