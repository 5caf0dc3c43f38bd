package main

// The sweep on a real Slurm: a single-node cluster on localhost
// (scripts/slurm-local.sh), the job array --sbatch writes, and the merged
// tables against an unsharded run of the same sweep.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minima-project/minima/internal/filetest"
)

// slurmLock serialises the Slurm tests of concurrent test processes on this
// machine, so that one never stops the daemons under another's jobs.
func slurmLock(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "minima-slurm-test.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}

// slurmReady skips the test unless it can start Slurm here (root, slurm-wlm
// and munge installed); under CI (CI=true) it fails instead of skipping.
func slurmReady(t *testing.T) {
	t.Helper()
	why := ""
	if os.Geteuid() != 0 {
		why = "needs root to start the Slurm daemons"
	}
	for _, bin := range []string{"slurmctld", "slurmd", "munged", "sbatch", "sinfo"} {
		if _, err := exec.LookPath(bin); err != nil && why == "" {
			why = bin + " not installed (apt-get install slurm-wlm munge)"
		}
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI: the Slurm test cannot run: %s", why)
	}
	t.Skip(why)
}

// command runs name args in dir, failing the test on error, within ctx.
func command(t *testing.T, ctx context.Context, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestSlurmShardedSweepEqualsUnsharded(t *testing.T) {
	slurmReady(t)
	slurmLock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "minima")
	command(t, ctx, ".", "go", "build", "-o", bin, ".")
	script, err := filepath.Abs("../../scripts/slurm-local.sh")
	if err != nil {
		t.Fatal(err)
	}
	// Stop the daemons afterwards only if this test started them.
	if exec.Command("pgrep", "-x", "slurmctld").Run() != nil {
		defer func() {
			out, err := exec.Command(script, "stop").CombinedOutput()
			if err != nil {
				t.Errorf("%s stop: %v\n%s", script, err, out)
			}
		}()
	}
	command(t, ctx, dir, script, "start")

	args := studyArgs("whole")
	command(t, ctx, dir, bin, args...)
	args = studyArgs("res", "--sbatch", "job.sh", "--array", "2")
	command(t, ctx, dir, bin, args...)
	out := command(t, ctx, dir, "bash", "job.sh", "--wait")
	t.Logf("bash job.sh --wait:\n%s", out)
	filetest.SameFiles(t, filepath.Join(dir, "whole"), filepath.Join(dir, "res"), studyTables...)
	logs, err := filepath.Glob(filepath.Join(dir, "res.parts", "logs", "*.out"))
	if err != nil || len(logs) != 3 {
		t.Errorf("logs of 2 array tasks and the merge expected, found %v", logs)
	}
}
