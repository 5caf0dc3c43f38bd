// Command benchtable times minima's loss, gradient and Hessian-vector product
// of an MLP and a CNN, the floor of each (its matrix products alone, in the
// same BLAS on the same threads) and, in the same run, the PyTorch peer
// (scripts/torch_hvp.py: double backward, and functorch's forward over reverse
// where it runs), and prints a table of times, ratios and allocations.
// `make bench` runs it.
//
// Timings are interleaved: each repetition runs minima's op, its floor and the
// peer's op back to back, so all three see the same machine load, and each
// ratio is the median of the per-repetition ratios. On a shared machine the
// absolute times are noisy; the ratios are what to compare.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/minima-project/minima/graph"
	"github.com/minima-project/minima/internal/bench"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchtable:", err)
	os.Exit(1)
}

// peer is the PyTorch script in serve mode: one op per line, seconds back.
type peer struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
	Name string
	ops  map[string]bool
}

func startPeer(script, threads string, args ...string) (*peer, error) {
	if _, err := os.Stat(script); err != nil {
		return nil, err
	}
	cmd := exec.Command("/usr/bin/python3", append([]string{script, "--serve"}, args...)...)
	cmd.Stderr = io.Discard
	// Debian's PyTorch runs its matrix products in OpenBLAS (BLAS_INFO=generic),
	// whose pool is sized by the environment, not by torch.set_num_threads.
	cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS="+threads, "OMP_NUM_THREADS="+threads)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &peer{cmd: cmd, in: in, out: bufio.NewScanner(out), ops: map[string]bool{}}
	if !p.out.Scan() {
		p.close()
		return nil, fmt.Errorf("peer %s did not start (python3-torch missing?)", script)
	}
	var hello struct {
		Peer string   `json:"peer"`
		Ops  []string `json:"ops"`
	}
	if err := json.Unmarshal(p.out.Bytes(), &hello); err != nil {
		p.close()
		return nil, fmt.Errorf("peer: %w", err)
	}
	p.Name = hello.Peer
	for _, o := range hello.Ops {
		p.ops[o] = true
	}
	return p, nil
}

// time runs op once in the peer; ok is false if the peer does not have it.
func (p *peer) time(op string) (ms float64, ok bool) {
	if p == nil || !p.ops[op] {
		return 0, false
	}
	if _, err := fmt.Fprintln(p.in, op); err != nil || !p.out.Scan() {
		return 0, false
	}
	s, err := strconv.ParseFloat(strings.TrimSpace(p.out.Text()), 64)
	return s * 1e3, err == nil
}

func (p *peer) close() {
	if p != nil {
		p.in.Close()
		p.cmd.Wait()
	}
}

func timeIt(f func() error) float64 {
	t := time.Now()
	if err := f(); err != nil {
		fail(err)
	}
	return float64(time.Since(t).Nanoseconds()) / 1e6
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	y := slices.Clone(x)
	slices.Sort(y)
	if len(y)%2 == 1 {
		return y[len(y)/2]
	}
	return (y[len(y)/2-1] + y[len(y)/2]) / 2
}

// series is one timed quantity over the repetitions.
type series []float64

func (s series) med() float64 { return median(s) }
func (s series) min() float64 { return slices.Min(s) }

// ratio is the median over rounds of the ratio of the rounds' medians: a and
// b hold rounds of k repetitions each.
func ratio(a, b series, k int) float64 {
	var r []float64
	for i := 0; i+k <= len(a) && i+k <= len(b); i += k {
		r = append(r, median(a[i:i+k])/median(b[i:i+k]))
	}
	return median(r)
}

type row struct {
	model, op            string
	dense                bool // the floor lists every product (dense layers only)
	ours, floor          series
	torch, fwdrev        series
	products             int
	gflop                float64
	allocs, bytes        float64
	torchName, torchNote string
}

// settle lets the other side's idle BLAS or OpenMP threads, which spin for a
// while after a call, go to sleep before the next block is timed.
func settle() { time.Sleep(300 * time.Millisecond) }

