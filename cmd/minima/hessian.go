package main

import (
	"fmt"
	"runtime"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/internal/sysmem"
	"github.com/minima-project/minima/measures"
	"github.com/minima-project/minima/report"
	"github.com/minima-project/minima/study"
)

// minFloat32Tol is the smallest --tol hessian takes with --float32: single
// precision leaves residuals of about 1e-8·λ_max, and a margin keeps Lanczos
// from chasing rounding.
const minFloat32Tol = 1e-6

func hessianCommand() *cli.Command {
	return &cli.Command{
		Name:  "hessian",
		Usage: "Hessian spectrum of a model's mean loss: Lanczos ends or the exact spectrum, trace, density",
		Flags: append(sampleFlags(),
			&cli.IntFlag{Name: "top", Value: 10, Usage: "largest eigenvalues to compute"},
			&cli.IntFlag{Name: "bottom", Value: 5, Usage: "smallest eigenvalues to compute"},
			&cli.StringFlag{Name: "method", Value: study.MethodLanczos, Usage: "lanczos or exact"},
			&cli.Float64Flag{Name: "tol", Value: measures.DefaultLanczosTol, Usage: "Lanczos: stop when every ‖Hv − λv‖ ≤ tol·max|λ| (relative to the largest eigenvalue)"},
			&cli.IntFlag{Name: "max-hvps", Usage: "Lanczos: budget of Hessian-vector products (0: default)"},
			&cli.BoolFlag{Name: "float32", Usage: "Hessian-vector products in single precision (float64 Lanczos vectors and accumulation): faster (about 2× on MLPs, 1.2–1.4× on CNNs), eigenvalues within about 1e-7 relative of float64's, residuals of the single-precision products; --tol ≥ 1e-6"},
			&cli.BoolFlag{Name: "write-samples", Usage: "write X.npy and y.npy however large (by default only up to 5,000 MNIST-sized samples; indices.npy and samples.json always)"},
			&cli.IntFlag{Name: "exact-limit", Value: measures.DefaultExactLimit, Usage: "exact: largest number of parameters allowed"},
			&cli.BoolFlag{Name: "trace", Usage: "also the trace (Hutchinson with Lanczos, exact with --method exact)"},
			&cli.IntFlag{Name: "trace-probes", Value: 100, Usage: "Hutchinson probe vectors"},
			&cli.BoolFlag{Name: "density", Usage: "also the spectral density (stochastic Lanczos quadrature)"},
			&cli.IntFlag{Name: "density-steps", Value: measures.DefaultDensitySteps, Usage: "SLQ Lanczos steps per run"},
			&cli.IntFlag{Name: "density-runs", Value: measures.DefaultDensityRuns, Usage: "SLQ random starts"},
			&cli.Float64Flag{Name: "density-sigma", Usage: "SLQ Gaussian smoothing width (0: 1% of the spectrum's range)"},
			probeSeedFlag(),
			&cli.StringFlag{Name: "out", Usage: "results directory to write (required)"},
			&cli.BoolFlag{Name: "overwrite", Usage: "replace an existing --out directory"},
		),
		Action: hessianAction,
	}
}

