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
	"gonum.org/v1/plot/vg"
)

// BatchSizeName is the name of the batch-size study's sweep.
const BatchSizeName = "batchsize"

// BatchSizeSettings is the batch-size comparison (Keskar et al. 2017; Sagun
// et al. 2018): one model per batch size and seed, its spectrum ends, the
// classical sharpness measures and the reparametrisation-invariant ones.
type BatchSizeSettings struct {
	Sizes []int               `json:"sizes"`
	Seeds []int64             `json:"seeds"`
	Data  datasets.Source     `json:"data"`
	Arch  ArchSettings        `json:"arch"`
	Train graph.TrainSettings `json:"train"` // Epochs or Steps; BatchSize and Seed are set per run
	// Spectrum: the Top largest and Bottom smallest eigenvalues (Lanczos).
	Top    int     `json:"top"`
	Bottom int     `json:"bottom"`
	Tol    float64 `json:"tol"`
	// Measures (study.ComputeMeasures).
	Eps                []float64 `json:"eps"`
	Subspace           int       `json:"subspace"`
	SharpnessIters     int       `json:"sharpness_iters"`
	FlatnessDirections int       `json:"flatness_directions"`
	TraceProbes        int       `json:"trace_probes"`
	ProbeSeed          int64     `json:"probe_seed"`
}

// DefaultBatchSizeSettings: batch 10 against full-batch gradient descent on
// a stratified 256-image MNIST subset, 3 seeds, Sagun et al.'s CNN with
// max-pooling and two dense layers (DefaultCNN), 60 epochs at the same
// learning rate, so that both batch sizes reach 100% training accuracy; the
// spectrum ends and the measures at a cost that keeps the whole comparison to
// minutes on 2 cores (see the README for the timing).
func DefaultBatchSizeSettings() BatchSizeSettings {
	return BatchSizeSettings{Sizes: []int{10, 256}, Seeds: []int64{1, 2, 3},
		Data:  datasets.Source{Kind: datasets.KindMNIST, Subset: 256, TestSubset: 500, Seed: 1},
		Arch:  DefaultCNN(),
		Train: graph.TrainSettings{Epochs: 60, LR: 0.03, Momentum: 0.9, Init: graph.He},
		Top:   8, Bottom: 4, Tol: 1e-3,
		Eps: []float64{1e-3, 5e-4}, Subspace: 100, SharpnessIters: 5, FlatnessDirections: 2, TraceProbes: 10, ProbeSeed: 1}
}

// DefaultCNN is graph.CNN's default network without biases: conv(→8, 5×5,
// relu) → maxpool 2 → conv(→16, 5×5, relu) → maxpool 2 → flatten →
// dense(→64, relu) → dense(→10), cross-entropy; 20,424 parameters. Without
// biases, Dinh et al.'s T_α is an exact symmetry of every layer pair, the
// Fisher–Rao norm has its closed form, and the normalised trace needs no
// exact bias blocks (a third of its Hessian-vector products otherwise).
func DefaultCNN() ArchSettings {
	return ArchSettings{Arch: ArchCNN, CNN: &graph.CNNSettings{Input: graph.Shape{1, 28, 28}, Channels: []int{8, 16}, Kernel: 5, Pool: 2, Hidden: []int{64}},
		Bias: false, Loss: loss.CrossEntropy}
}

func batchID(size int, seed int64) string { return fmt.Sprintf("batch=%d+seed=%d", size, seed) }

