package graph

import (
	"fmt"
	"math"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// program executes the part of a gorgonia expression graph that some output
// nodes depend on, node by node, with every intermediate value allocated once,
// when the program is compiled, and reused by every run.
//
// gorgonia's tape machine drops its registers on Reset, so each run of it
// re-allocates every intermediate (about 73 MB and 2,500 allocations per HVP
// of the benchmark MLP), and it executes every node of the graph, including
// derivatives nobody reads (∂L/∂x, ∂s/∂v). A program runs the same gorgonia
// ops on the same values, in the same topological order, but:
//
//   - only the nodes the outputs depend on are executed;
//   - nodes that depend only on constants and shapes (SizeOf, the all-ones
//     tensors the second Grad builds) are evaluated once, at compile time;
//   - each op writes into a preallocated tensor (UsePreallocDo), or, for ops
//     that cannot (elementwise unary ops, reductions), into a copy that it
//     then overwrites (UnsafeDo) or from which its result is copied;
//   - row and column sums, row maxima and the repeats broadcasting builds
//     run as kernels doing gorgonia's arithmetic in gorgonia's order straight
//     into the buffer (kernels.go): the same bits, without the generic
//     reduction's cost, which dominates on a loss's small matrices;
//   - Reshape nodes are views of their input's buffer, and x ⊙ 1 of an input
//     x (the second Grad's start, v times the ones of a sum's derivative)
//     is x itself;
//   - buffers are shared between nodes whose lifetimes do not overlap, so a
//     program's memory is its largest set of simultaneously live values.
//
// Inputs are bound by Set before a run; their values are read, never written.
// Output values are valid until the next run. A program is not safe for
// concurrent use.
type program struct {
	slot   map[*G.Node]int // node → index in values
	nodes  []*G.Node       // index in values → node
	values []G.Value
	steps  []step
	split  int // steps[:split] do not depend on the varying inputs
	gemms  []Gemm
	bytes  int // bytes of the preallocated buffers

	// keep lists the values of steps[:split] that a run from split reads
	// (arguments of later steps, and outputs), in step order: a run that
	// skips the first phase needs them as the first phase left them on the
	// same chunk (see machine.run).
	keep      []keptValue
	keepBytes int // bytes of the buffers among keep
}

// keptKind is how a kept value is stored for a chunk.
type keptKind int

const (
	keptBuffer keptKind = iota // a preallocated buffer: one per chunk
	keptView                   // a view of another kept value: one per chunk
	keptFresh                  // a value each run creates (scalars, views of inputs): the chunk's is remembered
)

// keptValue is one value of the first phase that the second phase reads.
type keptValue struct {
	slot   int
	kind   keptKind
	parent int     // keptView: index in keep of the value it views
	op     G.Op    // keptView: the op making the view
	own    G.Value // the program's own value (buffers and views)
}

// stepMode is how a step produces its value.
type stepMode int

const (
	modePrealloc stepMode = iota // op.UsePreallocDo into the buffer
	modeUnsafe                   // copy the input into the buffer, then op.UnsafeDo on it
	modeCopy                     // op.Do, then copy the result into the buffer
	modeFresh                    // op.Do; the result becomes the value (scalars, views of inputs)
	modeKernel                   // the step's kernel into the buffer (see kernelFor)
	modeAlias                    // the value is argument alias's (x ⊙ 1 of an input x)
	modeNone                     // computed at compile time (views of buffers)
)

type step struct {
	node  *G.Node
	op    G.Op
	mode  stepMode
	out   int   // slot of the value
	args  []int // slots of the arguments
	argv  []G.Value
	kern  kernel // modeKernel
	alias int    // modeAlias
}

// Gemm is one matrix product C = op(A)·op(B) of a compiled graph, C m×n, with
// the shared dimension k.
type Gemm struct {
	TransA, TransB bool
	M, N, K        int
	// Varying: the product depends on an input that changes between runs
	// that keep the others (v, for HVPs at a fixed θ).
	Varying bool
}

// timesOnes returns, when node n is the elementwise product x ⊙ 1 of a
// matrix x and a constant of x's shape holding only ones (the first
// derivative of a sum, which the second Grad multiplies by v), the index of x
// among n's children cs; otherwise −1. x·1 is x, bit for bit, for every x but
// a signalling NaN (made quiet), which arithmetic never produces.
func timesOnes(n *G.Node, cs []*G.Node, staticVal map[*G.Node]G.Value) int {
	if len(cs) != 2 || n.Op().String() != "⊙ false" || !isOp(n.Op(), "gorgonia.elemBinOp") {
		return -1
	}
	for k := range 2 {
		ones, ok := staticVal[cs[1-k]].(tensor.Tensor)
		if !ok || !cs[k].Shape().Eq(n.Shape()) || !cs[1-k].Shape().Eq(n.Shape()) {
			continue
		}
		all := true
		switch d := ones.Data().(type) {
		case []float64:
			for _, v := range d {
				all = all && v == 1
			}
		case []float32:
			for _, v := range d {
				all = all && v == 1
			}
		default:
			all = false
		}
		if all {
			return k
		}
	}
	return -1
}

// isOp reports whether op is gorgonia's op of the given (unexported) type name.
// gorgonia exports no way to recognise SizeOf, Reshape or MatMul nodes other
// than their dynamic types.
func isOp(op G.Op, name string) bool { return fmt.Sprintf("%T", op) == name }

// compile prepares a program that computes outputs from inputs. Every node of
// the graph without an op other than those in inputs is an error; constants
// are read from the graph.
//
// vary lists the inputs (among inputs) that change between runs that keep the
// others: the steps that do not depend on them form a first phase, which run
// can skip (runFrom(p.split)) when the other inputs are unchanged, their
// values being kept from the previous run.
//
// dt is the dtype values are computed in: the graph's own (float64), or
// float32 for a float64 graph executed in single precision (its constants are
// converted; its inputs must be bound as float32).
func compile(g *G.ExprGraph, inputs, vary, outputs []*G.Node, dt tensor.Dtype) (*program, error) {
	sorted, err := G.Sort(g)
	if err != nil {
		return nil, fmt.Errorf("graph: compile: %w", err)
	}
	order := make([]*G.Node, len(sorted))
	for i, n := range sorted { // Sort puts roots first
		order[len(sorted)-1-i] = n
	}
	children := func(n *G.Node) []*G.Node {
		var cs []*G.Node
		it := g.From(n.ID())
		for it.Next() {
			cs = append(cs, it.Node().(*G.Node))
		}
		return cs
	}
	isInput := make(map[*G.Node]bool, len(inputs))
	for _, n := range inputs {
		isInput[n] = true
	}

	// Static nodes: constants, SizeOf (a function of a shape), and anything
	// computed from static nodes only.
	static := make(map[*G.Node]bool)
	staticVal := make(map[*G.Node]G.Value)
	for _, n := range order {
		if isInput[n] {
			continue
		}
		if n.Op() == nil {
			return nil, fmt.Errorf("graph: compile: node %v has no op and is not a bound input", n)
		}
		cs := children(n)
		all := true
		for _, c := range cs {
			all = all && static[c]
		}
		if static[n] = all || isOp(n.Op(), "gorgonia.sizeOp"); static[n] {
			if staticVal[n], err = evalStatic(n, cs, staticVal, dt); err != nil {
				return nil, err
			}
		}
	}

	// Live nodes: what the outputs depend on, not looking past static nodes.
	live := make(map[*G.Node]bool)
	var mark func(n *G.Node)
	mark = func(n *G.Node) {
		if live[n] {
			return
		}
		live[n] = true
		if static[n] || isInput[n] {
			return
		}
		for _, c := range children(n) {
			mark(c)
		}
	}
	for _, o := range outputs {
		mark(o)
	}

	p := &program{slot: make(map[*G.Node]int)}
	newSlot := func(n *G.Node) int {
		p.slot[n] = len(p.values)
		p.values = append(p.values, nil)
		p.nodes = append(p.nodes, n)
		return p.slot[n]
	}
	// root is the node whose buffer a value lives in (itself, or the source of
	// a chain of Reshape views); rootInput marks values that are views of an
	// input, which change with every binding.
	root := make(map[*G.Node]*G.Node)
	pinned := make(map[*G.Node]bool) // roots that are never reused: inputs, static values, outputs
	for _, o := range outputs {
		pinned[o] = true
	}
	lastUse := make(map[*G.Node]int) // root → index of the last step reading it

	// Phases: nodes that depend on a varying input run second.
	varies := make(map[*G.Node]bool)
	for _, n := range vary {
		varies[n] = true
	}
	dep := make(map[*G.Node]bool)
	var first, second []*G.Node
	for _, n := range order {
		switch {
		case !live[n]:
		case isInput[n]:
			dep[n] = varies[n]
			root[n], pinned[n] = n, true
			newSlot(n)
		case static[n]:
			p.values[newSlot(n)] = staticVal[n]
			root[n], pinned[n] = n, true
		default:
			for _, c := range children(n) {
				dep[n] = dep[n] || dep[c]
			}
			if dep[n] {
				second = append(second, n)
			} else {
				first = append(first, n)
			}
		}
	}
	if len(second) > 0 {
		p.split = len(first)
	}
	for _, n := range append(first, second...) {
		s := newSlot(n)
		{
			cs := children(n)
			st := step{node: n, op: n.Op(), out: s, argv: make([]G.Value, len(cs))}
			for _, c := range cs {
				st.args = append(st.args, p.slot[c])
			}
			alias := timesOnes(n, cs, staticVal)
			switch {
			case isOp(n.Op(), "gorgonia.reshapeOp") && !n.IsScalar():
				root[n] = root[cs[0]]
				st.mode = modeFresh
			case n.IsScalar():
				root[n] = n
				st.mode = modeFresh
			case alias >= 0 && isInput[root[cs[alias]]]:
				st.alias = alias
				root[n] = root[cs[alias]]
				st.mode = modeAlias
			default:
				root[n] = n
				if st.kern = kernelFor(n, cs); st.kern != nil {
					st.mode = modeKernel
					break
				}
				switch n.Op().(type) {
				case G.UsePreallocDoer:
					st.mode = modePrealloc
				case G.UnsafeDoer:
					if len(cs) == 1 && cs[0].Shape().TotalSize() == n.Shape().TotalSize() && cs[0].Dtype() == n.Dtype() {
						st.mode = modeUnsafe
					} else {
						st.mode = modeCopy
					}
				default:
					st.mode = modeCopy
				}
			}
			if pinned[n] && root[n] != n {
				pinned[root[n]] = true // an output that is a view pins its source
			}
			if dep[n] {
				for _, c := range cs {
					if !dep[c] {
						pinned[root[c]] = true // kept for runs that skip the first phase
					}
				}
			}
			for _, c := range cs {
				lastUse[root[c]] = len(p.steps)
			}
			if st.mode != modeFresh && isOp(n.Op(), "gorgonia.linAlgBinOp") {
				if gm, ok := gemmOf(n.Op(), n, cs); ok {
					gm.Varying = dep[n]
					p.gemms = append(p.gemms, gm)
				}
			}
			p.steps = append(p.steps, st)
		}
	}

	// Buffers: in step order, give each step that owns its root a buffer from
	// the pool of its size, then return to the pool the roots this step reads
	// for the last time.
	type key struct {
		dt   tensor.Dtype
		size int
	}
	pool := make(map[key][]any)
	for i := range p.steps {
		st := &p.steps[i]
		n := st.node
		if root[n] == n && st.mode != modeFresh {
			k := key{execDtype(n.Dtype(), dt), n.Shape().TotalSize()}
			var backing any
			if free := pool[k]; len(free) > 0 {
				backing, pool[k] = free[len(free)-1], free[:len(free)-1]
			} else {
				t := tensor.New(tensor.WithShape(k.size), tensor.Of(k.dt))
				backing = t.Data()
				p.bytes += k.size * int(k.dt.Size())
			}
			p.values[st.out] = tensor.New(tensor.WithShape(n.Shape().Clone()...), tensor.WithBacking(backing))
		}
		// Reshape views of buffers (not of inputs) are made once here.
		if st.mode == modeFresh && root[n] != n && !isInput[root[n]] {
			v, err := st.op.Do(p.values[st.args[0]])
			if err != nil {
				return nil, fmt.Errorf("graph: compile: %v: %w", st.op, err)
			}
			p.values[st.out] = v
			st.mode = modeNone
		}
		for _, a := range st.args {
			r := root[p.nodes[a]]
			if lastUse[r] == i && !pinned[r] {
				if t, ok := p.values[p.slot[r]].(tensor.Tensor); ok {
					k := key{execDtype(r.Dtype(), dt), r.Shape().TotalSize()}
					pool[k] = append(pool[k], t.Data())
					lastUse[r] = -1 // returned once
				}
			}
		}
	}
	p.findKept(outputs)
	// Drop the steps resolved at compile time.
	kept := p.steps[:0]
	split := p.split
	for i, st := range p.steps {
		if st.mode != modeNone {
			kept = append(kept, st)
		} else if i < split {
			p.split--
		}
	}
	p.steps = kept
	return p, nil
}

// findKept fills p.keep: the values of the first phase (p.steps[:p.split],
// modeNone views included) that the second phase or the outputs read, with
// the values the views among them are views of.
func (p *program) findKept(outputs []*G.Node) {
	if p.split == 0 {
		return
	}
	first := make(map[int]int) // slot → index of its step in the first phase
	for i, st := range p.steps[:p.split] {
		first[st.out] = i
	}
	need := make(map[int]bool)
	// mark marks slot s and reports whether it depends on the first phase (a
	// view of a constant does not).
	var mark func(s int) bool
	mark = func(s int) bool {
		i, ok := first[s]
		switch {
		case !ok:
			return false
		case need[s]:
			return true
		case p.steps[i].mode == modeNone && !mark(p.steps[i].args[0]): // a view needs what it views
			return false
		}
		need[s] = true
		return true
	}
	for _, st := range p.steps[p.split:] {
		for _, a := range st.args {
			mark(a)
		}
	}
	for _, o := range outputs {
		if s, ok := p.slot[o]; ok {
			mark(s)
		}
	}
	index := make(map[int]int) // slot → index in keep
	for _, st := range p.steps[:p.split] {
		if !need[st.out] {
			continue
		}
		k := keptValue{slot: st.out, own: p.values[st.out]}
		switch {
		case st.mode == modeNone:
			k.kind = keptView
			k.parent, k.op = index[st.args[0]], st.op
		case st.mode == modeFresh || st.mode == modeAlias:
			k.kind = keptFresh
		default:
			k.kind = keptBuffer
			if t, ok := k.own.(tensor.Tensor); ok {
				p.keepBytes += t.DataSize() * int(t.Dtype().Size())
			}
		}
		index[st.out] = len(p.keep)
		p.keep = append(p.keep, k)
	}
}

// newKept allocates, for one chunk, the buffers and views of the kept values
// (nil for fresh ones, filled by the first run).
func (p *program) newKept() ([]G.Value, error) {
	vals := make([]G.Value, len(p.keep))
	for i, k := range p.keep {
		switch k.kind {
		case keptBuffer:
			t := k.own.(tensor.Tensor)
			vals[i] = tensor.New(tensor.WithShape(t.Shape().Clone()...), tensor.Of(t.Dtype()))
		case keptView:
			v, err := k.op.Do(vals[k.parent])
			if err != nil {
				return nil, fmt.Errorf("graph: kept view: %w", err)
			}
			vals[i] = v
		}
	}
	return vals, nil
}

// gemmOf describes a matrix-product node from its operands' shapes.
func gemmOf(op G.Op, n *G.Node, cs []*G.Node) (Gemm, bool) {
	if len(cs) != 2 || n.Shape().Dims() != 2 || cs[0].Shape().Dims() != 2 {
		return Gemm{}, false
	}
	s := op.String()
	g := Gemm{TransA: strings.HasPrefix(s, "Aᵀ"), TransB: strings.HasSuffix(s, "ᵀ"), M: n.Shape()[0], N: n.Shape()[1]}
	if g.TransA {
		g.K = cs[0].Shape()[0]
	} else {
		g.K = cs[0].Shape()[1]
	}
	return g, true
}

// evalStatic computes a static node's value at compile time.
func evalStatic(n *G.Node, cs []*G.Node, vals map[*G.Node]G.Value, dt tensor.Dtype) (G.Value, error) {
	if len(cs) == 0 {
		if n.Value() == nil {
			return nil, fmt.Errorf("graph: compile: constant %v has no value", n)
		}
		return convertValue(n.Value(), dt)
	}
	args := make([]G.Value, len(cs))
	if isOp(n.Op(), "gorgonia.sizeOp") {
		c := cs[0]
		cdt := execDtype(c.Dtype(), dt)
		if c.IsScalar() {
			args[0] = G.NewF64(0)
			if cdt == tensor.Float32 {
				args[0] = G.NewF32(0)
			}
		} else {
			args[0] = tensor.New(tensor.WithShape(c.Shape().Clone()...), tensor.Of(cdt))
		}
	} else {
		for i, c := range cs {
			args[i] = vals[c]
		}
	}
	v, err := n.Op().Do(args...)
	if err != nil {
		return nil, fmt.Errorf("graph: compile: %v: %w", n.Op(), err)
	}
	return v, nil
}

// execDtype is the dtype a node of dtype nd is computed in when the program
// computes in dt: float64 nodes follow dt, others keep theirs.
func execDtype(nd, dt tensor.Dtype) tensor.Dtype {
	if nd == tensor.Float64 {
		return dt
	}
	return nd
}

// convertValue returns a constant in dtype dt (itself if it already is, or
// if it is not a float64).
func convertValue(v G.Value, dt tensor.Dtype) (G.Value, error) {
	if dt != tensor.Float32 || v.Dtype() != tensor.Float64 {
		return v, nil
	}
	switch x := v.(type) {
	case *G.F64:
		return G.NewF32(float32(*x)), nil
	case tensor.Tensor:
		src := tensor.Materialize(x).Data().([]float64)
		dst := make([]float32, len(src))
		for i, f := range src {
			dst[i] = float32(f)
		}
		return tensor.New(tensor.WithShape(x.Shape().Clone()...), tensor.WithBacking(dst)), nil
	}
	return nil, fmt.Errorf("graph: compile: cannot convert constant %v (%T) to %v", v, v, dt)
}

// set binds a value to an input node of the program.
func (p *program) set(n *G.Node, v G.Value) error {
	s, ok := p.slot[n]
	if !ok {
		return nil // an input the outputs do not depend on
	}
	p.values[s] = v
	return nil
}

// value returns a node's value after a run (nil if the program does not compute it).
func (p *program) value(n *G.Node) G.Value {
	if s, ok := p.slot[n]; ok {
		return p.values[s]
	}
	return nil
}

// run executes the steps.
func (p *program) run() error { return p.runFrom(0) }

// runFrom executes the steps from the i-th on: runFrom(p.split) skips the
// steps that do not depend on the varying inputs, whose values are those of
// the last run.
func (p *program) runFrom(from int) error {
	for i := from; i < len(p.steps); i++ {
		st := &p.steps[i]
		for j, a := range st.args {
			st.argv[j] = p.values[a]
		}
		if len(st.argv) == 2 && st.argv[0] == st.argv[1] {
			// linAlgBinOp transposes its arguments' headers in place: never
			// hand it the same header twice.
			if d, ok := st.argv[1].(*tensor.Dense); ok {
				st.argv[1] = d.ShallowClone()
			}
		}
		out := p.values[st.out]
		var err error
		switch st.mode {
		case modePrealloc:
			var v G.Value
			if v, err = st.op.(G.UsePreallocDoer).UsePreallocDo(out, st.argv...); err == nil && !sameData(v, out) {
				err = copyValue(out, v)
			}
		case modeUnsafe:
			if err = copyValue(out, st.argv[0]); err == nil {
				var v G.Value
				if v, err = st.op.(G.UnsafeDoer).UnsafeDo(out); err == nil && !sameData(v, out) {
					err = copyValue(out, v)
				}
			}
		case modeCopy:
			var v G.Value
			if v, err = st.op.Do(st.argv...); err == nil {
				err = copyValue(out, v)
			}
		case modeFresh:
			p.values[st.out], err = st.op.Do(st.argv...)
		case modeKernel:
			err = st.kern(out, st.argv)
		case modeAlias:
			p.values[st.out] = st.argv[st.alias]
		}
		if err != nil {
			return fmt.Errorf("graph: %v: %w", st.op, err)
		}
	}
	return nil
}

// sameData reports whether two values share their first element.
func sameData(a, b G.Value) bool {
	ta, ok1 := a.(tensor.Tensor)
	tb, ok2 := b.(tensor.Tensor)
	return ok1 && ok2 && ta.Uintptr() == tb.Uintptr() && ta.DataSize() == tb.DataSize()
}

// copyValue copies src's elements into the tensor dst (same size and dtype).
func copyValue(dst, src G.Value) error {
	d, ok := dst.(tensor.Tensor)
	if !ok {
		return fmt.Errorf("graph: copy into a non-tensor %T", dst)
	}
	switch s := src.(type) {
	case tensor.Tensor:
		if s.RequiresIterator() {
			s = tensor.Materialize(s)
		}
		switch dd := d.Data().(type) {
		case []float64:
			sd, ok := s.Data().([]float64)
			if !ok || len(sd) != len(dd) {
				return fmt.Errorf("graph: copy %v %v into %v %v", s.Dtype(), s.Shape(), d.Dtype(), d.Shape())
			}
			copy(dd, sd)
		case []float32:
			sd, ok := s.Data().([]float32)
			if !ok || len(sd) != len(dd) {
				return fmt.Errorf("graph: copy %v %v into %v %v", s.Dtype(), s.Shape(), d.Dtype(), d.Shape())
			}
			copy(dd, sd)
		default:
			return fmt.Errorf("graph: unsupported dtype %v", d.Dtype())
		}
	case *G.F64:
		dd, ok := d.Data().([]float64)
		if !ok || len(dd) != 1 {
			return fmt.Errorf("graph: copy a scalar into %v", d.Shape())
		}
		dd[0] = float64(*s)
	case *G.F32:
		dd, ok := d.Data().([]float32)
		if !ok || len(dd) != 1 {
			return fmt.Errorf("graph: copy a scalar into %v", d.Shape())
		}
		dd[0] = float32(*s)
	default:
		return fmt.Errorf("graph: copy a %T", src)
	}
	return nil
}

// scalarOf reads a scalar value (a gorgonia scalar or a one-element tensor).
func scalarOf(v G.Value) float64 {
	switch s := v.(type) {
	case *G.F64:
		return float64(*s)
	case *G.F32:
		return float64(*s)
	case tensor.Tensor:
		switch d := s.Data().(type) {
		case float64:
			return d
		case float32:
			return float64(d)
		case []float64:
			return d[0]
		case []float32:
			return float64(d[0])
		}
	}
	return math.NaN()
}
