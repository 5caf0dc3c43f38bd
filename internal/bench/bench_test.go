package bench

import "testing"

var mnistMLP = []int{784, 256, 256, 10}

func problem(b *testing.B) *Problem {
	p, err := NewProblem(mnistMLP, 1000, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Obj.Close)
	return p
}

func BenchmarkForward(b *testing.B)  { p := problem(b); Run(b, p.Forward) }
func BenchmarkGradient(b *testing.B) { p := problem(b); Run(b, p.Gradient) }
func BenchmarkHVP(b *testing.B)      { p := problem(b); Run(b, p.HVP) }
