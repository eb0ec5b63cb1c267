//go:build !purego

#include "textflag.h"

// func partitionAVX512(rows, tmp *int32, col *uint8, n int, binLeft *[4]uint64) int
// For n rows (a multiple of 16, each with col[row..row+3] readable): the
// rows whose bin is set in binLeft go to the front of rows, the others to
// the front of tmp, both in order; returns the left count. Each pass
// stores 16 lanes at the write positions, which never pass the rows
// already read (left) or the pass's end (right): lanes past the count are
// overwritten later or never read.
TEXT ·partitionAVX512(SB), NOSPLIT, $0-48
	MOVQ rows+0(FP), SI
	MOVQ tmp+8(FP), R9
	MOVQ col+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ binLeft+32(FP), AX
	MOVQ SI, DI
	XORQ R10, R10
	VMOVDQU64    (AX), Y5 // the bitset: 8 dwords, bin b is bit b&31 of dword b>>5
	MOVL         $0xff, BX
	VPBROADCASTD BX, Z6
	MOVL         $31, BX
	VPBROADCASTD BX, Z7
	MOVL         $1, BX
	VPBROADCASTD BX, Z8
	TESTQ CX, CX
	JLE   pdone
ploop:
	VMOVDQU32  (SI), Z0
	KXNORW     K1, K1, K1
	VPXORD     Z1, Z1, Z1
	VPGATHERDD (DX)(Z0*1), K1, Z1
	VPANDD     Z6, Z1, Z1 // bins
	VPSRLD     $5, Z1, Z2
	VPERMD     Z5, Z2, Z2 // each bin's bitset dword
	VPANDD     Z7, Z1, Z3
	VPSRLVD    Z3, Z2, Z2
	VPTESTMD   Z8, Z2, K2 // lanes going left
	KNOTW      K2, K3
	VPCOMPRESSD Z0, K2, Z3
	VMOVDQU32  Z3, (DI)
	VPCOMPRESSD Z0, K3, Z4
	VMOVDQU32  Z4, (R9)
	KMOVW      K2, BX
	POPCNTL    BX, BX
	ADDQ       BX, R10
	LEAQ       (DI)(BX*4), DI
	NEGQ       BX
	LEAQ       64(R9)(BX*4), R9
	ADDQ       $64, SI
	SUBQ       $16, CX
	JNZ        ploop
	VZEROUPPER
pdone:
	MOVQ R10, ret+40(FP)
	RET