// Plan is one run per batch size and seed, id "batch=<B>+seed=<s>".
func (s *BatchSizeSettings) Plan() (*sweep.Plan, error) {
	if len(s.Sizes) < 2 || len(s.Seeds) == 0 || s.Top < 1 || s.Bottom < 0 || !(s.Tol > 0 && s.Tol < 1) || len(s.Eps) == 0 || s.TraceProbes < 2 {
		return nil, fmt.Errorf("batchsize: want ≥ 2 sizes, seeds, top ≥ 1, bottom ≥ 0, tol in (0,1), eps and ≥ 2 probes")
	}
	if err := s.Data.Validate(); err != nil {
		return nil, fmt.Errorf("batchsize: %w", err)
	}
	if _, err := s.Arch.Spec(dataInputs(s.Data), dataClasses(s.Data)); err != nil {
		return nil, fmt.Errorf("batchsize: %w", err)
	}
	ts := s.Train
	ts.BatchSize = s.Sizes[0]
	if err := ts.Validate(); err != nil {
		return nil, fmt.Errorf("batchsize: %w", err)
	}
	if (ts.Epochs > 0) == (ts.Steps > 0) {
		return nil, fmt.Errorf("batchsize: train for a number of epochs or of steps (exactly one), got %d epochs and %d steps", ts.Epochs, ts.Steps)
	}
	p := &sweep.Plan{Name: BatchSizeName, Settings: s}
	for _, b := range s.Sizes {
		for _, sd := range s.Seeds {
			p.IDs = append(p.IDs, batchID(b, sd))
		}
	}
	return p, nil
}

// BatchSizeRow is one model: batch size, seed, fit, spectrum and measures.
type BatchSizeRow struct {
	BatchSize       int              `json:"batch_size"`
	Seed            int64            `json:"seed"`
	TrainLoss       float64          `json:"train_loss"`
	TrainAccuracy   float64          `json:"train_accuracy"`
	TestLoss        *float64         `json:"test_loss,omitempty"`
	TestAccuracy    *float64         `json:"test_accuracy,omitempty"`
	Top             []float64        `json:"top"`
	TopResiduals    []float64        `json:"top_residuals"`
	Bottom          []float64        `json:"bottom"`
	BottomResiduals []float64        `json:"bottom_residuals"`
	Negative        *NegativeSummary `json:"negative"`
	Measures        *Measures        `json:"measures"`
}

// Run trains one model and measures it on its training set.
func (s *BatchSizeSettings) Run(id string, dir *report.AtomicDir, env Env) error {
	ts := s.Train
	found := false
	for _, b := range s.Sizes {
		for _, sd := range s.Seeds {
			if batchID(b, sd) == id {
				ts.BatchSize, ts.Seed, found = b, sd, true
			}
		}
	}
	if !found {
		return fmt.Errorf("batchsize: no run %q", id)
	}
	m, train, _, err := trainModel(s.Data, s.Arch, ts, env)
	if err != nil {
		return err
	}
	if err := m.Save(dir.Path("model"), false); err != nil {
		return err
	}
	env.say("%s: spectrum ends", id)
	h, err := lanczosEnds(m, train, s.Top, s.Bottom, s.Tol, s.ProbeSeed)
	if err != nil {
		return err
	}
	env.say("%s: measures", id)
	o, err := graph.NewObjective(m.Spec, train, 0)
	if err != nil {
		return err
	}
	defer o.Close()
	ms := DefaultMeasureSettings()
	ms.Eps, ms.Subspace, ms.SharpnessIters, ms.FlatnessDirections, ms.TraceProbes = s.Eps, s.Subspace, s.SharpnessIters, s.FlatnessDirections, s.TraceProbes
	ms.TopK, ms.LambdaTol, ms.Seed = 1, s.Tol, s.ProbeSeed
	ms.Progress = func(m string) { env.say("%s: %s", id, m) }
	meas, err := ComputeMeasures(o, train.Y, m.Theta, ms)
	if err != nil {
		return err
	}
	f := m.Train.Final
	row := BatchSizeRow{BatchSize: ts.BatchSize, Seed: ts.Seed, TrainLoss: f.TrainLoss, TrainAccuracy: f.TrainAcc, TestLoss: f.TestLoss, TestAccuracy: f.TestAcc,
		Top: h.Top, TopResiduals: h.TopResiduals, Bottom: h.Bottom, BottomResiduals: h.BottomResiduals, Negative: h.Negative, Measures: meas}
	return report.WriteJSON(dir.Path(RowFile), row)
}