func hessianAction(c *cli.Context) error {
	method := c.String("method")
	if method != study.MethodLanczos && method != study.MethodExact {
		return usagef(c, "--method must be lanczos or exact, got %q", method)
	}
	if c.Int("top") < 0 || c.Int("bottom") < 0 || (method == study.MethodLanczos && c.Int("top")+c.Int("bottom") == 0) {
		return usagef(c, "--top and --bottom must be ≥ 0 and not both 0")
	}
	if !positive(c.Float64("tol")) || c.Float64("tol") >= 1 || c.Int("trace-probes") < 2 || c.Int("density-steps") <= 0 || c.Int("density-runs") <= 0 {
		return usagef(c, "--tol must be in (0,1), --trace-probes ≥ 2, --density-steps and --density-runs positive")
	}
	if sg := c.Float64("density-sigma"); !(sg == 0 || positive(sg)) {
		return usagef(c, "--density-sigma must be 0 (automatic) or positive and finite, got %v", sg)
	}
	if c.Int("max-hvps") < 0 || c.Int("exact-limit") <= 0 {
		return usagef(c, "--max-hvps must be ≥ 0 (0: default) and --exact-limit positive")
	}
	// Every reported eigenvalue's residual costs one explicit product.
	if mh, verify := c.Int("max-hvps"), c.Int("top")+c.Int("bottom"); method == study.MethodLanczos && mh > 0 && mh <= verify {
		return usagef(c, "--max-hvps %d leaves no product for Lanczos after the %d that check the residuals: use at least %d (or 0: automatic)", mh, verify, verify+1)
	}
	// Single-precision products leave residuals of about 1e-8·λ_max (measured:
	// 2e-8 on 1,000 MNIST images, 4e-9 on 60,000); below 1e-6 they may not
	// certify.
	if c.Bool("float32") && c.Float64("tol") < minFloat32Tol {
		return usagef(c, "--float32 products certify residuals down to about 1e-8·λ_max, with a margin to --tol %g: use --tol %g or more, or drop --float32", minFloat32Tol, minFloat32Tol)
	}
	out, err := outDir(c, "out")
	if err != nil {
		return err
	}
	m, set, o, err := openObjective(c)
	if err != nil {
		return err
	}
	defer o.Close()
	if n := m.Spec.NumParams(); method == study.MethodExact && n > c.Int("exact-limit") {
		return usagef(c, "--method exact: the model has %d parameters, above --exact-limit %d (raise it: memory grows as 8n² bytes, time as n³)", n, c.Int("exact-limit"))
	} else if method == study.MethodExact {
		// The dense Hessian and its eigenvectors: 2·8n² bytes.
		if err := sysmem.Fits(16 * float64(n) * float64(n)); err != nil {
			return usagef(c, "--method exact on %d parameters %v: use --method lanczos", n, err)
		}
	}
	op, err := o.Hessian(m.Theta)
	if err != nil {
		return err
	}
	if err := op.Prepare(); err != nil {
		return err
	}
	// What samples.json records is taken now; without X.npy the features are
	// released: the objective holds its own copy (8-bit data, such as MNIST's
	// pixels, as one byte per value), so a run over all 60,000 training images
	// does not also hold them as 376 MB of float64.
	samples := samplesOf(c.String("split"), m.Data, set, c.Bool("write-samples") || set.N*set.D <= maxSampleArrays)
	if !samples.rec.Arrays {
		set.X = nil
		runtime.GC()
	}
	bar, say := progress(c, "hessian")
	s := study.HessianSettings{
		Method: method, Top: c.Int("top"), Bottom: c.Int("bottom"), Tol: c.Float64("tol"),
		MaxProducts: c.Int("max-hvps"), ExactLimit: c.Int("exact-limit"),
		Trace: c.Bool("trace"), TraceProbes: c.Int("trace-probes"), Density: c.Bool("density"),
		DensitySettings: measures.DensitySettings{Steps: c.Int("density-steps"), Runs: c.Int("density-runs"), Sigma: c.Float64("density-sigma")},
		Seed:            c.Int64("probe-seed"),
		Progress:        say,
	}
	startup := sinceStart()
	r, err := study.Hessian(op, set.N, s)
	if r != nil {
		r.Float32 = c.Bool("float32")
		r.StartupSeconds = startup.Seconds()
	}
	bar.Finish()
	if err != nil {
		return err
	}
	err = writeDir(c, out, func(ad *report.AtomicDir) error {
		if err := samples.write(ad); err != nil {
			return err
		}
		return study.WriteHessian(ad, r)
	})
	if err != nil {
		return err
	}
	fmt.Print(study.HessianSummary(r))
	fmt.Printf("wrote %s\n", out)
	return nil
}
