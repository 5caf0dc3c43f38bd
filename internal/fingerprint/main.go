// Command fingerprint prints a SHA-256 of the bits of the loss, gradient and
// Hessian-vector products of the benchmark problems (the MLP and the default
// CNN of package internal/bench, float64 and float32), so two builds can be
// shown to compute the same bits:
//
//	go run -tags openblas ./internal/fingerprint
//
// run at two commits (same BLAS, same threads, same machine: OpenBLAS picks
// its kernels by CPU, so its hash differs between machines) prints the same
// line when a change is meant to leave every value unchanged.
package main

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"

	"github.com/minima-project/minima/internal/bench"
)

func main() {
	h := sha256.New()
	problems := []struct {
		name string
		make func() (*bench.Problem, error)
	}{
		{"MLP float64", func() (*bench.Problem, error) { return bench.NewMLPProblem([]int{784, 256, 256, 10}, 300, 1, false) }},
		{"MLP float32", func() (*bench.Problem, error) { return bench.NewMLPProblem([]int{784, 256, 256, 10}, 300, 1, true) }},
		{"CNN float64", func() (*bench.Problem, error) { return bench.NewCNNDtypeProblem(40, 1, false) }},
		{"CNN float32", func() (*bench.Problem, error) { return bench.NewCNNDtypeProblem(40, 1, true) }},
	}
	for _, pr := range problems {
		p, err := pr.make()
		if err != nil {
			fail(err)
		}
		g, hv := make([]float64, len(p.Theta)), make([]float64, len(p.Theta))
		theta2 := append([]float64(nil), p.Theta...)
		theta2[0] += 1e-3
		write := func(l float64, vs ...[]float64) {
			binary.Write(h, binary.LittleEndian, l)
			for _, v := range vs {
				binary.Write(h, binary.LittleEndian, v)
			}
		}
		l, err := p.Obj.LossGrad(g, p.Theta)
		if err != nil {
			fail(err)
		}
		write(l, g)
		// At θ, at another θ, and at θ again (values kept from the first).
		for _, th := range [][]float64{p.Theta, theta2, p.Theta, p.Theta} {
			if l, err = p.Obj.HVP(hv, g, th, p.V); err != nil {
				fail(err)
			}
			write(l, hv, g)
		}
		p.Obj.Close()
		fmt.Fprintf(os.Stderr, "fingerprint: %s done\n", pr.name)
	}
	fmt.Printf("%x\n", h.Sum(nil))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fingerprint:", err)
	os.Exit(1)
}
