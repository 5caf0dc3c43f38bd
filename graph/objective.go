package graph

import (
	"fmt"
	"math"
	"slices"

	"gorgonia.org/tensor"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/internal/sysmem"
)

// DefaultChunk is the number of samples evaluated at once by an Objective: the
// memory of a loss, gradient or Hessian-vector product is that of one chunk.
const DefaultChunk = 1000

// Objective is the mean loss of a network over a fixed sample set, with its
// gradient and Hessian-vector products, computed chunk by chunk. It satisfies
// measures.Objective, and Hessian returns a measures.Operator.
//
// An Objective is not safe for concurrent use. Call Close when done.
type Objective struct {
	spec   Spec
	n      int
	batch  int
	chunks []*chunk
	dt     tensor.Dtype // dtype the graphs are executed in
	keep   int          // budget of kept values, bytes
	fwd    *machine
	grad   *machine
	hvp    *machine

	// Products counts Hessian-vector products computed so far.
	Products int
}

// NewObjective prepares the mean loss of spec over the samples of set, evaluated
// chunkSize samples at a time (DefaultChunk if chunkSize ≤ 0), in float64.
// Graphs are built on first use. The samples are read in place (set.X must
// not change while the Objective is in use).
func NewObjective(s Spec, set *datasets.Set, chunkSize int) (*Objective, error) {
	return NewObjectiveWith(s, set, ObjectiveSettings{Chunk: chunkSize})
}

// ObjectiveSettings are the options of NewObjectiveWith; the zero value is
// NewObjective's default.
type ObjectiveSettings struct {
	// Chunk is the number of samples evaluated at once (DefaultChunk if ≤ 0).
	Chunk int
	// Float32 computes losses, gradients and products in single precision:
	// θ, v and the samples are converted to float32, the graphs run in
	// float32 (matrix products in sgemm, about twice as fast as dgemm), and
	// results are accumulated over chunks in float64. Products then agree
	// with float64 to about 1e-6 relative, not 1e-15. Every layer kind
	// supports it (graph/ops computes in float32 too).
	Float32 bool
	// KeepBytes bounds the memory of the values kept between Hessian-vector
	// products at the same θ: DefaultKeepBytes if 0, none if negative, and
	// never more than half the memory available when the Objective is made.
	// It changes speed, not results.
	KeepBytes int
}

// NewObjectiveWith is NewObjective with settings.
func NewObjectiveWith(s Spec, set *datasets.Set, st ObjectiveSettings) (*Objective, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if set == nil || set.N == 0 {
		return nil, fmt.Errorf("graph: empty sample set")
	}
	if set.D != s.Inputs() {
		return nil, fmt.Errorf("graph: samples have %d features, network expects %d", set.D, s.Inputs())
	}
	if set.Classes > s.Outputs() {
		return nil, fmt.Errorf("graph: samples have %d classes, network has %d outputs", set.Classes, s.Outputs())
	}
	chunkSize := st.Chunk
	if chunkSize <= 0 {
		chunkSize = DefaultChunk
	}
	dt := tensor.Float64
	if st.Float32 {
		dt = tensor.Float32
	}
	batch := min(chunkSize, set.N)
	cs, err := makeChunks(set.X, set.Y, set.N, set.D, s.Outputs(), batch, 1/float64(set.N), dt)
	if err != nil {
		return nil, err
	}
	return &Objective{spec: s, n: set.N, batch: batch, chunks: cs, dt: dt, keep: keepBudget(st.KeepBytes)}, nil
}

// keepBudget is the memory budget for kept values given a setting (see
// ObjectiveSettings.KeepBytes).
func keepBudget(setting int) int {
	b := setting
	switch {
	case b < 0:
		return 0
	case b == 0:
		b = DefaultKeepBytes
	}
	if avail, ok := sysmem.Available(); ok && uint64(b) > avail/2 {
		b = int(avail / 2)
	}
	return b
}

// Dim is the number of parameters.
func (o *Objective) Dim() int { return o.spec.NumParams() }

// Samples is the number of samples the mean runs over.
func (o *Objective) Samples() int { return o.n }