// batchMeasure is one column of the comparison: a name, whether it is
// reparametrisation-invariant, whether it is a sharpness measure (counted in
// the verdict and plotted) or context (fit, negative eigenvalues), and its
// value in a row.
type batchMeasure struct {
	name      string
	invariant bool
	sharpness bool
	get       func(r BatchSizeRow) float64
}

func batchMeasures(rows []BatchSizeRow) []batchMeasure {
	ms := []batchMeasure{
		{"train_loss", false, false, func(r BatchSizeRow) float64 { return r.TrainLoss }},
		{"train_accuracy", false, false, func(r BatchSizeRow) float64 { return r.TrainAccuracy }},
		{"test_accuracy", false, false, func(r BatchSizeRow) float64 {
			if r.TestAccuracy == nil {
				return math.NaN()
			}
			return *r.TestAccuracy
		}},
		{"lambda_max", false, true, func(r BatchSizeRow) float64 { return r.Top[0] }},
		{"trace", false, true, func(r BatchSizeRow) float64 { return r.Measures.Trace }},
		{"negative_count", false, false, func(r BatchSizeRow) float64 { return float64(r.Negative.Count) }},
		{"negative_mass", false, false, func(r BatchSizeRow) float64 { return r.Negative.Mass }},
	}
	for i, sv := range rows[0].Measures.Sharpness {
		name := fmt.Sprintf("eps_sharpness_%g_full", sv.Eps)
		if sv.Subspace > 0 {
			name = fmt.Sprintf("eps_sharpness_%g_p%d", sv.Eps, sv.Subspace)
		}
		ms = append(ms, batchMeasure{name, false, true, func(r BatchSizeRow) float64 { return r.Measures.Sharpness[i].Value }})
	}
	return append(ms,
		batchMeasure{"asam_eta0", true, true, func(r BatchSizeRow) float64 { return r.Measures.ASAM }},
		batchMeasure{"fisher_rao", true, true, func(r BatchSizeRow) float64 { return r.Measures.FisherRao }},
		batchMeasure{"normalized_trace", true, true, func(r BatchSizeRow) float64 { return r.Measures.NormTrace }},
		batchMeasure{"relative_flatness", true, true, func(r BatchSizeRow) float64 { return r.Measures.RelFlatness }},
	)
}

