package graph

import (
	"math"
	"slices"
	"testing"

	"gorgonia.org/tensor"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/internal/numtest"
	"github.com/minima-project/minima/loss"
)

// pixelSet is n samples of d features k/255 (k random in [0, 255]), like MNIST's.
func pixelSet(n, d, classes int, seed int64) *datasets.Set {
	s := randomSet(n, d, classes, seed)
	for i, x := range s.X {
		s.X[i] = float64(int(math.Abs(x)*1000)%256) / 255
	}
	return s
}

// Coded chunks decode to the bits of plain ones, in float64 and float32,
// padding included, and alternating between chunks re-decodes each.
func TestCodedChunksDecodeExactly(t *testing.T) {
	set := pixelSet(10, 7, 3, 30)
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		cs, err := makeChunks(set.X, set.Y, set.N, set.D, 3, 4, 0.1, dt)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{0, 2, 1, 2, 0} {
			c := cs[k]
			if c.codes == nil {
				t.Fatalf("%v chunk %d of pixel data is not coded", dt, k)
			}
			end := min(4*(k+1), set.N)
			plain, err := newChunkOf(set.X[4*k*7:end*7], set.Y[4*k:end], 7, 3, 4, 0.1, dt, false)
			if err != nil {
				t.Fatal(err)
			}
			got, want := c.input().Data(), plain.x.Data()
			switch g := got.(type) {
			case []float64:
				if !slices.Equal(g, want.([]float64)) {
					t.Fatalf("float64 chunk %d decodes to %v, want %v", k, g, want)
				}
			case []float32:
				if !slices.Equal(g, want.([]float32)) {
					t.Fatalf("float32 chunk %d decodes to %v, want %v", k, g, want)
				}
			}
		}
	}
}

// More than 256 distinct values, or a single chunk, leave chunks plain.
func TestChunksPlainWhenNotCodable(t *testing.T) {
	set := randomSet(300, 2, 3, 31) // Gaussian features: 600 distinct values
	cs, err := makeChunks(set.X, set.Y, set.N, set.D, 3, 200, 1, tensor.Float64)
	if err != nil {
		t.Fatal(err)
	}
	if cs[0].codes != nil {
		t.Fatalf("a chunk of 400 distinct values was coded")
	}
	px := pixelSet(5, 7, 3, 32)
	one, err := makeChunks(px.X, px.Y, px.N, px.D, 3, 8, 1, tensor.Float64)
	if err != nil {
		t.Fatal(err)
	}
	if one[0].codes != nil {
		t.Fatalf("the only chunk of a set was coded")
	}
}

// quantize keeps bit patterns apart: 0 and -0 get different codes.
func TestQuantizeKeepsSignedZeros(t *testing.T) {
	codes, pal, ok := quantize([]float64{0, math.Copysign(0, -1), 0}, 4)
	if !ok || codes[0] == codes[1] || codes[0] != codes[2] || codes[3] != codes[0] || len(pal) != 2 {
		t.Fatalf("quantize(0, -0, 0 + padding) = %v, %v, %v", codes, pal, ok)
	}
}

// An objective over coded chunks gives the bits of one over the same samples
// in plain chunks.
func TestObjectiveOnCodedChunksSameBits(t *testing.T) {
	s := MLP(7, []int{5}, 3, true, loss.CrossEntropy)
	set := pixelSet(10, 7, 3, 33)
	n := s.NumParams()
	theta, v := randomVec(n, 0.7, 34), randomVec(n, 1, 35)
	coded := mustObjective(t, s, set, 4)
	if coded.chunks[0].codes == nil {
		t.Fatalf("pixel data was not coded")
	}
	hvCoded := make([]float64, n)
	if _, err := coded.HVP(hvCoded, nil, theta, v); err != nil {
		t.Fatal(err)
	}
	// The same chunks, plain: built one by one.
	plain := mustObjective(t, s, set, 4)
	for k, c := range plain.chunks {
		end := min(4*(k+1), set.N)
		p, err := newChunkOf(set.X[4*k*7:end*7], set.Y[4*k:end], 7, 3, 4, 1/float64(set.N), tensor.Float64, false)
		if err != nil {
			t.Fatal(err)
		}
		*c = *p
	}
	hvPlain := make([]float64, n)
	if _, err := plain.HVP(hvPlain, nil, theta, v); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(hvCoded, hvPlain) {
		t.Fatalf("products on coded chunks differ from plain ones by %.3g", numtest.MaxRelDiff(hvCoded, hvPlain))
	}
}
