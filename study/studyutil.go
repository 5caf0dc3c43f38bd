package study

import (
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/measures"
	"github.com/minima-project/minima/report"
)

// exactSpectrum is the exact Hessian report of m's mean loss over set: all
// eigenvalues, the outlier count and the sign summary.
func exactSpectrum(m *graph.Model, set *datasets.Set, limit int) (*HessianResult, error) {
	o, err := graph.NewObjective(m.Spec, set, 0)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	op, err := o.Hessian(m.Theta)
	if err != nil {
		return nil, err
	}
	return Hessian(op, set.N, HessianSettings{Method: MethodExact, ExactLimit: limit})
}

// topOf is the n largest of ascending eigs, descending.
func topOf(eigs []float64, n int) []float64 {
	n = min(n, len(eigs))
	top := slices.Clone(eigs[len(eigs)-n:])
	slices.Reverse(top)
	return top
}

// outlierRatio is the separation ratio the outlier rule (measures.Outliers)
// found in eigs.
func outlierRatio(eigs []float64) float64 {
	_, r := measures.Outliers(eigs, nil)
	return r
}

// optional is a table cell for a value that may be absent.
func optional(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// describeNet writes an MLP as "20-16-k ReLU MLP (cross_entropy)".
func describeNet(n NetSettings, in int, out string) string {
	parts := []string{strconv.Itoa(in)}
	for _, h := range n.Hidden {
		parts = append(parts, strconv.Itoa(h))
	}
	return strings.Join(append(parts, out), "-") + " ReLU MLP (" + string(n.Loss) + ")"
}

// writeText writes s to path atomically.
func writeText(path, s string) error {
	return report.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	})
}

// meanStd is the mean and sample standard deviation of xs (0 for one value).
func meanStd(xs []float64) (mean, std float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)-1))
}

// lanczosEnds is the Lanczos Hessian report (top and bottom eigenvalues with
// residuals, sign counts) of m's mean loss over set.
func lanczosEnds(m *graph.Model, set *datasets.Set, top, bottom int, tol float64, seed int64) (*HessianResult, error) {
	o, err := graph.NewObjective(m.Spec, set, 0)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	op, err := o.Hessian(m.Theta)
	if err != nil {
		return nil, err
	}
	return Hessian(op, set.N, HessianSettings{Method: MethodLanczos, Top: top, Bottom: bottom, Tol: tol, Seed: seed})
}

// dataClasses is the number of classes of the samples of src.
func dataClasses(src datasets.Source) int {
	if src.Clusters != nil {
		return src.Clusters.Classes
	}
	return 10
}
