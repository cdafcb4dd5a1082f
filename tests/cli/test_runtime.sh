#!/bin/sh
# tests/cli/test_runtime.sh — run, check replay, score, time and ops on the
# samples, and their bad input.
. tests/cli/lib.sh
D=samples/diabetes_regression
I=samples/iris_classification
K=samples/iris_kmeans
C=samples/digits_cnn

for c in score time ops; do
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
expect_exit 2 time "$I.zip" --runs 0

# ops
expect_exit 0 ops
expect_out "Conv"
expect_exit 0 ops "$C.zip"
expect_out "every operator has a kernel"
finish
