package graph

import (
	"bytes"
	"fmt"
	"unsafe"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/minima-project/minima/graph/ops"
)

// machine is one compiled graph of a network on a chunk of samples: the
// network and its loss plus, depending on the kind, its gradient and its
// Hessian-vector product. The graph is gorgonia's, built once; it is executed
// by programs (see program), one per set of wanted outputs, compiled on first
// use and reused for every run.
type machine struct {
	kind    machineKind
	g       *G.ExprGraph
	x, y, w *G.Node
	params  []*G.Node // θ, in flat order (Spec.Params)
	vecs    []*G.Node // v, for the HVP machine
	inputs  []*G.Node // every input node of g
	loss    *G.Node
	logits  *G.Node
	layout  []Param   // Spec.Params, in flat order
	grads   []*G.Node // ∇θ L, for gradient and HVP machines
	hv      []*G.Node // H·v, for the HVP machine

	want  outputs              // what run computes (default: all the kind has)
	progs map[outputs]*program // compiled programs, one per set of outputs
	last  *program             // the program of the last run
	theta []float64            // bound parameters (read during runs only)
	v     []float64            // bound vector

	// Kept values (HVP machines): per program and chunk, the values of the
	// program's first phase (those that do not depend on v) at θ = keepTheta,
	// while keepBudget bytes allow. gen counts the changes of θ.
	kept       map[progKey]*keptStore
	keepBudget int
	keptBytes  int
	keepTheta  []float64
	gen        int

	// dt is the dtype the graph is executed in: float64, or float32 (then
	// θ and v are converted on binding, chunks must be float32, and results
	// are accumulated in float64).
	dt       tensor.Dtype
	theta32  []float32
	v32      []float32
	logits64 []float64
}

// progKey identifies a program's values for one chunk.
type progKey struct {
	want  outputs
	chunk *chunk
}

// keptStore holds a chunk's kept values (parallel to program.keep); they are
// the first phase's on that chunk at θ number gen when valid.
type keptStore struct {
	values []G.Value
	valid  bool
	gen    int
}

// DefaultKeepBytes bounds the memory of the values an Objective keeps between
// Hessian-vector products at the same θ (ObjectiveSettings.KeepBytes). A chunk
// whose values are kept runs only the part of a product that depends on v:
// about two thirds of the matrix products of an MLP's. Chunks past the budget
// recompute those values each time, with the same bits.
const DefaultKeepBytes = 512 << 20

// outputs is a set of a machine's results.
type outputs uint8

const (
	outLoss outputs = 1 << iota
	outLogits
	outGrad
	outHV
)

type machineKind int

const (
	kindForward machineKind = iota
	kindGradient
	kindHVP
)

