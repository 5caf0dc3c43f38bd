package measures

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Invariance of the measures under function-preserving reparametrizations.
//
// Every rescaling of package reparam (layer-wise T_α, with the bias factors
// ∏_{j≤k}α_j; per-neuron rescaling) is a positive diagonal linear map θ ↦ S⊙θ
// with L(S⊙θ) = L(θ), hence ∇L(Sθ) = S⁻¹∇L(θ) and H(Sθ) = S⁻¹H(θ)S⁻¹. The table
// was verified numerically by TestInvarianceTable (3-5-4-3 ReLU network,
// cross-entropy, briefly trained; α = (0.2, 4, 1.25); per-neuron log-normal
// factors with log-std 0.7; with and without biases; Hessians by finite
// differences of the gradient): "yes" means unchanged to rounding or
// finite-difference accuracy (≤ 1.1e-9 relative observed), "no" means changed
// by at least 1% (6% to 650% observed).
//
//	measure                                  layer-wise T_α   per-neuron
//	ε-sharpness (Keskar), full space          no               no
//	ε-sharpness (Keskar), random subspace     no               no
//	ε-flatness radii and their geo-mean       no               no
//	ASAM, η = 0                               yes              yes
//	ASAM, η > 0 (default 0.01)                approx. (1–5%)   approx. (0.1–0.6%)
//	Fisher–Rao norm θᵀFθ                      yes              yes
//	per-block normalised trace                yes (*)          no
//	relative flatness of layer l              yes              no (**)
//	Hessian trace (for reference)             no               no
//
// Why:
//   - ε-sharpness: the box |y_i| ≤ ε(|θ_i|+1) is relative to θ_i except for the
//     "+1", so a rescaling that shrinks some |θ_i| below 1 changes it (without the
//     "+1" the full-space box would map exactly onto itself; this is derived, not
//     tested, as Sharpness has no such option); in a subspace A⁺ mixes coordinates.
//   - ε-flatness: the ε-flat region of Sθ is S applied to that of θ, so its widths
//     along fixed unit directions change (Dinh et al.'s point).
//   - ASAM with η = 0: T_w = diag|θ| becomes S·T_w, so δ = S T_w z and
//     L(Sθ + S T_w z) = L(θ + T_w z): the whole problem in z, including the ascent
//     path, is unchanged — for every positive diagonal S, biases included. With
//     η > 0 only approximately (exact as |θ_i|/η → ∞).
//   - Fisher–Rao: θᵀF(θ)θ = E⟨∂ℓ/∂f, ⟨θ,∇_θf⟩⟩² and ⟨Sθ, S⁻¹∇f(θ)⟩ = ⟨θ,∇f(θ)⟩, so
//     it is invariant under any linear function-preserving S, with or without
//     biases. The closed form ⟨θ,∇f⟩ = K·f used by FisherRao holds only for
//     bias-free nets (with biases use FisherRaoJVP).
//   - per-block normalised trace Σ_k ‖θ_k‖²Tr(H_kk)/n_k: each term is invariant
//     when block k is scaled by a single factor. (*) With biases, use W_k and b_k
//     as separate blocks (every parameter array of graph.Spec.Params): under T_α, b_k is scaled by
//     ∏_{j≤k}α_j, not α_k. Per-neuron factors vary inside a block: not invariant.
//   - relative flatness κ of layer l: under T_α, G = WᵀW gets α_l² and H_ll α_l⁻².
//     (**) Rescaling the units of layer l itself (columns of W_l) is compensated
//     term by term (⟨w_s,w_s'⟩ → c_s c_s'⟨·,·⟩, H_{s,s'} → H_{s,s'}/(c_s c_s')), so κ
//     of the FIRST layer (whose rows are inputs) is invariant under all per-neuron
//     rescalings; but rescaling the units feeding layer l (rows of W_l) mixes rows
//     in ⟨w_s,w_s'⟩ and changes κ, so for deeper layers κ is not invariant under
//     a general per-neuron rescaling (TestRelativeFlatnessOwnNeurons).

