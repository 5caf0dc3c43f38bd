package measures

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/floats"
)

// DefaultLanczosTol is the relative residual tolerance used when
// LanczosSettings.Tol is zero.
//
// A Ritz pair (θ, y) with ‖Ay − θy‖ ≤ Tol·‖A‖ has θ within Tol·‖A‖ of an
// eigenvalue of A, and within (Tol·‖A‖)²/gap when θ is separated from the rest of
// the spectrum by gap, so 1e-6 gives eigenvalues to ~1e-12 relative for
// well-separated outliers at a cost of only a few more products than 1e-3.
const DefaultLanczosTol = 1e-6

// breakdownTol is the relative size below which a new Lanczos residual is
// treated as zero: β_j ≤ breakdownTol·‖A‖est means the Krylov space is invariant
// to working precision (with full reorthogonalisation a genuinely exhausted
// space leaves β at ~1e-16·‖A‖).
const breakdownTol = 1e-12

// DefaultLanczosMaxProducts returns the product budget used when
// LanczosSettings.MaxProducts is zero: min(n, max(200, 20·(top+bottom))).
//
// Well-separated outliers (the Hessian's top eigenvalues) converge in a few
// dozen products; 20 products per requested eigenvalue with a floor of 200
// leaves room for clustered ones. The budget never exceeds n, where the Krylov
// space is the whole space and the Ritz values are exact. Memory is one vector of
// n float64 per product (full reorthogonalisation keeps the basis), so the
// default costs at most 200·8n bytes for a small request: 8 MB for n = 5,000,
// 1.6 GB for n = 10⁶.
func DefaultLanczosMaxProducts(n, top, bottom int) int {
	return min(n, max(200, 20*(top+bottom)))
}

// LanczosSettings configures Lanczos. The zero value of each field selects its
// documented default.
type LanczosSettings struct {
	// Top and Bottom are the numbers of largest (algebraic) and smallest
	// eigenvalues wanted. When both are 0, Top is 1 (λ_max alone).
	Top, Bottom int

	// Tol is the relative residual tolerance: a Ritz pair (θ, y) has converged
	// when ‖Ay − θy‖ ≤ Tol·scale, where scale is the largest |Ritz value| so far
	// (an estimate of ‖A‖ from below). Zero means DefaultLanczosTol.
	Tol float64

	// MaxProducts bounds the number of operator products, including those used
	// by Verify. Zero means DefaultLanczosMaxProducts(n, Top, Bottom). It is
	// capped at n (plus the Verify products): after n steps the Ritz values are
	// exact.
	MaxProducts int

	// Seed seeds the Gaussian start vector and any restart vector (see the
	// package doc). Equal seeds give bit-identical results.
	Seed int64

	// Verify recomputes each returned residual explicitly as ‖Ay − θy‖;
	// Converged then also requires those explicit residuals to be within
	// tolerance. A·y is formed from the operator's own products: from the
	// kept products A·q_j of the Lanczos basis, A·y = Σ_j s_j·A·q_j for
	// y = Q·s (by linearity; it does not assume the Lanczos relation or an
	// orthogonal Q), or, when those were not kept (see ProductMemory), one
	// new product per returned Ritz pair (counted in Products). For a
	// deterministic linear operator both give the same residual up to
	// rounding; only new products would also expose an operator whose
	// products change between calls.
	Verify bool

	// ProductMemory bounds the bytes Lanczos may spend keeping the products
	// A·q_j for Verify (8·n bytes per step). Zero means
	// DefaultLanczosProductMemory; a negative value keeps none. When the
	// basis outgrows the bound, the kept products are dropped and Verify
	// spends one product per Ritz pair instead.
	ProductMemory int64

	// Progress, if not nil, is called after every convergence check (every
	// Lanczos step), for reporting on long runs.
	Progress func(LanczosStatus)
}

// DefaultLanczosProductMemory is the default LanczosSettings.ProductMemory:
// 256 MiB, about 120 steps of a 270,000-parameter network.
const DefaultLanczosProductMemory = 256 << 20

