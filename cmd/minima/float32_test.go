package main

import (
	"path/filepath"
	"testing"
)

// hessian --float32 at the default --tol 1e-6 converges, and its top
// eigenvalues agree with float64 products to 1e-5·λ_1 (single precision with
// float64 accumulation, on a 75-parameter MLP).
func TestHessianFloat32AgreesWithFloat64(t *testing.T) {
	model := clustersModel(t)
	tmp := t.TempDir()
	runOK(t, hessianArgs(model, filepath.Join(tmp, "f64"), "lanczos", "--top", "3", "--bottom", "0")...)
	runOK(t, hessianArgs(model, filepath.Join(tmp, "f32"), "lanczos", "--top", "3", "--bottom", "0", "--float32")...)
	a, b := readHessian(t, filepath.Join(tmp, "f64")), readHessian(t, filepath.Join(tmp, "f32"))
	if !b.Converged {
		t.Fatalf("--float32 at --tol 1e-6 did not converge: residuals %v", b.TopResiduals)
	}
	for i := range a.Top {
		if d := (b.Top[i] - a.Top[i]) / a.Top[0]; d > 1e-5 || d < -1e-5 {
			t.Errorf("λ_%d: float32 %v, float64 %v", i+1, b.Top[i], a.Top[i])
		}
	}
}

// --float32 is refused below the residuals it can certify, and for layers
// other than dense ones.
func TestHessianFloat32Refusals(t *testing.T) {
	out := filepath.Join(t.TempDir(), "h")
	refused(t, out, "--tol", hessianArgs(clustersModel(t), out, "lanczos", "--float32", "--tol", "1e-7")...)
	refused(t, out, "dense layers only", hessianArgs(cnnModel(t), out, "lanczos", "--float32", "--tol", "1e-4", "--data-dir", mnistDir(t))...)
}
