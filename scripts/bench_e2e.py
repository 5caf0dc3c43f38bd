#!/usr/bin/env python3
"""End-to-end spectrum benchmark (issue 10, targets 1 and 4): the top K Hessian
eigenvalues of a trained MLP over its training images, by

  minima hessian --model M --top K --bottom 0 --tol T        (Lanczos, residuals certified;
                                                            with --minima-dtype 32 also --float32)
  scripts/torch_eigsh.py (PyTorch double-backward HVP + scipy eigsh(which="LA", tol=T))

each as a whole process (start-up included), on the same weights and samples. Runs
alternate (minima, peer, minima, peer, ...) so both see the same machine load. Prints
wall seconds, peak RSS, products, the time ratio and the eigenvalues' agreement.

  make bench-e2e                     # 784-256-256-10 on 1,000 MNIST images
  make bench-full                    # the same on all 60,000 training images (long)
  python3 scripts/bench_e2e.py --bin bin/minima --n 1000 --reps 2
"""
import argparse, json, os, subprocess, sys, time


def run(cmd, env=None):
    """Runs cmd (with env added to the environment); returns (wall seconds, peak RSS
    in MB, stdout, CPU seconds: user + system over all its threads)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, **(env or {})))
    stdout = p.stdout.read()
    stderr = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        sys.exit("bench_e2e: %s failed:\n%s" % (" ".join(cmd), stderr[-2000:]))
    return wall, ru.ru_maxrss / 1024, stdout, ru.ru_utime + ru.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="bin/minima")
    ap.add_argument("--out", default="out/bench-e2e")
    ap.add_argument("--n", type=int, default=1000, help="MNIST training images (60000: all)")
    ap.add_argument("--hidden", default="256,256")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--threads", default="2",
                    help="comma-separated thread counts, each given to both: minima's BLAS "
                         "(MINIMA_BLAS_THREADS) and PyTorch's (OMP_NUM_THREADS, and OPENBLAS_NUM_THREADS: "
                         "Debian's PyTorch and scipy multiply matrices in OpenBLAS)")
    ap.add_argument("--peer-dtype", default="64", help="comma-separated dtypes of the peer's X and products: 64, 32")
    ap.add_argument("--minima-dtype", default="64", help="comma-separated dtypes of minima's products: 64, 32 (--float32)")
    ap.add_argument("--minima-args", default="", help="extra flags for minima hessian")
    a = ap.parse_args()

    tag = "mlp-%s-n%d" % (a.hidden.replace(",", "-"), a.n)
    model = os.path.join(a.out, tag, "model")
    hess = os.path.join(a.out, tag, "hessian")
    if not os.path.exists(os.path.join(model, "model.json")):
        train = [a.bin, "train", "--data", "mnist", "--hidden", a.hidden, "--batch-size", "64",
                 "--epochs", str(a.epochs), "--lr", "0.05", "--momentum", "0.9", "--seed", "1",
                 "--out", model, "--quiet"]
        if a.n < 60000:
            train[4:4] = ["--subset", str(a.n)]
        print("training", " ".join(train), file=sys.stderr)
        run(train, {"MINIMA_BLAS_THREADS": a.threads.split(",")[0]})

    mcmd = [a.bin, "hessian", "--model", model, "--top", str(a.top), "--bottom", "0",
            "--tol", str(a.tol), "--out", hess, "--overwrite", "--quiet"] + a.minima_args.split()
    for threads in a.threads.split(","):
        compare(a, mcmd, model, hess, int(threads))


# PAGE_FAULTS times filling a fresh 123 MB float64 tensor (60,000 × 256, one hidden
# layer's activations on all of MNIST) against filling one allocated before, in
# PyTorch's allocator on 1 thread: the peer allocates its intermediates afresh on
# every product, so where fresh memory is slow to fault in (a fresh virtual machine)
# its time grows on large sample counts; minima allocates its buffers once.
PAGE_FAULTS = """
import time, torch
torch.set_num_threads(1)
def fresh():
    torch.empty((60000, 256), dtype=torch.float64).fill_(1.0)
b = torch.empty((60000, 256), dtype=torch.float64)
def reused():
    b.fill_(1.0)
ms = []
for f in (fresh, reused):
    f()
    t = time.perf_counter()
    for _ in range(10):
        f()
    ms.append((time.perf_counter() - t) / 10 * 1e3)
