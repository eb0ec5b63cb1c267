package contract

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/features"
)

// BenchmarkCheck measures what the contract adds to reading a file for
// scoring: "load" is features.LoadFile with the contract's kinds forced
// (what predict needs anyway), "load+check" is Load and Check, "check" and
// "check-no-label" Check alone with and without the label (the leak test
// runs only with it; predict's files usually lack it). The file is
// creditcard_10k repeated to 200,000 rows (31 numeric columns with the label).
func BenchmarkCheck(b *testing.B) {
	src := filepath.Join("..", "..", "..", "shared", "data", "fraud", "creditcard_10k.csv")
	raw, err := os.ReadFile(src)
	if err != nil {
		b.Skipf("shared data absent: %v", err)
	}
	fr, err := features.LoadFile(src, features.LoadOptions{Target: "Class"})
	if err != nil {
		b.Fatal(err)
	}
	tg, err := features.ParseTarget(fr, "Class", "")
	if err != nil {
		b.Fatal(err)
	}
	search := fr.Without("Class")
	c, err := Generate(search, features.ProfileFrame(search, tg, 1), Options{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	header, body, _ := strings.Cut(string(raw), "\n")
	path := filepath.Join(b.TempDir(), "big.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(header + "\n")
	for range 20 {
		w.WriteString(body)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if _, err := features.LoadFile(path, features.ForceKinds(features.LoadOptions{Missing: c.Missing()}, c.Columns())); err != nil {
				b.Fatal(err)
			}
		}
	})
	in, err := Load(context.Background(), c, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			if _, err := Check(context.Background(), c, in, CheckOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	noLabel := &Input{Path: in.Path, Frame: in.Frame.Without("Class"), bad: in.bad}
	b.Run("check-no-label", func(b *testing.B) {
		for b.Loop() {
			if _, err := Check(context.Background(), c, noLabel, CheckOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("load+check", func(b *testing.B) {
		for b.Loop() {
			in, err := Load(context.Background(), c, path)
			if err != nil {
				b.Fatal(err)
			}
			rep, err := Check(context.Background(), c, in, CheckOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if rep.Failed() {
				b.Fatalf("the file fails its own contract: %+v", rep.Violations[0])
			}
		}
	})
}
