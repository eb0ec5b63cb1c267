//go:build !purego

package gbdt

import "golang.org/x/sys/cpu"

// gradientKernelSets lists the (AVX-512, AVX2) kernel choices this CPU can
// run.
func gradientKernelSets() [][2]bool {
	var sets [][2]bool
	for _, k := range [][2]bool{{true, true}, {true, false}, {false, true}} {
		if (!k[0] || cpu.X86.HasAVX512F) && (!k[1] || cpu.X86.HasAVX2) {
			sets = append(sets, k)
		}
	}
	return sets
}
