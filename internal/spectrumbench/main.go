// Command spectrumbench measures the Hessian-vector products and seconds that
// Lanczos and power iteration with deflation (PyHessian's method) need for the
// top eigenvalues of an MLP's Hessian over MNIST images, to the same relative
// residual. `make bench-spectrum` runs it; the README quotes its output.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/loss"
	"github.com/minima-project/minima/measures"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "spectrumbench:", err)
	os.Exit(1)
}

func main() {
	n := flag.Int("n", 1000, "MNIST training images (stratified subset)")
	top := flag.Int("top", 10, "eigenvalues")
	tol := flag.Float64("tol", 1e-6, "relative residual ‖Hv − λv‖/|λ| every eigenvalue must reach")
	epochs := flag.Int("epochs", 5, "training epochs before measuring (0: at initialisation)")
	maxIter := flag.Int("power-max-iter", 1000, "power iteration: products per eigenvalue at most")
	dataDir := flag.String("data-dir", "", "MNIST directory")
	power := flag.Bool("power", true, "also power iteration with deflation")
	f32 := flag.Bool("float32", true, "also Lanczos on float32 products (float64 Lanczos vectors)")
	flag.Parse()

	src := datasets.Source{Kind: datasets.KindMNIST, Subset: *n, TestSubset: 1000, Seed: 1}
	train, _, err := src.Load(*dataDir)
	if err != nil {
		fail(err)
	}
	spec := graph.MLP(784, []int{256, 256}, 10, true, loss.CrossEntropy)
	res, err := graph.Train(spec, train, nil, graph.TrainSettings{BatchSize: 64, Epochs: *epochs, LR: 0.05, Momentum: 0.9, Init: graph.He, Seed: 1})
	if err != nil {
		fail(err)
	}
	o, err := graph.NewObjective(spec, train, 0)
	if err != nil {
		fail(err)
	}
	defer o.Close()
	op, err := o.Hessian(res.Theta)
	if err != nil {
		fail(err)
	}
	fmt.Printf("MLP 784-256-256-10 (%d parameters), %d MNIST images, %d epochs of SGD, BLAS=%s\n", spec.NumParams(), train.N, *epochs, graph.BLAS)
	fmt.Printf("top %d eigenvalues, every one to ‖Hv − λv‖ ≤ %g·|λ|\n\n", *top, *tol)

	// Lanczos' tolerance is relative to the largest |λ|; ask for tol·λ_k/λ_1 so
	// the k-th eigenvalue meets tol relative to itself (as power iteration does).
	probe, err := measures.Lanczos(op, &measures.LanczosSettings{Top: *top, Tol: *tol, Seed: 1, Verify: true})
	if err != nil {
		fail(err)
	}
	scaled := *tol * probe.Top[len(probe.Top)-1] / probe.Top[0]
	t0 := time.Now()
	lz, err := measures.Lanczos(op, &measures.LanczosSettings{Top: *top, Tol: scaled, Seed: 1, Verify: true})
	if err != nil {
		fail(err)
	}
	lzTime := time.Since(t0).Seconds()
	worst := 0.0
	for i, r := range lz.TopResiduals {
		worst = max(worst, r/abs(lz.Top[i]))
	}
	fmt.Println("| method | HVPs | seconds | converged | worst ‖Hv−λv‖/|λ| | λ_1 | λ_10 |")
	fmt.Println("|---|---:|---:|---|---:|---:|---:|")
	fmt.Printf("| Lanczos | %d | %.1f | %v | %.2g | %.6g | %.6g |\n", lz.Products, lzTime, lz.Converged, worst, lz.Top[0], lz.Top[len(lz.Top)-1])
	if *f32 {
		o32, err := graph.NewObjectiveWith(spec, train, graph.ObjectiveSettings{Float32: true})
		if err != nil {
			fail(err)
		}
		defer o32.Close()
		op32, err := o32.Hessian(res.Theta)
		if err != nil {
			fail(err)
		}
		t := time.Now()
		// float32 products carry ~1e-7 relative rounding: ask for what they can certify.
		lz32, err := measures.Lanczos(op32, &measures.LanczosSettings{Top: *top, Tol: max(scaled, 1e-5), Seed: 1, Verify: true})
		if err != nil {
			fail(err)
		}
		dt := time.Since(t).Seconds()
		dl := 0.0
		for i := range lz32.Top {
			dl = max(dl, abs(lz32.Top[i]-lz.Top[i])/abs(lz.Top[i]))
		}
		fmt.Printf("| Lanczos, float32 products (max |Δλ|/λ vs float64: %.2g) | %d | %.1f | %v | – | %.6g | %.6g |\n", dl, lz32.Products, dt, lz32.Converged, lz32.Top[0], lz32.Top[len(lz32.Top)-1])
	}
	if !*power {
		return
	}
	t1 := time.Now()
	pw, err := measures.PowerIteration(op, &measures.PowerSettings{K: *top, Tol: *tol, Stop: measures.PowerStopResidual, MaxIter: *maxIter, Seed: 1})
	if err != nil {
		fail(err)
	}
	pwTime := time.Since(t1).Seconds()
	pworst := 0.0
	for i, r := range pw.Residuals {
		pworst = max(pworst, r/abs(pw.Values[i]))
	}
	fmt.Printf("| power + deflation | %d | %.1f | %v | %.2g | %.6g | %.6g |\n", pw.Products, pwTime, pw.Converged, pworst, pw.Values[0], pw.Values[len(pw.Values)-1])
	fmt.Printf("\npower/Lanczos products: %.1f×\n", float64(pw.Products)/float64(lz.Products))
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
