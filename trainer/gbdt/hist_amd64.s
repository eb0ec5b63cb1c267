//go:build !purego

#include "textflag.h"

// The histogram kernels. A histogram bin is a float64 pair (sum of
// gradients, sum of hessians); the gradients are float32 pairs, widened
// exactly with CVTPS2PD and added with one ADDPD, so every kernel gives the
// same sums as the portable Go loops in hist.go (each bin adds its rows in
// row order). The k-feature kernels (k = 2, 3, 4) load a row id and a
// gradient pair once for k features; each feature has its own histogram.

// func gather1Asm(h *[256][2]float64, col *uint8, rows *int32, og *[2]float32, n int)
//
// For i in [0, n): h[col[rows[i]]] += og[i].
TEXT ·gather1Asm(SB), NOSPLIT, $0-40
	MOVQ h+0(FP), DI
	MOVQ col+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ og+24(FP), R9
	MOVQ n+32(FP), CX
	CMPQ CX, $2
	JLT  g1tail

g1pair:
	MOVLQSX  (R8), AX
	MOVLQSX  4(R8), DX
	MOVBQZX  (SI)(AX*1), AX
	MOVBQZX  (SI)(DX*1), DX
	SHLQ     $4, AX
	SHLQ     $4, DX
	MOVSD    (R9), X0
	MOVSD    8(R9), X2
	CVTPS2PD X0, X0
	CVTPS2PD X2, X2
	MOVUPD   (DI)(AX*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (DI)(AX*1)
	MOVUPD   (DI)(DX*1), X3
	ADDPD    X2, X3
	MOVUPD   X3, (DI)(DX*1)
	ADDQ     $8, R8
	ADDQ     $16, R9
	SUBQ     $2, CX
	CMPQ     CX, $2
	JGE      g1pair

g1tail:
	TESTQ    CX, CX
	JLE      g1done
	MOVLQSX  (R8), AX
	MOVBQZX  (SI)(AX*1), AX
	SHLQ     $4, AX
	MOVSD    (R9), X0
	CVTPS2PD X0, X0
	MOVUPD   (DI)(AX*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (DI)(AX*1)

g1done:
	RET

// func gather2Asm(hs *[4]*[256][2]float64, cols *[4]*uint8, rows *int32, og *[2]float32, n int)
//
// For i in [0, n) and k in [0, 2): hs[k][cols[k][rows[i]]] += og[i].
TEXT ·gather2Asm(SB), NOSPLIT, $0-40
	MOVQ hs+0(FP), AX
	MOVQ 0(AX), DI
	MOVQ 8(AX), R13
	MOVQ cols+8(FP), AX
	MOVQ 0(AX), SI
	MOVQ 8(AX), R10
	MOVQ rows+16(FP), R8
	MOVQ og+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  g2done

g2row:
	MOVLQSX  (R8), AX
	MOVSD    (R9), X0
	CVTPS2PD X0, X0
	MOVBQZX  (SI)(AX*1), BX
	SHLQ     $4, BX
	MOVUPD   (DI)(BX*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (DI)(BX*1)
	MOVBQZX  (R10)(AX*1), DX
	SHLQ     $4, DX
	MOVUPD   (R13)(DX*1), X2
	ADDPD    X0, X2
	MOVUPD   X2, (R13)(DX*1)
	ADDQ     $4, R8
	ADDQ     $8, R9
	DECQ     CX
	JNZ      g2row

g2done:
	RET

// func gather3Asm(hs *[4]*[256][2]float64, cols *[4]*uint8, rows *int32, og *[2]float32, n int)
//
// For i in [0, n) and k in [0, 3): hs[k][cols[k][rows[i]]] += og[i].
TEXT ·gather3Asm(SB), NOSPLIT, $0-40
	MOVQ hs+0(FP), AX
	MOVQ 0(AX), DI
	MOVQ 8(AX), R13
	MOVQ 16(AX), R14
	MOVQ cols+8(FP), AX
	MOVQ 0(AX), SI
	MOVQ 8(AX), R10
	MOVQ 16(AX), R11
	MOVQ rows+16(FP), R8
	MOVQ og+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  g3done

g3row:
	MOVLQSX  (R8), AX
	MOVSD    (R9), X0
	CVTPS2PD X0, X0
	MOVBQZX  (SI)(AX*1), BX
	SHLQ     $4, BX
	MOVUPD   (DI)(BX*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (DI)(BX*1)
	MOVBQZX  (R10)(AX*1), DX
	SHLQ     $4, DX
	MOVUPD   (R13)(DX*1), X2
	ADDPD    X0, X2
	MOVUPD   X2, (R13)(DX*1)
	MOVBQZX  (R11)(AX*1), BX
	SHLQ     $4, BX
	MOVUPD   (R14)(BX*1), X3
	ADDPD    X0, X3
	MOVUPD   X3, (R14)(BX*1)
	ADDQ     $4, R8
	ADDQ     $8, R9
	DECQ     CX
	JNZ      g3row

g3done:
	RET

// GATHER4: row AX's gradient pair (R9) added to the bins of its four
// features (columns SI, R10, R11, R12; histograms DI, R13, R14, R15).
#define GATHER4 \
	MOVSD (R9), X0; CVTPS2PD X0, X0; \
	MOVBQZX (SI)(AX*1), BX; SHLQ $4, BX; MOVUPD (DI)(BX*1), X1; ADDPD X0, X1; MOVUPD X1, (DI)(BX*1); \
	MOVBQZX (R10)(AX*1), DX; SHLQ $4, DX; MOVUPD (R13)(DX*1), X2; ADDPD X0, X2; MOVUPD X2, (R13)(DX*1); \
	MOVBQZX (R11)(AX*1), BX; SHLQ $4, BX; MOVUPD (R14)(BX*1), X3; ADDPD X0, X3; MOVUPD X3, (R14)(BX*1); \
	MOVBQZX (R12)(AX*1), DX; SHLQ $4, DX; MOVUPD (R15)(DX*1), X4; ADDPD X0, X4; MOVUPD X4, (R15)(DX*1)

// func gather4Asm(hs *[4]*[256][2]float64, cols *[4]*uint8, rows *int32, og *[2]float32, n int)
//
// For i in [0, n) and k in [0, 4): hs[k][cols[k][rows[i]]] += og[i].
TEXT ·gather4Asm(SB), NOSPLIT, $0-40
	MOVQ hs+0(FP), AX
	MOVQ 0(AX), DI
	MOVQ 8(AX), R13
	MOVQ 16(AX), R14
	MOVQ 24(AX), R15
	MOVQ cols+8(FP), AX
	MOVQ 0(AX), SI
	MOVQ 8(AX), R10
	MOVQ 16(AX), R11
	MOVQ 24(AX), R12
	MOVQ rows+16(FP), R8
	MOVQ og+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  g4done

g4row:
	MOVLQSX  (R8), AX
	GATHER4
	ADDQ     $4, R8
	ADDQ     $8, R9
	DECQ     CX
	JNZ      g4row

g4done:
	RET

// func gather4PfAsm(hs *[4]*[256]gradPair, cols *[4]*uint8, rows *int32, og *[2]float32, n int)
// gather4Asm for sparse leaves: each row first prefetches the four bins of
// the row 16 ahead (rows[i+16] must be readable; quant_amd64.go's
// prefetchAhead and sparseLeaf). The adds are gather4Asm's, in order.
TEXT ·gather4PfAsm(SB), NOSPLIT, $0-40
	MOVQ hs+0(FP), AX
	MOVQ 0(AX), DI
	MOVQ 8(AX), R13
	MOVQ 16(AX), R14
	MOVQ 24(AX), R15
	MOVQ cols+8(FP), AX
	MOVQ 0(AX), SI
	MOVQ 8(AX), R10
	MOVQ 16(AX), R11
	MOVQ 24(AX), R12
	MOVQ rows+16(FP), R8
	MOVQ og+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JLE  g4pdone

g4prow:
	MOVLQSX    64(R8), AX // the row 16 ahead
	PREFETCHT0 (SI)(AX*1)
	PREFETCHT0 (R10)(AX*1)
	PREFETCHT0 (R11)(AX*1)
	PREFETCHT0 (R12)(AX*1)
	MOVLQSX  (R8), AX
	GATHER4
	ADDQ     $4, R8
	ADDQ     $8, R9
	DECQ     CX
	JNZ      g4prow

g4pdone:
	RET

// func contig1Asm(h *[256][2]float64, col *uint8, gh *[2]float32, n int)
//
// Contiguous rows (the root of a tree without bagging): for i in [0, n):
// h[col[i]] += gh[i]. No row ids and no gathered copy of the gradients.
TEXT ·contig1Asm(SB), NOSPLIT, $0-32
	MOVQ h+0(FP), DI
	MOVQ col+8(FP), SI
	MOVQ gh+16(FP), R9
	MOVQ n+24(FP), CX
	CMPQ CX, $2
	JLT  c1tail

c1pair:
	MOVBQZX  (SI), AX
	MOVBQZX  1(SI), DX
	SHLQ     $4, AX
	SHLQ     $4, DX
	MOVSD    (R9), X0
	MOVSD    8(R9), X2
	CVTPS2PD X0, X0
	CVTPS2PD X2, X2
	MOVUPD   (DI)(AX*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (DI)(AX*1)
	MOVUPD   (DI)(DX*1), X3
	ADDPD    X2, X3
	MOVUPD   X3, (DI)(DX*1)
	ADDQ     $2, SI
	ADDQ     $16, R9
	SUBQ     $2, CX
	CMPQ     CX, $2
	JGE      c1pair

c1tail:
	TESTQ    CX, CX
	JLE      c1done
	MOVBQZX  (SI), AX
	SHLQ     $4, AX
	MOVSD    (R9), X0
	CVTPS2PD X0, X0
	MOVUPD   (DI)(AX*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (DI)(AX*1)

c1done:
	RET

// func contig2Asm(hs *[4]*[256][2]float64, cols *[4]*uint8, gh *[2]float32, n int)
//
// For i in [0, n) and k in [0, 2): hs[k][cols[k][i]] += gh[i].
TEXT ·contig2Asm(SB), NOSPLIT, $0-32
	MOVQ hs+0(FP), AX
	MOVQ 0(AX), DI
	MOVQ 8(AX), R13
	MOVQ cols+8(FP), AX
	MOVQ 0(AX), SI
	MOVQ 8(AX), R10
	MOVQ gh+16(FP), R9
	MOVQ n+24(FP), CX
	TESTQ CX, CX
	JLE  c2done
	XORQ AX, AX

c2row:
	MOVSD    (R9)(AX*8), X0
	CVTPS2PD X0, X0
	MOVBQZX  (SI)(AX*1), BX
	SHLQ     $4, BX
	MOVUPD   (DI)(BX*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (DI)(BX*1)
	MOVBQZX  (R10)(AX*1), DX
	SHLQ     $4, DX
	MOVUPD   (R13)(DX*1), X2
	ADDPD    X0, X2
	MOVUPD   X2, (R13)(DX*1)
	INCQ     AX
	CMPQ     AX, CX
	JLT      c2row

c2done:
	RET

// func contig3Asm(hs *[4]*[256][2]float64, cols *[4]*uint8, gh *[2]float32, n int)
//
// For i in [0, n) and k in [0, 3): hs[k][cols[k][i]] += gh[i].
TEXT ·contig3Asm(SB), NOSPLIT, $0-32
	MOVQ hs+0(FP), AX
	MOVQ 0(AX), DI
	MOVQ 8(AX), R13
	MOVQ 16(AX), R14
	MOVQ cols+8(FP), AX
	MOVQ 0(AX), SI
	MOVQ 8(AX), R10
	MOVQ 16(AX), R11
	MOVQ gh+16(FP), R9
	MOVQ n+24(FP), CX
	TESTQ CX, CX
	JLE  c3done
	XORQ AX, AX

c3row:
	MOVSD    (R9)(AX*8), X0
	CVTPS2PD X0, X0
	MOVBQZX  (SI)(AX*1), BX
	SHLQ     $4, BX
	MOVUPD   (DI)(BX*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (DI)(BX*1)
	MOVBQZX  (R10)(AX*1), DX
	SHLQ     $4, DX
	MOVUPD   (R13)(DX*1), X2
	ADDPD    X0, X2
	MOVUPD   X2, (R13)(DX*1)
	MOVBQZX  (R11)(AX*1), BX
	SHLQ     $4, BX
	MOVUPD   (R14)(BX*1), X3
	ADDPD    X0, X3
	MOVUPD   X3, (R14)(BX*1)
	INCQ     AX
	CMPQ     AX, CX
	JLT      c3row

c3done:
	RET

// func contig4Asm(hs *[4]*[256][2]float64, cols *[4]*uint8, gh *[2]float32, n int)
//
// For i in [0, n) and k in [0, 4): hs[k][cols[k][i]] += gh[i].
TEXT ·contig4Asm(SB), NOSPLIT, $0-32
	MOVQ hs+0(FP), AX
	MOVQ 0(AX), DI
	MOVQ 8(AX), R13
	MOVQ 16(AX), R14
	MOVQ 24(AX), R15
	MOVQ cols+8(FP), AX
	MOVQ 0(AX), SI
	MOVQ 8(AX), R10
	MOVQ 16(AX), R11
	MOVQ 24(AX), R12
	MOVQ gh+16(FP), R9
	MOVQ n+24(FP), CX
	TESTQ CX, CX
	JLE  c4done
	XORQ AX, AX

c4row:
	MOVSD    (R9)(AX*8), X0
	CVTPS2PD X0, X0
	MOVBQZX  (SI)(AX*1), BX
	SHLQ     $4, BX
	MOVUPD   (DI)(BX*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (DI)(BX*1)
	MOVBQZX  (R10)(AX*1), DX
	SHLQ     $4, DX
	MOVUPD   (R13)(DX*1), X2
	ADDPD    X0, X2
	MOVUPD   X2, (R13)(DX*1)
	MOVBQZX  (R11)(AX*1), BX
	SHLQ     $4, BX
	MOVUPD   (R14)(BX*1), X3
	ADDPD    X0, X3
	MOVUPD   X3, (R14)(BX*1)
	MOVBQZX  (R12)(AX*1), DX
	SHLQ     $4, DX
	MOVUPD   (R15)(DX*1), X4
	ADDPD    X0, X4
	MOVUPD   X4, (R15)(DX*1)
	INCQ     AX
	CMPQ     AX, CX
	JLT      c4row

c4done:
	RET

// func rowsAsm(h *[256][2]float64, mat *uint8, nf int, rows *int32, og *[2]float32, n int, nfeat int)
//
// Row-major bins (force_row_wise): for i in [0, n) and k in [0, nfeat):
// h[k*256 + mat[rows[i]*nf + k]] += og[i]. mat and h already point at the
// worker's first feature.
TEXT ·rowsAsm(SB), NOSPLIT, $0-56
	MOVQ h+0(FP), DI
	MOVQ mat+8(FP), SI
	MOVQ nf+16(FP), R10
	MOVQ rows+24(FP), R8
	MOVQ og+32(FP), R9
	MOVQ n+40(FP), CX
	MOVQ nfeat+48(FP), R11
	TESTQ CX, CX
	JLE  rdone
	TESTQ R11, R11
	JLE  rdone

row:
	MOVLQSX  (R8), AX
	IMULQ    R10, AX
	ADDQ     SI, AX          // AX = &mat[rows[i]*nf]
	MOVSD    (R9), X0
	CVTPS2PD X0, X0
	MOVQ     DI, BX          // BX = histogram of feature k
	XORQ     DX, DX          // DX = k

feat:
	MOVBQZX  (AX)(DX*1), R12
	SHLQ     $4, R12
	MOVUPD   (BX)(R12*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (BX)(R12*1)
	ADDQ     $4096, BX
	INCQ     DX
	CMPQ     DX, R11
	JLT      feat

	ADDQ     $4, R8
	ADDQ     $8, R9
	DECQ     CX
	JNZ      row

rdone:
	RET
