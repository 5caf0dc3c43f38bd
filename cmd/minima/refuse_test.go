package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// refused runs minima and checks it refused at once: exit 2, one line on
// stderr naming want, no output written, well under the time any work takes.
func refused(t *testing.T, out, want string, args ...string) {
	t.Helper()
	start := time.Now()
	r := runMinima(t, args...)
	if r.code != 2 || !strings.Contains(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("minima %s: exit %d, stderr %q; want 2 and one line naming %q", strings.Join(args, " "), r.code, r.stderr, want)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("minima %s: refused only after %v", strings.Join(args, " "), d)
	}
	if out != "" {
		if _, err := os.Stat(out); err == nil {
			t.Errorf("minima %s: wrote %s", strings.Join(args, " "), out)
		}
	}
}

// A network too large for the machine is refused before any data is read.
func TestRefuseNetworkLargerThanMemory(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m")
	refused(t, out, "--hidden", "train", "--data", "clusters", "--hidden", "16000,16000", "--out", out)
}

// An exact spectrum whose dense Hessian cannot fit is refused, pointing to
// Lanczos (42,210 parameters: 2·8n² ≈ 28 GB).
func TestRefuseExactSpectrumLargerThanMemory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wide")
	args := []string{"train", "--data", "clusters", "--classes", "10", "--dim", "200", "--per-class", "3", "--test-per-class", "1",
		"--hidden", "200", "--epochs", "1", "--out", dir, "--quiet"}
	runOK(t, args...)
	out := filepath.Join(t.TempDir(), "h")
	refused(t, out, "--method lanczos", "hessian", "--model", dir, "--method", "exact", "--exact-limit", "100000", "--out", out)
}

// One rule per kind of flag: lists of scales are bounded and without
// repeats, sample counts are checked against what there is, for every
// command alike.
func TestRefuseFlagValuesByOneRule(t *testing.T) {
	model := clustersModel(t)
	out := filepath.Join(t.TempDir(), "r")
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"--eps", []string{"sharpness", "--model", model, "--eps", "1e300", "--out", out}},
		{"twice", []string{"sharpness", "--model", model, "--eps", "1e-3,1e-3", "--out", out}},
		{"twice", []string{"reparam", "--model", model, "--alpha", "10,10", "--out", out}},
		{"--test-samples", []string{"reparam", "--model", model, "--test-samples", "100000", "--out", out}},
		{"--samples", []string{"reparam", "--model", model, "--samples", "100000", "--out", out}},
		{"--max-hvps", []string{"hessian", "--model", model, "--top", "5", "--max-hvps", "3", "--out", out}},
		{"--layer", []string{"reparam", "--model", model, "--layer", "1", "--kind", "neuron", "--out", out}},
	} {
		refused(t, out, tc.want, tc.args...)
	}
}

// The same run twice writes byte-identical files; only timing.json (the wall
// clock) may differ.
func TestHessianRunsAreByteIdentical(t *testing.T) {
	model := clustersModel(t)
	tmp := t.TempDir()
	for _, d := range []string{"a", "b"} {
		args := []string{"hessian", "--model", model, "--top", "3", "--bottom", "1", "--trace", "--density", "--out", filepath.Join(tmp, d), "--quiet"}
		runOK(t, args...)
	}
	entries, err := os.ReadDir(filepath.Join(tmp, "a"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "timing.json" {
			continue
		}
		a, _ := os.ReadFile(filepath.Join(tmp, "a", e.Name()))
		b, err := os.ReadFile(filepath.Join(tmp, "b", e.Name()))
		if err != nil || string(a) != string(b) {
			t.Errorf("%s differs between two identical runs (%v)", e.Name(), err)
		}
	}
}

// A model evaluated on other data than it was trained on is refused (its
// recorded fingerprint differs), instead of reporting numbers about other data.
func TestRefuseDataOtherThanTrainedOn(t *testing.T) {
	model := clustersModel(t)
	path := filepath.Join(model, "model.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Another generator seed: other clusters, same sizes.
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["data"].(map[string]any)["clusters"].(map[string]any)["seed"] = 2
	changed, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runMinima(t, "eval", "--model", model)
	if r.code == 0 || !strings.Contains(r.stderr, "differ from the data the model was trained on") {
		t.Errorf("eval on other data: exit %d, stderr %q", r.code, r.stderr)
	}
}