// newMachine builds the graph for one kind of evaluation of spec on a chunk of
// batch samples, once; it is reused for every evaluation.
func newMachine(s Spec, batch int, kind machineKind) (*machine, error) {
	n, err := buildNet(s, batch)
	if err != nil {
		return nil, err
	}
	m := &machine{kind: kind, g: n.g, x: n.x, y: n.y, w: n.w, params: n.params, loss: n.loss, logits: n.logits, layout: s.Params(), progs: map[outputs]*program{}, kept: map[progKey]*keptStore{}, dt: tensor.Float64}
	switch kind {
	case kindForward:
		m.want = outLoss | outLogits
	case kindGradient:
		m.want = outLoss | outGrad
		if m.grads, err = G.Grad(n.loss, n.params...); err != nil {
			return nil, fmt.Errorf("graph: gradient: %w", err)
		}
	case kindHVP:
		m.want = outLoss | outGrad | outHV
		grads, err := G.Grad(n.loss, n.params...)
		if err != nil {
			return nil, fmt.Errorf("graph: gradient: %w", err)
		}
		// s = Σ_k ⟨g_k, v_k⟩, then copy everything into a fresh graph and
		// differentiate s there (see ops.CopyDAG for why).
		var vs []*G.Node
		var s *G.Node
		for k, gk := range grads {
			p := n.params[k]
			v := G.NewTensor(n.g, p.Dtype(), p.Dims(), G.WithShape(p.Shape()...), G.WithName("v_"+p.Name()))
			vs = append(vs, v)
			prod, err := G.HadamardProd(gk, v)
			if err != nil {
				return nil, err
			}
			term, err := G.Sum(prod)
			if err != nil {
				return nil, err
			}
			if s == nil {
				s = term
			} else if s, err = G.Add(s, term); err != nil {
				return nil, err
			}
		}
		g := G.NewGraph()
		roots := append([]*G.Node{s, n.loss, n.logits}, grads...)
		cp, err := ops.CopyDAG(g, roots...)
		if err != nil {
			return nil, err
		}
		get := func(old *G.Node) *G.Node {
			if c, ok := cp[old]; ok {
				return c
			}
			// An input the roots do not depend on: give it a node anyway so
			// binding stays uniform.
			c := G.NewTensor(g, old.Dtype(), old.Dims(), G.WithShape(old.Shape()...), G.WithName(old.Name()))
			cp[old] = c
			return c
		}
		m.g = g
		m.x, m.y, m.w, m.loss, m.logits = get(n.x), get(n.y), get(n.w), cp[n.loss], cp[n.logits]
		m.params = make([]*G.Node, len(n.params))
		for k := range n.params {
			m.params[k] = get(n.params[k])
			m.grads = append(m.grads, cp[grads[k]])
			m.vecs = append(m.vecs, get(vs[k]))
		}
		if m.hv, err = G.Grad(cp[s], m.params...); err != nil {
			return nil, fmt.Errorf("graph: Hessian-vector product: %w", err)
		}
	}
	m.inputs = append([]*G.Node{m.x, m.y, m.w}, m.params...)
	m.inputs = append(m.inputs, m.vecs...)
	return m, nil
}

// compile compiles a program computing the wanted outputs.
func (m *machine) compile() (*program, error) {
	var outs []*G.Node
	if m.want&outLoss != 0 {
		outs = append(outs, m.loss)
	}
	if m.want&outLogits != 0 {
		outs = append(outs, m.logits)
	}
	if m.want&outGrad != 0 {
		outs = append(outs, m.grads...)
	}
	if m.want&outHV != 0 {
		outs = append(outs, m.hv...)
	}
	return compile(m.g, m.inputs, m.vecs, outs, m.dt)
}

// program returns the program for the wanted outputs, compiled on first use.
func (m *machine) program() (*program, error) {
	if p, ok := m.progs[m.want]; ok {
		return p, nil
	}
	p, err := m.compile()
	if err != nil {
		return nil, err
	}
	m.progs[m.want] = p
	return p, nil
}

// store returns chunk c's kept values for program p, allocating them while
// the budget allows; nil when c's values are not kept.
func (m *machine) store(p *program, c *chunk) (*keptStore, error) {
	if m.kind != kindHVP || len(p.keep) == 0 {
		return nil, nil
	}
	key := progKey{m.want, c}
	if st, ok := m.kept[key]; ok {
		return st, nil
	}
	if m.keptBytes+p.keepBytes > m.keepBudget {
		return nil, nil
	}
	vals, err := p.newKept()
	if err != nil {
		return nil, err
	}
	st := &keptStore{values: vals}
	m.kept[key] = st
	m.keptBytes += p.keepBytes
	return st, nil
}

// setParams binds θ (flat) to the parameter inputs. θ is read, not copied, by
// the following runs: it must not change until they are done.
func (m *machine) setParams(theta []float64) error {
	if len(theta) != m.layout[len(m.layout)-1].Offset+m.layout[len(m.layout)-1].Size {
		return fmt.Errorf("graph: θ has %d values, network has %d parameters", len(theta), m.layout[len(m.layout)-1].Offset+m.layout[len(m.layout)-1].Size)
	}
	m.theta = theta
	if m.dt == tensor.Float32 {
		m.theta32 = toFloat32(m.theta32, theta)
	}
	if m.kind == kindHVP && !sameBits(m.keepTheta, theta) {
		m.keepTheta = append(m.keepTheta[:0], theta...)
		m.gen++
	}
	return nil
}