// LanczosStatus is the state reported to LanczosSettings.Progress.
type LanczosStatus struct {
	Products  int     // operator products so far
	Dim       int     // Krylov basis size (Lanczos steps, counting restarts)
	Converged int     // requested Ritz pairs already within tolerance
	Requested int     // requested Ritz pairs currently available
	Worst     float64 // largest relative residual ‖Ay − θy‖/Scale among them (absolute if Scale is 0)
	Scale     float64 // largest |Ritz value|, the scale of the tolerance
}

// LanczosResult is the outcome of Lanczos.
//
// Top has min(Settings.Top, Dim) entries and Bottom min(Settings.Bottom, Dim);
// when Top+Bottom exceeds Dim the two lists overlap (they are the largest and the
// smallest Ritz values of the same set). Fewer entries than requested happen only
// when the request exceeds n or the product budget; Incomplete then says so.
type LanczosResult struct {
	Top    []float64 // largest Ritz values, descending
	Bottom []float64 // smallest Ritz values, ascending

	TopVectors    [][]float64 // unit Ritz vectors, TopVectors[i] belongs to Top[i]
	BottomVectors [][]float64 // unit Ritz vectors, BottomVectors[i] belongs to Bottom[i]

	// TopResiduals and BottomResiduals are the residual norms ‖Ay − θy‖
	// (absolute). They come from the Lanczos relation A·Q = Q·T + β·q·eₘᵀ, which
	// gives ‖Ay − θy‖ = β·|sₘ| for y = Q·s, where β is the last Lanczos residual
	// norm and sₘ the last component of T's eigenvector s; with full
	// reorthogonalisation this equals the true residual up to rounding
	// (~1e-15·‖A‖). With Settings.Verify they are computed explicitly.
	TopResiduals    []float64
	BottomResiduals []float64

	Products int     // operator products, including Verify products
	Dim      int     // Krylov basis size = Lanczos steps
	Scale    float64 // largest |Ritz value|: the tolerance is Tol·Scale

	// Converged reports that every returned residual is ≤ Tol·Scale, that all
	// requested eigenvalues that exist (min(request, n)) were returned, and,
	// after a breakdown, that the unexplored space cannot change the lists.
	Converged bool

	// Breakdowns counts invariant subspaces met (β ≈ 0). After a breakdown the
	// Ritz values found so far are exact eigenvalues, but the rest of the
	// space may hold further copies of them (a random start vector sees one
	// copy of each distinct eigenvalue). If those could change the requested
	// lists (or more eigenvalues were requested than found), Lanczos continues
	// from a fresh random vector orthogonal to the basis, as ARPACK does; this
	// is how e.g. the many zero eigenvalues of a low-rank operator are counted
	// correctly, at one product per copy.
	Breakdowns int

	// Exhausted reports that the Krylov basis spans all of R^n, so the Ritz
	// values are all the eigenvalues of A.
	Exhausted bool

	// Incomplete reports that fewer eigenvalues were returned than requested,
	// because the request exceeds n or the product budget ran out first.
	Incomplete bool
}

