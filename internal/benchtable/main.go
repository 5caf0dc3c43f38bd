// Command benchtable times minima's loss, gradient and Hessian-vector product
// on an MLP and, in the same run, the PyTorch peer (../shared/peer/torch_hvp.py)
// on the same problem, and prints a table of times and ratios. `make bench`
// runs it. Absolute times on shared machines are noisy; ratios from one run are
// what to compare.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/internal/bench"
)

type timing struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
}

func measure(reps int, f func() error) (timing, error) {
	if err := f(); err != nil {
		return timing{}, err
	}
	ts := make([]float64, reps)
	for i := range ts {
		t := time.Now()
		if err := f(); err != nil {
			return timing{}, err
		}
		ts[i] = float64(time.Since(t).Microseconds()) / 1e3
	}
	slices.Sort(ts)
	return timing{Median: ts[reps/2], Min: ts[0]}, nil
}

func main() {
	sizesFlag := flag.String("sizes", "784,256,256,10", "layer sizes")
	n := flag.Int("n", 1000, "samples")
	reps := flag.Int("reps", 15, "timed repetitions")
	peer := flag.String("peer", "../shared/peer/torch_hvp.py", "PyTorch peer script (skipped if missing or torch is absent)")
	flag.Parse()
	var sizes []int
	for _, s := range strings.Split(*sizesFlag, ",") {
		v, err := strconv.Atoi(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable: bad --sizes:", err)
			os.Exit(2)
		}
		sizes = append(sizes, v)
	}
	p, err := bench.NewProblem(sizes, *n, 1)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	defer p.Obj.Close()
	ours := map[string]timing{}
	for _, op := range []struct {
		name string
		f    func() error
	}{{"forward", p.Forward}, {"gradient", p.Gradient}, {"hvp", p.HVP}} {
		t, err := measure(*reps, op.f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
		ours[op.name] = t
	}

	var theirs map[string]timing
	peerName := "pytorch (not run: " + *peer + " or torch missing)"
	if _, err := os.Stat(*peer); err == nil {
		out, err := exec.Command("/usr/bin/python3", *peer, "--sizes", *sizesFlag, "--n", strconv.Itoa(*n),
			"--threads", "2", "--dtype", "64", "--reps", strconv.Itoa(*reps)).Output()
		if err == nil {
			var res map[string]json.RawMessage
			if json.Unmarshal(out, &res) == nil {
				theirs = map[string]timing{}
				for _, k := range []string{"forward", "gradient", "hvp"} {
					var t timing
					json.Unmarshal(res[k+"_ms"], &t)
					theirs[k] = t
				}
				var name string
				json.Unmarshal(res["peer"], &name)
				peerName = name
			}
		}
	}

	fmt.Printf("MLP %s, %d samples, float64, minima BLAS=%s, peer %s\n\n", *sizesFlag, *n, graph.BLAS, peerName)
	fmt.Printf("| op | minima median ms | minima min ms | peer median ms | peer min ms | minima/peer (median) |\n")
	fmt.Printf("|---|---:|---:|---:|---:|---:|\n")
	for _, k := range []string{"forward", "gradient", "hvp"} {
		o := ours[k]
		if t, ok := theirs[k]; ok {
			fmt.Printf("| %s | %.1f | %.1f | %.1f | %.1f | %.2f |\n", k, o.Median, o.Min, t.Median, t.Min, o.Median/t.Median)
		} else {
			fmt.Printf("| %s | %.1f | %.1f | – | – | – |\n", k, o.Median, o.Min)
		}
	}
	fmt.Printf("\nminima HVP/gradient time ratio: %.2f", ours["hvp"].Median/ours["gradient"].Median)
	if theirs != nil {
		fmt.Printf("; peer: %.2f", theirs["hvp"].Median/theirs["gradient"].Median)
	}
	fmt.Println()
}
