package study

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/internal/mnisttest"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/sweep"
)

// tinyBatchSize is the comparison on 3 Gaussian clusters with a 4-4-3 MLP.
func tinyBatchSize() *BatchSizeSettings {
	s := DefaultBatchSizeSettings()
	s.Data, s.Arch, s.Train.Epochs, s.Sizes, s.Seeds = tinySource(), ArchSettings{Arch: ArchMLP, Hidden: []int{4}, Bias: true, Loss: loss.CrossEntropy}, 2, []int{2, 30}, []int64{1, 2}
	s.Top, s.Bottom, s.Subspace, s.TraceProbes, s.FlatnessDirections, s.SharpnessIters = 3, 2, 5, 4, 2, 2
	return &s
}

// tinyCNNBatchSize is the comparison with a CNN of one 2-channel convolution
// on 40 real MNIST images.
func tinyCNNBatchSize(t *testing.T) (*BatchSizeSettings, Env) {
	s := tinyBatchSize()
	s.Data = datasets.Source{Kind: datasets.KindMNIST, Subset: 40, TestSubset: 20, Seed: 1}
	s.Arch = ArchSettings{Arch: ArchCNN, CNN: &graph.CNNSettings{Channels: []int{2}, Kernel: 5, Pool: 4, Hidden: []int{}}, Bias: true, Loss: loss.CrossEntropy}
	s.Sizes, s.Train.Epochs = []int{4, 40}, 1
	return s, Env{DataDir: mnisttest.Dir(t, "../data/mnist")}
}

// batchRowIDs reads batchsize.json in out and returns its rows' run ids.
func batchRowIDs(t *testing.T, out string) []string {
	t.Helper()
	var rows []BatchSizeRow
	if err := report.ReadJSON(filepath.Join(out, "batchsize.json"), &rows); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, batchID(r.BatchSize, r.Seed))
	}
	return ids
}

func TestBatchSizeRowsPerSizeAndSeed(t *testing.T) {
	got := batchRowIDs(t, runStudy(t, tinyBatchSize()))
	if want := []string{"batch=2+seed=1", "batch=2+seed=2", "batch=30+seed=1", "batch=30+seed=2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
}

func TestBatchSizeTopAgreesWithExact(t *testing.T) {
	s := tinyBatchSize()
	s.Tol = 1e-10
	out := runStudy(t, s)
	var rows []BatchSizeRow
	if err := report.ReadJSON(filepath.Join(out, "batchsize.json"), &rows); err != nil {
		t.Fatal(err)
	}
	exactAgrees(t, filepath.Join(out, sweep.RunsDir, batchID(rows[0].BatchSize, rows[0].Seed), "model"), rows[0].Top)
}

// A CNN on real MNIST: one row per batch size and seed, a summary row per
// measure and a report naming the network.
func TestBatchSizeCNNOnMNIST(t *testing.T) {
	s, env := tinyCNNBatchSize(t)
	out := t.TempDir()
	if _, _, err := RunSweep(s, out, sweep.Shard{}, env); err != nil {
		t.Fatal(err)
	}
	if got, want := batchRowIDs(t, out), []string{"batch=4+seed=1", "batch=4+seed=2", "batch=40+seed=1", "batch=40+seed=2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**Verdict:**", "CNN (1, 28, 28) → conv2d", "| lambda_max ", "| relative_flatness ", "![top eigenvalues](top.png)"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	for _, f := range []string{"batchsize.csv", "summary.csv", "top.png", "bottom.png", "measures.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// The CNN settings survive the settings' JSON (the sweep's fingerprint and
// merge read them back) and build the same network.
func TestArchSettingsJSONRoundTrip(t *testing.T) {
	a := DefaultCNN()
	path := filepath.Join(t.TempDir(), "arch.json")
	if err := report.WriteJSON(path, a); err != nil {
		t.Fatal(err)
	}
	var b ArchSettings
	if err := report.ReadJSON(path, &b); err != nil {
		t.Fatal(err)
	}
	sa, err := a.Spec(784, 10)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.Spec(784, 10)
	if err != nil {
		t.Fatal(err)
	}
	if sa.String() != sb.String() {
		t.Fatalf("%v after JSON, want %v", sb, sa)
	}
}

func TestArchSettingsCNNRefusesClusters(t *testing.T) {
	s := tinyBatchSize()
	s.Arch = DefaultCNN()
	if _, err := s.Plan(); err == nil || !strings.Contains(err.Error(), "MNIST") {
		t.Fatalf("a CNN on 4-dimensional clusters: error %v, want one asking for MNIST", err)
	}
}

func TestBatchSizePlanWantsEpochsOrSteps(t *testing.T) {
	for _, c := range []struct{ epochs, steps int }{{0, 0}, {2, 5}} {
		s := tinyBatchSize()
		s.Train.Epochs, s.Train.Steps = c.epochs, c.steps
		if _, err := s.Plan(); err == nil {
			t.Errorf("%d epochs and %d steps: no error", c.epochs, c.steps)
		}
	}
}

// The report warns when the two sizes ended at training losses more than
// 10× apart under cross-entropy, and only then.
func TestLossCaveat(t *testing.T) {
	rows := func(small, large float64) []BatchSizeRow {
		return []BatchSizeRow{{BatchSize: 10, TrainLoss: small}, {BatchSize: 10, TrainLoss: small}, {BatchSize: 512, TrainLoss: large}}
	}
	for _, c := range []struct {
		small, large float64
		l            loss.Kind
		warn         bool
	}{
		{1e-5, 1e-2, loss.CrossEntropy, true},
		{1e-2, 1e-5, loss.CrossEntropy, true},
		{1e-3, 5e-3, loss.CrossEntropy, false},
		{1e-5, 1e-2, loss.MSE, false},
	} {
		if got := lossCaveat(rows(c.small, c.large), 10, 512, c.l); (got != "") != c.warn {
			t.Errorf("losses %g, %g (%s): caveat %q, want one: %v", c.small, c.large, c.l, got, c.warn)
		}
	}
}

// The report's paragraph follows the verdict: each of the four outcomes has
// its own sentence, and "agree" only when both kinds call the large batch
// sharper.
func TestBatchParagraph(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range []bool{false, true} {
		for _, i := range []bool{false, true} {
			p := batchParagraph(c, i)
			seen[p] = true
			if strings.Contains(p, "mostly agree") != (c && i) {
				t.Errorf("classical %v, invariant %v: %q", c, i, p)
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("%d distinct paragraphs for 4 outcomes", len(seen))
	}
}

// The seeds' spreads are separate only when the ranges are disjoint; a
// skewed, widely spread but disjoint pair (Fisher–Rao in the default run:
// mean ± std would call it overlapping) is separate.
func TestRangesOverlap(t *testing.T) {
	for _, tc := range []struct {
		a, b []float64
		want bool
	}{
		{[]float64{1, 2, 3}, []float64{4, 5, 6}, false},
		{[]float64{4, 5, 6}, []float64{1, 2, 3}, false},
		{[]float64{1, 5}, []float64{4, 6}, true},
		{[]float64{1, 2}, []float64{2, 3}, true},
		{[]float64{1e-5, 2e-5, 1.5e-4}, []float64{0.01, 0.02, 0.09}, false},
	} {
		if got := rangesOverlap(tc.a, tc.b); got != tc.want {
			t.Errorf("rangesOverlap(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
