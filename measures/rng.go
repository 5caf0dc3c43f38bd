package measures

import "math/rand/v2"

// Random streams of the estimators (see the package doc).
//
// Every randomised estimator draws from its own generator, a math/rand/v2 PCG
// whose 128-bit state is (Seed, the estimator's stream constant below). One
// seed thus gives each estimator a different, reproducible stream: callers
// pass the same Seed to all of them and need no offsets (Seed+1, …) to keep
// Lanczos's start vector independent of Hutchinson's probes.
//
// The constants are the ASCII bytes of a name, read as a big-endian integer;
// changing one changes that estimator's results.
type stream uint64

const (
	streamLanczos    stream = 0x6c616e637a6f73 // "lanczos": start and restart vectors
	streamPower      stream = 0x706f776572     // "power": start vectors
	streamTrace      stream = 0x7472616365     // "trace": Hutchinson's probes
	streamDensity    stream = 0x64656e73697479 // "density": start vectors of SpectralDensity
	streamSharpness  stream = 0x736861727021   // "sharp!": random subspace A and random start
	streamFlatness   stream = 0x666c6174       // "flat": random directions
	streamASAM       stream = 0x6173616d       // "asam": first direction when T_w∇L = 0
	streamBlockTrace stream = 0x626c6f636b     // "block": BlockTraces' probes
	streamRelFlat    stream = 0x72656c666c6174 // "relflat": RelativeFlatness' probes
)

// newRNG returns the generator of stream s for seed.
func newRNG(seed int64, s stream) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(s)))
}

// rademacher fills v with independent ±1 entries: the bits of rng.Uint64(),
// least significant first, one word per 64 entries, a set bit giving +1.
func rademacher(rng *rand.Rand, v []float64) {
	var bits uint64
	for i := range v {
		if i%64 == 0 {
			bits = rng.Uint64()
		}
		if bits&1 == 1 {
			v[i] = 1
		} else {
			v[i] = -1
		}
		bits >>= 1
	}
}

// gaussian fills v with independent standard normal entries.
func gaussian(rng *rand.Rand, v []float64) {
	for i := range v {
		v[i] = rng.NormFloat64()
	}
}
