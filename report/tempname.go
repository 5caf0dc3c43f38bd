package report

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Temporary files and directories are named ".<base>.tmp-<host>-<pid>-<random>"
// so that runs on several hosts (Slurm shards writing into one shared
// directory) never mistake each other's temporary output for their own, and
// a later run on the same host can recognise the leftovers of a run that was
// killed (SIGKILL, power loss) and remove them (RemoveStaleTemps).

// tempTag returns "<host>-<pid>" for this process. The host name is reduced
// to letters, digits, '.', '_' and '-' (others become '_') and to 64 bytes.
var tempTag = sync.OnceValue(func() string {
	return hostTag() + "-" + strconv.Itoa(os.Getpid())
})

// hostTag is this host's name as it appears in temporary names.
var hostTag = sync.OnceValue(func() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	b := []byte(h)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
})

// tempPattern is the os.MkdirTemp / os.CreateTemp pattern of a temporary
// sibling of base.
func tempPattern(base string) string {
	return "." + base + ".tmp-" + tempTag() + "-*"
}

// staleTempPID returns the process id in name if name is a temporary name
// made on this host (by any process, including this one), or 0.
func staleTempPID(name string) int {
	marker := ".tmp-" + hostTag() + "-"
	i := strings.LastIndex(name, marker)
	if !strings.HasPrefix(name, ".") || i < 1 {
		return 0
	}
	pid, rnd, ok := strings.Cut(name[i+len(marker):], "-")
	if !ok || !allDigits(pid) || !allDigits(rnd) {
		return 0
	}
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// processDead reports whether no process with id pid exists on this host.
// A process that exists but belongs to another user (EPERM) is alive.
func processDead(pid int) bool {
	if pid == os.Getpid() {
		return false
	}
	err := syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

// RemoveStaleTemps removes, in the directory dir, the temporary files and
// directories that a process on this host left behind when it was killed
// before it could clean up: entries named ".<base>.tmp-<host>-<pid>-<random>"
// whose host is this host and whose process no longer exists. Temporary
// output of live processes, and of any process on another host, is never
// touched. It returns the paths it removed; errors are ignored (a leftover
// that cannot be removed stays).
//
// NewAtomicDir calls it on the parent of every directory it creates.
func RemoveStaleTemps(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		pid := staleTempPID(e.Name())
		if pid == 0 || !processDead(pid) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if os.RemoveAll(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}
