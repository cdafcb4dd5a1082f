# tests/cli/test_ml.sh — the ai.onnx.ml sample end to end: iris_forest (a
# TreeEnsembleClassifier + ZipMap random forest, skl2onnx's shape) validates
# as an OML package, runs, and scores one flower of each species correctly.
. tests/cli/lib.sh
S=samples
[ -f $S/iris_forest.zip ] || { bad "samples missing: run make first"; finish; exit 1; }

expect_exit 0 meta $S/iris_forest.zip validate
expect_out "$S/iris_forest.zip: valid"
expect_exit 0 info $S/iris_forest.zip
expect_out "TreeEnsembleClassifier"
expect_out "ZipMap"
expect_out "seq(map(int64,float32"
expect_exit 0 run $S/iris_forest.onnx --random
expect_out "label  int64[1]"
expect_out "probabilities  sequence of 1"

# the records are a setosa, a versicolor and a virginica
expect_exit 0 score $S/iris_forest.zip $S/iris_forest.records.json --topN 1
json_is '[r["classifications"][0]["label"] for r in d["scoringResults"]] == ["0", "1", "2"]'
json_is 'all(r["classifications"][0]["probability"] > 0.9 for r in d["scoringResults"])'
expect_exit 0 score $S/iris_forest.zip $S/iris_forest.records.json
json_is 'all(abs(sum(c["probability"] for c in r["classifications"]) - 1) < 1e-5 for r in d["scoringResults"])'
finish
