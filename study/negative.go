package study

import (
	"fmt"
	"math"
	"slices"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/sweep"
)

// NegativeName is the name of the negative-eigenvalue study's sweep.
const NegativeName = "negative"

// NegativeSettings is the negative-eigenvalue study: at the end of training,
// the count, share and magnitude of the negative Hessian eigenvalues against
// the positive ones, for each training seed (Sagun et al.: small and few).
type NegativeSettings struct {
	Seeds      []int64             `json:"seeds"`
	Data       datasets.Source     `json:"data"`
	Net        NetSettings         `json:"net"`
	Train      graph.TrainSettings `json:"train"` // Seed is replaced by each seed
	ExactLimit int                 `json:"exact_limit"`
}

// DefaultNegativeSettings: 10 Gaussian clusters in 20 dimensions, a 20-32-10
// MLP with cross-entropy (1,002 parameters), seeds 1, 2, 3, the exact spectrum.
func DefaultNegativeSettings() NegativeSettings {
	cfg := datasets.ClusterConfig{Classes: 10, Dim: 20, PerClass: 50, TestPerClass: 50, Spread: 1, Separation: 0.5, Seed: 1}
	return NegativeSettings{Seeds: []int64{1, 2, 3}, Data: datasets.Source{Kind: datasets.KindClusters, Seed: 1, Clusters: &cfg},
		Net:   NetSettings{Hidden: []int{32}, Bias: true, Loss: loss.CrossEntropy},
		Train: graph.TrainSettings{BatchSize: 16, Epochs: 30, LR: 0.01, Momentum: 0.9, Init: graph.He, Seed: 1}, ExactLimit: 6000}
}

func seedID(s int64) string { return fmt.Sprintf("seed=%d", s) }

// Plan is one run per seed, id "seed=<s>".
func (s *NegativeSettings) Plan() (*sweep.Plan, error) {
	if len(s.Seeds) == 0 {
		return nil, fmt.Errorf("negative: no seeds")
	}
	if err := s.Data.Validate(); err != nil {
		return nil, fmt.Errorf("negative: %w", err)
	}
	if err := s.Train.Validate(); err != nil {
		return nil, fmt.Errorf("negative: %w", err)
	}
	p := &sweep.Plan{Name: NegativeName, Settings: s}
	for _, sd := range s.Seeds {
		p.IDs = append(p.IDs, seedID(sd))
	}
	return p, nil
}

// NegativeRow is one seed's minimum: the signs of its exact spectrum
// (eigenvalues within the rounding tolerance of zero count as neither).
type NegativeRow struct {
	Seed          int64     `json:"seed"`
	Params        int       `json:"params"`
	TrainLoss     float64   `json:"train_loss"`
	TrainAccuracy float64   `json:"train_accuracy"`
	Negative      int       `json:"negative"`
	Positive      int       `json:"positive"`
	Share         float64   `json:"negative_share"` // negative / params
	NegativeMass  float64   `json:"negative_mass"`  // Σ|λ| over λ < 0
	PositiveMass  float64   `json:"positive_mass"`
	MassRatio     float64   `json:"mass_ratio"` // negative / (negative + positive) mass
	LambdaMin     float64   `json:"lambda_min"`
	LambdaMax     float64   `json:"lambda_max"`
	MinOverMax    float64   `json:"min_over_max"` // |λ_min| / λ_max
	ZeroTol       float64   `json:"zero_tol"`
	Bottom        []float64 `json:"bottom"` // the 20 smallest eigenvalues
}

