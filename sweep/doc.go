// Package sweep runs a list of independent runs with stable ids — a study's
// batch sizes × seeds, cluster counts or widths — so that the list can be split
// over processes or Slurm array tasks and combined again.
//
// A Plan names the sweep, holds the settings that determine every result and
// lists the run ids in order. Execute runs the runs of one Shard (part i of n,
// run j in part j mod n), each into its own directory OUT/runs/<id>/ written
// atomically (report.AtomicDir) and closed by a completion record, run.json,
// that holds the plan's settings and their fingerprint. A run whose record is
// present is complete and is skipped on a rerun, so an interrupted sweep
// resumes; a run interrupted before its commit leaves nothing behind. Load
// gathers the completed runs of one or more output directories into a Set and
// refuses runs from different settings or found twice. WriteBatch writes a
// Slurm job-array script with a merge job that waits for the array.
package sweep
