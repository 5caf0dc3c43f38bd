package report

import (
	"errors"
	"os"
	"sync"
)

// pending holds the temporary files and directories being written, so that a
// process interrupted by a signal can remove them (RemovePending) and leave
// no half-written output behind. Creating a temporary path and publishing it
// (the renames of a commit) happen under its lock, so an interrupt either
// comes before a commit, which then fails, or after it is complete.
var pending = struct {
	sync.Mutex
	paths       map[string]bool
	interrupted bool
}{paths: map[string]bool{}}

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
		pending.paths[p] = true
	}
	return p, err
}

// publishPending runs publish (the renames that make tmp the final output)
// if tmp is still pending and no interrupt has happened; tmp is no longer
// pending afterwards. Paths returned by publish (such as an old copy moved
// aside, to be removed next) become pending instead.
func publishPending(tmp string, publish func() ([]string, error)) error {
	pending.Lock()
	defer pending.Unlock()
	if pending.interrupted || !pending.paths[tmp] {
		return errInterrupted
	}
	garbage, err := publish()
	if err != nil {
		return err
	}
	delete(pending.paths, tmp)
	for _, g := range garbage {
		pending.paths[g] = true
	}
	return nil
}

// donePending forgets a temporary path that was removed or published.
func donePending(path string) {
	pending.Lock()
	delete(pending.paths, path)
	pending.Unlock()
}

// RemovePending removes every temporary file and directory that an unfinished
// WriteFileAtomic or AtomicDir still holds, and makes every later write and
// commit in this process fail. Call it from a signal handler before exiting;
// committed outputs are never touched.
func RemovePending() {
	pending.Lock()
	defer pending.Unlock()
	pending.interrupted = true
	for p := range pending.paths {
		_ = os.RemoveAll(p)
		delete(pending.paths, p)
	}
}

// resetPending undoes RemovePending, for tests.
func resetPending() {
	pending.Lock()
	pending.interrupted = false
	pending.Unlock()
}
