package study

import (
	"fmt"
	"testing"
)

// TestMeasureGridLayout checks measures.png's layout: two rows, the
// classical measures in a block on the left and the invariant ones on the
// right, each block filled row by row, an odd block padded with an empty
// cell, and every seed's value at each batch size in its panel.
func TestMeasureGridLayout(t *testing.T) {
	rows := []BatchSizeRow{{BatchSize: 10, Seed: 1}, {BatchSize: 10, Seed: 2}, {BatchSize: 256, Seed: 1}, {BatchSize: 256, Seed: 2}}
	var panels []measurePanel
	for i, inv := range []bool{false, false, false, false, false, true, true, true, true} {
		m := batchMeasure{name: fmt.Sprintf("m%d", i), invariant: inv, sharpness: true,
			get: func(r BatchSizeRow) float64 { return float64(100*i + r.BatchSize + int(r.Seed)) }}
		panels = append(panels, measurePanel{m: m, note: "note"})
	}
	grid := measureGrid(rows, panels, []int{10, 256})
	want := [][]string{{"m0", "m1", "m2", "m5", "m6"}, {"m3", "m4", "", "m7", "m8"}}
	if len(grid) != len(want) {
		t.Fatalf("%d rows, want %d", len(grid), len(want))
	}
	for r := range want {
		if len(grid[r]) != len(want[r]) {
			t.Fatalf("row %d has %d panels, want %d", r, len(grid[r]), len(want[r]))
		}
		for c, name := range want[r] {
			pn := grid[r][c]
			if name == "" {
				if len(pn.Groups) != 0 {
					t.Errorf("row %d col %d: want an empty cell, got %q", r, c, pn.Title)
				}
				continue
			}
			if pn.Title != name+"\nnote" {
				t.Errorf("row %d col %d: title %q, want %q", r, c, pn.Title, name+"\nnote")
			}
			i := 0
			fmt.Sscanf(name, "m%d", &i)
			g := pn.Groups[0]
			wantGroup := map[bool]string{false: "classical", true: "invariant"}[i >= 5]
			if g.Name != wantGroup || len(g.X) != 2 || g.X[0] != 10 || g.X[1] != 256 {
				t.Errorf("%s: group %q at %v, want %q at [10 256]", name, g.Name, g.X, wantGroup)
				continue
			}
			for k, b := range []int{10, 256} {
				if y := g.Y[k]; len(y) != 2 || y[0] != float64(100*i+b+1) || y[1] != float64(100*i+b+2) {
					t.Errorf("%s at batch %d: samples %v", name, b, y)
				}
			}
		}
	}
}

// TestRatioText checks the ratios written under measures.png's panel
// names: whole numbers from 100 to a million, three digits otherwise.
func TestRatioText(t *testing.T) {
	for r, want := range map[float64]string{1228.8: "1229", 93.0096: "93", 0.99391: "0.994", 4776.387: "4776", 2.5e6: "2.5e+06"} {
		if got := ratioText(r); got != want {
			t.Errorf("ratioText(%g) = %q, want %q", r, got, want)
		}
	}
}
