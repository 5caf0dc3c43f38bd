package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// studyArgs is a tiny cluster study (3 runs of a few dozen parameters).
func studyArgs(out string, extra ...string) []string {
	return append([]string{"--quiet", "study", "clusters", "--k", "2,3,4", "--dim", "5", "--per-class", "10",
		"--test-per-class", "5", "--hidden", "6", "--epochs", "3", "--out", out}, extra...)
}

// studyTables are the files a cluster study writes.
var studyTables = []string{"clusters.json", "clusters.csv", "clusters.png", "spectra.png", "report.md"}

// sameStudyFiles fails unless dirs a and b hold byte-identical files.
func sameStudyFiles(t *testing.T, a, b string, files []string) {
	t.Helper()
	for _, f := range files {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between %s and %s", f, a, b)
		}
	}
}

func TestE2EStudyMergedShardsEqualUnsharded(t *testing.T) {
	dir := t.TempDir()
	whole, parts, merged := filepath.Join(dir, "whole"), filepath.Join(dir, "parts"), filepath.Join(dir, "merged")
	args := studyArgs(whole)
	e2eExpect(t, e2eRun(t, args...), 0, args...)
	for _, shard := range []string{"0/2", "1/2"} {
		args := studyArgs(parts, "--shard", shard)
		e2eExpect(t, e2eRun(t, args...), 0, args...)
	}
	args = []string{"merge", parts, "--out", merged, "--quiet"}
	e2eExpect(t, e2eRun(t, args...), 0, args...)
	sameStudyFiles(t, whole, merged, studyTables)
}

func TestE2EMergeRefusesOtherSettings(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	args := studyArgs(a, "--shard", "0/2")
	e2eExpect(t, e2eRun(t, args...), 0, args...)
	args = studyArgs(b, "--shard", "1/2", "--lr", "0.02")
	e2eExpect(t, e2eRun(t, args...), 0, args...)
	args = []string{"merge", a, b, "--out", filepath.Join(dir, "m")}
	r := e2eRun(t, args...)
	e2eExpect(t, r, 1, args...)
	if !strings.Contains(r.stderr, "refusing to merge") {
		t.Fatalf("stderr %q does not say why", r.stderr)
	}
}

func TestE2EMergeRefusesIncompleteSweep(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	args := studyArgs(a, "--shard", "0/2")
	e2eExpect(t, e2eRun(t, args...), 0, args...)
	args = []string{"merge", a, "--out", filepath.Join(dir, "m")}
	r := e2eRun(t, args...)
	e2eExpect(t, r, 1, args...)
	if !strings.Contains(r.stderr, "missing: k=3") {
		t.Fatalf("stderr %q does not name the missing run", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "m")); !os.IsNotExist(err) {
		t.Fatalf("a refused merge left %s/m behind", dir)
	}
}

func TestE2EStudyUsageErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o")
	for _, args := range [][]string{
		studyArgs(out, "--shard", "2/2"),
		studyArgs(out, "--k", "1"),
		studyArgs(out, "--k", "x"),
		studyArgs(out, "--sbatch", filepath.Join(out, "j.sh"), "--array", "9"),
		studyArgs(out, "--array", "2"),
		{"merge", "--out", out},
		{"merge", out},
	} {
		e2eExpect(t, e2eRun(t, args...), 2, args...)
	}
}

func TestE2EStudySbatchScript(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "job.sh")
	args := studyArgs(filepath.Join(dir, "res"), "--sbatch", script, "--array", "2")
	e2eExpect(t, e2eRun(t, args...), 0, args...)
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"#SBATCH --array=0-1\n", "--k=2,3,4 ", "--out " + filepath.Join(dir, "res.parts") + " --shard \"$SLURM_ARRAY_TASK_ID/2\"",
		"merge " + filepath.Join(dir, "res.parts") + " --out " + filepath.Join(dir, "res"), "--dependency=afterok:"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
}
