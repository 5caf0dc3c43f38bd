package measures_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/measures"
	"github.com/minima-project/minima/reparam"
)

// ---- toy networks (shared by the measures tests) ----

// geoNet is a small ReLU network (graph's plain-Go reference computation; no
// gorgonia graph is built) with a sample set, trained a little by gradient
// descent so that θ is near (not at) a minimum.
type geoNet struct {
	spec  graph.Spec
	ref   *graph.Reference
	theta []float64
}

func newGeoNet(t testing.TB, sizes []int, bias bool, kind loss.Kind, seed uint64) geoNet {
	t.Helper()
	l := graph.MLP(sizes[0], sizes[1:len(sizes)-1], sizes[len(sizes)-1], bias, kind)
	rng := rand.New(rand.NewPCG(seed, 99))
	n := 16
	X := make([]float64, n*sizes[0])
	for i := range X {
		X[i] = rng.NormFloat64()
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(sizes[len(sizes)-1])
	}
	theta := make([]float64, l.NumParams())
	for i := range theta {
		theta[i] = 0.7 * rng.NormFloat64()
	}
	ref := &graph.Reference{Spec: l, X: X, N: n, Labels: labels}
	g := make([]float64, len(theta))
	for it := 0; it < 300; it++ {
		if _, err := ref.LossGrad(g, theta); err != nil {
			t.Fatal(err)
		}
		for i := range theta {
			theta[i] -= 0.1 * g[i]
		}
	}
	return geoNet{spec: l, ref: ref, theta: theta}
}

// geoHessian returns the Hessian of obj at theta as a measures.Dense, by central
// differences of the analytic gradient (relative step 1e-5), symmetrised.
func geoHessian(t testing.TB, obj measures.Objective, theta []float64) *measures.Dense {
	t.Helper()
	H, err := numtest.Hessian(func(g, x []float64) error { _, err := obj.LossGrad(g, x); return err }, theta, 1e-5)
	if err != nil {
		t.Fatal(err)
	}
	return &measures.Dense{N: len(theta), Data: H}
}

// geoJVP returns J = ⟨θ, ∇_θ f⟩ = d/dt f_{(1+t)θ}|_{t=0} for every sample and
// output, by central differences.
func geoJVP(l graph.Spec, theta, X []float64, n int) []float64 {
	h := 1e-5
	tp := make([]float64, len(theta))
	tm := make([]float64, len(theta))
	for i, v := range theta {
		tp[i] = v * (1 + h)
		tm[i] = v * (1 - h)
	}
	fp := geoForward(l, tp, X, n)
	fm := geoForward(l, tm, X, n)
	for i := range fp {
		fp[i] = (fp[i] - fm[i]) / (2 * h)
	}
	return fp
}

// geoForward is the network's output (graph's reference forward pass).
func geoForward(l graph.Spec, theta, X []float64, n int) []float64 {
	out, err := graph.Forward(l, theta, X, n)
	if err != nil {
		panic(err)
	}
	return out
}

// geoBlocks are the parameter arrays of l as {offset, length}.
func geoBlocks(l graph.Spec) [][2]int {
	var b [][2]int
	for _, p := range l.Params() {
		b = append(b, [2]int{p.Offset, p.Size})
	}
	return b
}

// ---- BlockTraces, NormalizedTrace, RelativeFlatness on explicit matrices ----

func geoRandomSPD(n int, seed uint64) *measures.Dense {
	rng := rand.New(rand.NewPCG(seed, 7))
	B := make([]float64, n*n)
	for i := range B {
		B[i] = rng.NormFloat64()
	}
	H := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			s := 0.0
			for k := 0; k < n; k++ {
				s += B[i*n+k] * B[j*n+k]
			}
			H[i*n+j] = s / float64(n)
		}
	}
	return &measures.Dense{N: n, Data: H}
}

