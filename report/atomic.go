package report

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// WriteFileAtomic creates or replaces the file at path with the bytes that
// write produces.
//
// The data is written (through a buffer) to a temporary file in the same
// directory as path, flushed, fsynced and closed, and only then renamed over
// path; the directory is fsynced afterwards (best effort). If write returns
// an error, panics, or any step fails, the temporary file is removed and
// path is left untouched; a panic in write is propagated after cleanup.
//
// The parent directory must already exist. A new file gets mode 0644; a
// replaced file keeps the permission bits of the file it replaces. If path
// is a symbolic link, the link itself is replaced, not its target.
func WriteFileAtomic(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return fmt.Errorf("report: write %q: path names a directory", path)
	}
	mode := fs.FileMode(0o644)
	if fi, statErr := os.Stat(path); statErr == nil {
		if fi.IsDir() {
			return fmt.Errorf("report: write %s: is a directory", path)
		}
		mode = fi.Mode().Perm()
	}

	var f *os.File
	tmp, err := createPending(func() (string, error) {
		var err error
		if f, err = os.CreateTemp(dir, tempPattern(base)); err != nil {
			return "", err
		}
		return f.Name(), nil
	})
	if err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	defer donePending(tmp)
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()

	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("report: write %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: write %s: close: %w", path, err)
	}
	if err := publishPending(tmp, func() ([]string, error) { return nil, os.Rename(tmp, path) }); err != nil {
		return fmt.Errorf("report: write %s: %w", path, err)
	}
	done = true
	syncDir(dir)
	return nil
}

// syncDir fsyncs a directory so that a rename inside it is durable. Errors
// are ignored: some platforms and file systems cannot sync directories, and
// the rename itself has already succeeded.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// DirOption configures NewAtomicDir.
type DirOption func(*AtomicDir)

// AllowOverwrite lets Commit replace an existing directory at the final
// path, if CheckOverwrite allows it (a directory minima wrote, holding no
// input). Without it, Commit refuses to touch an existing final path.
func AllowOverwrite() DirOption {
	return func(d *AtomicDir) { d.overwrite = true }
}

// Protect names inputs of the run (files or directories) that Commit must
// never replace, whatever their spelling: with AllowOverwrite, an existing
// final directory that is or holds one of them is refused (see
// CheckOverwrite).
func Protect(inputs ...string) DirOption {
	return func(d *AtomicDir) { d.inputs = append(d.inputs, inputs...) }
}

// AtomicDir builds a directory (for example a saved model with model.json
// and params/*.npy, or a results directory) under a temporary name and moves
// it into place in one step, so that other processes see either the old
// state or the complete new directory, never a partial one.
//
// Typical use:
//
//	d, err := report.NewAtomicDir("out/run1")
//	if err != nil { ... }
//	defer d.Abort() // no-op after a successful Commit
//	if err := report.WriteJSON(d.Path("model.json"), m); err != nil { ... }
//	if err := report.WriteNpyFloat64(d.Path("params/w1.npy"), w, 10, 784); err != nil { ... }
//	return d.Commit()
//
// An AtomicDir is not safe for concurrent Commit/Abort calls, but files may
// be written inside it from several goroutines.
type AtomicDir struct {
	final     string
	tmp       string
	overwrite bool
	inputs    []string
	committed bool
	aborted   bool
}

// NewAtomicDir creates a temporary sibling directory of final, named
// ".<base>.tmp-<host>-<pid>-<random>", in which the new contents are to be
// written. Missing parent directories of final are created; if the
// directory is aborted (Abort, or RemovePending after an interrupt) rather
// than committed, those it created are removed again (if still empty).
// Temporary output that killed processes of this host left next to final is
// removed (RemoveStaleTemps, once per parent and process: a sweep writing
// thousands of runs into one directory lists it once). final itself is not
// examined until Commit.
func NewAtomicDir(final string, opts ...DirOption) (*AtomicDir, error) {
	final = filepath.Clean(final)
	parent, base := filepath.Split(final)
	if parent == "" {
		parent = "."
	}
	if base == "" || base == "." || base == ".." || final == string(filepath.Separator) {
		return nil, fmt.Errorf("report: atomic dir %q: invalid final path", final)
	}
	var tmp string
	var err error
	// Another process may remove a parent it created (its run failed) just
	// after this one found it: try again a few times.
	for range 3 {
		if tmp, err = createPendingDir(parent, base); !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("report: atomic dir %s: %w", final, err)
	}
	if _, seen := staleScanned.LoadOrStore(filepath.Clean(parent), true); !seen {
		RemoveStaleTemps(parent)
	}
	// MkdirTemp uses 0700; give the result ordinary directory permissions.
	if err := os.Chmod(tmp, 0o755); err != nil {
		abortPending(tmp)
		return nil, fmt.Errorf("report: atomic dir %s: %w", final, err)
	}
	d := &AtomicDir{final: final, tmp: tmp}
	for _, o := range opts {
		o(d)
	}
	return d, nil
}

// staleScanned holds the parents RemoveStaleTemps has cleaned in this
// process.
var staleScanned sync.Map

// Final returns the path the directory will have after Commit.
func (d *AtomicDir) Final() string { return d.final }

// TempDir returns the temporary directory currently being filled.
func (d *AtomicDir) TempDir() string { return d.tmp }