// BlockTraceResult is the outcome of BlockTraces.
type BlockTraceResult struct {
	// Trace[k] is Tr(H_kk) for block k (exact or Hutchinson estimate).
	Trace []float64
	// StdErr[k] is the standard error of the estimate (0 when exact).
	StdErr []float64
	// Exact[k] tells whether block k was computed exactly.
	Exact []bool
	// Products counts the operator applications.
	Products int
}

// BlockTraceSettings controls BlockTraces. The zero value, or a nil pointer,
// gives the defaults.
type BlockTraceSettings struct {
	// Samples is the number of Hutchinson probes per estimated block; 0 (or a
	// negative value) means DefaultBlockTraceSamples (32).
	Samples int
	// Seed makes the probes deterministic.
	Seed int64
	// ExactBelow: a block of length len is computed exactly when
	// len ≤ ExactBelow; 0 means DefaultBlockTraceExactBelow (256), a negative
	// value means never.
	ExactBelow int
}

// Defaults of BlockTraceSettings (the same as those of RelativeFlatnessSettings).
const (
	DefaultBlockTraceSamples    = 32
	DefaultBlockTraceExactBelow = 256
)

// BlockTraces computes the traces of the diagonal blocks H_kk of the operator op
// (typically a Hessian), block k being the coordinates [off, off+len) for
// blocks[k] = {off, len}. A block with len ≤ ExactBelow is computed exactly as
// Σ_j e_jᵀHe_j (len products); a larger one by Hutchinson's estimator with
// Samples Rademacher probes supported on that block alone,
// Tr(H_kk) ≈ mean v_kᵀ(Hv)_k (Samples products, standard error reported).
// See BlockTraceSettings for the defaults; a nil s means all defaults.
//
// (A single full-support probe would estimate all block traces at once, since
// the cross-block terms have zero mean, but with a larger variance; per-block
// probes keep the blocks' estimates independent.)
func BlockTraces(op Operator, blocks [][2]int, s *BlockTraceSettings) (*BlockTraceResult, error) {
	n := op.Dim()
	if err := invariantCheckBlocks(blocks, n); err != nil {
		return nil, err
	}
	var set BlockTraceSettings
	if s != nil {
		set = *s
	}
	samples, exactBelow := probeDefaults(set.Samples, set.ExactBelow, DefaultBlockTraceSamples, DefaultBlockTraceExactBelow)
	rng := newRNG(set.Seed, streamBlockTrace)
	res := &BlockTraceResult{
		Trace:  make([]float64, len(blocks)),
		StdErr: make([]float64, len(blocks)),
		Exact:  make([]bool, len(blocks)),
	}
	v := make([]float64, n)
	hv := make([]float64, n)
	for k, b := range blocks {
		off, m := b[0], b[1]
		if m <= exactBelow {
			tr := 0.0
			for j := off; j < off+m; j++ {
				v[j] = 1
				if err := op.Apply(hv, v); err != nil {
					return nil, err
				}
				res.Products++
				v[j] = 0
				tr += hv[j]
			}
			res.Trace[k] = tr
			res.Exact[k] = true
			continue
		}
		var w welford
		for range samples {
			rademacher(rng, v[off:off+m])
			if err := op.Apply(hv, v); err != nil {
				return nil, err
			}
			res.Products++
			est := 0.0
			for j := off; j < off+m; j++ {
				est += v[j] * hv[j]
			}
			w.add(est)
		}
		for j := off; j < off+m; j++ {
			v[j] = 0
		}
		res.Trace[k], res.StdErr[k] = w.mean, w.stdErr()
	}
	return res, nil
}

