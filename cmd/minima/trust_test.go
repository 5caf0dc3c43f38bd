package main

// Tests of what minima promises about the user's files: --overwrite replaces
// only minima's own output and never an input or the working directory,
// output paths are checked before any work, and a run ended by a signal
// leaves no temporary output and exits with 128+signal. The refusals run in
// process (runMinima); the signal tests start the built binary.

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minima-project/minima/datasets"
	"github.com/minima-project/minima/report"
)

// trustTree lists every path below root with its size, links not followed,
// so that a test can check a refused run changed nothing.
func trustTree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := de.Info()
		if err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s %v %d", p, fi.Mode(), fi.Size()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// trustRefused runs args, expects a usage error (exit 2) on one line that
// mentions every string of want, and checks that root did not change.
func trustRefused(t *testing.T, root string, args []string, want ...string) {
	t.Helper()
	before := trustTree(t, root)
	r := runMinima(t, args...)
	expectExit(t, r, 2, args...)
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("%v: stderr is not one line: %q", args, r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("%v: stderr %q does not mention %q", args, r.stderr, w)
		}
	}
	if after := trustTree(t, root); !slices.Equal(after, before) {
		t.Errorf("%v: refused run changed %s:\nbefore %v\nafter  %v", args, root, before, after)
	}
}

