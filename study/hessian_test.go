package study

import (
	"testing"

	"github.com/minima-project/minima/measures"
)

// diag is a diagonal operator with the given spectrum.
func diag(vals ...float64) *measures.Dense {
	n := len(vals)
	d := &measures.Dense{N: n, Data: make([]float64, n*n)}
	for i, v := range vals {
		d.Data[i*n+i] = v
	}
	return d
}

// With Lanczos, outliers are reported only when the top list reaches past the
// gap into the bulk; otherwise the count is left out with a note, instead of
// echoing --top.
func TestHessianOutliersOnlyWhenTheListReachesTheBulk(t *testing.T) {
	vals := []float64{50, 30, 20}
	for i := 0; i < 60; i++ {
		vals = append(vals, 1e-3*float64(i%7+1))
	}
	op := diag(vals...)
	for _, tc := range []struct {
		top  int
		want int // −1: not determined
	}{{3, -1}, {6, 3}, {10, 3}} {
		r, err := Hessian(op, 1, HessianSettings{Method: MethodLanczos, Top: tc.top, Tol: 1e-10, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.want < 0 && (r.Outliers != nil || r.OutliersNote == ""):
			t.Errorf("top %d: outliers %v note %q, want not determined", tc.top, r.Outliers, r.OutliersNote)
		case tc.want >= 0 && (r.Outliers == nil || *r.Outliers != tc.want):
			t.Errorf("top %d: outliers %v (%q), want %d", tc.top, r.Outliers, r.OutliersNote, tc.want)
		}
	}
	r, err := Hessian(op, 1, HessianSettings{Method: MethodExact, Top: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Outliers == nil || *r.Outliers != 3 {
		t.Errorf("exact: outliers %v, want 3", r.Outliers)
	}
}

// Decaying outliers: a large ratio between two of them inside a short top
// list must not be taken for the gap to the bulk.
func TestHessianOutliersDecaying(t *testing.T) {
	vals := []float64{100, 30, 20, 15, 12, 10, 8, 6, 5}
	for i := 0; i < 80; i++ {
		vals = append(vals, 0.05*float64(i%9+1)/9)
	}
	op := diag(vals...)
	ex, err := Hessian(op, 1, HessianSettings{Method: MethodExact})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Outliers == nil || *ex.Outliers != 9 {
		t.Fatalf("exact: outliers %v, want 9", ex.Outliers)
	}
	for top := 2; top <= 12; top++ {
		r, err := Hessian(op, 1, HessianSettings{Method: MethodLanczos, Top: top, Tol: 1e-10, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if r.Outliers != nil && *r.Outliers != 9 {
			t.Errorf("top %d: %d outliers reported, the spectrum has 9", top, *r.Outliers)
		}
		if top >= 11 && r.Outliers == nil {
			t.Errorf("top %d reaches the bulk, yet outliers not determined (%q)", top, r.OutliersNote)
		}
	}
}
