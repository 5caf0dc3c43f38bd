package sweep

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/minima-project/minima/report"
)

// testPlan is a sweep of n runs "r0", "r1", … with settings {"scale": scale}.
func testPlan(n int, scale float64) *Plan {
	p := &Plan{Name: "test", Settings: map[string]float64{"scale": scale}}
	for i := range n {
		p.IDs = append(p.IDs, fmt.Sprintf("r%d", i))
	}
	return p
}

// writeValue is a RunFunc writing value.txt, a function of the id; calls
// counts the runs it did.
func writeValue(calls *[]string) RunFunc {
	return func(id string, dir *report.AtomicDir) error {
		*calls = append(*calls, id)
		return os.WriteFile(dir.Path("value.txt"), []byte("value of "+id+"\n"), 0o644)
	}
}

// values reads value.txt of every run of a loaded set, by id.
func values(t *testing.T, s *Set) map[string]string {
	t.Helper()
	out := map[string]string{}
	for id := range s.Dirs {
		b, err := os.ReadFile(s.Path(id, "value.txt"))
		if err != nil {
			t.Fatal(err)
		}
		out[id] = string(b)
	}
	return out
}

func TestShardPartitionCoversEveryIDOnce(t *testing.T) {
	for runs := 0; runs <= 12; runs++ {
		ids := testPlan(runs, 1).IDs
		for n := 1; n <= 7; n++ {
			count := map[string]int{}
			for i := range n {
				for _, id := range (Shard{Index: i, Count: n}).Select(ids) {
					count[id]++
				}
			}
			for _, id := range ids {
				if count[id] != 1 {
					t.Fatalf("%d runs, %d parts: run %s in %d parts", runs, n, id, count[id])
				}
			}
			if len(count) != len(ids) {
				t.Fatalf("%d runs, %d parts: %d ids selected", runs, n, len(count))
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	good := map[string]Shard{"": {}, "0/1": {0, 1}, "3/4": {3, 4}, " 2 / 5 ": {2, 5}}
	for s, want := range good {
		if got, err := ParseShard(s); err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"4/4", "-1/4", "0/0", "1", "a/b", "1/2/3", "/3"} {
		if _, err := ParseShard(s); err == nil {
			t.Errorf("ParseShard(%q): no error", s)
		}
	}
}

func TestResumeSkipsCompleteRuns(t *testing.T) {
	out := t.TempDir()
	p := testPlan(5, 1)
	var calls []string
	if _, err := Execute(p, out, writeValue(&calls), Options{Shard: Shard{1, 2}}); err != nil {
		t.Fatal(err)
	}
	calls = nil
	o, err := Execute(p, out, writeValue(&calls), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"r0", "r2", "r4"}; !slices.Equal(calls, want) || !slices.Equal(o.Ran, want) || !slices.Equal(o.Skipped, []string{"r1", "r3"}) {
		t.Fatalf("rerun ran %v (outcome %v, skipped %v), want %v", calls, o.Ran, o.Skipped, want)
	}
}

func TestInterruptedRunLeavesNothing(t *testing.T) {
	out := t.TempDir()
	p := testPlan(3, 1)
	boom := errors.New("boom")
	_, err := Execute(p, out, func(id string, dir *report.AtomicDir) error {
		if err := os.WriteFile(dir.Path("value.txt"), []byte("partial"), 0o644); err != nil {
			return err
		}
		if id == "r1" {
			return boom
		}
		return nil
	}, Options{})
	if !errors.Is(err, boom) {
		t.Fatalf("Execute: %v, want boom", err)
	}
	entries, err := os.ReadDir(filepath.Join(out, RunsDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"r0"}) {
		t.Fatalf("runs/ holds %v, want only the completed r0", names)
	}
}

func TestResumedSweepEqualsUninterrupted(t *testing.T) {
	p := testPlan(4, 1)
	whole, resumed := t.TempDir(), t.TempDir()
	var calls []string
	if _, err := Execute(p, whole, writeValue(&calls), Options{}); err != nil {
		t.Fatal(err)
	}
	fail := func(id string, dir *report.AtomicDir) error {
		if id == "r2" {
			return errors.New("interrupted")
		}
		return writeValue(&calls)(id, dir)
	}
	if _, err := Execute(p, resumed, fail, Options{}); err == nil {
		t.Fatal("the failing run did not fail")
	}
	if _, err := Execute(p, resumed, writeValue(&calls), Options{}); err != nil {
		t.Fatal(err)
	}
	a, b := loadValues(t, whole), loadValues(t, resumed)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("resumed %v, uninterrupted %v", b, a)
	}
}

func loadValues(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	s, err := Load(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(); err != nil {
		t.Fatal(err)
	}
	return values(t, s)
}

func TestMergedShardsEqualUnsharded(t *testing.T) {
	p := testPlan(7, 1)
	whole := t.TempDir()
	var calls []string
	if _, err := Execute(p, whole, writeValue(&calls), Options{}); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for i := range 3 {
		d := t.TempDir()
		if _, err := Execute(p, d, writeValue(&calls), Options{Shard: Shard{i, 3}}); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, d)
	}
	if a, b := loadValues(t, whole), loadValues(t, parts...); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("merged %v, unsharded %v", b, a)
	}
}

func TestLoadReportsMissingRuns(t *testing.T) {
	out := t.TempDir()
	var calls []string
	if _, err := Execute(testPlan(4, 1), out, writeValue(&calls), Options{Shard: Shard{0, 2}}); err != nil {
		t.Fatal(err)
	}
	s, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(); err == nil || !strings.Contains(err.Error(), "r1, r3") {
		t.Fatalf("Complete: %v, want the missing r1, r3 named", err)
	}
}

func TestLoadRefusesDifferentSettings(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	var calls []string
	if _, err := Execute(testPlan(2, 1), a, writeValue(&calls), Options{Shard: Shard{0, 2}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Execute(testPlan(2, 2), b, writeValue(&calls), Options{Shard: Shard{1, 2}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(a, b); err == nil || !strings.Contains(err.Error(), "refusing to merge") {
		t.Fatalf("Load of different settings: %v, want a refusal", err)
	}
}

func TestLoadRefusesDuplicateRun(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	var calls []string
	for _, d := range []string{a, b} {
		if _, err := Execute(testPlan(2, 1), d, writeValue(&calls), Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Load(a, b); err == nil || !strings.Contains(err.Error(), "found twice") {
		t.Fatalf("Load of a run found twice: %v", err)
	}
	if _, err := Load(a, a); err != nil {
		t.Fatalf("Load of the same directory twice: %v", err)
	}
}

func TestExecuteRefusesOtherSettingsInSameDir(t *testing.T) {
	out := t.TempDir()
	var calls []string
	if _, err := Execute(testPlan(2, 1), out, writeValue(&calls), Options{}); err != nil {
		t.Fatal(err)
	}
	calls = nil
	if _, err := Execute(testPlan(2, 2), out, writeValue(&calls), Options{}); err == nil || len(calls) != 0 {
		t.Fatalf("Execute over other settings: err %v, ran %v", err, calls)
	}
}

func TestPlanRejectsUnsafeIDs(t *testing.T) {
	for _, ids := range [][]string{{"a/b"}, {".hidden"}, {""}, {"a", "a"}, {"a b"}, nil} {
		if err := (&Plan{Name: "x", IDs: ids}).Validate(); err == nil {
			t.Errorf("ids %q accepted", ids)
		}
	}
}

func TestWriteBatchSubmitsArrayThenMerge(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	// A fake sbatch that logs its arguments and answers with a job id.
	fake := "#!/bin/sh\necho \"$@\" >> " + filepath.Join(dir, "sbatch.log") + "\necho 42\n"
	if err := os.WriteFile(filepath.Join(bin, "sbatch"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "job.sh")
	b := Batch{Name: "minima-test", Tasks: 4, Task: []string{"/opt/minima", "study", "x", "--shard"},
		Merge: []string{"/opt/minima", "merge", "/w/parts", "--out", "/w/res dir"}, Dir: "/w", Logs: filepath.Join(dir, "logs")}
	if err := WriteBatch(script, b); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script, "--wait")
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "SLURM_ARRAY_TASK_ID=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bash %s: %v\n%s", script, err, out)
	}
	log, err := os.ReadFile(filepath.Join(dir, "sbatch.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	if len(lines) != 2 || lines[0] != "--parsable "+script ||
		!strings.Contains(lines[1], "--dependency=afterok:42 ") || !strings.Contains(lines[1], "--wrap=/opt/minima merge /w/parts --out '/w/res dir' --wait") {
		t.Fatalf("sbatch calls:\n%s", log)
	}
}

func TestWriteBatchTaskRunsItsShard(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "job.sh")
	b := Batch{Name: "t", Tasks: 3, Task: []string{"echo", "shard"}, Merge: []string{"true"}, Dir: dir, Logs: dir}
	if err := WriteBatch(script, b); err != nil {
		t.Fatal(err)
	}
	head, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(head), "#SBATCH --array=0-2\n") {
		t.Fatalf("script lacks the array directive:\n%s", head)
	}
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID=2")
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "shard 2/3\n" {
		t.Fatalf("task 2 printed %q (%v), want \"shard 2/3\"", out, err)
	}
}
