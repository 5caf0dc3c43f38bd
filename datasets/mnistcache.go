package datasets

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"

	"github.com/minima-project/minima/report"
)

// The decoded-image cache. Decompressing MNIST's 60,000 training images
// takes about 0.15 s, longer than everything else a command does to select
// 1,000 of them; so the first command to read a gzip-compressed images file
// writes its decoded IDX file to
//
//	<os.UserCacheDir()>/minima/mnist/<SHA-256 of the .gz file>.idx
//
// (atomically: written to a temporary file in the same directory, synced,
// then renamed), and later commands read only the images they select from
// it. The key is the compressed file's content, so a changed file never
// meets a stale copy. A cached file is used only if it is a regular file
// whose header declares n×28×28 images and whose size is exactly that
// header's; otherwise, or when the cache directory cannot be created or
// written, the images are decoded into memory as before. Set MINIMA_CACHE
// to "off" to never read or write the cache.

// CacheEnv is the environment variable that disables the decoded-image
// cache when set to "off".
const CacheEnv = "MINIMA_CACHE"

// mnistCacheDir returns the cache directory, or false when the cache is off
// or there is no user cache directory.
func mnistCacheDir() (string, bool) {
	if os.Getenv(CacheEnv) == "off" {
		return "", false
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", false
	}
	return filepath.Join(d, "minima", "mnist"), true
}

// mnistCachePath returns the cache file for the compressed images file
// path, or false when there is no cache or path cannot be read.
func mnistCachePath(path string) (string, bool) {
	dir, ok := mnistCacheDir()
	if !ok {
		return "", false
	}
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", false
	}
	return filepath.Join(dir, hex.EncodeToString(h.Sum(nil))+".idx"), true
}

// openCachedImages opens cp, the cached decoded copy of the compressed
// images file path, if it is valid.
func openCachedImages(cp, path string) (*mnistSplit, bool) {
	f, err := os.Open(cp)
	if err != nil {
		return nil, false
	}
	m, err := openRawImages(f, cp)
	if err != nil {
		f.Close()
		return nil, false
	}
	m.name = path
	return m, true
}

// writeCachedImages writes img to the cache file cp. Failures leave no file
// behind and are otherwise ignored: the cache only saves time.
func writeCachedImages(cp string, img *IDX) {
	if err := os.MkdirAll(filepath.Dir(cp), 0o755); err != nil {
		return
	}
	// report.WriteFileAtomic: a temporary file renamed into place, removed
	// on failure and by the signal handler of an interrupted command.
	_ = report.WriteFileAtomic(cp, func(w io.Writer) error {
		hdr := []byte{0, 0, IDXUint8, byte(len(img.Dims))}
		for _, d := range img.Dims {
			hdr = binary.BigEndian.AppendUint32(hdr, uint32(d))
		}
		if _, err := w.Write(hdr); err != nil {
			return err
		}
		_, err := w.Write(img.Data)
		return err
	})
}