func TestBlockTraces(t *testing.T) {
	n := 40
	H := geoRandomSPD(n, 1)
	blocks := [][2]int{{0, 5}, {5, 30}, {35, 5}}
	res, err := measures.BlockTraces(H, blocks, &measures.BlockTraceSettings{Samples: 400, Seed: 3, ExactBelow: 5})
	if err != nil {
		t.Fatal(err)
	}
	for k, b := range blocks {
		want := 0.0
		for i := b[0]; i < b[0]+b[1]; i++ {
			want += H.Data[i*n+i]
		}
		if res.Exact[k] {
			if math.Abs(res.Trace[k]-want) > 1e-12*want {
				t.Errorf("block %d exact: %g, want %g", k, res.Trace[k], want)
			}
			continue
		}
		// Hutchinson: within 4 standard errors, and the error estimate is sane.
		if math.Abs(res.Trace[k]-want) > 4*res.StdErr[k] || res.StdErr[k] > 0.1*want || res.StdErr[k] == 0 {
			t.Errorf("block %d: %g ± %g, want %g", k, res.Trace[k], res.StdErr[k], want)
		}
	}
	if !res.Exact[0] || res.Exact[1] || !res.Exact[2] || res.Products != 5+400+5 {
		t.Errorf("exact flags %v, products %d", res.Exact, res.Products)
	}
	// A diagonal operator: Rademacher probes are exact (vᵀDv = Tr D).
	d := &measures.Dense{N: 3, Data: []float64{1, 0, 0, 0, 2, 0, 0, 0, 7}}
	r2, _ := measures.BlockTraces(d, [][2]int{{0, 3}}, &measures.BlockTraceSettings{Samples: 5, Seed: 1, ExactBelow: -1})
	if r2.Trace[0] != 10 || r2.StdErr[0] != 0 {
		t.Errorf("diagonal: %g ± %g", r2.Trace[0], r2.StdErr[0])
	}
	if _, err := measures.BlockTraces(d, [][2]int{{2, 2}}, nil); err == nil {
		t.Error("block out of range accepted")
	}
	// Zero-value settings: blocks up to DefaultBlockTraceExactBelow are exact,
	// longer ones get DefaultBlockTraceSamples probes; a negative ExactBelow
	// means never exact.
	m := measures.DefaultBlockTraceExactBelow + 1
	e := &measures.Dense{N: m, Data: make([]float64, m*m)}
	for i := 0; i < m; i++ {
		e.Data[i*m+i] = 1
	}
	for _, c := range []struct {
		set      *measures.BlockTraceSettings
		len      int
		exact    bool
		products int
	}{
		{nil, m - 1, true, m - 1},
		{nil, m, false, measures.DefaultBlockTraceSamples},
		{&measures.BlockTraceSettings{}, m - 1, true, m - 1},
		{&measures.BlockTraceSettings{ExactBelow: -1}, 1, false, measures.DefaultBlockTraceSamples},
		{&measures.BlockTraceSettings{ExactBelow: -1, Samples: 3}, 1, false, 3},
	} {
		r, err := measures.BlockTraces(e, [][2]int{{0, c.len}}, c.set)
		if err != nil {
			t.Fatal(err)
		}
		if r.Exact[0] != c.exact || r.Products != c.products || r.Trace[0] != float64(c.len) {
			t.Errorf("settings %+v, block length %d: exact %v, products %d, trace %g; want %v, %d, %d",
				c.set, c.len, r.Exact[0], r.Products, r.Trace[0], c.exact, c.products, c.len)
		}
	}
}

func TestNormalizedTraceByHand(t *testing.T) {
	theta := []float64{1, 2, 3, 4, 0.5}
	// blocks {0,2}: ‖θ‖² = 5, n = 2; {2,3}: ‖θ‖² = 25.25, n = 3.
	got, err := measures.NormalizedTrace(theta, [][2]int{{0, 2}, {2, 3}}, []float64{4, 6})
	if err != nil {
		t.Fatal(err)
	}
	if want := 5*4/2.0 + 25.25*6/3; math.Abs(got-want) > 1e-14 {
		t.Errorf("got %g, want %g", got, want)
	}
}

// geoKappa computes κ by the definition Σ_{s,s'}⟨w_s,w_s'⟩ Σ_i H[(i,s),(i,s')].
func geoKappa(H *measures.Dense, theta []float64, off, in, out int) float64 {
	n := H.N
	k := 0.0
	for s := 0; s < out; s++ {
		for sp := 0; sp < out; sp++ {
			ip, tr := 0.0, 0.0
			for i := 0; i < in; i++ {
				ip += theta[off+i*out+s] * theta[off+i*out+sp]
				tr += H.Data[(off+i*out+s)*n+off+i*out+sp]
			}
			k += ip * tr
		}
	}
	return k
}

