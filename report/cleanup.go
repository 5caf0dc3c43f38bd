package report

import "sync"

// pending holds the temporary files and directories being written, so that a
// process interrupted by a signal can remove them (RemovePending) and leave
// no half-written output behind.
var pending = struct {
	sync.Mutex
	paths map[string]bool
}{paths: map[string]bool{}}

func addPending(path string) {
	pending.Lock()
	pending.paths[path] = true
	pending.Unlock()
}

func donePending(path string) {
	pending.Lock()
	delete(pending.paths, path)
	pending.Unlock()
}

// RemovePending removes every temporary file and directory that an unfinished
// WriteFileAtomic or AtomicDir still holds. Call it from a signal handler
// before exiting; the final paths are never touched.
func RemovePending() {
	pending.Lock()
	defer pending.Unlock()
	for p := range pending.paths {
		removeAll(p)
		delete(pending.paths, p)
	}
}
