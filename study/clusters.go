package study

import (
	"fmt"
	"github.com/minima-project/minima/loss"
	"strings"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/sweep"
)

// ClustersName is the name of the cluster study's sweep.
const ClustersName = "clusters"

// ClustersSettings is the cluster study (Sagun et al. 2018): for each k, k
// Gaussian clusters, a small MLP trained to a minimum, the exact Hessian
// spectrum of its mean training loss, and the number of outlier eigenvalues
// (measures.Outliers: the largest ratio gap above the bulk), which Sagun et
// al. find equal to k.
type ClustersSettings struct {
	K []int `json:"k"`
	// Data: the cluster generator's settings except the number of classes.
	Dim          int     `json:"dim"`
	PerClass     int     `json:"per_class"`
	TestPerClass int     `json:"test_per_class"`
	Spread       float64 `json:"spread"`
	Separation   float64 `json:"separation"`
	DataSeed     int64   `json:"data_seed"`

	Net   NetSettings         `json:"net"`
	Train graph.TrainSettings `json:"train"`
	// ExactLimit is the largest network whose exact spectrum is computed.
	ExactLimit int `json:"exact_limit"`
}

// DefaultClustersSettings reproduce Sagun et al.'s setting at a size that
// runs in seconds on 2 cores: k = 2, 5, 10 Gaussian clusters in 20
// dimensions (spread 1, centres ~N(0, 0.5²)), 50 training points per class, a
// 20-32-k ReLU MLP with the squared loss trained 10 epochs. With the squared
// loss the Gauss–Newton part of the Hessian holds I_k ⊗ E[hhᵀ] (h the last
// hidden layer): its k equal copies of the mean feature direction are the k
// outliers. (With cross-entropy the softmax's Hessian has rank k−1 and the
// gaps are weaker.)
func DefaultClustersSettings() ClustersSettings {
	return ClustersSettings{
		K: []int{2, 5, 10}, Dim: 20, PerClass: 50, TestPerClass: 50, Spread: 1, Separation: 0.5, DataSeed: 1,
		Net:        NetSettings{Hidden: []int{32}, Bias: true, Loss: loss.MSE},
		Train:      graph.TrainSettings{BatchSize: 16, Epochs: 10, LR: 0.01, Momentum: 0.9, Init: graph.He, Seed: 1},
		ExactLimit: 6000,
	}
}

// Validate checks the settings.
func (s *ClustersSettings) Validate() error {
	if len(s.K) == 0 {
		return fmt.Errorf("clusters: no k")
	}
	for _, k := range s.K {
		if err := s.source(k).Clusters.Validate(); err != nil {
			return fmt.Errorf("clusters: k = %d: %w", k, err)
		}
	}
	if err := s.Net.Spec(s.Dim, s.K[0]).Validate(); err != nil {
		return fmt.Errorf("clusters: %w", err)
	}
	return s.Train.Validate()
}

func (s *ClustersSettings) source(k int) datasets.Source {
	cfg := datasets.ClusterConfig{Classes: k, Dim: s.Dim, PerClass: s.PerClass, TestPerClass: s.TestPerClass,
		Spread: s.Spread, Separation: s.Separation, Seed: s.DataSeed}
	return datasets.Source{Kind: datasets.KindClusters, Seed: s.DataSeed, Clusters: &cfg}
}

func clustersID(k int) string { return fmt.Sprintf("k=%d", k) }

// Plan is one run per k, id "k=<k>".
func (s *ClustersSettings) Plan() (*sweep.Plan, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	p := &sweep.Plan{Name: ClustersName, Settings: s}
	for _, k := range s.K {
		p.IDs = append(p.IDs, clustersID(k))
	}
	return p, nil
}

// ClustersRow is one row of clusters.json: the minimum for k clusters and
// its spectrum.
type ClustersRow struct {
	K             int       `json:"k"`
	Outliers      int       `json:"outliers"`
	GapRatio      float64   `json:"gap_ratio"` // the separation ratio of the outlier rule (measures.Outliers)
	Params        int       `json:"params"`
	Samples       int       `json:"samples"`
	TrainLoss     float64   `json:"train_loss"`
	TrainAccuracy float64   `json:"train_accuracy"`
	TestAccuracy  *float64  `json:"test_accuracy,omitempty"`
	Top           []float64 `json:"top"` // the k+5 largest eigenvalues, descending
	Negative      int       `json:"negative"`
	NegativeMass  float64   `json:"negative_mass"`
	Asymmetry     float64   `json:"asymmetry"` // of the dense Hessian before symmetrisation
}