// NormalizedTrace returns the per-layer normalised trace
//
//	Σ_k ‖θ_k‖² Tr(H_kk) / n_k,
//
// θ_k the entries of block k (blocks[k] = {offset, n_k}) and traces[k] = Tr(H_kk),
// e.g. from BlockTraces. Under a rescaling that multiplies all of block k by one
// factor c_k, Tr(H_kk) scales by c_k⁻² and ‖θ_k‖² by c_k², so each term is
// invariant. Use one block per uniformly scaled group: for layer-wise T_α with
// biases, W_k and b_k as separate blocks (every parameter array of graph.Spec.Params).
func NormalizedTrace(theta []float64, blocks [][2]int, traces []float64) (float64, error) {
	if err := invariantCheckBlocks(blocks, len(theta)); err != nil {
		return 0, err
	}
	if len(traces) != len(blocks) {
		return 0, fmt.Errorf("measures: NormalizedTrace: %d traces for %d blocks", len(traces), len(blocks))
	}
	sum := 0.0
	for k, b := range blocks {
		sq := 0.0
		for _, v := range theta[b[0] : b[0]+b[1]] {
			sq += v * v
		}
		sum += sq * traces[k] / float64(b[1])
	}
	return sum, nil
}

// RelativeFlatnessSettings controls RelativeFlatness. The zero value, or a nil
// pointer, gives the defaults.
type RelativeFlatnessSettings struct {
	// Samples is the number of Hutchinson probes; 0 (or a negative value) means
	// DefaultRelativeFlatnessSamples (32).
	Samples int
	// Seed makes the probes deterministic.
	Seed int64
	// ExactBelow: the layer is computed exactly when In·Out ≤ ExactBelow; 0 means
	// DefaultRelativeFlatnessExactBelow (256), a negative value means never.
	ExactBelow int
}

// Defaults of RelativeFlatnessSettings.
const (
	DefaultRelativeFlatnessSamples    = 32
	DefaultRelativeFlatnessExactBelow = 256
)

// RelativeFlatnessResult is the outcome of RelativeFlatness.
type RelativeFlatnessResult struct {
	// Kappa is κ_Tr, the relative flatness of the layer.
	Kappa float64
	// StdErr is the standard error of the Hutchinson estimate (0 when exact).
	StdErr float64
	// Exact tells whether κ was computed exactly.
	Exact bool
	// Products counts the operator applications.
	Products int
}

