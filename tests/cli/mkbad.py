#!/usr/bin/env python3
# tests/cli/mkbad.py — writes the broken models and packages test_bad_input.sh
# feeds to loupe. There is no onnx package here, so the protobuf is written
# by hand: a few wire-format helpers and the handful of ONNX fields needed.
#   python3 tests/cli/mkbad.py DIR GOOD.onnx
import os
import random
import struct
import sys
import zipfile


def varint(n):
    if n < 0:
        n += 1 << 64  # int64 fields: two's complement, ten bytes
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def vi(num, n):  # varint field
    return varint(num << 3) + varint(n)


def ld(num, payload):  # length-delimited field
    if isinstance(payload, str):
        payload = payload.encode()
    return varint((num << 3) | 2) + varint(len(payload)) + payload


# ---- ONNX messages (field numbers from onnx.proto) ----
def dim(d):
    return ld(1, vi(1, d) if isinstance(d, int) else ld(2, d))


def value_info(name, dims, elem=1):
    shape = b"".join(dim(d) for d in dims)
    tensor_type = vi(1, elem) + ld(2, shape)
    return ld(1, name) + ld(2, ld(1, tensor_type))


def node(op, inputs, outputs, name=""):
    return (b"".join(ld(1, i) for i in inputs) + b"".join(ld(2, o) for o in outputs)
            + ld(3, name or op + "_" + outputs[0]) + ld(4, op))


def tensor(name, dims, raw, dtype=1):
    return b"".join(vi(1, d) for d in dims) + vi(2, dtype) + ld(8, name) + ld(9, raw)


def external(name, dims, location, offset=0, length=None):
    """A float tensor whose data lives in a file beside the model."""
    entries = ld(13, ld(1, "location") + ld(2, location)) + ld(13, ld(1, "offset") + ld(2, str(offset)))
    if length is not None:
        entries += ld(13, ld(1, "length") + ld(2, str(length)))
    return b"".join(vi(1, d) for d in dims) + vi(2, 1) + ld(8, name) + entries + vi(14, 1)


