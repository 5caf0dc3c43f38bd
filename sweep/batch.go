package sweep

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/minima-project/minima/report"
)

// Batch describes a sweep as a Slurm job array and its merge job.
type Batch struct {
	// Name is the job name (e.g. "minima-clusters").
	Name string
	// Tasks is the array size: task i runs part i/Tasks of the sweep.
	Tasks int
	// Task is the command of a task, argv; the shard "i/Tasks" is appended as
	// its last argument (so end Task with the shard flag, e.g. "--shard").
	Task []string
	// Merge is the command of the merge job, argv.
	Merge []string
	// Dir is the working directory of the jobs (absolute).
	Dir string
	// Logs is the directory of the jobs' output files (absolute); the
	// submitting script creates it.
	Logs string
	// CPUs per task (0: 1).
	CPUs int
}

// WriteBatch writes b as a bash script to path, atomically and executable.
//
// Submitted with sbatch, the script is the job array: its #SBATCH lines ask
// for Tasks tasks and task $SLURM_ARRAY_TASK_ID runs its part. Run with bash,
// it submits itself as the array and then the merge job with
// --dependency=afterok on the array, passing its own arguments to the merge's
// sbatch: `bash FILE --wait` returns when the merge has finished, with its
// exit status.
func WriteBatch(path string, b Batch) error {
	if b.Tasks < 1 || len(b.Task) == 0 || len(b.Merge) == 0 || !filepath.IsAbs(b.Dir) || !filepath.IsAbs(b.Logs) {
		return fmt.Errorf("sweep: batch %q: needs tasks ≥ 1, a task and a merge command, absolute directories", b.Name)
	}
	self, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	cpus := max(b.CPUs, 1)
	var s strings.Builder
	fmt.Fprintf(&s, "#!/bin/bash\n")
	fmt.Fprintf(&s, "#SBATCH --job-name=%s\n", b.Name)
	fmt.Fprintf(&s, "#SBATCH --array=0-%d\n", b.Tasks-1)
	fmt.Fprintf(&s, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=%d\n", cpus)
	fmt.Fprintf(&s, "#SBATCH --chdir=%s\n", b.Dir)
	fmt.Fprintf(&s, "#SBATCH --output=%s\n", filepath.Join(b.Logs, b.Name+"-%A_%a.out"))
	fmt.Fprintf(&s, "#\n# Written by minima. `bash %s [sbatch options]` submits the %d-task job array\n", filepath.Base(path), b.Tasks)
	fmt.Fprintf(&s, "# and a merge job that runs when every task succeeded (--dependency=afterok);\n")
	fmt.Fprintf(&s, "# the options go to the merge's sbatch: --wait returns when it is done.\n")
	fmt.Fprintf(&s, "# `sbatch %s` submits the array alone. A rerun skips the runs already complete.\n", filepath.Base(path))
	fmt.Fprintf(&s, "set -euo pipefail\n")
	fmt.Fprintf(&s, "if [ -z \"${SLURM_ARRAY_TASK_ID:-}\" ]; then\n")
	fmt.Fprintf(&s, "\tmkdir -p %s\n", quote(b.Logs))
	fmt.Fprintf(&s, "\tarray=$(sbatch --parsable %s)\n", quote(self))
	fmt.Fprintf(&s, "\tarray=${array%%%%;*}\n")
	fmt.Fprintf(&s, "\techo \"submitted job array $array (%d tasks)\"\n", b.Tasks)
	fmt.Fprintf(&s, "\techo \"merge job: waits for $array\"\n")
	fmt.Fprintf(&s, "\texec sbatch --job-name=%s --dependency=afterok:\"$array\" --kill-on-invalid-dep=yes \\\n", b.Name+"-merge")
	fmt.Fprintf(&s, "\t\t--ntasks=1 --cpus-per-task=%d --chdir=%s --output=%s \\\n", cpus, quote(b.Dir), quote(filepath.Join(b.Logs, b.Name+"-merge-%j.out")))
	fmt.Fprintf(&s, "\t\t--wrap=%s \"$@\"\n", quote(join(b.Merge)))
	fmt.Fprintf(&s, "fi\n")
	fmt.Fprintf(&s, "exec %s \"$SLURM_ARRAY_TASK_ID/%d\"\n", join(b.Task), b.Tasks)
	err = report.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, s.String())
		return err
	})
	if err != nil {
		return err
	}
	return os.Chmod(path, 0o755)
}

// join quotes argv for the shell.
func join(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = quote(a)
	}
	return strings.Join(q, " ")
}

// quote returns s as one shell word: bare when it is made of safe
// characters, else in single quotes.
func quote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=+,:@%", r)) {
			safe = false
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