// Spec is the network the objective evaluates.
func (o *Objective) Spec() Spec { return o.spec }

func (o *Objective) checkTheta(theta []float64) error {
	if len(theta) != o.Dim() {
		return fmt.Errorf("graph: θ has %d values, network has %d parameters", len(theta), o.Dim())
	}
	return nil
}

// machine returns the compiled graph of a kind, building it on first use.
func (o *Objective) machine(kind machineKind) (*machine, error) {
	var slot **machine
	switch kind {
	case kindForward:
		slot = &o.fwd
	case kindGradient:
		slot = &o.grad
	default:
		slot = &o.hvp
	}
	if *slot == nil {
		m, err := newMachine(o.spec, o.batch, kind)
		if err != nil {
			return nil, err
		}
		m.dt, m.keepBudget = o.dt, o.keep
		*slot = m
	}
	return *slot, nil
}

// Loss returns the mean loss at θ.
func (o *Objective) Loss(theta []float64) (float64, error) {
	loss, _, err := o.forward(theta, nil)
	return loss, err
}

// forward runs the forward graph over every chunk; with each non-nil it is
// called with the chunk's logits (batch × outputs, only the first c.n rows real).
func (o *Objective) forward(theta []float64, each func(c *chunk, logits []float64)) (float64, int, error) {
	if err := o.checkTheta(theta); err != nil {
		return 0, 0, err
	}
	m, err := o.machine(kindForward)
	if err != nil {
		return 0, 0, err
	}
	if err := m.setParams(theta); err != nil {
		return 0, 0, err
	}
	loss := 0.0
	for _, c := range o.chunks {
		if err := m.run(c); err != nil {
			return 0, 0, fmt.Errorf("graph: forward: %w", err)
		}
		loss += m.lossValue()
		if each != nil {
			each(c, m.logitsValue())
		}
	}
	return loss, len(o.chunks), nil
}

// LossGrad returns the mean loss at θ and writes its gradient into grad.
func (o *Objective) LossGrad(grad, theta []float64) (float64, error) {
	if err := o.checkTheta(theta); err != nil {
		return 0, err
	}
	if len(grad) != len(theta) {
		return 0, fmt.Errorf("graph: gradient buffer has %d values, want %d", len(grad), len(theta))
	}
	m, err := o.machine(kindGradient)
	if err != nil {
		return 0, err
	}
	if err := m.setParams(theta); err != nil {
		return 0, err
	}
	clear(grad)
	loss := 0.0
	for _, c := range o.chunks {
		if err := m.run(c); err != nil {
			return 0, fmt.Errorf("graph: gradient: %w", err)
		}
		loss += m.lossValue()
		m.addFlat(grad, m.grads)
	}
	return loss, nil
}

// HVP writes H(θ)·v into hv, where H is the Hessian of the mean loss, and
// returns the mean loss at θ. When grad is non-nil it also receives ∇L(θ),
// from the same run.
func (o *Objective) HVP(hv, grad, theta, v []float64) (float64, error) {
	if err := o.checkTheta(theta); err != nil {
		return 0, err
	}
	if len(v) != len(theta) || len(hv) != len(theta) || (grad != nil && len(grad) != len(theta)) {
		return 0, fmt.Errorf("graph: HVP: vectors must have %d values", len(theta))
	}
	m, err := o.machine(kindHVP)
	if err != nil {
		return 0, err
	}
	if err := m.setParams(theta); err != nil {
		return 0, err
	}
	if err := m.setVector(v); err != nil {
		return 0, err
	}
	m.want = outLoss | outHV
	if grad != nil {
		m.want |= outGrad
	}
	clear(hv)
	if grad != nil {
		clear(grad)
	}
	loss := 0.0
	for _, c := range o.chunks {
		if err := m.run(c); err != nil {
			return 0, fmt.Errorf("graph: Hessian-vector product: %w", err)
		}
		loss += m.lossValue()
		m.addFlat(hv, m.hv)
		if grad != nil {
			m.addFlat(grad, m.grads)
		}
	}
	o.Products++
	return loss, nil
}