// Lanczos computes the Top largest and Bottom smallest eigenvalues of the
// symmetric operator op, with Ritz vectors and residuals, by the Lanczos method
// with full reorthogonalisation (classical Gram–Schmidt applied twice, "twice is
// enough") from a seeded Gaussian start vector.
//
// After every step it diagonalises the tridiagonal matrix (O(k²), tracking only
// the last row of the eigenvectors) and stops when all requested Ritz pairs have
// ‖Ay − θy‖ ≤ Tol·scale, when the budget MaxProducts is spent, or when the
// Krylov space is all of R^n. A breakdown (invariant subspace) is not an error;
// see LanczosResult.Breakdowns. No field of the result is ever NaN.
//
// Like every single-vector Krylov method, Lanczos may return a repeated
// eigenvalue only once, with the next distinct eigenvalues after it: further
// copies are found only through rounding errors (which happens within a few
// steps for a well-separated eigenvalue, but is not guaranteed), after a
// breakdown (see LanczosResult.Breakdowns), or when the space is exhausted
// (Exhausted, after which all Ritz values are exact).
//
// Memory: the basis holds Dim vectors of length n, allocated in panels of
// up to 8 vectors (one panel at a time, never more than the steps allowed by
// MaxProducts); each Gram–Schmidt pass is two matrix–vector products per panel
// (OpenBLAS in the openblas build, multithreaded with it; gonum otherwise).
// A nil s means the defaults.
func Lanczos(op Operator, s *LanczosSettings) (*LanczosResult, error) {
	if s == nil {
		s = &LanczosSettings{}
	}
	if s.Top == 0 && s.Bottom == 0 {
		d := *s
		d.Top = 1
		s = &d
	}
	n := op.Dim()
	switch {
	case n <= 0:
		return nil, fmt.Errorf("measures: Lanczos: operator dimension %d", n)
	case s.Top < 0 || s.Bottom < 0:
		return nil, fmt.Errorf("measures: Lanczos: negative Top (%d) or Bottom (%d)", s.Top, s.Bottom)
	case s.Tol < 0 || math.IsNaN(s.Tol):
		return nil, fmt.Errorf("measures: Lanczos: invalid Tol %v", s.Tol)
	case s.MaxProducts < 0:
		return nil, fmt.Errorf("measures: Lanczos: negative MaxProducts %d", s.MaxProducts)
	}
	tol := s.Tol
	if tol == 0 {
		tol = DefaultLanczosTol
	}
	verifyCost := 0
	if s.Verify {
		verifyCost = min(s.Top, n) + min(s.Bottom, n)
	}
	budget := s.MaxProducts
	if budget == 0 {
		budget = DefaultLanczosMaxProducts(n, s.Top, s.Bottom) + verifyCost
	}
	// Steps available to the recurrence.
	maxSteps := min(n, budget-verifyCost)
	if maxSteps < 1 {
		return nil, fmt.Errorf("measures: Lanczos: MaxProducts %d leaves no product for the recurrence (Verify needs %d)", budget, verifyCost)
	}

	rng := newRNG(s.Seed, streamLanczos)
	v0 := make([]float64, n)
	gaussian(rng, v0)
	lr, err := newLanczosRun(op, v0, true, maxSteps)
	if err != nil {
		return nil, err
	}
	if s.Verify {
		lr.keepProducts(cmp.Or(s.ProductMemory, DefaultLanczosProductMemory))
	}

	var (
		vals, resid []float64
		scale       float64
		converged   bool
	)
	for {
		if err := lr.step(); err != nil {
			return nil, err
		}
		k := len(lr.alpha)
		// Not enough Ritz values yet for the request (capped at n).
		wantMore := k < min(s.Top, n) || k < min(s.Bottom, n)
		vals, resid, scale, err = lr.ritzCheck()
		if err != nil {
			return nil, err
		}
		// After a breakdown the unexplored complement of the basis may hold
		// further copies of the requested eigenvalues (see certified).
		certain := !lr.broken || k == n || (!wantMore && lr.certified(vals, s.Top, s.Bottom, tol*scale))
		restarted := false
		if !certain && k < maxSteps {
			restarted = lr.restart(rng)
		}
		nc, nr, worst := countConverged(vals, resid, s.Top, s.Bottom, tol*scale)
		if scale > 0 {
			worst /= scale
		}
		converged = nc == nr && !wantMore && certain
		if s.Progress != nil {
			s.Progress(LanczosStatus{Products: lr.products, Dim: k, Converged: nc, Requested: nr, Worst: worst, Scale: scale})
		}
		if converged || k >= maxSteps || (lr.broken && !restarted) {
			break
		}
	}

	res, err := lr.ritzPairs(s.Top, s.Bottom)
	if err != nil {
		return nil, err
	}
	res.Scale = scale
	res.Breakdowns = lr.breakdowns
	res.Exhausted = res.Dim == n
	res.Incomplete = len(res.Top) < s.Top || len(res.Bottom) < s.Bottom
	if s.Verify && !lr.keptAll() {
		if err := res.verify(op); err != nil {
			return nil, err
		}
	}
	res.Products = lr.products + res.Products
	res.Converged = converged
	if s.Verify {
		for _, r := range append(slices.Clone(res.TopResiduals), res.BottomResiduals...) {
			if !(r <= tol*res.Scale) {
				res.Converged = false
			}
		}
	}
	return res, nil
}

