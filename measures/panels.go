package measures

import (
	"os"

	"gonum.org/v1/gonum/blas"
)

// panelRows is the number of vectors a panel holds at most.
const panelRows = 8

// panels stores a growing list of vectors of length n in contiguous row-major
// panels of up to panelRows vectors each, allocated one panel at a time (the
// list is never copied as it grows). Each panel is a rows×n matrix, so that
// products with many vectors at once are BLAS matrix products (vecBLAS).
//
// A panel is allocated with min(panelRows, limit−Len()) rows, so the store
// never holds room for more than limit vectors.
//
// Memory the process has not used before costs a page fault per page on
// first write, which on a virtual machine can cost more than the arithmetic
// (about 3 ms per MB on one of the project's machines, where it cost a
// 1-thread top-10 run over a 269,322-parameter model 0.3–0.4 s of its 2.4 s;
// see the README). So while the caller fills the vector add
// returned, a goroutine writes one value per page of the next one (when a
// vector spans at least prefaultBytes), and the next add waits for it: the
// faults are taken on an idle core, and at most one vector beyond those
// added is resident.
type panels struct {
	n     int
	limit int         // most vectors the store will hold
	data  [][]float64 // panel p holds vectors p·panelRows … as rows of a matrix
	vecs  [][]float64 // the vectors added so far, rows of the panels

	touched   chan struct{} // closed when the next vector's pages are faulted in; nil if none is
	nextPanel []float64     // the panel of the next vector when it begins one
}

// prefaultBytes is the smallest vector, in bytes, whose pages add faults in
// ahead of time: below it the goroutine costs more than the faults.
const prefaultBytes = 256 << 10

// pageFloats is the number of float64 values in a memory page.
var pageFloats = max(1, os.Getpagesize()/8)

func newPanels(n, limit int) *panels {
	return &panels{n: n, limit: limit}
}

// Len returns the number of vectors added.
func (ps *panels) Len() int { return len(ps.vecs) }

// add appends a vector and returns it for the caller to fill (its contents are
// unspecified). It panics if the store holds limit vectors already.
func (ps *panels) add() []float64 {
	j := len(ps.vecs)
	if j >= ps.limit {
		panic("measures: panels: more vectors than the limit")
	}
	if j%panelRows == 0 {
		if ps.nextPanel == nil {
			ps.nextPanel = make([]float64, min(panelRows, ps.limit-j)*ps.n)
		}
		ps.data, ps.nextPanel = append(ps.data, ps.nextPanel), nil
	}
	v := ps.row(j)
	if ps.touched != nil {
		<-ps.touched // v's pages: the goroutine is done writing them
		ps.touched = nil
	}
	if j+1 < ps.limit && 8*ps.n >= prefaultBytes {
		if (j+1)%panelRows == 0 {
			ps.nextPanel = make([]float64, min(panelRows, ps.limit-j-1)*ps.n)
		}
		ps.touched = make(chan struct{})
		go touchPages(ps.row(j+1), ps.touched)
	}
	ps.vecs = append(ps.vecs, v)
	return v
}

// row returns vector j's storage: in its panel, or in nextPanel when that
// panel is not among data yet.
func (ps *panels) row(j int) []float64 {
	p, r := j/panelRows, j%panelRows
	d := ps.nextPanel
	if p < len(ps.data) {
		d = ps.data[p]
	}
	return d[r*ps.n : (r+1)*ps.n : (r+1)*ps.n]
}

// touchPages writes a zero into every page of a, so that the operating system
// maps them, then closes done.
func touchPages(a []float64, done chan<- struct{}) {
	for i := 0; i < len(a); i += pageFloats {
		a[i] = 0
	}
	close(done)
}

// panel returns the first m vectors' part of panel p: a rows×n row-major
// matrix, and the index of its first vector (rows is 0 past m).
func (ps *panels) panel(p, m int) (a []float64, first, rows int) {
	first = p * panelRows
	rows = max(0, min(panelRows, m-first))
	return ps.data[p][:rows*ps.n], first, rows
}

// numPanels returns the number of panels holding the first m vectors.
func (ps *panels) numPanels(m int) int { return (m + panelRows - 1) / panelRows }

// project sets h = Q·w for the matrix Q whose rows are the first m vectors
// (h has length m): h_j = q_j·w.
func (ps *panels) project(h, w []float64, m int) {
	for p := 0; p < ps.numPanels(m); p++ {
		a, first, rows := ps.panel(p, m)
		vecBLAS.Dgemv(blas.NoTrans, rows, ps.n, 1, a, ps.n, w, 1, 0, h[first:first+rows], 1)
	}
}

// subtract sets w −= Qᵀ·h for the first m vectors: w −= Σ_j h_j·q_j.
func (ps *panels) subtract(w, h []float64, m int) {
	for p := 0; p < ps.numPanels(m); p++ {
		a, first, rows := ps.panel(p, m)
		vecBLAS.Dgemv(blas.Trans, rows, ps.n, -1, a, ps.n, h[first:first+rows], 1, 1, w, 1)
	}
}

// combineTileCols is the number of columns combine computes at once: a tile of
// a few rows of c stays in cache while every panel adds to it.
const combineTileCols = 4096

// combine calls f(t0, t1, ct) for consecutive column ranges [t0, t1) of the
// r×n product C = S·Q of the r×m row-major matrix s and the matrix Q whose
// rows are the first m vectors, ct being C's columns t0…t1−1 (an r×(t1−t0)
// row-major matrix, valid until f returns). buf is scratch of at least
// r·combineTileCols values.
func (ps *panels) combine(s []float64, r, m int, buf []float64, f func(t0, t1 int, ct []float64)) {
	for t0 := 0; t0 < ps.n; t0 += combineTileCols {
		t1 := min(ps.n, t0+combineTileCols)
		tl := t1 - t0
		ct := buf[:r*tl]
		for p := 0; p < ps.numPanels(m); p++ {
			a, first, rows := ps.panel(p, m)
			beta := 1.0
			if p == 0 {
				beta = 0
			}
			vecBLAS.Dgemm(blas.NoTrans, blas.NoTrans, r, tl, rows, 1, s[first:], m, a[t0:], ps.n, beta, ct, tl)
		}
		f(t0, t1, ct)
	}
}
