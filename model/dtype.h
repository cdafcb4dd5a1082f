/*
** dtype.h — ONNX element types: names, sizes, and the half/bfloat/float8
** conversions that every layer needs to show or compute values.
*/
#ifndef LP_DTYPE_H
#define LP_DTYPE_H

#include <stddef.h>
#include <stdint.h>

/* Values equal TensorProto.DataType, so they cross the file boundary as is. */
typedef enum lp_dtype {
    LP_UNDEFINED = 0,
    LP_FLOAT = 1,
    LP_UINT8 = 2,
    LP_INT8 = 3,
    LP_UINT16 = 4,
    LP_INT16 = 5,
    LP_INT32 = 6,
    LP_INT64 = 7,
    LP_STRING = 8,
    LP_BOOL = 9,
    LP_FLOAT16 = 10,
    LP_DOUBLE = 11,
    LP_UINT32 = 12,
    LP_UINT64 = 13,
    LP_COMPLEX64 = 14,
    LP_COMPLEX128 = 15,
    LP_BFLOAT16 = 16,
    LP_FLOAT8E4M3FN = 17,
    LP_FLOAT8E4M3FNUZ = 18,
    LP_FLOAT8E5M2 = 19,
    LP_FLOAT8E5M2FNUZ = 20,
    LP_UINT4 = 21,
    LP_INT4 = 22,
    LP_FLOAT4E2M1 = 23,
    LP_FLOAT8E8M0 = 24,
    LP_UINT2 = 25,
    LP_INT2 = 26,
    LP_DTYPE_COUNT
} lp_dtype;

const char *lp_dtype_name(lp_dtype t);  /* "float32", "int64", ... */
const char *lp_dtype_short(lp_dtype t); /* "f32", "i64", ... */
lp_dtype lp_dtype_from_name(const char *name); /* LP_UNDEFINED if unknown */
int lp_dtype_valid(int t);

/* Bytes per element in memory. Sub-byte types (int4, uint4, float4, int2,
** uint2) are held unpacked, one byte per element; they are packed only in
** files. Strings are held as char* per element. 0 for LP_UNDEFINED. */
size_t lp_dtype_size(lp_dtype t);
/* Bits per element in a file's raw_data (4 for int4, 2 for int2, ...). */
int lp_dtype_file_bits(lp_dtype t);

int lp_dtype_is_float(lp_dtype t);   /* float16/32/64, bfloat16, float8s, float4 */
int lp_dtype_is_int(lp_dtype t);     /* signed or unsigned integers incl. 4/2-bit */
int lp_dtype_is_signed(lp_dtype t);

float lp_half_to_float(uint16_t h);
uint16_t lp_float_to_half(float f);
float lp_bf16_to_float(uint16_t h);
uint16_t lp_float_to_bf16(float f); /* round to nearest even */

/* float8 and float4 conversions; saturate follows the ONNX Cast semantics. */
float lp_f8_to_float(lp_dtype t, uint8_t v);
uint8_t lp_float_to_f8(lp_dtype t, float f, int saturate);

/* Reads element i of a typed buffer as double (strings read as NaN), and
** writes a double into element i with C conversion semantics. */
double lp_load_f64(lp_dtype t, const void *data, size_t i);
void lp_store_f64(lp_dtype t, void *data, size_t i, double v);
int64_t lp_load_i64(lp_dtype t, const void *data, size_t i);

#endif