// toFloat32 converts src into dst (reallocated if too short).
func toFloat32(dst []float32, src []float64) []float32 {
	if cap(dst) < len(src) {
		dst = make([]float32, len(src))
	}
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = float32(x)
	}
	return dst
}

// setVector binds v (flat) to the HVP machine's vector inputs, like setParams.
func (m *machine) setVector(v []float64) error {
	if len(v) != len(m.theta) && m.theta != nil {
		return fmt.Errorf("graph: v has %d values, want %d", len(v), len(m.theta))
	}
	m.v = v
	if m.dt == tensor.Float32 {
		m.v32 = toFloat32(m.v32, v)
	}
	return nil
}

// view wraps the part of flat holding parameter p as a tensor (no copy).
func view[T float32 | float64](p Param, flat []T) *tensor.Dense {
	return tensor.New(tensor.WithShape(p.Shape...), tensor.WithBacking(flat[p.Offset:p.Offset+p.Size:p.Offset+p.Size]))
}

// run evaluates the wanted outputs on one prepared chunk. When the chunk's
// kept values are those of the same θ (bit for bit), the steps that do not
// depend on v are skipped.
func (m *machine) run(c *chunk) error {
	p, err := m.program()
	if err != nil {
		return err
	}
	st, err := m.store(p, c)
	if err != nil {
		return err
	}
	p.set(m.x, c.input())
	p.set(m.y, c.y)
	p.set(m.w, c.w)
	for k, pr := range m.layout {
		if m.dt == tensor.Float32 {
			p.set(m.params[k], view(pr, m.theta32))
			if m.vecs != nil && m.v != nil {
				p.set(m.vecs[k], view(pr, m.v32))
			}
			continue
		}
		p.set(m.params[k], view(pr, m.theta))
		if m.vecs != nil && m.v != nil {
			p.set(m.vecs[k], view(pr, m.v))
		}
	}
	m.last = p
	// The first phase writes into the chunk's kept buffers, or the program's own.
	from := 0
	for i, k := range p.keep {
		switch {
		case k.kind != keptFresh && st != nil:
			p.values[k.slot] = st.values[i]
		case k.kind != keptFresh:
			p.values[k.slot] = k.own
		case st != nil && st.valid && st.gen == m.gen:
			p.values[k.slot] = st.values[i]
		}
	}
	if st != nil && st.valid && st.gen == m.gen {
		from = p.split
	}
	if st != nil {
		st.valid = false
	}
	if err := p.runFrom(from); err != nil {
		return err
	}
	if st != nil {
		for i, k := range p.keep {
			if k.kind == keptFresh {
				st.values[i] = p.values[k.slot]
			}
		}
		st.valid, st.gen = true, m.gen
	}
	return nil
}

// sameBits reports whether a and b hold the same float64 bit patterns.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 {
		return true
	}
	return bytes.Equal(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), 8*len(a)), unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 8*len(b)))
}

// logitsValue returns the network outputs of the last forward run (batch ×
// outputs; valid until the next run).
func (m *machine) logitsValue() []float64 {
	switch d := m.last.value(m.logits).Data().(type) {
	case []float32:
		m.logits64 = m.logits64[:0]
		for _, x := range d {
			m.logits64 = append(m.logits64, float64(x))
		}
		return m.logits64
	case []float64:
		return d
	}
	return nil
}

// lossValue reads the scalar loss after a run.
func (m *machine) lossValue() float64 { return scalarOf(m.last.value(m.loss)) }

// addFlat adds the values of nodes (in params order) into dst (flat).
func (m *machine) addFlat(dst []float64, nodes []*G.Node) {
	for k, pr := range m.layout {
		d := pr.View(dst)
		switch src := m.last.value(nodes[k]).Data().(type) {
		case []float64:
			for i, x := range src {
				d[i] += x
			}
		case []float32:
			for i, x := range src {
				d[i] += float64(x)
			}
		}
	}
}

// close releases the compiled programs and kept values.
func (m *machine) close() {
	if m != nil {
		m.progs, m.kept, m.keptBytes = nil, nil, 0
	}
}