// countConverged counts, among the requested extreme Ritz values (vals
// ascending), those with residual ≤ thresh, and returns the largest residual.
func countConverged(vals, resid []float64, top, bottom int, thresh float64) (nc, nr int, worst float64) {
	k := len(vals)
	for i := 0; i < k; i++ {
		if i >= min(bottom, k) && i < k-min(top, k) {
			continue // neither among the smallest nor the largest requested
		}
		nr++
		if resid[i] <= thresh {
			nc++
		}
		worst = math.Max(worst, resid[i])
	}
	return nc, nr, worst
}

// lanczosTridiagonal runs at most m steps (capped at n = op.Dim()) of the
// Lanczos recurrence from v0 (any nonzero vector; it is normalised and not
// modified) and returns the tridiagonal matrix T = Qᵀ·A·Q of the Krylov basis Q.
//
// alpha has k ≤ m entries, the diagonal of T. beta has k entries: beta[i],
// i < k-1, is the off-diagonal T[i][i+1], and beta[k-1] is the norm of the final
// residual, so that A·Q = Q·T + beta[k-1]·q_k·e_kᵀ. Fewer than m steps are taken
// only on breakdown (the Krylov space is invariant; beta[k-1] is then 0 and the
// eigenvalues of T are exact eigenvalues of A).
//
// With reorth, every new vector is reorthogonalised against all previous ones
// (classical Gram–Schmidt twice) and basis holds the k orthonormal Lanczos
// vectors; without it, only the three-term recurrence is used (O(n) memory,
// loss of orthogonality produces spurious copies of converged eigenvalues) and
// basis is nil. Each step costs one product.
//
// The eigenvalues of T (tridiagonalEigen) are the Ritz values; they are the
// nodes, and the squared first components of T's eigenvectors the weights, of
// the Gauss quadrature of the spectral measure of A seen from v0 (see
// SpectralDensity).
func lanczosTridiagonal(op Operator, v0 []float64, m int, reorth bool) (alpha, beta []float64, basis [][]float64, err error) {
	n := op.Dim()
	if len(v0) != n {
		return nil, nil, nil, fmt.Errorf("measures: lanczosTridiagonal: len(v0) = %d, want %d", len(v0), n)
	}
	if m < 1 {
		return nil, nil, nil, fmt.Errorf("measures: lanczosTridiagonal: m = %d steps", m)
	}
	lr, err := newLanczosRun(op, v0, reorth, min(m, n))
	if err != nil {
		return nil, nil, nil, err
	}
	for len(lr.alpha) < min(m, n) && !lr.broken {
		if err := lr.step(); err != nil {
			return nil, nil, nil, err
		}
	}
	if reorth {
		basis = lr.basis.vecs[:len(lr.alpha)]
	}
	return lr.alpha, lr.beta, basis, nil
}

// lanczosRun is the state of one Lanczos recurrence.
type lanczosRun struct {
	op     Operator
	n      int
	reorth bool

	basis *panels   // with reorth: q_0 … q_k (q_k is the next vector unless broken)
	aq    *panels   // with reorth: A·q_j of each step while keep allows; nil: none
	keep  int64     // bytes aq may hold; ≤ 0: none
	prev  []float64 // without reorth: q_{k-1}
	cur   []float64 // the vector to multiply next (q_k)
	w     []float64 // workspace

	maxSteps    int // steps the run may take (bounds the basis)
	alpha, beta []float64
	anorm       float64 // largest ‖A·q_j‖ seen, an estimate of ‖A‖ from below
	products    int
	broken      bool // the last step met an invariant subspace
	breakdowns  int
	exhausted   bool  // a restart found no direction left
	blocks      []int // indices at which restarts began new blocks of T
	h           []float64
}