def model(nodes, inputs, outputs, inits=()):
    graph = (b"".join(ld(1, n) for n in nodes) + ld(2, "bad")
             + b"".join(ld(5, t) for t in inits)
             + b"".join(ld(11, i) for i in inputs) + b"".join(ld(12, o) for o in outputs))
    return vi(1, 8) + ld(7, graph) + ld(8, ld(1, "") + vi(2, 13))


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    out, good = sys.argv[1], sys.argv[2]
    good_bytes = open(good, "rb").read()
    x = value_info("x", ["batch", 4])
    y = value_info("y", ["batch", 4])
    w = struct.pack("<4f", 1, 2, 3, 4)
    bad = {
        "dim_negative": model([node("Identity", ["x"], ["y"])], [value_info("x", ["batch", -5])], [y]),
        "dim_huge": model([node("Identity", ["x"], ["y"])], [value_info("x", ["batch", 1 << 62])], [y]),
        "init_dim_negative": model([node("Add", ["x", "W"], ["y"])], [x], [y], [tensor("W", [-5, 4], w)]),
        "init_dim_huge": model([node("Add", ["x", "W"], ["y"])], [x], [y], [tensor("W", [1 << 62, 4], w)]),
        "init_short": model([node("Add", ["x", "W"], ["y"])], [x], [y], [tensor("W", [4], w[:10])]),
        "cycle": model([node("Add", ["x", "t2"], ["t1"]), node("Relu", ["t1"], ["t2"]),
                        node("Identity", ["t2"], ["y"])], [x], [y]),
        "missing_value": model([node("Add", ["x", "nowhere"], ["y"])], [x], [y]),
        "no_graph": vi(1, 8) + ld(8, ld(1, "") + vi(2, 13)),
    }
    add = [node("Add", ["x", "W"], ["y"])]
    bad.update({
        # external data: one good model, and locations that leave the folder or do not fit
        "external_ok": model(add, [x], [y], [external("W", [4], "weights.bin", 4, 16)]),
        "external_absolute": model(add, [x], [y], [external("W", [4], "/etc/passwd")]),
        "external_dotdot": model(add, [x], [y], [external("W", [4], "../weights.bin")]),
        "external_short": model(add, [x], [y], [external("W", [4], "weights.bin", 12)]),
        "external_missing": model(add, [x], [y], [external("W", [4], "nowhere.bin")]),
    })
    write(os.path.join(out, "weights.bin"), struct.pack("<5f", 9, 1, 2, 3, 4))
    for name, data in bad.items():
        write(os.path.join(out, name + ".onnx"), data)
    write(os.path.join(out, "random.onnx"), random.Random(7).randbytes(3000))
    write(os.path.join(out, "empty.onnx"), b"")
    write(os.path.join(out, "text.onnx"), b"this is not a model\n")

    meta = b'{"function": "regression"}'

    def pkg(name, members):
        with zipfile.ZipFile(os.path.join(out, name), "w", zipfile.ZIP_STORED) as z:
            for member, data in members:
                z.writestr(zipfile.ZipInfo(member), data)

    pkg("dotdot.zip", [("../x.onnx", good_bytes), ("metadata.json", meta)])
    pkg("absolute.zip", [("/tmp/x.onnx", good_bytes), ("metadata.json", meta)])
    pkg("two_models.zip", [("a.onnx", good_bytes), ("b.onnx", good_bytes), ("metadata.json", meta)])
    pkg("no_model.zip", [("metadata.json", meta), ("label.txt", b"a\n")])
    pkg("no_metadata.zip", [("model.onnx", good_bytes)])
    pkg("meta_not_json.zip", [("model.onnx", good_bytes), ("metadata.json", b'{"function": regression}')])
    pkg("meta_array.zip", [("model.onnx", good_bytes), ("metadata.json", b'["function"]')])
    pkg("meta_wrong_types.zip", [("model.onnx", good_bytes),
                                 ("metadata.json", b'{"function": 3, "regressionOutput": ["variable"]}')])
    pkg("model_not_onnx.zip", [("model.onnx", b"\x08\x07garbage" * 10), ("metadata.json", meta)])
    pkg("bad_model_inside.zip", [("model.onnx", bad["init_short"]), ("metadata.json", meta)])

    # a member that claims a huge size: both headers patched, the data left short
    pkg("huge_claim.zip", [("model.onnx", good_bytes), ("metadata.json", meta)])
    patch_sizes(os.path.join(out, "huge_claim.zip"), "model.onnx", 0xFFFFFFF0)
    # one that claims a little more than it holds
    pkg("size_lie.zip", [("model.onnx", good_bytes), ("metadata.json", meta)])
    patch_sizes(os.path.join(out, "size_lie.zip"), "model.onnx", len(good_bytes) + 1000)
    # a zip cut in half
    whole = open(os.path.join(out, "dotdot.zip"), "rb").read()
    pkg("cut.zip", [("model.onnx", good_bytes), ("metadata.json", meta)])
    data = open(os.path.join(out, "cut.zip"), "rb").read()
    write(os.path.join(out, "cut.zip"), data[: len(data) // 2])
    del whole


def patch_sizes(path, member, size):
    """Sets the uncompressed size of `member` in its local header and in the
    central directory (so the two agree) without touching its data."""
    data = bytearray(open(path, "rb").read())
    name = member.encode()
    at = 0
    while True:
        at = data.find(b"PK\x03\x04", at)
        if at < 0:
            break
        n = struct.unpack_from("<H", data, at + 26)[0]
        if data[at + 30: at + 30 + n] == name:
            struct.pack_into("<I", data, at + 22, size)
        at += 4
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        if at < 0:
            break
        n = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46: at + 46 + n] == name:
            struct.pack_into("<I", data, at + 24, size)
        at += 4
    write(path, bytes(data))


if __name__ == "__main__":
    main()
