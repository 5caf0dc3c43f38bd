package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/study"
	"github.com/minima-project/minima/sweep"
)

// batchsizeArgs is a tiny comparison: 3 clusters in 4 dimensions, a 4-4-3
// MLP, batch 2 against 30, one seed, few probes.
func batchsizeArgs(out string, extra ...string) []string {
	return append([]string{"--quiet", "batchsize", "--data", "clusters", "--classes", "3", "--dim", "4", "--per-class", "10",
		"--test-per-class", "5", "--arch", "mlp", "--hidden", "4", "--sizes", "2,30", "--seeds", "1", "--top", "2", "--bottom", "1",
		"--subspace", "3", "--probes", "2", "--flatness-directions", "1", "--sharpness-iters", "1", "--out", out}, extra...)
}

// Each refusal exits 2 with a message naming its flag (the flag that is
// wrong, not another one the default settings trip over).
func TestE2EBatchsizeUsageErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o")
	for _, c := range []struct {
		extra []string
		want  string
	}{
		{[]string{"--sizes", "10"}, "--sizes"},
		{[]string{"--seeds", "a"}, "--seeds"},
		{[]string{"--eps", "-1"}, "--eps"},
		{[]string{"--data", "x"}, "--data"},
		{[]string{"--loss", "hinge"}, "--loss"},
		{[]string{"--arch", "rnn"}, "--arch"},
		{[]string{"--arch", "cnn"}, "--arch cnn needs images"},
		{[]string{"--conv", "4"}, "--conv applies to --arch cnn only"},
		{[]string{"--steps", "10", "--epochs", "3"}, "give --epochs or --steps, not both"},
		{[]string{"--steps", "0"}, "--steps must be ≥ 1"},
		{[]string{"--epochs", "0"}, "--epochs must be ≥ 1"},
	} {
		args := batchsizeArgs(out, c.extra...)
		r := runMinima(t, args...)
		expectExit(t, r, 2, args...)
		if !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: stderr %q does not say %q", c.extra, r.stderr, c.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("refused runs left %s behind", out)
	}
}

// --steps trains every model that many steps: the report says so and each
// model records it.
func TestE2EBatchsizeSteps(t *testing.T) {
	out := filepath.Join(t.TempDir(), "res")
	args := batchsizeArgs(out, "--steps", "7")
	runOK(t, args...)
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "7 SGD steps") {
		t.Errorf("report.md does not say 7 SGD steps:\n%s", md)
	}
	for _, id := range []string{"batch=2+seed=1", "batch=30+seed=1"} {
		b, err := os.ReadFile(filepath.Join(out, sweep.RunsDir, id, "model", "model.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Train graph.TrainInfo `json:"train"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m.Train.Steps != 7 || m.Train.Epochs != 0 {
			t.Errorf("%s trained %d steps, %d epochs; want 7 steps", id, m.Train.Steps, m.Train.Epochs)
		}
	}
}

// parseArch runs the batchsize command's flag parsing on args and returns
// the architecture settings they give for MNIST.
func parseArch(t *testing.T, args ...string) study.ArchSettings {
	t.Helper()
	var got study.ArchSettings
	cmd := batchsizeCommand()
	cmd.Action = func(c *cli.Context) error {
		src, err := dataSource(c)
		if err != nil {
			return err
		}
		got, err = archSettings(c, src)
		return err
	}
	app := &cli.App{Name: "minima", Commands: []*cli.Command{cmd}}
	if err := app.Run(append([]string{"minima", "batchsize"}, args...)); err != nil {
		t.Fatal(err)
	}
	return got
}

// Without architecture flags, batchsize trains the study's default CNN.
func TestBatchsizeDefaultArchIsTheStudyDefault(t *testing.T) {
	if got, want := parseArch(t), study.DefaultBatchSizeSettings().Arch; !reflect.DeepEqual(got, want) {
		t.Fatalf("default flags give %+v (CNN %+v), want %+v (CNN %+v)", got, got.CNN, want, want.CNN)
	}
}

// The CNN flags are read as train reads them.
func TestBatchsizeCNNFlags(t *testing.T) {
	got := parseArch(t, "--conv", "3,5", "--kernel", "3", "--pool", "1", "--hidden", "", "--no-bias")
	want := &graph.CNNSettings{Input: graph.Shape{1, 28, 28}, Channels: []int{3, 5}, Kernel: 3, Pool: 1, Hidden: []int{}}
	if got.Arch != study.ArchCNN || got.Bias || !reflect.DeepEqual(got.CNN, want) {
		t.Fatalf("got %+v (CNN %+v), want cnn without biases, CNN %+v", got, got.CNN, want)
	}
}
