/*
** onnx_pb.h — the protobuf-c bindings, generated at build time from the
** system's onnx.proto (and Loupe's onnx_data.proto) into the build folder.
*/
#ifndef LP_ONNX_PB_H
#define LP_ONNX_PB_H

#include "onnx/onnx.pb-c.h"
#include "onnx_data.pb-c.h"

#endif
