package main

import (
	"path/filepath"
	"testing"

	"github.com/minima-project/minima/report"
)

// hessianFloat32Agrees runs hessian --method lanczos --top 3 on model in
// float64 and with --float32 (extra arguments added to both) and checks
// that the float32 run says so in hessian.json, converges at the default
// --tol 1e-6, and that its top eigenvalues agree with float64's to
// 1e-5·λ_1 without being float64's bits (which would mean --float32 ran in
// float64). Single precision with float64 accumulation perturbs the
// operator by ~1e-7·‖H‖ (graph's float32 tests), and by Weyl's inequality
// each eigenvalue by no more.
func hessianFloat32Agrees(t *testing.T, model string, extra ...string) {
	t.Helper()
	tmp := t.TempDir()
	args := append([]string{"--top", "3", "--bottom", "0"}, extra...)
	f64, f32 := filepath.Join(tmp, "f64"), filepath.Join(tmp, "f32")
	runOK(t, hessianArgs(model, f64, "lanczos", args...)...)
	runOK(t, hessianArgs(model, f32, "lanczos", append(args, "--float32")...)...)
	a, b := readHessian(t, f64), readHessian(t, f32)
	var flag struct {
		Float32 bool `json:"float32"`
	}
	if err := report.ReadJSON(filepath.Join(f32, "hessian.json"), &flag); err != nil {
		t.Fatal(err)
	}
	if !flag.Float32 {
		t.Error("hessian.json of the --float32 run does not say float32")
	}
	if !b.Converged {
		t.Fatalf("--float32 at --tol 1e-6 did not converge: residuals %v", b.TopResiduals)
	}
	same := true
	for i := range a.Top {
		if d := (b.Top[i] - a.Top[i]) / a.Top[0]; d > 1e-5 || d < -1e-5 {
			t.Errorf("λ_%d: float32 %v, float64 %v", i+1, b.Top[i], a.Top[i])
		}
		same = same && b.Top[i] == a.Top[i]
	}
	if same {
		t.Errorf("--float32 top eigenvalues %v are float64's bits", b.Top)
	}
	t.Logf("top 3: float64 %v, float32 %v", a.Top, b.Top)
}

// hessian --float32 agrees with float64 products on a 75-parameter MLP.
func TestHessianFloat32AgreesWithFloat64(t *testing.T) {
	hessianFloat32Agrees(t, clustersModel(t))
}

// hessian --float32 agrees with float64 products on the test CNN (two
// convolutions, max-pooling, dense head) over 60 MNIST images.
func TestHessianFloat32CNNAgreesWithFloat64(t *testing.T) {
	hessianFloat32Agrees(t, cnnModel(t), "--data-dir", mnistDir(t), "--samples", "60")
}

// --float32 is refused below the residuals it can certify.
func TestHessianFloat32RefusesSmallTol(t *testing.T) {
	out := filepath.Join(t.TempDir(), "h")
	refused(t, out, "--tol", hessianArgs(clustersModel(t), out, "lanczos", "--float32", "--tol", "1e-7")...)
}
