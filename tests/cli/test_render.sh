#!/bin/sh
# tests/cli/test_render.sh — `loupe render`: usage errors; for the samples and
# shared models, SVG that is well-formed XML (xmllint) and, checked against
# `loupe nodes --json` by check_svg.py, holds an element per node with its
# name, every edge and every attribute in the tooltips; the DOT golden file
# of a sample; PNG that decodes (png.py); PDF; stdout; --around, subgraphs,
# --rankdir, --no-shapes, the deadline.
#   UPDATE_GOLDEN=1 sh tests/cli/test_render.sh   rewrites the golden file.
. tests/cli/lib.sh
SHARED=${SHARED:-../shared}
T=$SHARED/onnx-tests
HERE=tests/cli
PY=$(command -v python3)

# expect_file_ok WHAT COMMAND... : a check on a file, counted
expect_ok() {
    what=$1; shift
    if "$@" >"$TMP/check" 2>&1; then ok; else bad "$what: $(head -c 400 "$TMP/check")"; fi
}

# ---- usage ----
expect_exit 2 render
expect_one_line_err
expect_exit 2 render samples/digits_cnn.zip
expect_err "give -o FILE"
expect_exit 2 render samples/digits_cnn.zip -o "$TMP/x.bmpx"
expect_err "cannot tell the format"
expect_exit 2 render samples/digits_cnn.zip -o "$TMP/x.svg" --format gif
expect_one_line_err
expect_exit 2 render samples/digits_cnn.zip -o "$TMP/x.svg" --rankdir BT
expect_exit 2 render samples/digits_cnn.zip -o "$TMP/x.svg" --depth 2
expect_err "--depth goes with --around"
expect_exit 2 render samples/digits_cnn.zip -o "$TMP/x.svg" --around no_such_node
expect_one_line_err
expect_err "no node named 'no_such_node'"
expect_exit 2 render "$TMP/missing.onnx" -o "$TMP/x.svg"
expect_one_line_err
expect_exit 2 render samples/digits_cnn.zip -o "$TMP/x.svg" --bogus
expect_exit 0 render --help
expect_out "--around NODE"

