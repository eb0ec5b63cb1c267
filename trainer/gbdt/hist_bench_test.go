package gbdt

import (
	"context"
	"testing"
)

func histBenchSetup(b *testing.B) (*BinnedDataset, []int32, [][2]float32, []gradPair) {
	ds, _ := fraudLike(400000)
	bd, err := NewBinnedDataset(context.Background(), ds, 255)
	if err != nil {
		b.Fatal(err)
	}
	var rows []int32
	for i := 0; i < bd.rows; i += 2 { // a leaf holding every other row
		rows = append(rows, int32(i))
	}
	og := make([][2]float32, len(rows))
	for i := range og {
		og[i] = [2]float32{float32(i%7) - 3, 0.25}
	}
	return bd, rows, og, make([]gradPair, 30*maxBins)
}

func BenchmarkHistColumnWise(b *testing.B) {
	bd, rows, og, h := histBenchSetup(b)
	b.ResetTimer()
	defer reportCPU(b, cpuSeconds())
	for range b.N {
		for f := 0; f < 30; f++ {
			buildHist((*[maxBins]gradPair)(h[f*maxBins:(f+1)*maxBins]), bd.cols[f], rows, og)
		}
	}
}

func reportCPU(b *testing.B, cpu0 float64) {
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N)*1e9, "cpu-ns/op")
}