// newLanczosRun starts a recurrence from v0 that will take at most maxSteps
// steps (the bound on the memory of the basis).
func newLanczosRun(op Operator, v0 []float64, reorth bool, maxSteps int) (*lanczosRun, error) {
	n := op.Dim()
	if n <= 0 {
		return nil, fmt.Errorf("measures: Lanczos: operator dimension %d", n)
	}
	nrm := floats.Norm(v0, 2)
	if nrm == 0 || math.IsNaN(nrm) || math.IsInf(nrm, 0) {
		return nil, fmt.Errorf("measures: Lanczos: start vector has norm %v", nrm)
	}
	lr := &lanczosRun{op: op, n: n, reorth: reorth, maxSteps: maxSteps, w: make([]float64, n)}
	var q []float64
	if reorth {
		// maxSteps steps leave at most maxSteps+1 vectors (the last one next).
		lr.basis = newPanels(n, maxSteps+1)
		q = lr.basis.add()
	} else {
		q = make([]float64, n)
	}
	floats.ScaleTo(q, 1/nrm, v0)
	lr.cur = q
	return lr, nil
}

// keepProducts lets the run keep the products A·q_j of its steps in at most
// bytes bytes (8·n per step, as the basis grows; none if bytes ≤ 0). When the
// basis outgrows the bound, the kept products are dropped.
func (lr *lanczosRun) keepProducts(bytes int64) {
	lr.keep = bytes
	if !lr.reorth || bytes <= 0 {
		return
	}
	fit := bytes / (8 * int64(lr.n))
	if fit < 1 {
		lr.keep = 0
		return
	}
	lr.aq = newPanels(lr.n, int(min(fit, int64(lr.maxSteps))))
}

// keptAll reports whether the products of every step are kept.
func (lr *lanczosRun) keptAll() bool {
	return lr.aq != nil && lr.aq.Len() == len(lr.alpha)
}

// step performs one Lanczos step: one product, α_k, β_k and, unless the
// Krylov space is invariant, the next basis vector.
func (lr *lanczosRun) step() error {
	if lr.broken {
		return errors.New("measures: Lanczos: step after breakdown")
	}
	w := lr.w
	if err := lr.op.Apply(w, lr.cur); err != nil {
		return fmt.Errorf("measures: Lanczos: operator product %d: %w", lr.products+1, err)
	}
	lr.products++
	if lr.reorth && lr.aq != nil && int64(lr.aq.Len()+1)*int64(lr.n)*8 <= lr.keep {
		copy(lr.aq.add(), w)
	} else if lr.aq != nil || lr.keep > 0 {
		lr.aq, lr.keep = nil, 0 // outgrown: Verify will use new products
	}
	wn := floats.Norm(w, 2)
	if math.IsNaN(wn) || math.IsInf(wn, 0) {
		return fmt.Errorf("measures: Lanczos: operator product %d is not finite", lr.products)
	}
	lr.anorm = math.Max(lr.anorm, wn)
	k := len(lr.alpha)
	var a float64
	if lr.reorth {
		// Classical Gram–Schmidt against the whole basis, twice. The
		// coefficient on q_k is α_k; those on q_{k-1} and older vectors are
		// β_{k-1} and rounding errors, which full reorthogonalisation removes.
		m := lr.basis.Len()
		a = lr.cgs(w, m) + lr.cgs(w, m)
	} else {
		if k > 0 {
			floats.AddScaled(w, -lr.beta[k-1], lr.prev)
		}
		a = floats.Dot(lr.cur, w)
		floats.AddScaled(w, -a, lr.cur)
	}
	b := floats.Norm(w, 2)
	lr.alpha = append(lr.alpha, a)
	if b <= breakdownTol*lr.anorm {
		lr.beta = append(lr.beta, 0)
		lr.broken = true
		lr.breakdowns++
		return nil
	}
	lr.beta = append(lr.beta, b)
	var next []float64
	if lr.reorth {
		next = lr.basis.add()
	} else {
		next = make([]float64, lr.n)
		lr.prev = lr.cur
	}
	floats.ScaleTo(next, 1/b, w)
	lr.cur = next
	return nil
}

