//go:build !purego

#include "textflag.h"

// Constants of the gradient kernel, each repeated four times (one YMM
// register): 1, -1, the clamp -700 and 700, log2(e), ln(2) split in a high
// part (low 32 bits zero, so k*ln2Hi is exact) and a low part, the float64
// sign mask, the exponent bias 1023, then 1/k! for k = 12 down to 2. The
// same constants are in grad.go.
DATA gradk<>+0(SB)/8, $0x3ff0000000000000
DATA gradk<>+8(SB)/8, $0x3ff0000000000000
DATA gradk<>+16(SB)/8, $0x3ff0000000000000
DATA gradk<>+24(SB)/8, $0x3ff0000000000000
DATA gradk<>+32(SB)/8, $0xbff0000000000000
DATA gradk<>+40(SB)/8, $0xbff0000000000000
DATA gradk<>+48(SB)/8, $0xbff0000000000000
DATA gradk<>+56(SB)/8, $0xbff0000000000000
DATA gradk<>+64(SB)/8, $0xc085e00000000000
DATA gradk<>+72(SB)/8, $0xc085e00000000000
DATA gradk<>+80(SB)/8, $0xc085e00000000000
DATA gradk<>+88(SB)/8, $0xc085e00000000000
DATA gradk<>+96(SB)/8, $0x4085e00000000000
DATA gradk<>+104(SB)/8, $0x4085e00000000000
DATA gradk<>+112(SB)/8, $0x4085e00000000000
DATA gradk<>+120(SB)/8, $0x4085e00000000000
DATA gradk<>+128(SB)/8, $0x3ff71547652b82fe
DATA gradk<>+136(SB)/8, $0x3ff71547652b82fe
DATA gradk<>+144(SB)/8, $0x3ff71547652b82fe
DATA gradk<>+152(SB)/8, $0x3ff71547652b82fe
DATA gradk<>+160(SB)/8, $0x3fe62e42fee00000
DATA gradk<>+168(SB)/8, $0x3fe62e42fee00000
DATA gradk<>+176(SB)/8, $0x3fe62e42fee00000
DATA gradk<>+184(SB)/8, $0x3fe62e42fee00000
DATA gradk<>+192(SB)/8, $0x3dea39ef35793c76
DATA gradk<>+200(SB)/8, $0x3dea39ef35793c76
DATA gradk<>+208(SB)/8, $0x3dea39ef35793c76
DATA gradk<>+216(SB)/8, $0x3dea39ef35793c76
DATA gradk<>+224(SB)/8, $0x7fffffffffffffff
DATA gradk<>+232(SB)/8, $0x7fffffffffffffff
DATA gradk<>+240(SB)/8, $0x7fffffffffffffff
DATA gradk<>+248(SB)/8, $0x7fffffffffffffff
DATA gradk<>+256(SB)/8, $1023
DATA gradk<>+264(SB)/8, $1023
DATA gradk<>+272(SB)/8, $1023
DATA gradk<>+280(SB)/8, $1023
DATA gradk<>+288(SB)/8, $0x3e21eed8eff8d898
DATA gradk<>+296(SB)/8, $0x3e21eed8eff8d898
DATA gradk<>+304(SB)/8, $0x3e21eed8eff8d898
DATA gradk<>+312(SB)/8, $0x3e21eed8eff8d898
DATA gradk<>+320(SB)/8, $0x3e5ae64567f544e4
DATA gradk<>+328(SB)/8, $0x3e5ae64567f544e4
DATA gradk<>+336(SB)/8, $0x3e5ae64567f544e4
DATA gradk<>+344(SB)/8, $0x3e5ae64567f544e4
DATA gradk<>+352(SB)/8, $0x3e927e4fb7789f5c
DATA gradk<>+360(SB)/8, $0x3e927e4fb7789f5c
DATA gradk<>+368(SB)/8, $0x3e927e4fb7789f5c
DATA gradk<>+376(SB)/8, $0x3e927e4fb7789f5c
DATA gradk<>+384(SB)/8, $0x3ec71de3a556c734
DATA gradk<>+392(SB)/8, $0x3ec71de3a556c734
DATA gradk<>+400(SB)/8, $0x3ec71de3a556c734
DATA gradk<>+408(SB)/8, $0x3ec71de3a556c734
DATA gradk<>+416(SB)/8, $0x3efa01a01a01a01a
DATA gradk<>+424(SB)/8, $0x3efa01a01a01a01a
DATA gradk<>+432(SB)/8, $0x3efa01a01a01a01a
DATA gradk<>+440(SB)/8, $0x3efa01a01a01a01a
DATA gradk<>+448(SB)/8, $0x3f2a01a01a01a01a
DATA gradk<>+456(SB)/8, $0x3f2a01a01a01a01a
DATA gradk<>+464(SB)/8, $0x3f2a01a01a01a01a
DATA gradk<>+472(SB)/8, $0x3f2a01a01a01a01a
DATA gradk<>+480(SB)/8, $0x3f56c16c16c16c17
DATA gradk<>+488(SB)/8, $0x3f56c16c16c16c17
DATA gradk<>+496(SB)/8, $0x3f56c16c16c16c17
DATA gradk<>+504(SB)/8, $0x3f56c16c16c16c17
DATA gradk<>+512(SB)/8, $0x3f81111111111111
DATA gradk<>+520(SB)/8, $0x3f81111111111111
DATA gradk<>+528(SB)/8, $0x3f81111111111111
DATA gradk<>+536(SB)/8, $0x3f81111111111111
DATA gradk<>+544(SB)/8, $0x3fa5555555555555
DATA gradk<>+552(SB)/8, $0x3fa5555555555555
DATA gradk<>+560(SB)/8, $0x3fa5555555555555
DATA gradk<>+568(SB)/8, $0x3fa5555555555555
DATA gradk<>+576(SB)/8, $0x3fc5555555555555
DATA gradk<>+584(SB)/8, $0x3fc5555555555555
DATA gradk<>+592(SB)/8, $0x3fc5555555555555
DATA gradk<>+600(SB)/8, $0x3fc5555555555555
DATA gradk<>+608(SB)/8, $0x3fe0000000000000
DATA gradk<>+616(SB)/8, $0x3fe0000000000000
DATA gradk<>+624(SB)/8, $0x3fe0000000000000
DATA gradk<>+632(SB)/8, $0x3fe0000000000000
GLOBL gradk<>(SB), RODATA|NOPTR, $640

