package study

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/minima-project/minima/report"
)

// EquivalenceTol is the largest relative change of the outputs under which a
// reparametrisation counts as keeping the function (rounding is ~1e-15).
const EquivalenceTol = 1e-9

// SweepTable is the sweep as a table: α, loss, accuracies, the equivalence
// check and every measure.
func SweepTable(rows []SweepRow) *report.Table {
	cols := sweepColumns(rows)
	t := &report.Table{Columns: []string{"alpha", "loss", "train_accuracy", "test_accuracy", "equivalence"}}
	for _, c := range cols {
		t.Columns = append(t.Columns, c.name)
	}
	for _, r := range rows {
		row := []any{r.Alpha, r.Loss, r.TrainAcc, "", r.Equivalence}
		if r.TestAcc != nil {
			row[3] = *r.TestAcc
		}
		for _, c := range cols {
			row = append(row, c.get(r))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Spread is max/min of a positive series (its range in orders of magnitude is
// log10 of it); NaN if any value is not positive.
func Spread(xs []float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		if !(x > 0) || math.IsInf(x, 0) {
			return math.NaN()
		}
		lo, hi = min(lo, x), max(hi, x)
	}
	return hi / lo
}

// SpreadTable summarises how much each measure moves across the sweep.
func SpreadTable(rows []SweepRow) *report.Table {
	t := &report.Table{Columns: []string{"measure", "max/min over alpha", "verdict"}}
	add := func(name string, xs []float64, tol float64) {
		sp := Spread(xs)
		verdict := "moves"
		if sp <= 1+tol {
			verdict = "flat"
		}
		if math.IsNaN(sp) {
			verdict = "n/a"
		}
		t.Rows = append(t.Rows, []any{name, sp, verdict})
	}
	var acc []float64
	for _, r := range rows {
		if r.TestAcc != nil {
			acc = append(acc, *r.TestAcc)
		}
	}
	if len(acc) > 0 {
		add("test_accuracy", acc, 1e-12)
	}
	for _, c := range sweepColumns(rows) {
		var xs []float64
		for _, r := range rows {
			xs = append(xs, c.get(r))
		}
		// Estimated measures (Hutchinson probes, ascent iterations) carry some
		// noise; 5% separates that from the orders of magnitude T_α causes.
		add(c.name, xs, 0.05)
	}
	return t
}

// SweepInfo describes a sweep for its report.
type SweepInfo struct {
	Model   string `json:"model"`
	Kind    string `json:"kind"`
	Split   string `json:"split"` // the samples the measures are over: "train" or "test"
	Layer   int    `json:"layer"`
	Samples int    `json:"samples"`
	Params  int    `json:"params"`
}

// WriteSweep writes reparam.json, reparam.csv, reparam.png and report.md into ad.
func WriteSweep(ad *report.AtomicDir, info SweepInfo, rows []SweepRow) error {
	total := 0.0
	for _, r := range rows {
		total += r.Seconds
	}
	if err := report.WriteTiming(ad, report.Timing{Seconds: total}); err != nil {
		return err
	}
	if err := report.WriteJSON(ad.Path("reparam.json"), struct {
		SweepInfo
		Rows []SweepRow `json:"rows"`
	}{info, rows}); err != nil {
		return err
	}
	t := SweepTable(rows)
	if err := report.WriteCSV(ad.Path("reparam.csv"), t); err != nil {
		return err
	}
	var alphas []float64
	for _, r := range rows {
		alphas = append(alphas, r.Alpha)
	}
	spec := report.SeriesPlot{
		Title:  fmt.Sprintf("Measures under %s reparametrisation (layer %d): same function, same accuracy", info.Kind, info.Layer),
		XLabel: "alpha", YLabel: "measure", LogX: true, LogY: true,
	}
	// Each measure relative to its value at the α nearest 1 (in log scale):
	// the unchanged parametrisation when the sweep includes it.
	ref := alphas[0]
	for _, a := range alphas {
		if math.Abs(math.Log(a)) < math.Abs(math.Log(ref)) {
			ref = a
		}
	}
	spec.Normalize, spec.NormalizeAt = true, ref
	for _, c := range sweepColumns(rows) {
		s := report.Series{Name: c.name, X: alphas}
		for _, r := range rows {
			s.Y = append(s.Y, c.get(r))
		}
		spec.Series = append(spec.Series, s)
	}
	acc := report.Series{Name: "test accuracy"}
	for _, r := range rows {
		if r.TestAcc != nil {
			acc.X, acc.Y = append(acc.X, r.Alpha), append(acc.Y, *r.TestAcc)
		}
	}
	if len(acc.X) > 0 {
		spec.Secondary = []report.Series{acc}
	}
	if err := report.PlotSeries(ad.Path("reparam.png"), spec); err != nil {
		return err
	}
	return report.WriteFileAtomic(ad.Path("report.md"), func(w io.Writer) error {
		_, err := fmt.Fprint(w, SweepMarkdown(info, rows))
		return err
	})
}

// SweepMarkdown is report.md: what was done, the table, the spread of every
// measure and how to read them.
func SweepMarkdown(info SweepInfo, rows []SweepRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Sharp minima can generalise: a reparametrisation study\n\n")
	fmt.Fprintf(&b, "Model `%s` (%d parameters); measures over %d samples of its %s split; %s reparametrisation acting on layer %d.\n\n",
		info.Model, info.Params, info.Samples, info.Split, info.Kind, info.Layer)
	worst := 0.0
	for _, r := range rows {
		worst = max(worst, r.Equivalence)
	}
	if worst <= EquivalenceTol {
		fmt.Fprintf(&b, "Every row is the same function: the largest change of any output, relative to the largest output, is %.2g (column `equivalence`). ", worst)
	} else {
		fmt.Fprintf(&b, "**Warning: the reparametrisation did not keep the function**: outputs changed by up to %.2g relative (column `equivalence`), so the rows are not comparable. ", worst)
	}
	var moved, flat []string
	for _, row := range SpreadTable(rows).Rows {
		name := fmt.Sprint(row[0])
		switch row[2] {
		case "moves":
			moved = append(moved, fmt.Sprintf("%s (×%.3g)", name, row[1]))
		case "flat":
			flat = append(flat, name)
		}
	}
	if len(moved) > 0 {
		fmt.Fprintf(&b, "Across the sweep these moved (max/min): %s. ", strings.Join(moved, ", "))
	}
	if len(flat) > 0 {
		fmt.Fprintf(&b, "These stayed within 5%%: %s.", strings.Join(flat, ", "))
	}
	b.WriteString("\n\n")
	b.WriteString(report.Markdown(SweepTable(rows), "%.4g"))
	b.WriteString("\n![measures against alpha](reparam.png)\n\n")
	b.WriteString("## How far each measure moves across the sweep\n\n")
	b.WriteString(report.Markdown(SpreadTable(rows), "%.4g"))
	b.WriteString(`
## How to read this

- alpha: the reparametrisation factor. Layer-wise T_α (Dinh et al. 2017) multiplies
  one layer's weights by α and the next layer's by 1/α (biases follow so the function is
  unchanged); neuron-wise rescaling multiplies alternate hidden units by α and 1/α.
- equivalence: max |f_θ(x) − f_Tθ(x)| / max |f_θ(x)| over training and test samples. Values
  near 1e-15 mean the network computes the same function: any change in a measure is the
  parametrisation's doing, not the minimum's.
- lambda_max, trace: largest Hessian eigenvalue (Lanczos, residual-checked) and Hessian trace
  (Hutchinson). They scale like α⁻² on the scaled layer: a minimum can be made as sharp or as
  flat as you like.
- eps_sharpness: Keskar et al.'s metric (percent), full space and random subspace.
- flatness_radius_geomean: geometric mean of the distances at which the loss first rises by ε along
  random directions (Hochreiter & Schmidhuber's ε-flatness, a proxy for the flat region's size).
- asam (η = 0), fisher_rao, normalized_trace, relative_flatness: scale-invariant measures.
  asam_eta uses η = 0.01 and is only approximately invariant. normalized_trace and
  relative_flatness are invariant under layer-wise T_α; under neuron-wise rescaling only
  ASAM (η = 0) and Fisher–Rao are (see the spread table). Estimated measures carry a few
  percent of sampling noise.
`)
	return b.String()
}