// Write makes batchsize.json, batchsize.csv (one row per model),
// summary.csv (mean ± std per size, ratio large/small), the plots top.png,
// bottom.png and measures.png, and report.md.
func (s *BatchSizeSettings) Write(runs *sweep.Set, dst Dest) (string, error) {
	rows, err := readRows[BatchSizeRow](runs)
	if err != nil {
		return "", err
	}
	if err := report.WriteJSON(dst.Path("batchsize.json"), rows); err != nil {
		return "", err
	}
	ms := batchMeasures(rows)
	t := &report.Table{Columns: []string{"batch_size", "seed"}}
	for _, m := range ms {
		t.Columns = append(t.Columns, m.name)
	}
	for _, r := range rows {
		cells := []any{r.BatchSize, r.Seed}
		for _, m := range ms {
			cells = append(cells, report.Float(m.get(r)))
		}
		t.AddRow(cells...)
	}
	if err := report.WriteCSV(dst.Path("batchsize.csv"), t); err != nil {
		return "", err
	}
	small, large := s.Sizes[0], s.Sizes[len(s.Sizes)-1]
	bySize := func(b int, m batchMeasure) []float64 {
		var xs []float64
		for _, r := range rows {
			if r.BatchSize == b {
				xs = append(xs, m.get(r))
			}
		}
		return xs
	}
	sum := &report.Table{Columns: []string{"measure", "invariant"}}
	for _, b := range s.Sizes {
		sum.Columns = append(sum.Columns, fmt.Sprintf("batch %d", b))
	}
	sum.Columns = append(sum.Columns, fmt.Sprintf("ratio %d/%d", large, small), "seeds' spreads")
	var sharperClassical, sharperInvariant, nClassical, nInvariant int
	var panels []measurePanel
	for _, m := range ms {
		cells := []any{m.name, m.invariant}
		for _, b := range s.Sizes {
			mean, std := meanStd(bySize(b, m))
			cells = append(cells, fmt.Sprintf("%.4g ± %.2g", mean, std))
		}
		xs0, xs1 := bySize(small, m), bySize(large, m)
		ms0, _ := meanStd(xs0)
		ms1, _ := meanStd(xs1)
		overlap := rangesOverlap(xs0, xs1)
		verdict := "overlap"
		if !overlap {
			verdict = "separate"
		}
		cells = append(cells, report.Float(ms1/ms0), verdict)
		sum.AddRow(cells...)
		if m.sharpness {
			if m.invariant {
				nInvariant++
				if !overlap && ms1 > ms0 {
					sharperInvariant++
				}
			} else {
				nClassical++
				if !overlap && ms1 > ms0 {
					sharperClassical++
				}
			}
			panels = append(panels, measurePanel{m, fmt.Sprintf("×%s, %s", ratioText(ms1/ms0), verdict)})
		}
	}
	if err := report.WriteCSV(dst.Path("summary.csv"), sum); err != nil {
		return "", err
	}
	if err := s.plots(rows, panels, dst); err != nil {
		return "", err
	}
	verdict := fmt.Sprintf("%d of %d classical measures call the batch-%d minimum sharper than the batch-%d one beyond the seeds' spread; %d of %d invariant measures do.",
		sharperClassical, nClassical, large, small, sharperInvariant, nInvariant)
	para := batchParagraph(sharperClassical*2 > nClassical, sharperInvariant*2 > nInvariant)
	para += lossCaveat(rows, small, large, s.Arch.Loss)
	md := "# Small against large batches\n\n**Verdict:** " + verdict + "\n\n" + para + "\n\n" +
		fmt.Sprintf("%s on %s, %s (lr %g, momentum %g) per batch size and seed; measures on the training set (Lanczos tolerance %g, ε-sharpness with ε ∈ %v, full space and p = %d).\n\n",
			s.Arch.describe(dataInputs(s.Data), dataClasses(s.Data)), describeData(s.Data), describeTraining(s.Train), s.Train.LR, s.Train.Momentum, s.Tol, s.Eps, s.Subspace) +
		"Mean ± standard deviation over seeds; the seeds' spreads 'overlap' unless every seed of one batch size lies beyond every seed of the other.\n\n" +
		report.Markdown(sum, "%.4g") + "\n![top eigenvalues](top.png)\n\n![bottom eigenvalues](bottom.png)\n\n![measures](measures.png)\n"
	if err := writeText(dst.Path("report.md"), md); err != nil {
		return "", err
	}
	return report.Text(sum) + "verdict: " + verdict + "\n" + para + "\n", nil
}

// batchParagraph says what the verdict means: whether most classical
// measures call the large-batch minimum sharper beyond the seeds' spread,
// and whether most invariant ones do.
func batchParagraph(classical, invariant bool) string {
	const inv = "the reparametrisation-invariant measures (ASAM η = 0, Fisher–Rao, normalised trace, relative flatness)"
	switch {
	case classical && invariant:
		return "Classical measures (λ_max, trace, ε-sharpness) mostly call the large-batch minimum sharper, as Keskar et al. report; " + inv +
			" mostly agree, so the difference is not an artefact of the parametrisation Dinh et al. warn about."
	case classical:
		return "Classical measures (λ_max, trace, ε-sharpness) mostly call the large-batch minimum sharper, as Keskar et al. report; " + inv +
			" mostly do not, so the classical difference may reflect the parametrisation (Dinh et al.) rather than the function."
	case invariant:
		return "Classical measures (λ_max, trace, ε-sharpness) do not consistently call the large-batch minimum sharper here, but " + inv + " mostly do."
	default:
		return "Neither the classical measures (λ_max, trace, ε-sharpness) nor " + inv + " consistently call the large-batch minimum sharper here: at these settings the batch sizes' minima are not told apart beyond the seeds' spread."
	}
}

