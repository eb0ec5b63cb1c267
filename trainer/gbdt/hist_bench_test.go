package gbdt

import (
	"context"
	"testing"
)

func histBenchSetup(b *testing.B) (*BinnedDataset, []int32, []gradPair, []gradPair) {
	ds, _ := fraudLike(400000)
	bd, err := NewBinnedDataset(context.Background(), ds, 255)
	if err != nil {
		b.Fatal(err)
	}
	var rows []int32
	for i := 0; i < bd.rows; i += 2 { // a leaf holding every other row
		rows = append(rows, int32(i))
	}
	og := make([]gradPair, len(rows))
	for i := range og {
		og[i] = gradPair{float64(i%7) - 3, 0.25}
	}
	return bd, rows, og, make([]gradPair, 30*maxBins)
}

func reportCPU(b *testing.B, cpu0 float64) {
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N)*1e9, "cpu-ns/op")
}

func BenchmarkHistRowWise(b *testing.B) {
	bd, rows, og, h := histBenchSetup(b)
	mat := bd.rowMajorBins()
	b.ResetTimer()
	defer reportCPU(b, cpuSeconds())
	for range b.N {
		clear(h)
		accumulateRows(h, mat, 30, rows, og, 0, 30)
	}
}

func BenchmarkHistRowWiseSparse(b *testing.B) {
	bd, rows, og, h := histBenchSetup(b)
	mat := bd.rowMajorBins()
	sparse := make([]int32, 0, len(rows)/10)
	for i := 0; i < bd.rows; i += 23 {
		sparse = append(sparse, int32(i))
	}
	b.ResetTimer()
	defer reportCPU(b, cpuSeconds())
	for range b.N {
		clear(h)
		accumulateRows(h, mat, 30, sparse, og, 0, 30)
	}
}

func TestAccumulateRowsMatchesGo(t *testing.T) {
	const rowsN, nf = 300, 7
	mat := make([]uint8, rowsN*nf)
	for i := range mat {
		mat[i] = uint8(i * 31 % 256)
	}
	og := make([]gradPair, rowsN)
	for i := range og {
		og[i] = gradPair{float64(i%11) * 0.3, 1 / float64(i+2)}
	}
	rows := []int32{0, 3, 4, 9, 100, 299}
	a := make([]gradPair, nf*maxBins)
	b := make([]gradPair, nf*maxBins)
	accumulateRows(a, mat, nf, rows, og, 2, 6)
	accumulateRowsGo(b, mat, nf, rows, og, 2, 6)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("bin %d: assembly %v, Go %v", i, a[i], b[i])
		}
	}
}

func TestAccumulateContigMatchesGo(t *testing.T) {
	col := make([]uint8, 1001)
	gh := make([][2]float32, 1001)
	for i := range col {
		col[i] = uint8(i * 29 % 253)
		gh[i] = [2]float32{float32(i%9) * 0.7, 1 / float32(i+3)}
	}
	for _, n := range []int{0, 1, 2, 3, 1001} {
		var a, b [maxBins]gradPair
		accumulateContig(&a, col[:n], gh)
		accumulateContigGo(&b, col[:n], gh)
		if a != b {
			t.Fatalf("n=%d: assembly and Go histograms differ", n)
		}
	}
}