print("%.1f %.1f" % tuple(ms))
"""


def page_faults():
    """Returns (ms to fill a fresh 123 MB tensor, ms to fill a reused one)."""
    out = subprocess.run(["/usr/bin/python3", "-c", PAGE_FAULTS], capture_output=True, text=True, check=True).stdout
    fresh, reused = map(float, out.split())
    return fresh, reused


def med(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def compare(a, mcmd, model, hess, threads):
    """Runs minima in each --minima-dtype and the peer in each --peer-dtype, in
    alternating blocks, and prints the table and every ratio (like for like
    first: minima float64 / peer float64, minima float32 / peer float32)."""
    ours = {d: [] for d in a.minima_dtype.split(",")}
    theirs = {d: [] for d in a.peer_dtype.split(",")}
    for _ in range(a.reps):
        for d in ours:
            out = hess if d == "64" else hess + "-f32"
            cmd = mcmd[:mcmd.index("--out") + 1] + [out] + mcmd[mcmd.index("--out") + 2:]
            if d == "32":
                cmd += ["--float32"]
            wall, rss, _, cpu = run(cmd, {"MINIMA_BLAS_THREADS": str(threads)})
            res = json.load(open(os.path.join(out, "hessian.json")))
            # timing.json: seconds are the spectrum's (products, Lanczos),
            # startup_seconds from the process's start to the spectrum's (model,
            # samples, graphs built and compiled); the rest of the wall time is
            # writing the results.
            timing = json.load(open(os.path.join(out, "timing.json")))
            res["outside_seconds"] = wall - timing["seconds"]
            res["startup_seconds"] = timing["startup_seconds"]
            ours[d].append((wall, rss, res, cpu))
        for d in theirs:
            pcmd = ["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "torch_eigsh.py"),
                    "--model", model, "--samples", hess, "--top", str(a.top), "--tol", str(a.tol),
                    "--threads", str(threads), "--dtype", d]
            # Debian's PyTorch runs its matrix products in OpenBLAS (the same library
            # scipy uses), whose pool is sized by the environment.
            wall, rss, out, cpu = run(pcmd, {"OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)})
            theirs[d].append((wall, rss, json.loads(out), cpu))

    ref = ours[next(iter(ours))][-1][2]  # the first minima dtype's eigenvalues are the reference
    load = open("/proc/loadavg").read().split()[:3]
    fresh, reused = page_faults()
    print("Top %d Hessian eigenvalues, MLP 784-%s-10 over %d MNIST training images (%d parameters), tol %g; "
          "%d thread(s) each; %d alternating run(s), medians; load average %s; "
          "PyTorch fills a fresh 123 MB tensor in %.0f ms, a reused one in %.0f ms\n" % (
              a.top, a.hidden.replace(",", "-"), ref["samples"], ref["params"], a.tol, threads, a.reps, " ".join(load),
              fresh, reused))
    print("| run | wall s | CPU s | peak RSS MB | HVPs | λ_1 | λ_%d | max |Δλ|/λ vs the first row |" % a.top)
    print("|---|---:|---:|---:|---:|---:|---:|---:|")

    def row(name, runs, lam, products):
        diff = max(abs(x - y) / abs(y) for x, y in zip(lam, ref["top"]))
        print("| %s | %.2f | %.2f | %.0f | %d | %.10g | %.10g | %.2g |" % (
            name, med([r[0] for r in runs]), med([r[3] for r in runs]), max(r[1] for r in runs), products,
            lam[0], lam[-1], diff))
    for d, runs in ours.items():
        res = runs[-1][2]
        row("minima hessian, float%s products (Lanczos, residuals by explicit products)" % d, runs, res["top"], res["hvps"])
    for d, runs in theirs.items():
        p = runs[-1][2]
        row("PyTorch double backward + scipy eigsh, float%s" % d, runs, p["eigenvalues"], p["products"])
    print()
    pairs = [(m, p) for m in ours for p in theirs if m == p] + [(m, p) for m in ours for p in theirs if m != p]
    for m, p in pairs:
        o, r = ours[m], theirs[p]
        ratio = med([x[0] / y[0] for x, y in zip(o, r)])
        cratio = med([x[3] / y[3] for x, y in zip(o, r)])
        print("minima float%s / (PyTorch float%s + eigsh): wall time %.2f, CPU time %.2f (peer start-up %.1f s, eigsh %.1f s)" % (
            m, p, ratio, cratio, med([y[2]["startup_seconds"] for y in r]), med([y[2]["eigsh_seconds"] for y in r])))
    for d, runs in ours.items():
        res = runs[-1][2]
        worst = max(x / abs(l) for x, l in zip(res["top_residuals"], res["top"]))
        print("minima float%s: worst residual ‖Hv − λv‖/|λ| over the top %d: %.2g (converged: %s)" % (d, a.top, worst, res.get("converged")))
        print("minima float%s: start-up %.3f s (timing.json: process start to the first product, model, samples and graphs); "
              "with writing the results %.3f s (process wall time − the spectrum's seconds)" % (
                  d, med([r[2]["startup_seconds"] for r in runs]), med([r[2]["outside_seconds"] for r in runs])))
    print()


if __name__ == "__main__":
    main()