// cgs orthogonalises w against the first m (orthonormal) basis vectors by one
// classical Gram–Schmidt pass, h = Qᵀw and w −= Q·h as two matrix–vector
// products per panel, and returns the coefficient on the last vector.
func (lr *lanczosRun) cgs(w []float64, m int) float64 {
	if cap(lr.h) < m {
		lr.h = make([]float64, m, 2*m)
	}
	h := lr.h[:m]
	lr.basis.project(h, w, m)
	lr.basis.subtract(w, h, m)
	return h[m-1]
}

// canContinue reports whether a restart after breakdown is possible.
func (lr *lanczosRun) canContinue() bool {
	return lr.reorth && !lr.exhausted && len(lr.alpha) < lr.n
}

// restart continues after a breakdown with a random vector orthogonal to the
// basis (as ARPACK does). T gains a new diagonal block: the coupling β stays 0.
// It reports false if no direction is left.
func (lr *lanczosRun) restart(rng *rand.Rand) bool {
	if !lr.broken || !lr.canContinue() {
		return false
	}
	if lr.basis.Len() >= lr.basis.limit {
		return false // no room: the run has taken its steps
	}
	w := lr.w // free between steps
	for try := 0; try < 3; try++ {
		gaussian(rng, w)
		before := floats.Norm(w, 2)
		m := lr.basis.Len()
		lr.cgs(w, m)
		lr.cgs(w, m)
		after := floats.Norm(w, 2)
		if after > 1e-8*before {
			q := lr.basis.add()
			floats.ScaleTo(q, 1/after, w)
			lr.blocks = append(lr.blocks, len(lr.alpha))
			lr.cur = q
			lr.broken = false
			return true
		}
	}
	lr.exhausted = true
	return false
}

// certified reports, after a breakdown, whether the requested extreme Ritz
// values (vals, ascending, of all blocks) can no longer be changed by the
// unexplored complement of the basis.
//
// Each block of T ends in an invariant subspace. The first block, from a random
// vector, holds one copy of every distinct eigenvalue; the complement of blocks
// 1..B holds only the eigenvalues of multiplicity > B, all of which appear
// in block B. So more copies can exist only of values of the last block, and
// they change the Top list only if such a value lies above its smallest entry
// (by more than slack), and the Bottom list only if one lies below its largest.
func (lr *lanczosRun) certified(vals []float64, top, bottom int, slack float64) bool {
	k := len(vals)
	start := 0
	if len(lr.blocks) > 0 {
		start = lr.blocks[len(lr.blocks)-1]
	}
	last, _, ok := tridiagRows(lr.alpha[start:], lr.beta[start:], nil)
	if !ok {
		var err error
		if last, _, err = tridiagonalEigen(lr.alpha[start:], lr.beta[start:]); err != nil {
			return false
		}
	}
	if top > 0 && last[len(last)-1] > vals[k-min(top, k)]+slack {
		return false
	}
	if bottom > 0 && last[0] < vals[min(bottom, k)-1]-slack {
		return false
	}
	return true
}

// ritzCheck returns the Ritz values (ascending), their residual estimates
// β·|last component| and the scale max|θ|, cheaply (last row only).
func (lr *lanczosRun) ritzCheck() (vals, resid []float64, scale float64, err error) {
	k := len(lr.alpha)
	vals, rows, ok := tridiagRows(lr.alpha, lr.beta, []int{k - 1})
	var last []float64
	if ok {
		last = rows[0]
	} else {
		var z []float64
		vals, z, err = tridiagonalEigen(lr.alpha, lr.beta)
		if err != nil {
			return nil, nil, 0, err
		}
		last = z[(k-1)*k : k*k]
	}
	bk := lr.beta[k-1]
	resid = make([]float64, k)
	for i := range vals {
		resid[i] = bk * math.Abs(last[i])
		scale = math.Max(scale, math.Abs(vals[i]))
	}
	return vals, resid, scale, nil
}