// lossCaveat is a sentence for the report when the two batch sizes ended at
// training losses more than 10× apart under cross-entropy, whose Hessian
// shrinks with the loss near a perfect fit (softmax saturation): part of the
// classical difference is then how deep each run went, not how wide its
// basin is.
func lossCaveat(rows []BatchSizeRow, small, large int, l loss.Kind) string {
	if l != loss.CrossEntropy {
		return ""
	}
	var s, b []float64
	for _, r := range rows {
		switch r.BatchSize {
		case small:
			s = append(s, r.TrainLoss)
		case large:
			b = append(b, r.TrainLoss)
		}
	}
	ms, _ := meanStd(s)
	mb, _ := meanStd(b)
	if r := mb / ms; r > 0.1 && r < 10 {
		return ""
	}
	return fmt.Sprintf(" Caveat: the batch-%d models end at a mean training loss of %.3g against %.3g for batch %d; with cross-entropy the Hessian shrinks as the loss goes to zero, so part of the difference reflects how far each run descended rather than the width of its basin (to compare at equal loss, train one batch size for fewer epochs or steps in a separate run).",
		large, mb, ms, small)
}

// describeData writes the samples of src: "MNIST (a 2000-image training
// subset)" or "Gaussian clusters (…)".
func describeData(src datasets.Source) string {
	if c := src.Clusters; c != nil {
		return fmt.Sprintf("%d Gaussian clusters in %d dimensions (%d training samples each)", c.Classes, c.Dim, c.PerClass)
	}
	if src.Subset > 0 {
		return fmt.Sprintf("MNIST (a stratified %d-image training subset)", src.Subset)
	}
	return "MNIST (all 60,000 training images)"
}

// describeTraining writes how long each model trains: "10 epochs" (the same
// passes over the data, so fewer steps for larger batches) or "500 SGD
// steps" (the same number of updates for every batch size).
func describeTraining(ts graph.TrainSettings) string {
	if ts.Steps > 0 {
		return fmt.Sprintf("%d SGD steps (the same number of updates for every batch size)", ts.Steps)
	}
	unit := "epochs"
	if ts.Epochs == 1 {
		unit = "epoch"
	}
	return fmt.Sprintf("%d %s (the same passes over the data, so fewer steps for larger batches)", ts.Epochs, unit)
}

// measurePanel is one sharpness measure for measures.png with the note
// under its name (ratio of the means, whether the spreads overlap).
type measurePanel struct {
	m    batchMeasure
	note string
}