// Logits returns the network outputs at θ for every sample, row-major N × outputs.
func (o *Objective) Logits(theta []float64) ([]float64, error) {
	out := make([]float64, 0, o.n*o.spec.Outputs())
	c := o.spec.Outputs()
	_, _, err := o.forward(theta, func(ch *chunk, logits []float64) {
		out = append(out, logits[:ch.n*c]...)
	})
	return out, err
}

// Evaluate returns the mean loss and the accuracy (fraction of samples whose
// largest output is the label) at θ.
func (o *Objective) Evaluate(theta []float64) (loss, accuracy float64, err error) {
	c := o.spec.Outputs()
	correct := 0
	loss, _, err = o.forward(theta, func(ch *chunk, logits []float64) {
		for i := 0; i < ch.n; i++ {
			row := logits[i*c : (i+1)*c]
			if argmax(row) == ch.labels[i] {
				correct++
			}
		}
	})
	if err != nil {
		return 0, 0, err
	}
	return loss, float64(correct) / float64(o.n), nil
}

func argmax(x []float64) int {
	best, bi := math.Inf(-1), 0
	for i, v := range x {
		if v > best {
			best, bi = v, i
		}
	}
	return bi
}

// Product names one kind of evaluation of an Objective (for MatMuls).
type Product int

const (
	ProductLoss        Product = iota // loss and logits (Loss, Logits, Evaluate)
	ProductGradient                   // loss and gradient (LossGrad)
	ProductHVP                        // loss and H·v (HVP without grad)
	ProductHVPGradient                // loss, gradient and H·v (HVP with grad)
)

// MatMuls lists, in execution order, the matrix products one evaluation of
// kind p runs on one chunk (an evaluation runs Chunks() chunks): the work a
// BLAS has to do at least, whatever else the evaluation does. It compiles the
// evaluation if needed.
func (o *Objective) MatMuls(p Product) ([]Gemm, error) {
	kind, want := kindForward, outLoss|outLogits
	switch p {
	case ProductGradient:
		kind, want = kindGradient, outLoss|outGrad
	case ProductHVP:
		kind, want = kindHVP, outLoss|outHV
	case ProductHVPGradient:
		kind, want = kindHVP, outLoss|outHV|outGrad
	}
	m, err := o.machine(kind)
	if err != nil {
		return nil, err
	}
	m.want = want
	prog, err := m.program()
	if err != nil {
		return nil, err
	}
	return slices.Clone(prog.gemms), nil
}

// Float32 reports whether the objective computes in single precision.
func (o *Objective) Float32() bool { return o.dt == tensor.Float32 }

// Chunks is the number of chunks one evaluation runs.
func (o *Objective) Chunks() int { return len(o.chunks) }

// Close releases the compiled graphs.
func (o *Objective) Close() {
	o.fwd.close()
	o.grad.close()
	o.hvp.close()
	o.fwd, o.grad, o.hvp = nil, nil, nil
}

// Hessian is the Hessian of an Objective at a fixed θ, as a symmetric linear
// operator (measures.Operator). Each Apply is one Hessian-vector product over
// the whole sample set.
type Hessian struct {
	o     *Objective
	theta []float64
}

// Hessian returns the Hessian operator at θ (θ is copied).
func (o *Objective) Hessian(theta []float64) (*Hessian, error) {
	if err := o.checkTheta(theta); err != nil {
		return nil, err
	}
	return &Hessian{o: o, theta: append([]float64(nil), theta...)}, nil
}

// Prepare builds the graphs of the Hessian-vector product and compiles the
// program Apply runs, which the first product does otherwise: a caller can
// then time its start-up apart from the products.
func (h *Hessian) Prepare() error {
	m, err := h.o.machine(kindHVP)
	if err != nil {
		return err
	}
	m.want = outLoss | outHV
	_, err = m.program()
	return err
}

// Dim is the number of parameters.
func (h *Hessian) Dim() int { return h.o.Dim() }

// Apply sets dst = H·v.
func (h *Hessian) Apply(dst, v []float64) error {
	_, err := h.o.HVP(dst, nil, h.theta, v)
	return err
}