// Path returns the location of rel (a slash- or OS-separated relative path
// such as "params/w1.npy") inside the temporary directory, creating the
// parent directories of rel there so that the file can be written directly.
// (A failure to create them surfaces as an error when the file is written.)
//
// After Commit, Path returns the location inside the final directory and
// creates nothing. Path panics if rel is absolute or escapes the directory
// (e.g. "../x"), which is a programming error.
func (d *AtomicDir) Path(rel string) string {
	rel = filepath.FromSlash(rel)
	if !filepath.IsLocal(rel) {
		panic(fmt.Sprintf("report: AtomicDir.Path(%q): path must be relative and stay inside the directory", rel))
	}
	if d.committed {
		return filepath.Join(d.final, rel)
	}
	p := filepath.Join(d.tmp, rel)
	// Create directories below d.tmp only, never d.tmp itself, and only
	// while it is pending: after Abort or an interrupt removed it, writes
	// must fail rather than re-create it.
	if dir := filepath.Dir(p); dir != d.tmp && !d.aborted {
		mkdirInPending(d.tmp, dir)
	}
	return p
}

// ErrExists is returned (wrapped) by Commit when the final path already
// exists and AllowOverwrite was not given.
var ErrExists = errors.New("destination already exists")

// Commit moves the temporary directory to its final path.
//
// Commit first writes the marker file (MarkerFile) into the directory.
// Before the move every regular file inside the temporary directory and
// every directory is fsynced, so that the committed contents are durable
// however they were written; afterwards the parent directory is fsynced
// (best effort).
//
// If the final path does not exist, the temporary directory is renamed to
// it (atomic on POSIX file systems).
//
// If the final path exists:
//   - without AllowOverwrite, Commit returns an error wrapping ErrExists and
//     leaves both directories in place (the caller may Abort);
//   - with AllowOverwrite, the final path must be a directory that
//     CheckOverwrite allows (written by minima, not the working directory
//     or an ancestor of it, holding none of the inputs given with Protect),
//     otherwise Commit returns its error and changes nothing; it is first
//     renamed aside to ".<base>.old-XXXX", the new directory is renamed into
//     place, and only then is the old one removed. If the second rename
//     fails, the old directory is renamed back and an error is returned.
//     Readers may therefore briefly find the final path missing, but never
//     see a mixture of old and new files. If removing the old copy fails,
//     the commit has still happened and Commit returns an error naming the
//     leftover directory.
//
// Commit may be called once; after it succeeds, Abort is a no-op.
func (d *AtomicDir) Commit() error {
	switch {
	case d.committed:
		return fmt.Errorf("report: atomic dir %s: already committed", d.final)
	case d.aborted:
		return fmt.Errorf("report: atomic dir %s: already aborted", d.final)
	}
	if err := writeMarker(d.tmp); err != nil {
		if Interrupted() {
			err = errInterrupted
		}
		return fmt.Errorf("report: atomic dir %s: %w", d.final, err)
	}
	if err := syncTree(d.tmp); err != nil {
		return fmt.Errorf("report: atomic dir %s: sync: %w", d.final, err)
	}
	parent := filepath.Dir(d.final)

	_, err := os.Lstat(d.final)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := publishPending(d.tmp, func() ([]string, error) { return nil, os.Rename(d.tmp, d.final) }); err != nil {
			return fmt.Errorf("report: atomic dir %s: %w", d.final, err)
		}
		d.committed = true
		syncDir(parent)
		return nil
	case err != nil:
		return fmt.Errorf("report: atomic dir %s: %w", d.final, err)
	case !d.overwrite:
		return fmt.Errorf("report: atomic dir %s: %w", d.final, ErrExists)
	}
	if err := CheckOverwrite(d.final, d.inputs...); err != nil {
		return fmt.Errorf("report: atomic dir %s: not replaced: %w", d.final, err)
	}

	old, err := asideName(d.final)
	if err != nil {
		return fmt.Errorf("report: atomic dir %s: %w", d.final, err)
	}
	// Both renames happen under the pending lock: an interrupt sees either the
	// old directory in place or the new one, never neither.
	err = publishPending(d.tmp, func() ([]string, error) {
		if err := os.Rename(d.final, old); err != nil {
			return nil, fmt.Errorf("move old directory aside: %w", err)
		}
		if err := os.Rename(d.tmp, d.final); err != nil {
			if rbErr := os.Rename(old, d.final); rbErr != nil {
				return nil, fmt.Errorf("%w; restoring the old directory also failed (%v): it is at %s", err, rbErr, old)
			}
			return nil, err
		}
		return []string{old}, nil
	})
	if err != nil {
		return fmt.Errorf("report: atomic dir %s: %w", d.final, err)
	}
	d.committed = true
	syncDir(parent)
	err = os.RemoveAll(old)
	donePending(old)
	if err != nil {
		return fmt.Errorf("report: atomic dir %s: committed, but removing the previous contents at %s failed: %w", d.final, old, err)
	}
	return nil
}

// Abort removes the temporary directory and everything in it. It is safe to
// call more than once and after Commit (then it does nothing), so it can be
// deferred right after NewAtomicDir.
func (d *AtomicDir) Abort() {
	if d == nil || d.committed || d.aborted {
		return
	}
	d.aborted = true
	abortPending(d.tmp)
}

// asideName returns an unused sibling name for moving path out of the way.
func asideName(path string) (string, error) {
	parent, base := filepath.Split(path)
	for range 16 {
		var b [6]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		p := filepath.Join(parent, "."+base+".old-"+hex.EncodeToString(b[:]))
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
	}
	return "", fmt.Errorf("could not find an unused name next to %s", path)
}

// syncTree fsyncs every regular file and directory under root.
func syncTree(root string) error {
	return filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !de.IsDir() && !de.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		serr := f.Sync()
		cerr := f.Close()
		if serr != nil && !de.IsDir() {
			return fmt.Errorf("%s: %w", p, serr)
		}
		return cerr
	})
}
