package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minima-project/minima/internal/filetest"
)

func TestE2EStudyMergedShardsEqualUnsharded(t *testing.T) {
	dir := t.TempDir()
	whole, parts, merged := filepath.Join(dir, "whole"), filepath.Join(dir, "parts"), filepath.Join(dir, "merged")
	args := studyArgs(whole)
	runOK(t, args...)
	for _, shard := range []string{"0/2", "1/2"} {
		args := studyArgs(parts, "--shard", shard)
		runOK(t, args...)
	}
	args = []string{"merge", parts, "--out", merged, "--quiet"}
	runOK(t, args...)
	filetest.SameFiles(t, whole, merged, studyTables...)
}

func TestE2EMergeRefusesOtherSettings(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	args := studyArgs(a, "--shard", "0/2")
	runOK(t, args...)
	args = studyArgs(b, "--shard", "1/2", "--lr", "0.02")
	runOK(t, args...)
	args = []string{"merge", a, b, "--out", filepath.Join(dir, "m")}
	r := runMinima(t, args...)
	expectExit(t, r, 1, args...)
	if !strings.Contains(r.stderr, "refusing to merge") {
		t.Fatalf("stderr %q does not say why", r.stderr)
	}
}

func TestE2EMergeRefusesIncompleteSweep(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	args := studyArgs(a, "--shard", "0/2")
	runOK(t, args...)
	args = []string{"merge", a, "--out", filepath.Join(dir, "m")}
	r := runMinima(t, args...)
	expectExit(t, r, 1, args...)
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
		expectExit(t, runMinima(t, args...), 2, args...)
	}
}

func TestE2EStudySbatchScript(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "job.sh")
	args := studyArgs(filepath.Join(dir, "res"), "--sbatch", script, "--array", "2")
	runOK(t, args...)
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