func TestRelativeFlatnessExplicit(t *testing.T) {
	n := 30
	H := geoRandomSPD(n, 5)
	rng := rand.New(rand.NewPCG(2, 2))
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	off, in, out := 4, 5, 4
	want := geoKappa(H, theta, off, in, out)
	res, err := measures.RelativeFlatness(H, theta, off, in, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Exact || res.Products != in*out || math.Abs(res.Kappa-want) > 1e-12*math.Abs(want) {
		t.Errorf("exact: %+v, want κ = %g", res, want)
	}
	est, err := measures.RelativeFlatness(H, theta, off, in, out, &measures.RelativeFlatnessSettings{ExactBelow: -1, Samples: 2000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if est.Exact || math.Abs(est.Kappa-want) > 4*est.StdErr || est.StdErr > 0.05*math.Abs(want) {
		t.Errorf("Hutchinson: %g ± %g, want %g", est.Kappa, est.StdErr, want)
	}
	// Swapping rows and columns gives a different number: the layout matters.
	if alt := geoKappa(H, theta, off, out, in); math.Abs(alt-want) < 1e-3*math.Abs(want) {
		t.Errorf("row/column convention not exercised")
	}
}

// ---- the invariance table ----

// geoMeasure is one row of the invariance table.
type geoMeasure struct {
	name string
	f    func(t *testing.T, net geoNet, theta []float64, H *measures.Dense) float64
	// Expected behaviour: "inv" (invariant to tol), "var" (changes by ≥ 1%),
	// "approx" (changes, but by less than 1%... checked only to differ from
	// exact invariance, i.e. by more than 1e-9).
	layer, neuron string
	tol           float64
}

func geoMeasures() []geoMeasure {
	return []geoMeasure{
		{"ε-sharpness full space (ε=1e-3)", func(t *testing.T, net geoNet, th []float64, _ *measures.Dense) float64 {
			r, err := measures.Sharpness(net.ref, th, &measures.SharpnessSettings{Eps: 1e-3})
			geoNoErr(t, err)
			return r.Sharpness
		}, "var", "var", 0},
		{"ε-sharpness subspace p=8", func(t *testing.T, net geoNet, th []float64, _ *measures.Dense) float64 {
			r, err := measures.Sharpness(net.ref, th, &measures.SharpnessSettings{Eps: 1e-3, Subspace: 8, Seed: 1})
			geoNoErr(t, err)
			return r.Sharpness
		}, "var", "var", 0},
		{"ε-flatness geo-mean radius", func(t *testing.T, net geoNet, th []float64, _ *measures.Dense) float64 {
			r, err := measures.Flatness(net.ref, th, &measures.FlatnessSettings{Eps: 0.01, Directions: 8, Seed: 1})
			geoNoErr(t, err)
			return r.GeoMean
		}, "var", "var", 0},
		{"ASAM η=0 (ρ=0.05)", func(t *testing.T, net geoNet, th []float64, _ *measures.Dense) float64 {
			r, err := measures.ASAM(net.ref, th, &measures.ASAMSettings{Eta: -1}) // η = 0, default ρ
			geoNoErr(t, err)
			return r.Sharpness
		}, "inv", "inv", 1e-8},
		{"ASAM η=0.01 (ρ=0.05)", func(t *testing.T, net geoNet, th []float64, _ *measures.Dense) float64 {
			r, err := measures.ASAM(net.ref, th, nil)
			geoNoErr(t, err)
			return r.Sharpness
		}, "approx", "approx", 0},
		{"Fisher–Rao θᵀF̂θ (JVP)", func(t *testing.T, net geoNet, th []float64, _ *measures.Dense) float64 {
			logits := geoForward(net.spec, th, net.ref.X, net.ref.N)
			jvp := geoJVP(net.spec, th, net.ref.X, net.ref.N)
			r, err := measures.FisherRaoJVP(logits, jvp, net.ref.Labels, 3, net.spec.Loss)
			geoNoErr(t, err)
			return r.Empirical
		}, "inv", "inv", 1e-6},
		{"per-block normalised trace (W_k, b_k blocks)", func(t *testing.T, net geoNet, th []float64, H *measures.Dense) float64 {
			blocks := geoBlocks(net.spec)
			bt, err := measures.BlockTraces(H, blocks, &measures.BlockTraceSettings{ExactBelow: 1 << 30})
			geoNoErr(t, err)
			v, err := measures.NormalizedTrace(th, blocks, bt.Trace)
			geoNoErr(t, err)
			return v
		}, "inv", "var", 1e-5},
		{"relative flatness, first layer", geoRelFlat(0), "inv", "inv", 1e-5},
		{"relative flatness, middle layer", geoRelFlat(1), "inv", "var", 1e-5},
		{"relative flatness, last layer", geoRelFlat(2), "inv", "var", 1e-5},
		{"Hessian trace (reference)", func(t *testing.T, net geoNet, th []float64, H *measures.Dense) float64 {
			s := 0.0
			for i := 0; i < H.N; i++ {
				s += H.Data[i*H.N+i]
			}
			return s
		}, "var", "var", 0},
	}
}

func geoRelFlat(layer int) func(t *testing.T, net geoNet, th []float64, H *measures.Dense) float64 {
	return func(t *testing.T, net geoNet, th []float64, H *measures.Dense) float64 {
		d := net.spec.Layers[layer].(*graph.Dense)
		r, err := measures.RelativeFlatness(H, th, net.spec.Params()[layerWeights(net.spec, layer)].Offset, d.In, d.Out, nil)
		geoNoErr(t, err)
		return r.Kappa
	}
}

func geoNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestInvarianceTable computes every measure at θ, at T_α(θ) (layer-wise, α =
// (0.2, 4, 1.25)) and at a random per-neuron rescaling (log-std 0.7) of a trained
// 3-layer ReLU net (3-5-4-3, cross-entropy), with and without biases, and checks
// the expected invariance. Run with -v to see the table of relative changes.
func TestInvarianceTable(t *testing.T) {
	alphas := []float64{0.2, 4, 1.25}
	var table strings.Builder
	fmt.Fprintf(&table, "%-46s %6s %14s %14s\n", "measure", "bias", "layer-wise", "per-neuron")
	for _, bias := range []bool{false, true} {
		net := newGeoNet(t, []int{3, 5, 4, 3}, bias, loss.CrossEntropy, 1)
		thL, err := reparam.Layerwise(net.spec, net.theta, alphas)
		geoNoErr(t, err)
		thN, err := reparam.RandomNeurons(net.spec, net.theta, 0.7, 11)
		geoNoErr(t, err)
		out := geoForward(net.spec, net.theta, net.ref.X, net.ref.N)
		if e := reparam.Equivalence(out, geoForward(net.spec, thL, net.ref.X, net.ref.N)); e > 1e-12 {
			t.Fatalf("layer-wise changed f: %g", e)
		}
		if e := reparam.Equivalence(out, geoForward(net.spec, thN, net.ref.X, net.ref.N)); e > 1e-12 {
			t.Fatalf("per-neuron changed f: %g", e)
		}
		H0 := geoHessian(t, net.ref, net.theta)
		HL := geoHessian(t, net.ref, thL)
		HN := geoHessian(t, net.ref, thN)
		for _, m := range geoMeasures() {
			v0 := m.f(t, net, net.theta, H0)
			vL := m.f(t, net, thL, HL)
			vN := m.f(t, net, thN, HN)
			dL := math.Abs(vL-v0) / math.Abs(v0)
			dN := math.Abs(vN-v0) / math.Abs(v0)
			fmt.Fprintf(&table, "%-46s %6v %14.3g %14.3g   (value %.4g)\n", m.name, bias, dL, dN, v0)
			if !(math.Abs(v0) > 0) {
				t.Errorf("%s bias=%v: value at θ is %g", m.name, bias, v0)
			}
			geoExpect(t, m.name+" layer-wise", bias, m.layer, dL, m.tol)
			geoExpect(t, m.name+" per-neuron", bias, m.neuron, dN, m.tol)
		}
	}
	t.Logf("relative change |m(Tθ) − m(θ)|/|m(θ)|:\n%s", table.String())
}

func geoExpect(t *testing.T, name string, bias bool, want string, d, tol float64) {
	t.Helper()
	switch want {
	case "inv":
		if !(d <= tol) {
			t.Errorf("%s (bias=%v): relative change %g > %g, expected invariant", name, bias, d, tol)
		}
	case "var":
		if !(d >= 1e-2) {
			t.Errorf("%s (bias=%v): relative change %g < 1e-2, expected not invariant", name, bias, d)
		}
	case "approx":
		if !(d > 1e-9) {
			t.Errorf("%s (bias=%v): relative change %g, expected inexact invariance", name, bias, d)
		}
	}
}

// TestRelativeFlatnessOwnNeurons: rescaling only the units of layer l (the
// columns of W_l; the rows of W_{l+1} compensate) leaves κ of layer l unchanged,
// while rescaling the units feeding it (rows of W_l) does not.
func TestRelativeFlatnessOwnNeurons(t *testing.T) {
	net := newGeoNet(t, []int{3, 5, 4, 3}, false, loss.CrossEntropy, 2)
	c := [][]float64{{1, 1, 1, 1, 1}, {0.3, 2, 5, 0.7}, nil} // only layer-1 units
	th, err := reparam.Neuronwise(net.spec, net.theta, c)
	geoNoErr(t, err)
	H0 := geoHessian(t, net.ref, net.theta)
	H1 := geoHessian(t, net.ref, th)
	k0 := geoRelFlat(1)(t, net, net.theta, H0)
	k1 := geoRelFlat(1)(t, net, th, H1)
	if math.Abs(k1-k0) > 1e-5*math.Abs(k0) {
		t.Errorf("own units: κ %g → %g", k0, k1)
	}
	// The last layer's rows are those same units: κ of the last layer changes.
	k2a := geoRelFlat(2)(t, net, net.theta, H0)
	k2b := geoRelFlat(2)(t, net, th, H1)
	if math.Abs(k2b-k2a) < 1e-2*math.Abs(k2a) {
		t.Errorf("input units: κ unexpectedly unchanged %g → %g", k2a, k2b)
	}
}

// layerWeights is the index in l.Params() of layer k's weight array.
func layerWeights(l graph.Spec, k int) int {
	for i, p := range l.Params() {
		if p.Layer == k && !p.Bias {
			return i
		}
	}
	panic("no weights")
}
