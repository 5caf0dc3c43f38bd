package ops

import (
	"reflect"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

var baseGeom = Geom{Batch: 2, C: 3, H: 8, W: 9, KH: 3, KW: 2, SH: 2, SW: 1, PH: 1, PW: 0}

// geomOps returns every op of the package built on geometry g.
func geomOps(g Geom) []G.Op {
	return []G.Op{im2colOp{g}, col2imOp{g}, poolOp{g}, scatterOp{g}, gatherOp{g},
		convOp{g, 4}, convDataOp{g, 4}, convFilterOp{g, 4}, convOp{g, 5}}
}

// allOps returns every op of the package.
func allOps() []G.Op {
	return append(geomOps(baseGeom), permOp{B: 2, C: 3, H: 4, W: 5}, permOp{B: 2, C: 3, H: 4, W: 5, toNHWC: true},
		reluOp{R: 4, C: 5}, reluOp{R: 4, C: 5, mask: true}, biasOp{R: 4, C: 5})
}

// TestDiffWRTMatchesArity: every op reports differentiability for each of its
// inputs, as a second Grad needs.
func TestDiffWRTMatchesArity(t *testing.T) {
	for _, op := range allOps() {
		if d := op.(G.SDOp).DiffWRT(op.Arity()); len(d) != op.Arity() {
			t.Errorf("%v: DiffWRT has %d entries for arity %d", op, len(d), op.Arity())
		}
	}
}

// TestHashEncodesEveryParameter: changing any one geometry field, or the
// op, changes the hash, so hash-consing never merges distinct nodes.
func TestHashEncodesEveryParameter(t *testing.T) {
	seen := map[uint32]string{}
	add := func(op G.Op) {
		if prev, ok := seen[op.Hashcode()]; ok {
			t.Errorf("%v and %s share hash %x", op, prev, op.Hashcode())
		}
		seen[op.Hashcode()] = op.String()
	}
	for _, op := range allOps() {
		add(op)
	}
	for i := 0; i < reflect.TypeOf(baseGeom).NumField(); i++ {
		g := baseGeom
		f := reflect.ValueOf(&g).Elem().Field(i)
		f.SetInt(f.Int() + 7)
		for _, op := range geomOps(g) {
			add(op)
		}
	}
	for _, op := range []G.Op{reluOp{R: 5, C: 4}, reluOp{R: 4, C: 6}, reluOp{R: 5, C: 4, mask: true}, reluOp{R: 4, C: 6, mask: true}, biasOp{R: 5, C: 4}, biasOp{R: 4, C: 6}} {
		add(op)
	}
	for i := 0; i < 4; i++ {
		p := permOp{B: 2, C: 3, H: 4, W: 5}
		f := reflect.ValueOf(&p).Elem().Field(i)
		f.SetInt(f.Int() + 7)
		add(p)
	}
}

// TestGeomValidate: Validate accepts a sound geometry and rejects each kind
// of bad one.
func TestGeomValidate(t *testing.T) {
	if err := baseGeom.Validate(); err != nil {
		t.Fatalf("valid geometry rejected: %v", err)
	}
	for name, mod := range map[string]func(*Geom){
		"batch 0":           func(g *Geom) { g.Batch = 0 },
		"channels 0":        func(g *Geom) { g.C = 0 },
		"kernel 0":          func(g *Geom) { g.KW = 0 },
		"stride 0":          func(g *Geom) { g.SH = 0 },
		"negative padding":  func(g *Geom) { g.PW = -1 },
		"kernel > input":    func(g *Geom) { g.KH = 11 },
		"kernel > padded W": func(g *Geom) { g.KW = 10 },
	} {
		g := baseGeom
		mod(&g)
		if err := g.Validate(); err == nil {
			t.Errorf("%s: %+v accepted", name, g)
		}
	}
}

// TestBadShapesAreErrors: each constructor refuses inputs whose shape does
// not match its geometry, and MaxPool refuses padding.
func TestBadShapesAreErrors(t *testing.T) {
	g := baseGeom
	eg := G.NewGraph()
	x := G.NewMatrix(eg, tensor.Float64, G.WithShape(g.inRows(), g.C), G.WithName("x"))
	bad := G.NewMatrix(eg, tensor.Float64, G.WithShape(g.inRows(), g.C+1), G.WithName("bad"))
	w := G.NewMatrix(eg, tensor.Float64, G.WithShape(4, g.C*g.patch()+1), G.WithName("w"))
	nopad := g
	nopad.PH = 0
	for name, f := range map[string]func() (*G.Node, error){
		"Im2Col x":    func() (*G.Node, error) { return Im2Col(bad, g) },
		"Col2Im cols": func() (*G.Node, error) { return Col2Im(x, g) },
		"Conv2D w":    func() (*G.Node, error) { return Conv2D(x, w, g) },
		"Conv2D x": func() (*G.Node, error) {
			return Conv2D(bad, G.NewMatrix(eg, tensor.Float64, G.WithShape(4, g.C*g.patch()), G.WithName("w4")), g)
		},
		"MaxPool x":        func() (*G.Node, error) { return MaxPool(bad, nopad) },
		"MaxPool padding":  func() (*G.Node, error) { return MaxPool(x, g) },
		"NCHWToNHWC shape": func() (*G.Node, error) { return NCHWToNHWC(x, g.Batch, g.C, g.H, g.W) },
		"NHWCToNCHW shape": func() (*G.Node, error) { return NHWCToNCHW(x, g.Batch, g.C, g.H, g.W+1) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: bad input accepted", name)
		}
	}
}
