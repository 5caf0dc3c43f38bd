package reparam

import "testing"

func TestLayoutOffsets(t *testing.T) {
	l, err := NewLayout(Dense{In: 3, Out: 4, Bias: true}, Dense{In: 4, Out: 2}, Dense{In: 2, Out: 5, Bias: true})
	if err != nil {
		t.Fatal(err)
	}
	// 12 + 4 | 8 | 10 + 5
	if got := l.Dim(); got != 39 {
		t.Fatalf("Dim = %d, want 39", got)
	}
	wantW := []int{0, 16, 24}
	wantB := []int{12, -1, 34}
	for k := range wantW {
		if l.WOffset(k) != wantW[k] || l.BOffset(k) != wantB[k] {
			t.Errorf("layer %d: offsets (%d,%d), want (%d,%d)", k, l.WOffset(k), l.BOffset(k), wantW[k], wantB[k])
		}
	}
	theta := make([]float64, l.Dim())
	for i := range theta {
		theta[i] = float64(i)
	}
	W := l.W(theta, 1)
	if len(W) != 8 || W[0] != 16 || W[7] != 23 {
		t.Errorf("W(1) = %v", W)
	}
	// W[i,j] = theta[off + i*Out + j]
	if W[1*2+1] != 16+3 {
		t.Errorf("row-major W[1,1] = %v, want 19", W[3])
	}
	if l.B(theta, 1) != nil {
		t.Errorf("B(1) should be nil")
	}
	if b := l.B(theta, 2); len(b) != 5 || b[0] != 34 {
		t.Errorf("B(2) = %v", b)
	}
	if err := l.Check(theta[:38]); err == nil {
		t.Errorf("Check accepted a short theta")
	}
	pb := l.ParamBlocks()
	want := [][2]int{{0, 12}, {12, 4}, {16, 8}, {24, 10}, {34, 5}}
	if len(pb) != len(want) {
		t.Fatalf("ParamBlocks = %v", pb)
	}
	for i := range want {
		if pb[i] != want[i] {
			t.Errorf("ParamBlocks[%d] = %v, want %v", i, pb[i], want[i])
		}
	}
	if lb := l.LayerBlock(2); lb != [2]int{24, 15} {
		t.Errorf("LayerBlock(2) = %v", lb)
	}
	if wb := l.WBlocks(); wb[2] != [2]int{24, 10} {
		t.Errorf("WBlocks = %v", wb)
	}
}

func TestLayoutValidate(t *testing.T) {
	if _, err := NewLayout(Dense{In: 3, Out: 4}, Dense{In: 5, Out: 2}); err == nil {
		t.Error("accepted non-chaining layers")
	}
	if _, err := NewLayout(); err == nil {
		t.Error("accepted empty layout")
	}
	if _, err := NewLayout(Dense{In: 0, Out: 4}); err == nil {
		t.Error("accepted zero size")
	}
}
