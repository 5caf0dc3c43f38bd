// Package report is minima's output layer: it writes result files that other
// tools can read directly — NumPy .npy arrays (numpy, PyTorch via
// torch.from_numpy(np.load(...))), JSON documents, CSV tables (pandas), and
// PNG plots — plus human-readable Markdown and plain-text tables and a
// terminal progress bar.
//
// Every file writer is atomic: output is written to a temporary file in the
// destination directory, fsynced and renamed into place, so a reader never
// sees a half-written file and a failed write leaves any previous file
// untouched (see WriteFileAtomic). Whole directories (a saved model, a
// results directory) can be produced atomically with AtomicDir.
//
// Every directory an AtomicDir publishes holds a marker file (MarkerFile,
// naming the command and version that wrote it); replacing an existing
// directory (AllowOverwrite) is allowed only for such a directory, and never
// for the working directory, its ancestors, or a directory holding an input
// (CheckOverwrite). Temporary names carry the host and process id; a run
// interrupted by a signal removes its temporary output (RemovePending), and
// a later run removes what killed runs of the same host left
// (RemoveStaleTemps).
//
// Errors name the file involved. Readers validate what they read (dtype,
// shape, length) and report corrupt or truncated input as errors, never
// panics; they read regular files only, and check a .npy file's size against
// its header before reading its data. For untrusted directories (a model
// directory from elsewhere) OpenIn, ReadJSONIn and ReadNpyFloat64In read only
// regular files that resolve inside the directory, with a size cap and the
// expected shape.
//
// Conventions:
//   - .npy files are little-endian ('<f8' / '<i8'), C (row-major) order,
//     written through codeberg.org/sbinet/npyio.
//   - JSON is indented with two spaces and ends in a newline. encoding/json
//     cannot represent NaN or ±Inf; use Float for values that may be
//     non-finite (encoded as null), otherwise WriteJSON fails with an error
//     naming the file and the offending field.
//   - CSV floats are formatted with strconv 'g' and precision -1, so they
//     parse back to the identical float64.
//   - Plots are PNG files rendered with gonum.org/v1/plot into memory and
//     then written atomically. Log axes are drawn by plotting log10 of the
//     values on a linear axis whose ticks are labelled with the original
//     values (1e-05, 0.001, 10, ...); this avoids gonum/plot's LogScale,
//     which panics on non-positive values and mis-places the axis label.
//     Values that cannot be drawn (NaN, ±Inf, ≤ 0 on a log axis) are
//     skipped and counted in a note under the title.
//   - Progress bars go to standard error only when it is a terminal; a nil
//     *Progress is a valid silent one.
package report