// measureModel times each op of p in rounds: k runs of minima's op, k of its
// floor, then k of the peer's op (and of its forward-over-reverse HVP). Blocks,
// not single calls, alternate: a thread pool that spins after its own calls
// would otherwise slow the other side's next call.
func measureModel(model string, p *bench.Problem, pr *peer, rounds, k int) []row {
	var rows []row
	for _, op := range p.Ops() {
		f, err := bench.NewFloor(p.Obj, op.Product, op.Varying)
		if err != nil {
			fail(err)
		}
		r := row{model: model, op: op.Name, products: f.Products(), gflop: f.Flops() / 1e9, dense: p.DenseOnly}
		if r.allocs, r.bytes, err = bench.Allocs(op.Run, 3); err != nil {
			fail(err)
		}
		f.Run() // warm-up
		pr.time(op.Peer)
		if op.Peer == "hvp" {
			pr.time("hvp_fwd_rev")
		}
		if pr != nil {
			settle() // the peer's warm-up, like its blocks, is followed by a pause
		}
		for range rounds {
			for range k {
				r.ours = append(r.ours, timeIt(op.Run))
			}
			for range k {
				r.floor = append(r.floor, timeIt(f.Run))
			}
			if pr == nil {
				continue
			}
			settle()
			for range k {
				if ms, ok := pr.time(op.Peer); ok {
					r.torch = append(r.torch, ms)
				}
			}
			if op.Peer == "hvp" {
				for range k {
					if ms, ok := pr.time("hvp_fwd_rev"); ok {
						r.fwdrev = append(r.fwdrev, ms)
					}
				}
			}
			settle()
		}
		rows = append(rows, r)
	}
	return rows
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func main() {
	sizesFlag := flag.String("sizes", "784,256,256,10", "MLP layer sizes")
	n := flag.Int("n", 1000, "MLP samples")
	cnnN := flag.Int("cnn-n", 1000, "CNN samples (0: no CNN row)")
	rounds := flag.Int("rounds", 3, "rounds of blocks (minima, floor, peer)")
	reps := flag.Int("reps", 5, "timed repetitions per block")
	f32 := flag.Bool("float32", true, "also the MLP and the CNN in float32 (sgemm floor, PyTorch float32 peer)")
	script := flag.String("peer", "scripts/torch_hvp.py", "PyTorch peer script (skipped if missing or torch is absent)")
	threadsFlag := flag.Int("threads", 0, "BLAS threads of minima and of the peer (0: minima's pinned count)")
	flag.Parse()
	if *threadsFlag > 0 {
		if err := graph.SetBLASThreads(*threadsFlag); err != nil {
			fmt.Fprintln(os.Stderr, "benchtable: --threads:", err)
			os.Exit(2)
		}
	}
	var sizes []int
	for _, s := range strings.Split(*sizesFlag, ",") {
		v, err := strconv.Atoi(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable: bad --sizes:", err)
			os.Exit(2)
		}
		sizes = append(sizes, v)
	}
	threads := strconv.Itoa(graph.BLASThreads())

	var rows []row
	peerName := "not run"
	{
		p, err := bench.NewProblem(sizes, *n, 1)
		if err != nil {
			fail(err)
		}
		pr, err := startPeer(*script, threads, "--model", "mlp", "--sizes", *sizesFlag, "--n", strconv.Itoa(*n), "--threads", threads, "--dtype", "64")
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable: PyTorch peer not run:", err)
		} else {
			peerName = pr.Name
		}
		rows = append(rows, measureModel("MLP "+*sizesFlag+", "+strconv.Itoa(*n), p, pr, *rounds, *reps)...)
		pr.close()
		p.Obj.Close()
	}
	if *f32 {
		p, err := bench.NewMLPProblem(sizes, *n, 1, true)
		if err != nil {
			fail(err)
		}
		pr, err := startPeer(*script, threads, "--model", "mlp", "--sizes", *sizesFlag, "--n", strconv.Itoa(*n), "--threads", threads, "--dtype", "32")
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable: PyTorch peer (float32) not run:", err)
		}
		rows = append(rows, measureModel("MLP "+*sizesFlag+", "+strconv.Itoa(*n)+", float32", p, pr, *rounds, *reps)...)
		pr.close()
		p.Obj.Close()
	}
	if *cnnN > 0 {
		p, err := bench.NewCNNProblem(*cnnN, 1)
		if err != nil {
			fail(err)
		}
		pr, err := startPeer(*script, threads, "--model", "cnn", "--n", strconv.Itoa(*cnnN), "--threads", threads, "--dtype", "64")
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable: PyTorch peer (CNN) not run:", err)
		}
		rows = append(rows, measureModel("CNN (graph.CNN defaults), "+strconv.Itoa(*cnnN), p, pr, *rounds, *reps)...)
		pr.close()
		p.Obj.Close()
	}
	if *cnnN > 0 && *f32 {
		p, err := bench.NewCNNDtypeProblem(*cnnN, 1, true)
		if err != nil {
			fail(err)
		}
		pr, err := startPeer(*script, threads, "--model", "cnn", "--n", strconv.Itoa(*cnnN), "--threads", threads, "--dtype", "32")
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable: PyTorch peer (CNN, float32) not run:", err)
		}
		rows = append(rows, measureModel("CNN (graph.CNN defaults), "+strconv.Itoa(*cnnN)+", float32", p, pr, *rounds, *reps)...)
		pr.close()
		p.Obj.Close()
	}

	fmt.Printf("float64 unless marked, minima BLAS=%s on %s threads, peer %s on %s threads; %d rounds of %d repetitions; load average %s\n\n",
		graph.BLAS, threads, peerName, threads, *rounds, *reps, loadavg())
	fmt.Println("| model | op | minima ms | floor ms | minima/floor | GFLOP (products) | allocs/op | MB/op | torch ms | minima/torch | torch fwd-over-rev ms | minima/fwd-over-rev |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		torch, tr, fr, frr := "–", "–", "–", "–"
		if len(r.torch) == len(r.ours) {
			torch = fmt.Sprintf("%.1f (min %.1f)", r.torch.med(), r.torch.min())
			tr = fmt.Sprintf("%.2f", ratio(r.ours, r.torch, *reps))
		}
		if len(r.fwdrev) == len(r.ours) {
			fr = fmt.Sprintf("%.1f (min %.1f)", r.fwdrev.med(), r.fwdrev.min())
			frr = fmt.Sprintf("%.2f", ratio(r.ours, r.fwdrev, *reps))
		}
		fl, flr := fmt.Sprintf("%.1f (min %.1f)", r.floor.med(), r.floor.min()), fmt.Sprintf("%.2f", ratio(r.ours, r.floor, *reps))
		if !r.dense {
			fl, flr = "–", "–" // the convolutions' products run inside graph/ops, unlisted
		}
		fmt.Printf("| %s | %s | %.1f (min %.1f) | %s | %s | %.2f (%d) | %.0f | %.2f | %s | %s | %s | %s |\n",
			r.model, r.op, r.ours.med(), r.ours.min(), fl, flr,
			r.gflop, r.products, r.allocs, r.bytes/1e6, torch, tr, fr, frr)
	}
	fmt.Println("\nminima ms and torch ms: median (and minimum) wall time of one evaluation; ratios: median over rounds of the ratio of the rounds' medians.")
	fmt.Println("floor: the evaluation's matrix products alone (graph.Objective.MatMuls) in the same BLAS and threads; GFLOP: theirs")
	fmt.Println("(for the CNN only the dense layers' products: the convolutions' run inside graph/ops, so no floor is given).")
	fmt.Println("hvp: at the θ of the last product (as in Lanczos: the values not depending on v are kept; floor: the products depending on v);")
	fmt.Println("hvp, new θ: at another θ each time (nothing kept; floor: all its products). The peer recomputes everything in both rows.")
}
