#include "textflag.h"

// func buildHistRowsAsm(h *[256][2]float64, mat *uint8, nf int, rows *int32, og *[2]float64, n int, nfeat int)
//
// Row-major variant: for i in [0, n) and k in [0, nfeat):
// h[k*256 + mat[rows[i]*nf + k]] += og[i]. mat and h already
// point at the worker's first feature.
TEXT ·buildHistRowsAsm(SB), NOSPLIT, $0-56
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
	MOVUPD   (R9), X0
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
	ADDQ     $16, R9
	DECQ     CX
	JNZ      row

rdone:
	RET

// func buildHistAsm(h *[256][2]float64, col *uint8, rows *int32, og *[2]float64, n int)
//
// Column variant: for i in [0, n): h[col[rows[i]]] += og[i].
TEXT ·buildHistAsm(SB), NOSPLIT, $0-40
	MOVQ h+0(FP), DI
	MOVQ col+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ og+24(FP), R9
	MOVQ n+32(FP), CX
	CMPQ CX, $2
	JLT  tail

pair:
	MOVLQSX  (R8), AX
	MOVLQSX  4(R8), DX
	MOVBQZX  (SI)(AX*1), AX
	MOVBQZX  (SI)(DX*1), DX
	SHLQ     $4, AX
	SHLQ     $4, DX
	MOVUPD   (R9), X0
	MOVUPD   16(R9), X2
	MOVUPD   (DI)(AX*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (DI)(AX*1)
	MOVUPD   (DI)(DX*1), X3
	ADDPD    X2, X3
	MOVUPD   X3, (DI)(DX*1)
	ADDQ     $8, R8
	ADDQ     $32, R9
	SUBQ     $2, CX
	CMPQ     CX, $2
	JGE      pair

tail:
	TESTQ    CX, CX
	JLE      done
	MOVLQSX  (R8), AX
	MOVBQZX  (SI)(AX*1), AX
	SHLQ     $4, AX
	MOVUPD   (R9), X0
	MOVUPD   (DI)(AX*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (DI)(AX*1)

done:
	RET

// func buildHistContigAsm(h *[256][2]float64, col *uint8, gh *[2]float32, n int)
//
// Contiguous rows (the root of a tree without bagging): for i in [0, n):
// h[col[i]] += float64x2(gh[i]). No row ids and no gathered copy of the
// gradients: both are read in order. CVTPS2PD widens the float32 pair
// exactly, so the sums equal the gathered path's.
TEXT ·buildHistContigAsm(SB), NOSPLIT, $0-32
	MOVQ h+0(FP), DI
	MOVQ col+8(FP), SI
	MOVQ gh+16(FP), R9
	MOVQ n+24(FP), CX
	CMPQ CX, $2
	JLT  ctail

cpair:
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
	JGE      cpair

ctail:
	TESTQ    CX, CX
	JLE      cdone
	MOVBQZX  (SI), AX
	SHLQ     $4, AX
	MOVSD    (R9), X0
	CVTPS2PD X0, X0
	MOVUPD   (DI)(AX*1), X1
	ADDPD    X0, X1
	MOVUPD   X1, (DI)(AX*1)

cdone:
	RET
