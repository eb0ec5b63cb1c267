package features

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// benchCSV writes (once per process) a 1,000,000 × 30 numeric CSV like the
// peers' fraud set: mixed magnitudes, ~3% empty fields.
func benchCSV(b *testing.B) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nightshift-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(dir, "numeric_1m_30.csv")
		f, err := os.Create(benchPath)
		if err != nil {
			benchErr = err
			return
		}
		w := bufio.NewWriterSize(f, 1<<20)
		rng := rand.New(rand.NewPCG(1, 2))
		for j := 0; j < 30; j++ {
			if j > 0 {
				w.WriteByte(',')
			}
			fmt.Fprintf(w, "f%02d", j)
		}
		w.WriteByte('\n')
		for i := 0; i < 1_000_000; i++ {
			for j := 0; j < 30; j++ {
				if j > 0 {
					w.WriteByte(',')
				}
				switch {
				case rng.IntN(33) == 0:
				case j%3 == 0:
					fmt.Fprintf(w, "%d", rng.IntN(100000))
				default:
					fmt.Fprintf(w, "%.6f", rng.NormFloat64()*float64(j+1))
				}
			}
			w.WriteByte('\n')
		}
		benchErr = w.Flush()
		f.Close()
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

// BenchmarkReadBytes1Mx30 is the yardstick: reading the file's bytes.
func BenchmarkReadBytes1Mx30(b *testing.B) {
	path := benchCSV(b)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	buf := make([]byte, 1<<20)
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := f.Read(buf)
			if err == io.EOF {
				break
			}
		}
		f.Close()
	}
}

// BenchmarkLoadCSV1Mx30 loads the file and reports the peak live heap as a
// multiple of the float64 payload (rows × columns × 8 bytes).
func BenchmarkLoadCSV1Mx30(b *testing.B) {
	path := benchCSV(b)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	payload := float64(1_000_000 * 30 * 8)
	var peak uint64
	for b.Loop() {
		runtime.GC()
		base := heapLive()
		stop := make(chan struct{})
		done := make(chan uint64)
		go func() {
			var p uint64
			t := time.NewTicker(2 * time.Millisecond)
			defer t.Stop()
			for {
				if h := heapLive(); h > p {
					p = h
				}
				select {
				case <-stop:
					done <- p
					return
				case <-t.C:
				}
			}
		}()
		fr, err := LoadFile(path, LoadOptions{})
		close(stop)
		p := <-done
		if err != nil {
			b.Fatal(err)
		}
		if fr.Rows != 1_000_000 || len(fr.Columns) != 30 {
			b.Fatalf("%d×%d", fr.Rows, len(fr.Columns))
		}
		if p-base > peak {
			peak = p - base
		}
	}
	b.ReportMetric(float64(peak)/payload, "peak-heap/float64-size")
}

func heapLive() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
