#!/bin/sh
# tests/cli/test_inspect.sh — info, nodes, tensors, ops, run and check on the
# shared test models (when ../shared is there) and on generated bad input.
. tests/cli/lib.sh
S=${SHARED:-../shared}/onnx-tests

expect_exit 0 --help
expect_out "commands:"
for c in info nodes tensors run check ops; do
    expect_exit 0 $c --help
    expect_out "usage: loupe $c"
done
expect_exit 2 info
expect_one_line_err
expect_exit 2 info /nonexistent/model.onnx
expect_one_line_err
expect_err "/nonexistent/model.onnx"
expect_exit 2 frobnicate --x
expect_exit 2 run

# random bytes and an empty file
head -c 4096 /dev/urandom >"$TMP/random.onnx"
expect_exit 2 info "$TMP/random.onnx"
expect_one_line_err
: >"$TMP/empty.onnx"
expect_exit 2 info "$TMP/empty.onnx"
expect_err "empty"

if [ -d "$S" ]; then
    R=$S/light/light_resnet50.onnx
    expect_exit 0 info "$R"
    expect_out "IR version  3"
    expect_out "gpu_0/data_0"
    expect_out "Conv                   53"
    expect_exit 0 info --json "$R"
    expect_json_key inputs
    expect_json_key outputs
    expect_out '"dtype":	"float32"'
    expect_exit 0 nodes --op Conv "$R"
    expect_out "Conv"
    expect_exit 0 nodes --json "$S/node/test_loop11/model.onnx"
    expect_json_key nodes
    expect_json_key op_type
    expect_out '"graph":	"Loop/body"'
    C=$S/pytorch-converted/test_Conv2d/model.onnx
    expect_exit 0 tensors "$C"
    expect_out "2 initializers"
    expect_exit 0 tensors "$C" 1 --values --limit 4
    expect_out "Mean"
    expect_exit 2 tensors "$C" no_such_tensor
    expect_err "no_such_tensor"
    expect_exit 0 tensors --json "$C" 1
    expect_json_key stats

    # truncated models at many lengths: exit 2 with one line, never a crash
    size=$(wc -c <"$C")
    trunc_bad=0
    len=1
    while [ "$len" -lt "$size" ]; do
        head -c "$len" "$C" >"$TMP/t.onnx"
        "$LOUPE" info "$TMP/t.onnx" >/dev/null 2>"$TMP/t.err"
        rc=$?
        if [ "$rc" -ne 2 ] && [ "$rc" -ne 0 ]; then trunc_bad=$((trunc_bad + 1)); echo "truncated at $len: exit $rc"; fi
        if grep -q -E 'AddressSanitizer|runtime error:' "$TMP/t.err"; then trunc_bad=$((trunc_bad + 1)); fi
        len=$((len + 97))
    done
    if [ "$trunc_bad" -eq 0 ]; then ok; else bad "$trunc_bad truncated models misbehaved"; fi

    # run: inputs from .pb, written back with --out; a missing input is exit 2
    A=$S/node/test_abs
    expect_exit 2 run "$A/model.onnx"
    expect_err "is not given"
    expect_exit 2 run "$A/model.onnx" --input nope=x.pb
    expect_err "no input 'nope'"
    expect_exit 2 run "$A/model.onnx" --input "x=$TMP/random.onnx"
    expect_one_line_err
    expect_exit 2 check "$TMP"
fi
finish