// Run trains with the seed and computes the exact spectrum.
func (s *NegativeSettings) Run(id string, dir *report.AtomicDir, env Env) error {
	i := slices.IndexFunc(s.Seeds, func(sd int64) bool { return seedID(sd) == id })
	if i < 0 {
		return fmt.Errorf("negative: no run %q", id)
	}
	ts := s.Train
	ts.Seed = s.Seeds[i]
	m, train, _, err := trainModel(s.Data, s.Net, ts, env)
	if err != nil {
		return err
	}
	env.say("%s: exact spectrum of %d parameters", id, m.Spec.NumParams())
	h, err := exactSpectrum(m, train, s.ExactLimit)
	if err != nil {
		return err
	}
	e, n := h.Eigenvalues, h.Negative
	row := NegativeRow{Seed: ts.Seed, Params: h.Params, TrainLoss: m.Train.Final.TrainLoss, TrainAccuracy: m.Train.Final.TrainAcc,
		Negative: n.Count, Positive: n.PositiveCount, Share: float64(n.Count) / float64(h.Params),
		NegativeMass: n.Mass, PositiveMass: n.PositiveMass, LambdaMin: e[0], LambdaMax: e[len(e)-1],
		MinOverMax: math.Abs(e[0]) / e[len(e)-1], ZeroTol: n.ZeroTol, Bottom: slices.Clone(e[:min(20, len(e))])}
	if t := n.Mass + n.PositiveMass; t > 0 {
		row.MassRatio = n.Mass / t
	}
	if err := m.Save(dir.Path("model"), false); err != nil {
		return err
	}
	return report.WriteJSON(dir.Path(RowFile), row)
}

// Write makes negative.json, negative.csv, negative.png (the bottom of each
// spectrum) and report.md.
func (s *NegativeSettings) Write(runs *sweep.Set, dst Dest) (string, error) {
	rows, err := readRows[NegativeRow](runs)
	if err != nil {
		return "", err
	}
	if err := report.WriteJSON(dst.Path("negative.json"), rows); err != nil {
		return "", err
	}
	t := &report.Table{Columns: []string{"seed", "params", "train_loss", "train_accuracy", "negative", "positive", "negative_share",
		"negative_mass", "positive_mass", "mass_ratio", "lambda_min", "lambda_max", "min_over_max"}}
	var series []report.Series
	var share, ratio, mm []float64
	for _, r := range rows {
		t.AddRow(r.Seed, r.Params, r.TrainLoss, r.TrainAccuracy, r.Negative, r.Positive, r.Share, r.NegativeMass, r.PositiveMass, r.MassRatio, r.LambdaMin, r.LambdaMax, r.MinOverMax)
		sr := report.Series{Name: fmt.Sprintf("seed %d", r.Seed)}
		for i, v := range r.Bottom {
			sr.X, sr.Y = append(sr.X, float64(i+1)), append(sr.Y, v)
		}
		series = append(series, sr)
		share, ratio, mm = append(share, r.Share), append(ratio, r.MassRatio), append(mm, r.MinOverMax)
	}
	if err := report.WriteCSV(dst.Path("negative.csv"), t); err != nil {
		return "", err
	}
	err = report.PlotSeries(dst.Path("negative.png"), report.SeriesPlot{Title: "Bottom of the Hessian spectrum at the end of training",
		XLabel: "index (ascending)", YLabel: "eigenvalue", Series: series})
	if err != nil {
		return "", err
	}
	ms, _ := meanStd(share)
	mr, _ := meanStd(ratio)
	mx, _ := meanStd(mm)
	verdict := fmt.Sprintf("negative eigenvalues are %.1f%% of the spectrum, carry %.2f%% of its absolute mass, and the most negative is %.2g×λ_max (means over %d seeds)", 100*ms, 100*mr, mx, len(rows))
	if mr < 0.05 && mx < 0.1 {
		verdict += ": small, as Sagun et al. report."
	} else {
		verdict += ": not as small as Sagun et al. report."
	}
	md := "# Negative Hessian eigenvalues at the end of training\n\n**Verdict:** " + verdict + "\n\n" +
		fmt.Sprintf("%s on %s data, trained %d epochs (batch %d, lr %g, momentum %g), one run per seed; the exact spectrum of the Hessian of the mean training loss, eigenvalues within rounding (zero_tol in negative.json) of 0 counted as neither sign.\n\n",
			describeNet(s.Net, dataInputs(s.Data), "classes"), s.Data.Kind, s.Train.Epochs, s.Train.BatchSize, s.Train.LR, s.Train.Momentum) +
		report.Markdown(t, "%.4g") + "\n![bottom of the spectrum](negative.png)\n"
	if err := writeText(dst.Path("report.md"), md); err != nil {
		return "", err
	}
	return report.Text(t) + "verdict: " + verdict + "\n", nil
}

// dataInputs is the input dimension of the samples of src.
func dataInputs(src datasets.Source) int {
	if src.Clusters != nil {
		return src.Clusters.Dim
	}
	return 784
}
