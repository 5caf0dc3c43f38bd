package measures

import "fmt"

// Dense is an explicit symmetric n×n matrix, stored row-major, used as an
// Operator. It exists for tests and for small problems whose full matrix fits.
type Dense struct {
	N    int
	Data []float64 // row-major, len N*N
}

// Dim returns N.
func (d *Dense) Dim() int { return d.N }

// Apply sets dst = D·v.
func (d *Dense) Apply(dst, v []float64) error {
	if len(v) != d.N || len(dst) != d.N {
		return fmt.Errorf("measures: Dense.Apply: lengths %d, %d, want %d", len(dst), len(v), d.N)
	}
	for i := 0; i < d.N; i++ {
		row := d.Data[i*d.N : (i+1)*d.N]
		s := 0.0
		for j, r := range row {
			s += r * v[j]
		}
		dst[i] = s
	}
	return nil
}
