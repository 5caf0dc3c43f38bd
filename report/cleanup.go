package report

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// pending holds the temporary files and directories being written, so that a
// process interrupted by a signal can remove them (RemovePending) and leave
// no half-written output behind. Every change to the file system that
// creates or publishes a temporary path — creating it, creating the missing
// parents of an output, creating subdirectories inside a temporary
// directory, the renames of a commit, removing it on Abort — happens under
// its lock, so an interrupt comes either before such a step, which then
// fails, or after it is complete. Nothing is ever re-created after
// RemovePending.
var pending = struct {
	sync.Mutex
	// paths maps a temporary path (removed whole) to the parent
	// directories created for it, outermost first: they are removed too,
	// if empty, unless the path is published.
	paths       map[string][]string
	interrupted bool
}{paths: map[string][]string{}}

// errInterrupted is returned by writes that start or finish after
// RemovePending.
var errInterrupted = errors.New("interrupted")

// createPending runs create, which makes a temporary path, and registers it.
func createPending(create func() (string, error)) (string, error) {
	pending.Lock()
	defer pending.Unlock()
	if pending.interrupted {
		return "", errInterrupted
	}
	p, err := create()
	if err == nil {
		pending.paths[p] = nil
	}
	return p, err
}

// createPendingDir creates the missing parents of parent/base and then a
// temporary directory in parent (see tempPattern), registering both: the
// temporary directory is removed by abortPending or RemovePending, and so
// are the parents it created (if still empty) unless it is published.
func createPendingDir(parent, base string) (tmp string, err error) {
	pending.Lock()
	defer pending.Unlock()
	if pending.interrupted {
		return "", errInterrupted
	}
	created, err := mkdirParents(parent)
	if err != nil {
		return "", err
	}
	tmp, err = os.MkdirTemp(parent, tempPattern(base))
	if err != nil {
		removeEmpty(created)
		return "", err
	}
	pending.paths[tmp] = created
	return tmp, nil
}

// mkdirParents creates dir and its missing ancestors (mode 0755) and returns
// the directories it created, outermost first.
func mkdirParents(dir string) ([]string, error) {
	var missing []string
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, p)
		if filepath.Dir(p) == p {
			break
		}
	}
	slices.Reverse(missing)
	var created []string
	for _, p := range missing {
		if err := os.Mkdir(p, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			removeEmpty(created)
			return nil, err
		} else if err == nil {
			created = append(created, p)
		}
	}
	// A final Stat reports a parent that is not a directory (or a link to
	// none) the way MkdirAll would.
	if fi, err := os.Stat(dir); err != nil {
		removeEmpty(created)
		return nil, err
	} else if !fi.IsDir() {
		removeEmpty(created)
		return nil, &os.PathError{Op: "mkdir", Path: dir, Err: errors.New("not a directory")}
	}
	return created, nil
}

// removeEmpty removes the directories dirs, innermost first, as long as they
// are empty: a directory another process has started to use stays.
func removeEmpty(dirs []string) {
	for i := len(dirs) - 1; i >= 0; i-- {
		if os.Remove(dirs[i]) != nil {
			return
		}
	}
}

// mkdirInPending creates dir, a directory below the pending temporary
// directory tmp, with its missing parents below tmp; it does nothing if tmp
// is no longer pending (removed by Abort or an interrupt) and never
// re-creates tmp itself.
func mkdirInPending(tmp, dir string) {
	rel, err := filepath.Rel(tmp, dir)
	if err != nil || !filepath.IsLocal(rel) {
		return
	}
	pending.Lock()
	defer pending.Unlock()
	if _, ok := pending.paths[tmp]; !ok || pending.interrupted {
		return
	}
	root, err := os.OpenRoot(tmp)
	if err != nil {
		return
	}
	_ = root.MkdirAll(rel, 0o755)
	root.Close()
}

// publishPending runs publish (the renames that make tmp the final output)
// if tmp is still pending and no interrupt has happened; tmp and the parents
// created for it are no longer pending afterwards. Paths returned by publish
// (such as an old copy moved aside, to be removed next) become pending
// instead.
func publishPending(tmp string, publish func() ([]string, error)) error {
	pending.Lock()
	defer pending.Unlock()
	if _, ok := pending.paths[tmp]; pending.interrupted || !ok {
		return errInterrupted
	}
	garbage, err := publish()
	if err != nil {
		return err
	}
	delete(pending.paths, tmp)
	for _, g := range garbage {
		pending.paths[g] = nil
	}
	return nil
}

// abortPending removes the pending path p and the parents created for it
// (those still empty), and forgets it. A path that is no longer pending is
// left alone.
func abortPending(p string) {
	pending.Lock()
	defer pending.Unlock()
	created, ok := pending.paths[p]
	if !ok {
		return
	}
	_ = os.RemoveAll(p)
	removeEmpty(created)
	delete(pending.paths, p)
}

// donePending forgets a temporary path that was removed or published.
func donePending(path string) {
	pending.Lock()
	delete(pending.paths, path)
	pending.Unlock()
}

// RemovePending removes every temporary file and directory that an unfinished
// WriteFileAtomic or AtomicDir still holds, with the parent directories
// created for an unfinished AtomicDir (if empty), and makes every later write,
// directory creation and commit in this process fail. Call it from a signal
// handler before exiting; committed outputs are never touched.
func RemovePending() {
	pending.Lock()
	defer pending.Unlock()
	pending.interrupted = true
	// Longest paths first: a nested temporary directory goes before the one
	// holding it, and created parents are emptied before being removed.
	paths := make([]string, 0, len(pending.paths))
	for p := range pending.paths {
		paths = append(paths, p)
	}
	slices.SortFunc(paths, func(a, b string) int { return len(b) - len(a) })
	for _, p := range paths {
		_ = os.RemoveAll(p)
	}
	for _, p := range paths {
		removeEmpty(pending.paths[p])
		delete(pending.paths, p)
	}
}

// Interrupted reports whether RemovePending has been called: from then on
// every write of this package fails.
func Interrupted() bool {
	pending.Lock()
	defer pending.Unlock()
	return pending.interrupted
}

// resetPending undoes RemovePending, for tests.
func resetPending() {
	pending.Lock()
	pending.interrupted = false
	pending.Unlock()
}