// plots draws top.png (Sagun et al.'s figure: the top eigenvalues by rank
// per batch size), bottom.png (the bottom eigenvalues, raw and ÷ λ_max of
// the same model) and measures.png (one panel per sharpness measure
// against the batch size), every seed as a point and the mean over seeds
// as a line.
func (s *BatchSizeSettings) plots(rows []BatchSizeRow, panels []measurePanel, dst Dest) error {
	const sample, mean = "one seed", "mean over seeds"
	ends := func(get func(r BatchSizeRow) []float64) []report.Samples {
		var out []report.Samples
		for _, b := range s.Sizes {
			g := report.Samples{Name: fmt.Sprintf("batch %d", b)}
			for _, r := range rows {
				if r.BatchSize != b {
					continue
				}
				for i, v := range get(r) {
					for len(g.X) <= i {
						g.X, g.Y = append(g.X, float64(len(g.X)+1)), append(g.Y, nil)
					}
					g.Y[i] = append(g.Y[i], v)
				}
			}
			out = append(out, g)
		}
		return out
	}
	err := report.PlotSamples(dst.Path("top.png"), report.SamplesPlot{Title: "Top Hessian eigenvalues per batch size",
		SampleLabel: sample, MeanLabel: mean,
		Rows: [][]report.SamplesPanel{{{XLabel: "rank", YLabel: "eigenvalue", LogY: true, Dodge: 0.08,
			Groups: ends(func(r BatchSizeRow) []float64 { return r.Top })}}}})
	if err != nil {
		return err
	}
	relative := func(r BatchSizeRow) []float64 {
		out := make([]float64, len(r.Bottom))
		for i, v := range r.Bottom {
			out[i] = v / r.Top[0]
		}
		return out
	}
	err = report.PlotSamples(dst.Path("bottom.png"), report.SamplesPlot{Title: "Bottom Hessian eigenvalues per batch size",
		SampleLabel: sample, MeanLabel: mean, Width: 20 * vg.Centimeter,
		Rows: [][]report.SamplesPanel{{
			{Title: "eigenvalue", XLabel: "rank from the bottom", ZeroLine: true, Dodge: 0.08,
				Groups: ends(func(r BatchSizeRow) []float64 { return r.Bottom })},
			{Title: "eigenvalue ÷ λ_max of the same model", XLabel: "rank from the bottom", ZeroLine: true, Dodge: 0.08,
				Groups: ends(relative)},
		}}})
	if err != nil {
		return err
	}
	title := fmt.Sprintf("Sharpness measures against the batch size\n(under each name: mean at batch %d ÷ mean at batch %d; whether the seeds' spreads overlap)",
		s.Sizes[len(s.Sizes)-1], s.Sizes[0])
	return report.PlotSamples(dst.Path("measures.png"), report.SamplesPlot{Title: title,
		SampleLabel: sample, MeanLabel: mean, Width: 24 * vg.Centimeter, Height: 13 * vg.Centimeter,
		Rows: measureGrid(rows, panels, s.Sizes)})
}

// measureGrid lays out one panel per measure in two rows: the classical
// measures in a block on the left, the invariant ones in a block on the
// right, each block filled row by row. Each panel's points are every
// seed's value at each batch size (raw values, log axes); its group is
// "classical" or "invariant", which sets its colour.
func measureGrid(rows []BatchSizeRow, panels []measurePanel, sizes []int) [][]report.SamplesPanel {
	var blocks [2][]report.SamplesPanel
	for _, p := range panels {
		g := report.Samples{Name: "classical"}
		if p.m.invariant {
			g.Name = "invariant"
		}
		for _, b := range sizes {
			var ys []float64
			for _, r := range rows {
				if r.BatchSize == b {
					ys = append(ys, p.m.get(r))
				}
			}
			g.X, g.Y = append(g.X, float64(b)), append(g.Y, ys)
		}
		k := 0
		if p.m.invariant {
			k = 1
		}
		blocks[k] = append(blocks[k], report.SamplesPanel{Title: p.m.name + "\n" + p.note, XLabel: "batch size",
			LogX: true, LogY: true, DataXTicks: true, Groups: []report.Samples{g}})
	}
	grid := make([][]report.SamplesPanel, 2)
	for _, blk := range blocks {
		cols := (len(blk) + 1) / 2
		for i := range 2 * cols {
			var pn report.SamplesPanel
			if i < len(blk) {
				pn = blk[i]
			}
			grid[i/cols] = append(grid[i/cols], pn)
		}
	}
	return grid
}

// ratioText writes a ratio with three significant digits, without an
// exponent below a million: "1229", "93", "0.994".
func ratioText(r float64) string {
	if math.Abs(r) >= 100 && math.Abs(r) < 1e6 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.3g", r)
}

// rangesOverlap reports whether the values of two groups of seeds overlap:
// false only when every value of one group lies strictly beyond every value
// of the other (the groups' ranges are disjoint). Ranges, not mean ± std:
// with three seeds of skewed, positive measures a standard deviation says
// little, and ranges need no assumption about the distribution.
func rangesOverlap(a, b []float64) bool {
	return !(slices.Max(a) < slices.Min(b) || slices.Max(b) < slices.Min(a))
}
