package graph

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
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
	progs map[outputs]*program // compiled programs by outputs
	theta []float64            // bound parameters (read during runs only)
	v     []float64            // bound vector
}

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
	m := &machine{kind: kind, g: n.g, x: n.x, y: n.y, w: n.w, params: n.params, loss: n.loss, logits: n.logits, layout: s.Params(), progs: map[outputs]*program{}}
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
		// differentiate s there (see copyDAG for why).
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
		cp, err := copyDAG(g, roots...)
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

// program returns the compiled program computing the wanted outputs.
func (m *machine) program() (*program, error) {
	if p, ok := m.progs[m.want]; ok {
		return p, nil
	}
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
	p, err := compile(m.g, m.inputs, outs)
	if err != nil {
		return nil, err
	}
	m.progs[m.want] = p
	return p, nil
}

// setParams binds θ (flat) to the parameter inputs. θ is read, not copied, by
// the following runs: it must not change until they are done.
func (m *machine) setParams(theta []float64) error {
	if len(theta) != m.layout[len(m.layout)-1].Offset+m.layout[len(m.layout)-1].Size {
		return fmt.Errorf("graph: θ has %d values, network has %d parameters", len(theta), m.layout[len(m.layout)-1].Offset+m.layout[len(m.layout)-1].Size)
	}
	m.theta = theta
	return nil
}

// setVector binds v (flat) to the HVP machine's vector inputs, like setParams.
func (m *machine) setVector(v []float64) error {
	if len(v) != len(m.theta) && m.theta != nil {
		return fmt.Errorf("graph: v has %d values, want %d", len(v), len(m.theta))
	}
	m.v = v
	return nil
}

// view wraps the part of flat holding parameter p as a tensor (no copy).
func view(p Param, flat []float64) *tensor.Dense {
	return tensor.New(tensor.WithShape(p.Shape...), tensor.WithBacking(flat[p.Offset:p.Offset+p.Size:p.Offset+p.Size]))
}

// run evaluates the wanted outputs on one prepared chunk.
func (m *machine) run(c *chunk) error {
	p, err := m.program()
	if err != nil {
		return err
	}
	p.set(m.x, c.x)
	p.set(m.y, c.y)
	p.set(m.w, c.w)
	for k, pr := range m.layout {
		p.set(m.params[k], view(pr, m.theta))
		if m.vecs != nil && m.v != nil {
			p.set(m.vecs[k], view(pr, m.v))
		}
	}
	return p.run()
}

// logitsValue returns the network outputs of the last forward run (batch ×
// outputs; valid until the next run).
func (m *machine) logitsValue() []float64 {
	return m.progs[m.want].value(m.logits).Data().([]float64)
}

// lossValue reads the scalar loss after a run.
func (m *machine) lossValue() float64 { return scalarOf(m.progs[m.want].value(m.loss)) }

// addFlat adds the values of nodes (in params order) into dst (flat).
func (m *machine) addFlat(dst []float64, nodes []*G.Node) {
	p := m.progs[m.want]
	for k, pr := range m.layout {
		src := p.value(nodes[k]).Data().([]float64)
		d := pr.View(dst)
		for i, x := range src {
			d[i] += x
		}
	}
}

// close releases the compiled programs.
func (m *machine) close() {
	if m != nil {
		m.progs = nil
	}
}