# ---- SVG for the samples and shared models, checked against `loupe nodes` ----
check_svg() { # MODEL [render options]
    m=$1; shift
    expect_exit 0 render "$m" -o "$TMP/c.svg" "$@"
    expect_ok "xmllint $m" xmllint --noout "$TMP/c.svg"
    if [ -n "$PY" ]; then
        "$LOUPE" nodes "$m" --json >"$TMP/nodes.json" 2>/dev/null
        expect_ok "check_svg $m" "$PY" $HERE/check_svg.py "$TMP/nodes.json" "$TMP/c.svg"
    fi
}
for m in samples/*.zip; do check_svg "$m"; done
for m in $T/light/light_resnet50.onnx $T/light/light_squeezenet.onnx \
         $T/light/light_inception_v1.onnx $T/light/light_densenet121.onnx \
         $T/node/test_loop11/model.onnx $T/node/test_if/model.onnx \
         $T/node/test_scan9_sum/model.onnx $T/node/test_if_seq/model.onnx \
         $T/node/test_loop13_seq/model.onnx $T/node/test_range_float_type_positive_delta_expanded/model.onnx \
         $T/node/test_conv_with_strides_padding/model.onnx $T/node/test_lstm_defaults/model.onnx \
         $T/node/test_ai_onnx_ml_tree_ensemble_set_membership/model.onnx \
         $T/simple/test_sequence_model1/model.onnx $T/pytorch-converted/test_BatchNorm2d_eval/model.onnx \
         $T/pytorch-operator/test_operator_conv/model.onnx; do
    [ -f "$m" ] && check_svg "$m"
done
check_svg $T/node/test_loop11/model.onnx --no-subgraphs
check_svg $T/light/light_inception_v1.onnx --engine layered
check_svg samples/digits_cnn.zip --rankdir LR

# ---- what the SVG carries ----
expect_exit 0 render samples/digits_cnn.zip -o "$TMP/d.svg"
expect_ok "svg id for a node" grep -q 'id="Conv_0"' "$TMP/d.svg"
expect_ok "svg title for a node" grep -q '<title>Conv_0</title>' "$TMP/d.svg"
expect_ok "tooltip with attributes" grep -q 'xlink:title="Conv (ai.onnx v[0-9]*)&#10;name: Conv_0.*kernel_shape = 3,3' "$TMP/d.svg"
expect_ok "initializer folded into its box" grep -q 'W ⟨8×3×3×3⟩' "$TMP/d.svg"
expect_ok "edge carries shape and dtype" grep -q 'batch×8×8×8 f32' "$TMP/d.svg"
expect_ok "legend" grep -q 'convolution / dense' "$TMP/d.svg"
expect_exit 0 render samples/digits_cnn.zip -o "$TMP/n.svg" --no-shapes
if grep -q 'batch×8×8×8 f32</text>' "$TMP/n.svg"; then bad "--no-shapes left shapes on edges"; else ok; fi

# ---- stdout, formats by extension and by flag ----
expect_exit 0 render samples/digits_cnn.zip -o -
expect_out "<svg"
expect_exit 0 render samples/digits_cnn.zip -o - --format dot
expect_out "digraph loupe"
expect_exit 0 render samples/digits_cnn.zip -o "$TMP/p.pdf"
expect_ok "pdf" sh -c "head -c 5 '$TMP/p.pdf' | grep -q '%PDF-'"
expect_exit 0 render samples/digits_cnn.zip -o "$TMP/p.png"
if [ -n "$PY" ]; then
    expect_ok "png decodes" "$PY" $HERE/png.py "$TMP/p.png"
    expect_exit 0 render $T/node/test_loop11/model.onnx -o "$TMP/l.png"
    expect_ok "png of subgraphs decodes" "$PY" $HERE/png.py "$TMP/l.png"
fi
expect_exit 0 render samples/digits_cnn.zip -o "$TMP/p.out" --format png
expect_ok "png by --format" sh -c "head -c 4 '$TMP/p.out' | grep -q PNG"

# ---- the DOT golden file ----
expect_exit 0 render samples/digits_cnn.zip -o "$TMP/g.dot"
if [ -n "${UPDATE_GOLDEN:-}" ]; then cp "$TMP/g.dot" $HERE/golden/render_digits_cnn.dot; fi
expect_ok "DOT golden (UPDATE_GOLDEN=1 rewrites it)" diff -u $HERE/golden/render_digits_cnn.dot "$TMP/g.dot"
expect_exit 0 render samples/digits_cnn.zip -o - --format dot --rankdir LR
expect_out "rankdir=LR"

# ---- parts of big graphs, subgraphs ----
expect_exit 0 render $T/light/light_resnet50.onnx -o "$TMP/a.svg" --around n12 --depth 2 --json
expect_out '"nodes":	7'
expect_ok "around: the centre" grep -q 'id="n12"' "$TMP/a.svg"
expect_ok "around: a stub for what lies outside" grep -q 'id="from:' "$TMP/a.svg"
expect_exit 0 render $T/node/test_loop11/model.onnx -o "$TMP/s.svg" --subgraphs
expect_ok "subgraph cluster" grep -q 'class="cluster"' "$TMP/s.svg"
expect_exit 0 render $T/node/test_loop11/model.onnx -o "$TMP/f.svg" --no-subgraphs
expect_ok "folded body marked" grep -q '▸ body · 9 nodes' "$TMP/f.svg"

# ---- bounds ----
expect_exit 3 render $T/light/light_densenet121.onnx -o "$TMP/t.svg" --timeout 0.001
expect_one_line_err
expect_err "took longer than"
expect_exit 0 render $T/light/light_densenet121.onnx -o "$TMP/t.svg" --json
expect_out '"engine":	"layered"'

finish