// Run trains the MLP on k clusters and computes the exact spectrum.
func (s *ClustersSettings) Run(id string, dir *report.AtomicDir, env Env) error {
	k := -1
	for _, kk := range s.K {
		if clustersID(kk) == id {
			k = kk
		}
	}
	if k < 0 {
		return fmt.Errorf("clusters: no run %q", id)
	}
	m, train, _, err := trainModel(s.source(k), s.Net, s.Train, env)
	if err != nil {
		return err
	}
	env.say("k=%d: exact spectrum of %d parameters", k, m.Spec.NumParams())
	h, err := exactSpectrum(m, train, s.ExactLimit)
	if err != nil {
		return err
	}
	final := m.Train.Final
	row := ClustersRow{K: k, Outliers: *h.Outliers, GapRatio: outlierRatio(h.Eigenvalues), Params: h.Params, Samples: h.Samples,
		TrainLoss: final.TrainLoss, TrainAccuracy: final.TrainAcc, TestAccuracy: final.TestAcc,
		Top: topOf(h.Eigenvalues, k+5), Negative: h.Negative.Count, NegativeMass: h.Negative.Mass, Asymmetry: *h.Asymmetry}
	if err := m.Save(dir.Path("model"), false); err != nil {
		return err
	}
	return report.WriteJSON(dir.Path(RowFile), row)
}

// Write makes clusters.json, clusters.csv, clusters.png (outliers against
// k), spectra.png (the top eigenvalues for each k) and report.md.
func (s *ClustersSettings) Write(runs *sweep.Set, dst Dest) (string, error) {
	rows, err := readRows[ClustersRow](runs)
	if err != nil {
		return "", err
	}
	if err := report.WriteJSON(dst.Path("clusters.json"), rows); err != nil {
		return "", err
	}
	t := &report.Table{Columns: []string{"k", "outliers", "gap_ratio", "lambda_max", "lambda_k", "lambda_k+1", "negative", "negative_mass", "params", "samples", "train_loss", "train_accuracy", "test_accuracy"}}
	var ks, outs []float64
	var spectra []report.Series
	match := true
	for _, r := range rows {
		t.AddRow(r.K, r.Outliers, r.GapRatio, r.Top[0], r.Top[r.K-1], r.Top[r.K], r.Negative, r.NegativeMass, r.Params, r.Samples,
			r.TrainLoss, r.TrainAccuracy, optional(r.TestAccuracy))
		ks, outs = append(ks, float64(r.K)), append(outs, float64(r.Outliers))
		match = match && r.Outliers == r.K
		sp := report.Series{Name: fmt.Sprintf("k = %d", r.K)}
		for i, v := range r.Top {
			sp.X, sp.Y = append(sp.X, float64(i+1)), append(sp.Y, v)
		}
		spectra = append(spectra, sp)
	}
	if err := report.WriteCSV(dst.Path("clusters.csv"), t); err != nil {
		return "", err
	}
	err = report.PlotSeries(dst.Path("clusters.png"), report.SeriesPlot{
		Title: "Outlier Hessian eigenvalues against the number of clusters", XLabel: "clusters k", YLabel: "outlier eigenvalues",
		Series: []report.Series{{Name: "outliers (exact spectrum)", X: ks, Y: outs}, {Name: "k (Sagun et al.)", X: ks, Y: ks}}})
	if err != nil {
		return "", err
	}
	err = report.PlotSeries(dst.Path("spectra.png"), report.SeriesPlot{
		Title: "Largest Hessian eigenvalues (k+5 per model)", XLabel: "rank", YLabel: "eigenvalue", LogY: true, Series: spectra})
	if err != nil {
		return "", err
	}
	verdict := "outliers = k for every k, as Sagun et al. report."
	if !match {
		var off []string
		for _, r := range rows {
			if r.Outliers != r.K {
				off = append(off, fmt.Sprintf("k = %d: %d", r.K, r.Outliers))
			}
		}
		verdict = "outliers differ from k (" + strings.Join(off, "; ") + "), unlike Sagun et al."
	}
	md := "# Outliers of the Hessian spectrum against the number of clusters\n\n" +
		"**Verdict:** " + verdict + "\n\n" +
		fmt.Sprintf("For each k: %d training points per class in %d dimensions (spread %g, centres ~N(0, %g²)), a %s trained %d epochs (batch %d, lr %g, momentum %g), the exact spectrum of the Hessian of the mean training loss; outliers are the eigenvalues above the largest ratio gap (≥ 3) over the bulk.\n\n",
			s.PerClass, s.Dim, s.Spread, s.Separation, describeNet(s.Net, s.Dim, "k"), s.Train.Epochs, s.Train.BatchSize, s.Train.LR, s.Train.Momentum) +
		report.Markdown(t, "%.4g") + "\n![outliers against k](clusters.png)\n\n![top eigenvalues](spectra.png)\n"
	if err := writeText(dst.Path("report.md"), md); err != nil {
		return "", err
	}
	return report.Text(t) + "verdict: " + verdict + "\n", nil
}
