package journal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFingerprintFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.csv")
	// Larger than one 1 MiB read, so the streaming loop runs more than once.
	content := strings.Repeat("a,b\n", 300_000)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	fp, err := FingerprintFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	// sha256 of "a,b\n" × 300000, computed with `yes a,b | head -c 1200000 | sha256sum`.
	want := Fingerprint{Size: 1_200_000, SHA256: "540ed4da2ba512f2d4587705b91c2a21c361e0ed3fec9f779dc871622ef03138"}
	if fp.Size != want.Size {
		t.Fatalf("size = %d, want %d", fp.Size, want.Size)
	}
	if fp.SHA256 != want.SHA256 {
		t.Fatalf("sha256 = %s, want %s", fp.SHA256, want.SHA256)
	}
	os.WriteFile(path, []byte(content[:len(content)-1]+"x"), 0o644)
	changed, _ := FingerprintFile(context.Background(), path)
	if changed.Equal(fp) || changed.Size != fp.Size {
		t.Fatalf("one changed byte not detected: %v vs %v", changed, fp)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := FingerprintFile(ctx, path); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if _, err := FingerprintFile(context.Background(), filepath.Join(dir, "nope.csv")); err == nil || !strings.Contains(err.Error(), "nope.csv") {
		t.Fatalf("missing file: %v", err)
	}
}