// RelativeFlatness computes the relative flatness of Petzka et al. (NeurIPS 2021)
// of one layer,
//
//	κ_Tr = Σ_{s,s'} ⟨w_s, w_{s'}⟩ Tr(H_{s,s'}),
//
// where w_s is the incoming weight vector of neuron s of the layer and H_{s,s'}
// the In×In Hessian block between w_s and w_{s'}. With W stored In×Out row-major
// at theta[wOffset:] (x·W convention of a dense layer, graph.Dense), neuron s's weights are
// column s: w_s[i] = W[i,s] at index wOffset + i·Out + s, and
// Tr(H_{s,s'}) = Σ_i H[(i,s),(i,s')].
//
// Writing G = WᵀW (Out×Out) and M = I_In ⊗ G acting on the layer's block,
// κ_Tr = Tr(H_LL M) = Tr(M^{1/2} H_LL M^{1/2}). Exactly, this costs In·Out operator
// products (H e_{(i,s')} gives column (i,s') of H and the terms
// Σ_s G[s,s']H[(i,s),(i,s')]). Otherwise it is estimated with Samples Hutchinson
// probes u = M^{1/2}z, z Rademacher on the layer (u_i = z_i·G^{1/2} row by row,
// G^{1/2} from an Out×Out eigendecomposition), κ ≈ mean uᵀHu: one product per
// probe.
func RelativeFlatness(op Operator, theta []float64, wOffset, in, out int, s *RelativeFlatnessSettings) (*RelativeFlatnessResult, error) {
	n := op.Dim()
	if len(theta) != n {
		return nil, fmt.Errorf("measures: RelativeFlatness: len(theta) = %d, Dim = %d", len(theta), n)
	}
	if in <= 0 || out <= 0 || wOffset < 0 || wOffset+in*out > n {
		return nil, fmt.Errorf("measures: RelativeFlatness: layer %d×%d at offset %d does not fit in %d parameters", in, out, wOffset, n)
	}
	var set RelativeFlatnessSettings
	if s != nil {
		set = *s
	}
	samples, exactBelow := probeDefaults(set.Samples, set.ExactBelow, DefaultRelativeFlatnessSamples, DefaultRelativeFlatnessExactBelow)
	W := mat.NewDense(in, out, theta[wOffset:wOffset+in*out])
	var G mat.SymDense
	G.SymOuterK(1, W.T()) // G = WᵀW
	res := &RelativeFlatnessResult{}
	v := make([]float64, n)
	hv := make([]float64, n)
	if in*out <= exactBelow {
		kappa := 0.0
		for i := 0; i < in; i++ {
			for sp := 0; sp < out; sp++ {
				j := wOffset + i*out + sp
				v[j] = 1
				if err := op.Apply(hv, v); err != nil {
					return nil, err
				}
				res.Products++
				v[j] = 0
				row := hv[wOffset+i*out : wOffset+(i+1)*out]
				for s2, h := range row {
					kappa += G.At(s2, sp) * h
				}
			}
		}
		res.Kappa = kappa
		res.Exact = true
		return res, nil
	}
	// G^{1/2} by eigendecomposition (G is PSD; tiny negative eigenvalues from
	// rounding are clipped).
	var eig mat.EigenSym
	if !eig.Factorize(&G, true) {
		return nil, fmt.Errorf("measures: RelativeFlatness: eigendecomposition of WᵀW failed")
	}
	vals := eig.Values(nil)
	var Q mat.Dense
	eig.VectorsTo(&Q)
	var QS mat.Dense
	QS.CloneFrom(&Q)
	for c, l := range vals {
		sq := math.Sqrt(math.Max(l, 0))
		for r := 0; r < out; r++ {
			QS.Set(r, c, QS.At(r, c)*sq)
		}
	}
	var half mat.Dense
	half.Mul(&QS, Q.T()) // G^{1/2} = Q Λ^{1/2} Qᵀ
	rng := newRNG(set.Seed, streamRelFlat)
	z := mat.NewDense(in, out, nil)
	U := mat.NewDense(in, out, v[wOffset:wOffset+in*out])
	var w welford
	for range samples {
		rademacher(rng, z.RawMatrix().Data)
		U.Mul(z, &half) // writes into v's layer block
		if err := op.Apply(hv, v); err != nil {
			return nil, err
		}
		res.Products++
		est := 0.0
		for j := wOffset; j < wOffset+in*out; j++ {
			est += v[j] * hv[j]
		}
		w.add(est)
	}
	res.Kappa, res.StdErr = w.mean, w.stdErr()
	return res, nil
}

// probeDefaults applies the zero-value conventions shared by BlockTraceSettings
// and RelativeFlatnessSettings: samples ≤ 0 means defSamples, exactBelow = 0
// means defExactBelow, and a negative exactBelow is kept (never exact).
func probeDefaults(samples, exactBelow, defSamples, defExactBelow int) (int, int) {
	if samples <= 0 {
		samples = defSamples
	}
	if exactBelow == 0 {
		exactBelow = defExactBelow
	}
	return samples, exactBelow
}

// invariantCheckBlocks validates {offset, len} blocks against a vector of length n.
func invariantCheckBlocks(blocks [][2]int, n int) error {
	if len(blocks) == 0 {
		return fmt.Errorf("measures: no blocks")
	}
	for k, b := range blocks {
		if b[0] < 0 || b[1] <= 0 || b[0]+b[1] > n {
			return fmt.Errorf("measures: block %d = %v does not fit in %d parameters", k, b, n)
		}
	}
	return nil
}