// ritzPairs diagonalises T fully and forms the requested Ritz pairs.
//
// The Ritz vectors y_i = Q·s_i/‖Q·s_i‖ are one matrix product Y = S·Q over the
// panels of the basis, and, when every product A·q_j was kept, the residuals
// ‖A·y_i − θ_i·y_i‖ come from A·y_i = Σ_j s_ij·A·q_j/‖Q·s_i‖, a second product
// over the panels of kept products, a tile of columns at a time (no more memory
// than the Ritz vectors themselves).
func (lr *lanczosRun) ritzPairs(top, bottom int) (*LanczosResult, error) {
	k := len(lr.alpha)
	vals, z, err := tridiagonalEigen(lr.alpha, lr.beta)
	if err != nil {
		return nil, err
	}
	bk := lr.beta[k-1]
	// The requested pairs: the top ones descending, then the bottom ones
	// ascending (an index may appear in both lists).
	var sel []int
	for i := 0; i < min(top, k); i++ {
		sel = append(sel, k-1-i)
	}
	for i := 0; i < min(bottom, k); i++ {
		sel = append(sel, i)
	}
	r := len(sel)
	res := &LanczosResult{Dim: k}
	if r == 0 {
		return res, nil
	}
	// S holds the eigenvectors s_i of T as rows: S[a][j] = z[j·k + sel[a]].
	sm := make([]float64, r*k)
	for a, i := range sel {
		for j := 0; j < k; j++ {
			sm[a*k+j] = z[j*k+i]
		}
	}
	n := lr.n
	ys := make([]float64, r*n)
	buf := make([]float64, r*min(n, combineTileCols))
	lr.basis.combine(sm, r, k, buf, func(t0, t1 int, ct []float64) {
		tl := t1 - t0
		for a := 0; a < r; a++ {
			copy(ys[a*n+t0:a*n+t1], ct[a*tl:(a+1)*tl])
		}
	})
	y := make([][]float64, r)
	nrm := make([]float64, r)
	resid := make([]float64, r)
	for a, i := range sel {
		y[a] = ys[a*n : (a+1)*n : (a+1)*n]
		nrm[a] = floats.Norm(y[a], 2)
		if nrm[a] > 0 {
			floats.Scale(1/nrm[a], y[a])
		}
		resid[a] = bk * math.Abs(z[(k-1)*k+i])
	}
	if lr.keptAll() {
		// A·y = Σ_j s_j·A·q_j / ‖Q·s‖, from the operator's own products.
		for a := range sel {
			if nrm[a] > 0 {
				floats.Scale(1/nrm[a], sm[a*k:(a+1)*k])
			}
		}
		sq := make([]float64, r) // ‖A·y − θ·y‖ over the columns so far
		lr.aq.combine(sm, r, k, buf, func(t0, t1 int, ct []float64) {
			tl := t1 - t0
			for a, i := range sel {
				ayt := ct[a*tl : (a+1)*tl]
				floats.AddScaled(ayt, -vals[i], y[a][t0:t1])
				sq[a] = math.Hypot(sq[a], floats.Norm(ayt, 2))
			}
		})
		for a := range sel {
			if nrm[a] > 0 {
				resid[a] = sq[a]
			}
		}
	}
	for a, i := range sel {
		if a < min(top, k) {
			res.Top = append(res.Top, vals[i])
			res.TopVectors = append(res.TopVectors, y[a])
			res.TopResiduals = append(res.TopResiduals, resid[a])
		} else {
			res.Bottom = append(res.Bottom, vals[i])
			res.BottomVectors = append(res.BottomVectors, y[a])
			res.BottomResiduals = append(res.BottomResiduals, resid[a])
		}
	}
	return res, nil
}

// verify replaces the residual estimates by explicit residuals; it sets
// res.Products to the number of products used.
func (res *LanczosResult) verify(op Operator) error {
	n := op.Dim()
	ay := make([]float64, n)
	check := func(vals []float64, vecs [][]float64, out []float64) error {
		for i, y := range vecs {
			if err := op.Apply(ay, y); err != nil {
				return fmt.Errorf("measures: Lanczos: verification product: %w", err)
			}
			res.Products++
			floats.AddScaled(ay, -vals[i], y)
			out[i] = floats.Norm(ay, 2)
		}
		return nil
	}
	if err := check(res.Top, res.TopVectors, res.TopResiduals); err != nil {
		return err
	}
	return check(res.Bottom, res.BottomVectors, res.BottomResiduals)
}
