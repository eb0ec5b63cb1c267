package journal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// Fingerprint identifies the content of a data file: its size and SHA-256.
// A study refuses to continue on a file whose fingerprint changed.
type Fingerprint struct {
	Size   int64  // bytes
	SHA256 string // lower-case hex
}

// Equal reports whether both fingerprints describe the same content.
func (f Fingerprint) Equal(g Fingerprint) bool { return f.Size == g.Size && f.SHA256 == g.SHA256 }

// IsZero reports whether f was never set.
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// String is "SIZE bytes, sha256 HEX".
func (f Fingerprint) String() string { return fmt.Sprintf("%d bytes, sha256 %s", f.Size, f.SHA256) }

// FingerprintFile streams the file at path through SHA-256 in 1 MiB reads,
// checking ctx between reads (a multi-gigabyte file takes seconds).
func FingerprintFile(ctx context.Context, path string) (Fingerprint, error) {
	f, err := os.Open(path)
	if err != nil {
		return Fingerprint{}, fmt.Errorf("fingerprint: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	var size int64
	for {
		if err := ctx.Err(); err != nil {
			return Fingerprint{}, fmt.Errorf("fingerprint %s: %w", path, err)
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		size += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return Fingerprint{}, fmt.Errorf("fingerprint %s: read at byte %d: %w", path, size, err)
		}
	}
	return Fingerprint{Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
