package study

import (
	"fmt"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/sweep"
)

// WidthName is the name of the width study's sweep.
const WidthName = "width"

// WidthSettings is the width study: the top Hessian eigenvalues of an MLP
// with one hidden layer of each width (Sagun et al.: they barely change).
type WidthSettings struct {
	Hidden []int               `json:"hidden"`
	Data   datasets.Source     `json:"data"`
	Bias   bool                `json:"bias"`
	Loss   loss.Kind           `json:"loss"`
	Train  graph.TrainSettings `json:"train"`
	Top    int                 `json:"top"`
	Tol    float64             `json:"tol"`
	Seed   int64               `json:"probe_seed"`
}

// DefaultWidthSettings: widths 20, 50, 100, 200 on a 1,000-image MNIST
// subset, 10 epochs, the top 10 eigenvalues by Lanczos.
func DefaultWidthSettings() WidthSettings {
	return WidthSettings{Hidden: []int{20, 50, 100, 200}, Data: datasets.Source{Kind: datasets.KindMNIST, Subset: 1000, TestSubset: 1000, Seed: 1},
		Bias: true, Loss: loss.CrossEntropy, Train: graph.TrainSettings{BatchSize: 32, Epochs: 10, LR: 0.05, Momentum: 0.9, Init: graph.He, Seed: 1},
		Top: 10, Tol: 1e-6, Seed: 1}
}

func widthID(h int) string { return fmt.Sprintf("hidden=%d", h) }

// Plan is one run per width, id "hidden=<h>".
func (s *WidthSettings) Plan() (*sweep.Plan, error) {
	if len(s.Hidden) == 0 || s.Top < 1 || !(s.Tol > 0 && s.Tol < 1) {
		return nil, fmt.Errorf("width: want widths, top ≥ 1 and a tolerance in (0,1)")
	}
	if err := s.Data.Validate(); err != nil {
		return nil, fmt.Errorf("width: %w", err)
	}
	if err := s.Train.Validate(); err != nil {
		return nil, fmt.Errorf("width: %w", err)
	}
	p := &sweep.Plan{Name: WidthName, Settings: s}
	for _, h := range s.Hidden {
		p.IDs = append(p.IDs, widthID(h))
	}
	return p, nil
}

// WidthRow is one width's minimum and its top eigenvalues.
type WidthRow struct {
	Hidden        int       `json:"hidden"`
	Params        int       `json:"params"`
	TrainLoss     float64   `json:"train_loss"`
	TrainAccuracy float64   `json:"train_accuracy"`
	TestAccuracy  *float64  `json:"test_accuracy,omitempty"`
	Top           []float64 `json:"top"`
	TopResiduals  []float64 `json:"top_residuals"`
	Converged     bool      `json:"converged"`
}

// Run trains the width's MLP and computes its top eigenvalues.
func (s *WidthSettings) Run(id string, dir *report.AtomicDir, env Env) error {
	h := -1
	for _, w := range s.Hidden {
		if widthID(w) == id {
			h = w
		}
	}
	if h < 0 {
		return fmt.Errorf("width: no run %q", id)
	}
	m, train, _, err := trainModel(s.Data, NetSettings{Hidden: []int{h}, Bias: s.Bias, Loss: s.Loss}, s.Train, env)
	if err != nil {
		return err
	}
	env.say("%s: top %d eigenvalues of %d parameters", id, s.Top, m.Spec.NumParams())
	r, err := lanczosEnds(m, train, s.Top, 0, s.Tol, s.Seed)
	if err != nil {
		return err
	}
	f := m.Train.Final
	row := WidthRow{Hidden: h, Params: r.Params, TrainLoss: f.TrainLoss, TrainAccuracy: f.TrainAcc, TestAccuracy: f.TestAcc,
		Top: r.Top, TopResiduals: r.TopResiduals, Converged: *r.Converged}
	if err := m.Save(dir.Path("model"), false); err != nil {
		return err
	}
	return report.WriteJSON(dir.Path(RowFile), row)
}

// Write makes width.json, width.csv, width.png and report.md.
func (s *WidthSettings) Write(runs *sweep.Set, dst Dest) (string, error) {
	rows, err := readRows[WidthRow](runs)
	if err != nil {
		return "", err
	}
	if err := report.WriteJSON(dst.Path("width.json"), rows); err != nil {
		return "", err
	}
	t := &report.Table{Columns: []string{"hidden", "params", "train_loss", "train_accuracy", "test_accuracy", "converged"}}
	for i := range s.Top {
		t.Columns = append(t.Columns, fmt.Sprintf("lambda_%d", i+1))
	}
	var series []report.Series
	var lmax []float64
	for _, r := range rows {
		cells := []any{r.Hidden, r.Params, r.TrainLoss, r.TrainAccuracy, optional(r.TestAccuracy), r.Converged}
		sr := report.Series{Name: fmt.Sprintf("hidden %d", r.Hidden)}
		for i := range s.Top {
			if i < len(r.Top) {
				cells = append(cells, r.Top[i])
				sr.X, sr.Y = append(sr.X, float64(i+1)), append(sr.Y, r.Top[i])
			} else {
				cells = append(cells, nil)
			}
		}
		t.AddRow(cells...)
		series = append(series, sr)
		lmax = append(lmax, r.Top[0])
	}
	if err := report.WriteCSV(dst.Path("width.csv"), t); err != nil {
		return "", err
	}
	err = report.PlotSeries(dst.Path("width.png"), report.SeriesPlot{Title: "Top Hessian eigenvalues as the hidden layer widens",
		XLabel: "rank", YLabel: "eigenvalue", LogY: true, Series: series})
	if err != nil {
		return "", err
	}
	sp := Spread(lmax)
	verdict := fmt.Sprintf("λ_max changes by a factor %.2f across widths %v while the parameters grow %.1f×", sp, s.Hidden, float64(rows[len(rows)-1].Params)/float64(rows[0].Params))
	if sp < 2 {
		verdict += ": the top eigenvalues barely change, as Sagun et al. report."
	} else {
		verdict += ": more than the 'barely change' Sagun et al. report."
	}
	md := "# Top Hessian eigenvalues against the width\n\n**Verdict:** " + verdict + "\n\n" +
		fmt.Sprintf("One-hidden-layer ReLU MLPs (%s) on %s data (subset %d), trained %d epochs (batch %d, lr %g, momentum %g); the top %d eigenvalues of the Hessian of the mean training loss by Lanczos (relative residual %g).\n\n",
			s.Loss, s.Data.Kind, s.Data.Subset, s.Train.Epochs, s.Train.BatchSize, s.Train.LR, s.Train.Momentum, s.Top, s.Tol) +
		report.Markdown(t, "%.4g") + "\n![top eigenvalues](width.png)\n"
	if err := writeText(dst.Path("report.md"), md); err != nil {
		return "", err
	}
	return report.Text(t) + "verdict: " + verdict + "\n", nil
}
