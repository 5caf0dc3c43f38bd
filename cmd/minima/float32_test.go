package main

import (
	"path/filepath"
	"testing"
)

// hessian --float32: the top eigenvalues agree with float64 products to 1e-5
// relative (single precision with float64 accumulation, on a 75-parameter MLP).
func TestHessianFloat32AgreesWithFloat64(t *testing.T) {
	model := clustersModel(t)
	tmp := t.TempDir()
	runOK(t, hessianArgs(model, filepath.Join(tmp, "f64"), "lanczos", "--top", "3", "--bottom", "0", "--tol", "1e-5")...)
	runOK(t, hessianArgs(model, filepath.Join(tmp, "f32"), "lanczos", "--top", "3", "--bottom", "0", "--tol", "1e-5", "--float32")...)
	a, b := readHessian(t, filepath.Join(tmp, "f64")), readHessian(t, filepath.Join(tmp, "f32"))
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
	refused(t, out, "--tol", hessianArgs(clustersModel(t), out, "lanczos", "--float32")...)
	refused(t, out, "dense layers only", hessianArgs(cnnModel(t), out, "lanczos", "--float32", "--tol", "1e-4", "--data-dir", mnistDir(t))...)
}
