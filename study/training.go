package study

import (
	"fmt"
	"math"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/sweep"
)

// TrainingName is the name of the training study's sweep.
const TrainingName = "training"

// Runs of the training study.
const (
	PhaseInit    = "init"
	PhaseTrained = "trained"
)

// TrainingSettings is Sagun et al.'s before/after figure: the full exact
// Hessian spectrum of one network at initialisation and after training.
type TrainingSettings struct {
	Data       datasets.Source     `json:"data"`
	Net        NetSettings         `json:"net"`
	Train      graph.TrainSettings `json:"train"`
	ExactLimit int                 `json:"exact_limit"`
}

// DefaultTrainingSettings: 10 Gaussian clusters in 100 dimensions (100
// training points each), a 100-40-10 MLP with cross-entropy: 4,450
// parameters, Sagun et al.'s ~5,000.
func DefaultTrainingSettings() TrainingSettings {
	cfg := datasets.ClusterConfig{Classes: 10, Dim: 100, PerClass: 100, TestPerClass: 100, Spread: 1, Separation: 0.5, Seed: 1}
	return TrainingSettings{
		Data:       datasets.Source{Kind: datasets.KindClusters, Seed: 1, Clusters: &cfg},
		Net:        NetSettings{Hidden: []int{40}, Bias: true, Loss: loss.CrossEntropy},
		Train:      graph.TrainSettings{BatchSize: 32, Epochs: 20, LR: 0.01, Momentum: 0.9, Init: graph.He, Seed: 1},
		ExactLimit: 6000,
	}
}

// Plan is two runs, "init" and "trained".
func (s *TrainingSettings) Plan() (*sweep.Plan, error) {
	if err := s.Data.Validate(); err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	if err := s.Train.Validate(); err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	return &sweep.Plan{Name: TrainingName, Settings: s, IDs: []string{PhaseInit, PhaseTrained}}, nil
}

// TrainingRow is one phase: the loss there and the whole spectrum.
type TrainingRow struct {
	Phase       string    `json:"phase"`
	Params      int       `json:"params"`
	Samples     int       `json:"samples"`
	Loss        float64   `json:"loss"`
	Accuracy    float64   `json:"accuracy"`
	LambdaMax   float64   `json:"lambda_max"`
	LambdaMin   float64   `json:"lambda_min"`
	Outliers    int       `json:"outliers"`
	Negative    int       `json:"negative"`
	NearZero    float64   `json:"near_zero"` // share of |λ| < 1e-3·λ_max
	Eigenvalues []float64 `json:"eigenvalues"`
}

// Run computes the spectrum at initialisation (0 epochs) or after training.
func (s *TrainingSettings) Run(id string, dir *report.AtomicDir, env Env) error {
	ts := s.Train
	switch id {
	case PhaseInit:
		ts.Epochs = 0
	case PhaseTrained:
	default:
		return fmt.Errorf("training: no run %q", id)
	}
	m, train, _, err := trainModel(s.Data, s.Net, ts, env)
	if err != nil {
		return err
	}
	env.say("%s: exact spectrum of %d parameters", id, m.Spec.NumParams())
	h, err := exactSpectrum(m, train, s.ExactLimit)
	if err != nil {
		return err
	}
	o, err := graph.NewObjective(m.Spec, train, 0)
	if err != nil {
		return err
	}
	defer o.Close()
	l, acc, err := o.Evaluate(m.Theta)
	if err != nil {
		return err
	}
	e := h.Eigenvalues
	row := TrainingRow{Phase: id, Params: h.Params, Samples: h.Samples, Loss: l, Accuracy: acc,
		LambdaMax: e[len(e)-1], LambdaMin: e[0], Outliers: *h.Outliers, Negative: h.Negative.Count,
		NearZero: nearZero(e), Eigenvalues: e}
	if err := m.Save(dir.Path("model"), false); err != nil {
		return err
	}
	return report.WriteJSON(dir.Path(RowFile), row)
}

// nearZero is the share of eigenvalues with |λ| < 1e-3·max|λ|.
func nearZero(e []float64) float64 {
	scale := max(math.Abs(e[0]), math.Abs(e[len(e)-1]))
	n := 0
	for _, v := range e {
		if math.Abs(v) < 1e-3*scale {
			n++
		}
	}
	return float64(n) / float64(len(e))
}

// Write makes training.json, training.csv (index, init, trained), the
// plot training.png of both spectra, and report.md.
func (s *TrainingSettings) Write(runs *sweep.Set, dst Dest) (string, error) {
	rows, err := readRows[TrainingRow](runs)
	if err != nil {
		return "", err
	}
	if err := report.WriteJSON(dst.Path("training.json"), rows); err != nil {
		return "", err
	}
	init, trained := rows[0], rows[1]
	t := &report.Table{Columns: []string{"index", "init", "trained"}}
	var series []report.Series
	for _, r := range rows {
		sr := report.Series{Name: r.Phase}
		for i, v := range r.Eigenvalues {
			sr.X, sr.Y = append(sr.X, float64(i+1)), append(sr.Y, v)
		}
		series = append(series, sr)
	}
	for i := range init.Eigenvalues {
		t.AddRow(i+1, init.Eigenvalues[i], trained.Eigenvalues[i])
	}
	if err := report.WriteCSV(dst.Path("training.csv"), t); err != nil {
		return "", err
	}
	err = report.PlotSeries(dst.Path("training.png"), report.SeriesPlot{
		Title:  fmt.Sprintf("Hessian spectrum at initialisation and after training (%d parameters)", init.Params),
		XLabel: "index (ascending)", YLabel: "eigenvalue", Series: series})
	if err != nil {
		return "", err
	}
	st := &report.Table{Columns: []string{"phase", "loss", "accuracy", "lambda_max", "lambda_min", "outliers", "negative", "near_zero_share"}}
	for _, r := range rows {
		st.AddRow(r.Phase, r.Loss, r.Accuracy, r.LambdaMax, r.LambdaMin, r.Outliers, r.Negative, r.NearZero)
	}
	verdict := fmt.Sprintf("after training %.0f%% of the eigenvalues lie within 1e-3·λ_max of zero (%.0f%% at initialisation)", 100*trained.NearZero, 100*init.NearZero)
	if trained.Outliers > 0 {
		verdict += fmt.Sprintf(", with %d outliers above the bulk: the bulk-and-outliers shape Sagun et al. report.", trained.Outliers)
	} else {
		verdict += ": the bulk concentrates at zero as Sagun et al. report, but no outlier stands above it by a ratio gap ≥ 3."
	}
	if trained.NearZero <= init.NearZero {
		verdict = fmt.Sprintf("training did not concentrate the bulk at zero (%.0f%% near zero after, %.0f%% before), unlike Sagun et al.", 100*trained.NearZero, 100*init.NearZero)
	}
	md := "# The Hessian spectrum before and after training\n\n**Verdict:** " + verdict + "\n\n" +
		fmt.Sprintf("%s on %d training samples (%s data), trained %d epochs (batch %d, lr %g, momentum %g); the exact spectrum of the Hessian of the mean training loss.\n\n",
			describeNet(s.Net, dataInputs(s.Data), "classes"), init.Samples, s.Data.Kind, s.Train.Epochs, s.Train.BatchSize, s.Train.LR, s.Train.Momentum) +
		report.Markdown(st, "%.4g") + "\n![spectra](training.png)\n"
	if err := writeText(dst.Path("report.md"), md); err != nil {
		return "", err
	}
	return report.Text(st) + "verdict: " + verdict + "\n", nil
}
