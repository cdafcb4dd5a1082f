#!/bin/sh
# tests/cli/test_runtime.sh — run, check replay, score, time and ops on the
# samples, and their bad input.
. tests/cli/lib.sh
D=samples/diabetes_regression
I=samples/iris_classification
K=samples/iris_kmeans
C=samples/digits_cnn

for c in score time; do
    expect_exit 0 $c --help
    expect_out "usage: loupe $c"
done

# run: random inputs, a batch, JSON, and --out as a replayable test case
expect_exit 0 run "$D.onnx" --random --batch 3 --json
expect_json_key outputs
expect_out '"name":	"variable"'
expect_out '3, 1'
mkdir -p "$TMP/case"
cp "$C.onnx" "$TMP/case/model.onnx"
expect_exit 0 run "$C.onnx" --random --seed 7 --out "$TMP/case/test_data_set_0"
expect_out "wrote 1 output"
expect_exit 0 check "$TMP/case"
expect_out "PASS case"
expect_exit 0 check --no-fuse "$TMP/case"
expect_exit 0 run "$C.onnx" --input "image=$TMP/case/test_data_set_0/input_0.pb" --repeat 3
expect_out "3 more runs: min"
expect_exit 0 run "$C.zip" --random --trace
expect_err "Conv"
# an input of the wrong shape or type is bad input, named
expect_exit 2 run "$C.onnx" --input "image=$TMP/case/test_data_set_0/output_0.pb"
expect_one_line_err
expect_err "input 'image'"

# score: the three tabular functions
expect_exit 0 score "$D.zip" "$D.records.json"
expect_out '"regression":'
expect_out '206.1'
expect_exit 0 score "$I.zip" "$I.records.json" --topN 1
expect_out '"label":	"setosa"'
expect_out '"label":	"virginica"'
if grep -q '"label":	"versicolor"' "$OUT" && [ "$(grep -c '"label"' "$OUT")" -eq 3 ]; then ok; else bad "topN 1 keeps one class per record"; fi
expect_exit 0 score "$K.zip" "$K.records.json"
expect_out '"clusterId":'
expect_out '"distance":'
echo '{"inputRecords":[{"input":[[5.1,3.5,1.4,0.2],[6.7,3.0,5.2,2.3]]}],"topN":2}' >"$TMP/two.json"
expect_exit 0 score "$I.zip" "$TMP/two.json"
if [ "$(grep -c '"classifications"' "$OUT")" -eq 2 ]; then ok; else bad "two rows give two results"; fi
expect_exit 0 score --function regression "$D.onnx" "$D.records.json"
expect_out '"regression":'
# bad requests: exit 2, one line naming what is wrong
echo 'not json' >"$TMP/bad.json"
expect_exit 2 score "$D.zip" "$TMP/bad.json"
expect_one_line_err
echo '{"records":[]}' >"$TMP/bad.json"
expect_exit 2 score "$D.zip" "$TMP/bad.json"
expect_err "inputRecords"
echo '{"inputRecords":[{"nope":[[1]]}]}' >"$TMP/bad.json"
expect_exit 2 score "$D.zip" "$TMP/bad.json"
expect_err "'nope' is not an input"
echo '{"inputRecords":[{"input":[[1,2,3]]}]}' >"$TMP/bad.json"
expect_exit 2 score "$D.zip" "$TMP/bad.json"
expect_err "expects 10 per row"
echo '{"inputRecords":[{"input":[["a",2,3,4,5,6,7,8,9,10]]}]}' >"$TMP/bad.json"
expect_exit 2 score "$D.zip" "$TMP/bad.json"
expect_err "is not a number"
expect_exit 2 score "$D.onnx" "$D.records.json"
expect_err "no function"

# time
expect_exit 0 time "$C.onnx" --runs 5 --warmup 1 --json
expect_json_key p50_ms
expect_json_key profile
expect_exit 0 time "$I.zip" --runs 3
expect_out "Latency"
expect_out "3 timed after"
expect_exit 2 time "$I.zip" --runs 0
# time --nodes: the slowest nodes after the op-type table; Conv has GFLOP/s
expect_exit 0 time "$C.onnx" --runs 5 --warmup 1 --nodes all
expect_out "OP TYPE"
if grep -q -E '^NAME +OP +OUTPUT SHAPE +MS/RUN +SHARE +GFLOP/S$' "$OUT"; then ok; else bad "no nodes table header"; fi
if grep -q -E '^Conv_0 +Conv +1x8x8x8 +[0-9.]+ +[0-9.]+% +[0-9]+\.[0-9]{2}$' "$OUT"; then ok; else bad "Conv_0 row lacks shape or GFLOP/s: $(grep Conv_0 "$OUT")"; fi
if grep -q -E '^MaxPool_2 +MaxPool +1x8x4x4 +[0-9.]+ +[0-9.]+%$' "$OUT"; then ok; else bad "MaxPool_2 row: $(grep MaxPool_2 "$OUT")"; fi
expect_exit 0 time "$C.onnx" --runs 5 --warmup 1 --nodes 2 --batch 3
n=$(sed -n '/^NAME /,$p' "$OUT" | grep -c -E '^[A-Za-z_0-9]+ +[A-Za-z]+ +[0-9x]+ ')
if [ "$n" -eq 2 ]; then ok; else bad "--nodes 2 printed $n rows"; fi
expect_out "3x8x8x8"
expect_out "(4 more nodes)"
expect_exit 0 time "$C.onnx" --runs 5 --warmup 1 --nodes 3 --json
if grep -q -E '"nodes":[[:space:]]*\[' "$OUT"; then ok; else bad "no nodes array in JSON"; fi
expect_json_key output_shape
expect_json_key gflops
n=$(grep -c '"op_type"' "$OUT")
if [ "$n" -eq $((6 + 3)) ]; then ok; else bad "--json --nodes 3: $n op_type keys, want 6 op types + 3 nodes"; fi
expect_exit 0 time "$C.onnx" --runs 2 --json
if grep -q -E '"nodes":[[:space:]]*\[' "$OUT"; then bad "nodes in JSON without --nodes"; else ok; fi
for arg in x 0 -1 2x; do
    expect_exit 2 time "$C.onnx" --nodes "$arg"
    expect_one_line_err
    expect_err "--nodes takes a count"
done
expect_exit 2 time "$C.onnx" --nodes 2 --no-profile
expect_one_line_err

# ops
expect_exit 0 ops
expect_out "Conv"
expect_exit 0 ops "$C.zip"
expect_out "every operator has a kernel"
finish
