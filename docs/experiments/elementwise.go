//go:build ignore

// The Go loops of minima's element-wise steps (as in graph/ops and
// graph/kernels.go) on a 1,000x256 layer, over 8 buffers in turn, 200 calls
// each, 3 rounds; compare with elementwise.c.
//
//	go run docs/experiments/elementwise.go
package main

import (
	"fmt"
	"math"
	"math/rand"
	"time"
)

const N = 1000 * 256
const NB = 8

func step(z float64) float64 {
	var b uint64
	if z >= 0 {
		b = 0x3FF0000000000000
	}
	return math.Float64frombits(b)
}
func relu(d, x []float64) {
	d = d[:len(x)]
	for i, z := range x {
		d[i] = z * step(z)
	}
}
func mask(d, g, x []float64) {
	d = d[:len(x)]
	g = g[:len(x)]
	for i, z := range x {
		d[i] = g[i] * step(z)
	}
}
func bias(d, x, b []float64) {
	c := len(b)
	for r := 0; r+c <= len(x); r += c {
		dd, s := d[r:r+c], x[r:r+c]
		for j, v := range b {
			dd[j] = s[j] + v
		}
	}
}
func colsum(d, x []float64, r, c int) {
	d = d[:c]
	copy(d, x[:c])
	for i := 1; i < r; i++ {
		row := x[i*c : (i+1)*c]
		for j, v := range row {
			d[j] += v
		}
	}
}
func main() {
	var x, y, g [NB][]float64
	for k := range NB {
		x[k], y[k], g[k] = make([]float64, N), make([]float64, N), make([]float64, N)
		for i := range x[k] {
			x[k][i] = rand.Float64() - 0.5
			g[k][i] = 2 * x[k][i]
		}
	}
	b := make([]float64, 256)
	s := make([]float64, 256)
	for range 3 {
		t0 := time.Now()
		for it := range 200 {
			relu(y[it%NB], x[it%NB])
		}
		t1 := time.Now()
		for it := range 200 {
			mask(y[it%NB], g[it%NB], x[it%NB])
		}
		t2 := time.Now()
		for it := range 200 {
			bias(y[it%NB], x[it%NB], b)
		}
		t3 := time.Now()
		for it := range 200 {
			colsum(s, x[it%NB], 1000, 256)
		}
		t4 := time.Now()
		fmt.Printf("relu %v mask %v bias %v colsum %v\n", t1.Sub(t0)/200, t2.Sub(t1)/200, t3.Sub(t2)/200, t4.Sub(t3)/200)
	}
}