// func gradientsAVX2(score *float64, labels *float64, out *[2]float32, n int, w *[2]float64)
//
// Four rows at a time, the operations of gradientRow (grad.go) in the same
// order and rounding, so both give the same bits: x = lab*score clamped to
// [-700, 700]; e**x = 2**k * p(r) with k = round(x*log2(e)), r = x -
// k*ln2Hi - k*ln2Lo and p the degree-12 Taylor polynomial (Horner); resp =
// -lab/(1+e**x); gradient resp*w, hessian |resp|*(1-|resp|)*w, rounded to
// float32 and stored as pairs. n must be a multiple of 4. No FMA: fused
// products would round differently from the Go code.
TEXT ·gradientsAVX2(SB), NOSPLIT, $0-40
	MOVQ score+0(FP), SI
	MOVQ labels+8(FP), DX
	MOVQ out+16(FP), DI
	MOVQ n+24(FP), CX
	MOVQ w+32(FP), AX
	VBROADCASTSD 0(AX), Y14
	VBROADCASTSD 8(AX), Y15
	VMOVUPD gradk<>+0(SB), Y13
	VMOVUPD gradk<>+32(SB), Y12
	SHRQ $2, CX
	JZ   gdone

gloop:
	VMOVUPD  (DX), Y0
	VCMPPD   $0, Y13, Y0, Y1          // label == 1
	VBLENDVPD Y1, Y13, Y12, Y2        // lab = label == 1 ? 1 : -1
	VBLENDVPD Y1, Y15, Y14, Y3        // w = label == 1 ? w1 : w0
	VMULPD   (SI), Y2, Y4             // x = lab * score
	VMAXPD   gradk<>+64(SB), Y4, Y4
	VMINPD   gradk<>+96(SB), Y4, Y4
	VMULPD   gradk<>+128(SB), Y4, Y5
	VROUNDPD $0, Y5, Y5               // k, to nearest even
	VMULPD   gradk<>+160(SB), Y5, Y6
	VSUBPD   Y6, Y4, Y4
	VMULPD   gradk<>+192(SB), Y5, Y6
	VSUBPD   Y6, Y4, Y4               // r
	VMOVUPD  gradk<>+288(SB), Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+320(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+352(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+384(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+416(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+448(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+480(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+512(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+544(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+576(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   gradk<>+608(SB), Y7, Y7
	VMULPD   Y4, Y7, Y7
	VADDPD   Y13, Y7, Y7              // + 1/1!
	VMULPD   Y4, Y7, Y7
	VADDPD   Y13, Y7, Y7              // + 1/0!
	VCVTPD2DQY Y5, X8
	VPMOVSXDQ X8, Y8
	VPADDQ   gradk<>+256(SB), Y8, Y8
	VPSLLQ   $52, Y8, Y8              // 2**k
	VMULPD   Y8, Y7, Y7               // e**x
	VADDPD   Y13, Y7, Y7              // 1 + e**x
	VXORPD   Y9, Y9, Y9
	VSUBPD   Y2, Y9, Y9               // -lab
	VDIVPD   Y7, Y9, Y9               // resp
	VANDPD   gradk<>+224(SB), Y9, Y10      // |resp|
	VMULPD   Y3, Y9, Y9               // gradient
	VSUBPD   Y10, Y13, Y11
	VMULPD   Y11, Y10, Y10
	VMULPD   Y3, Y10, Y10             // hessian
	VCVTPD2PSY Y9, X9
	VCVTPD2PSY Y10, X10
	VUNPCKLPS X10, X9, X11
	VUNPCKHPS X10, X9, X6
	VMOVUPS  X11, (DI)
	VMOVUPS  X6, 16(DI)
	ADDQ     $32, SI
	ADDQ     $32, DX
	ADDQ     $32, DI
	DECQ     CX
	JNZ      gloop

gdone:
	VZEROUPPER
	RET
