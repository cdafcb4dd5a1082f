/*
** tensor_io.h — tensors to and from files: TensorProto (.pb, as in the ONNX
** test data), NumPy .npy, and the protobuf structs themselves.
*/
#ifndef LP_TENSOR_IO_H
#define LP_TENSOR_IO_H

#include "tensor.h"

struct Onnx__TensorProto;

/* Converts a TensorProto. Data is borrowed from the proto when its layout
** is already ours (then *borrowed is true and the proto must outlive t);
** `dir` resolves external data (NULL refuses it). `where` names the tensor's
** place in messages ("model.onnx: initializer 'W'"). */
int lp_tensor_from_proto(const struct Onnx__TensorProto *tp, const char *dir, lp_tensor *t,
                         bool *borrowed, const char *where, lp_error *err);

/* Fills a freshly initialised TensorProto from t (pointers into t: pack it
** before t changes). Sub-byte types get a packed copy in *scratch, which the
** caller frees. */
void lp_tensor_to_proto(const lp_tensor *t, const char *name, struct Onnx__TensorProto *tp,
                        uint8_t **scratch);

/* A serialized TensorProto; the result owns its data. */
int lp_tensor_read_pb(const uint8_t *bytes, size_t n, lp_tensor *t, char **name,
                      const char *where, lp_error *err);
int lp_tensor_load_pb(const char *path, lp_tensor *t, char **name, lp_error *err);
int lp_tensor_write_pb(const char *path, const lp_tensor *t, const char *name, lp_error *err);

/* NumPy .npy (version 1-3, little-endian, C order). */
int lp_tensor_load_npy(const char *path, lp_tensor *t, lp_error *err);

#endif