// userDir makes a directory holding a user's file (no marker).
func userDir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "thesis.tex"), []byte("years of work"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// --overwrite refuses a directory minima did not write, for every command.
func TestTrustOverwriteRefusesUserDirectory(t *testing.T) {
	model := clustersModel(t)
	root := t.TempDir()
	victim := userDir(t, filepath.Join(root, "victim"))
	for _, args := range [][]string{
		trainArgs(victim, 1, "--overwrite"),
		{"eval", "--model", model, "--dump", victim, "--overwrite"},
		{"hessian", "--model", model, "--out", victim, "--overwrite"},
		{"sharpness", "--model", model, "--out", victim, "--overwrite"},
		{"reparam", "--model", model, "--out", victim, "--overwrite"},
	} {
		trustRefused(t, root, args, victim, "not written by minima", "--overwrite")
	}
}

// What minima writes carries the marker, and --overwrite replaces it.
func TestTrustOverwriteReplacesOwnOutput(t *testing.T) {
	model := clustersModel(t)
	m, err := report.ReadMarker(model)
	if err != nil || m.Command != "minima train" {
		t.Fatalf("model marker %+v, %v", m, err)
	}
	out := filepath.Join(t.TempDir(), "h")
	args := []string{"hessian", "--model", model, "--out", out, "--quiet"}
	runOK(t, args...)
	if m, err := report.ReadMarker(out); err != nil || m.Command != "minima hessian" {
		t.Fatalf("results marker %+v, %v", m, err)
	}
	args = append(args, "--overwrite")
	runOK(t, args...)
}

// Neither the working directory nor any of its ancestors is replaced, even
// if minima wrote it.
func TestTrustOverwriteRefusesWorkingDirectory(t *testing.T) {
	root := t.TempDir()
	outer := filepath.Join(root, "res")
	args := []string{"reparam", "--model", clustersModel(t), "--out", outer, "--alpha", "1,10", "--quiet"}
	runOK(t, args...)
	inner := filepath.Join(outer, "alpha_10") // a model minima wrote
	t.Chdir(inner)
	for _, out := range []string{inner, ".", "./", "..", outer, "../..", "/"} {
		trustRefused(t, root, trainArgs(out, 1, "--overwrite"), "--out")
	}
	trustRefused(t, root, []string{"eval", "--model", ".", "--dump", outer, "--overwrite"}, "--dump")
}

// An output that holds an input only through symbolic links is refused: a
// params directory linked into another minima output, MNIST files linked
// from a minima output.
func TestTrustOverwriteRefusesLinkedInputs(t *testing.T) {
	model := clustersModel(t)
	root := t.TempDir()
	// res is minima's output; the model's params now live there.
	res := filepath.Join(root, "res")
	args := []string{"eval", "--model", model, "--dump", res, "--quiet"}
	runOK(t, args...)
	if err := os.Rename(filepath.Join(model, "params"), filepath.Join(res, "params")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(res, "params"), filepath.Join(model, "params")); err != nil {
		t.Fatal(err)
	}
	trustRefused(t, root, []string{"eval", "--model", model, "--dump", res, "--overwrite"}, "--dump", "would replace --model")

	// MNIST files that are links into minima's output, found through
	// $MINIMA_DATA.
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{datasets.MNISTTrainImages, datasets.MNISTTrainLabels, datasets.MNISTTestImages, datasets.MNISTTestLabels} {
		if err := os.WriteFile(filepath.Join(res, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(res, f), filepath.Join(data, f)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(datasets.MNISTEnv, data)
	other := trainModel(t, 2)
	trustRefused(t, root, []string{"hessian", "--model", other, "--out", res, "--overwrite"}, "--out", "would replace the MNIST directory")
}

// Output paths that cannot be written are refused before any work, in one
// line naming the flag.
func TestTrustOutputPathsCheckedFirst(t *testing.T) {
	model := clustersModel(t)
	root := t.TempDir()
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "dir")
	args := []string{"eval", "--model", model, "--dump", dir, "--quiet"}
	runOK(t, args...)
	link := filepath.Join(root, "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		out  string
		want string
	}{
		{file, "not a directory"},
		{filepath.Join(file, "sub"), "not a directory"},
		{link, "symbolic link"},
		{".", "name a new directory"},
		{"..", "name a new directory"},
	} {
		for _, cmd := range [][]string{
			{"hessian", "--model", model, "--out", tc.out, "--overwrite"},
			{"sharpness", "--model", model, "--out", tc.out, "--overwrite"},
			{"reparam", "--model", model, "--out", tc.out, "--overwrite"},
			{"eval", "--model", model, "--dump", tc.out, "--overwrite"},
			trainArgs(tc.out, 1, "--overwrite"),
		} {
			flag := "--out"
			if cmd[0] == "eval" {
				flag = "--dump"
			}
			trustRefused(t, root, cmd, flag, tc.want)
		}
	}
}

// trustTemps lists the temporary (".tmp-") and set-aside (".old-") paths
// below root.
func trustTemps(t *testing.T, root string) []string {
	t.Helper()
	var found []string
	filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err == nil && (strings.Contains(de.Name(), ".tmp-") || strings.Contains(de.Name(), ".old-")) {
			found = append(found, p)
		}
		return nil
	})
	return found
}

// A run ended by SIGINT, SIGTERM, SIGHUP or SIGQUIT at any moment exits with
// 128+signal (or 0 if it finished first), prints no goroutine dump, and
// leaves no temporary output and no parent directory it created. reparam
// writes models inside its results directory, the case where a nested save
// used to re-create a removed temporary directory.
func TestTrustSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary about 20 times")
	}
	work := t.TempDir()
	bin := buildBinary(t, work)
	model := clustersModel(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		for i := range 5 {
			t.Run(fmt.Sprintf("%v/%d", sig, i), func(t *testing.T) {
				root := filepath.Join(work, fmt.Sprintf("run-%d-%d", sig, i))
				if err := os.Mkdir(root, 0o755); err != nil {
					t.Fatal(err)
				}
				out := filepath.Join(root, "new", "a", "b", "res")
				cmd := exec.Command(bin, "reparam", "--model", model, "--out", out, "--quiet")
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				// Not before main has installed the handler (a few ms).
				time.Sleep(time.Duration(100+rng.IntN(3000)) * time.Millisecond)
				_ = cmd.Process.Signal(sig)
				_ = cmd.Wait()
				code := cmd.ProcessState.ExitCode()
				switch code {
				case 0:
					if _, err := os.Stat(filepath.Join(out, "reparam.json")); err != nil {
						t.Errorf("exit 0 without output: %v", err)
					}
				case 128 + int(sig):
					// Nothing, unless the signal came after the commit: then
					// the complete output.
					_, err := os.Lstat(filepath.Join(root, "new"))
					if _, merr := report.ReadMarker(out); !os.IsNotExist(err) && merr != nil {
						t.Errorf("interrupted run left %v", trustTree(t, filepath.Join(root, "new")))
					}
				default:
					t.Errorf("exit %d, want %d (or 0 if it finished); stderr:\n%s", code, 128+int(sig), stderr.String())
				}
				if s := stderr.String(); strings.Contains(s, "goroutine ") || strings.Count(s, "\n") > 1 {
					t.Errorf("stderr:\n%s", s)
				}
				if left := trustTemps(t, root); len(left) > 0 {
					t.Errorf("temporary output left: %v", left)
				}
			})
		}
	}
}

// A run killed with SIGKILL cannot clean up; the next run writing into the
// same directory removes what it left.
func TestTrustStaleTempsRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary")
	}
	work := t.TempDir()
	bin := buildBinary(t, work)
	model := clustersModel(t)
	parent := filepath.Join(work, "results")
	var left []string
	for try := 0; try < 10 && len(left) == 0; try++ {
		os.RemoveAll(parent)
		cmd := exec.Command(bin, "reparam", "--model", model, "--out", filepath.Join(parent, "res"), "--quiet")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(500+200*try) * time.Millisecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		left = trustTemps(t, parent)
	}
	if len(left) == 0 {
		t.Skip("could not kill a run while it had temporary output")
	}
	args := []string{"hessian", "--model", model, "--out", filepath.Join(parent, "h"), "--quiet"}
	runOK(t, args...)
	if still := trustTemps(t, parent); len(still) > 0 {
		t.Errorf("the killed run's temporary output survived the next run: %v", still)
	}
}
