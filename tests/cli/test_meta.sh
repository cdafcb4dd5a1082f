# tests/cli/test_meta.sh — `loupe meta`: show, validate, set, unset, labels on
# the samples; refusal of changes that break a package; the .bak kept once.
. tests/cli/lib.sh
S=samples
[ -f $S/iris_classification.zip ] || { bad "samples missing: run make first"; finish; exit 1; }

same() { if cmp -s "$1" "$2"; then ok; else bad "$1 differs from $2"; fi; }

# ---- show and validate the samples ----
for s in diabetes_regression iris_classification iris_kmeans digits_cnn; do
    expect_exit 0 meta $S/$s.zip
    expect_out '"function":'
    expect_exit 0 meta $S/$s.zip validate
    expect_out "$S/$s.zip: valid"
    expect_exit 0 meta $S/$s.zip validate --json
    json_is 'd["valid"] is True and d["errors"] == 0 and d["problems"] == []'
done
expect_exit 0 meta $S/iris_classification.zip
expect_out "label.txt: 3 labels (setosa, versicolor, virginica)"
expect_exit 0 meta $S/iris_classification.zip --json
json_is 'd["metadata"]["classificationProbOutput"] == "probabilities" and d["labels"] == ["setosa", "versicolor", "virginica"] and d["label_count"] == 3'
expect_exit 0 meta $S/digits_cnn.zip --json
json_is 'd["metadata"]["channel"] == 3 and d["metadata"]["inputTensorDimNames"][1] == "channel" and d["label_count"] == 10'
# a bare model: no metadata, and that is an error for validate
expect_exit 0 meta $S/diabetes_regression.onnx
expect_out "without metadata.json"
expect_exit 2 meta $S/diabetes_regression.onnx validate
expect_out "diabetes_regression.onnx: metadata.json: is missing"

# ---- set: refused when it breaks the package, nothing written ----
cp $S/iris_classification.zip "$TMP/iris.zip"
P="$TMP/iris.zip"
expect_exit 2 meta "$P" set height '"224"'
expect_err "iris.zip: metadata.json: field 'height': must be a positive integer, got \"224\""
expect_err "not saved"
same "$P" $S/iris_classification.zip
absent "$P.bak"
expect_exit 2 meta "$P" set classificationProbOutput Probabilities
expect_err "did you mean 'probabilities'?"
expect_one_line_err
expect_exit 2 meta "$P" set function cluster
expect_err "field 'function': must be one of"
expect_exit 2 meta "$P" set mean '[1, 2'
expect_one_line_err
expect_err "field 'mean': [1, 2 is not valid JSON"
same "$P" $S/iris_classification.zip

# ---- set, unset: saved safely; the first original kept as .bak, once ----
expect_exit 0 meta "$P" set note 'made by tests'
expect_out "'note' is now \"made by tests\""
expect_out "the original is kept as $P.bak"
same "$P.bak" $S/iris_classification.zip
expect_exit 0 meta "$P" validate
expect_out "warning: field 'note': unknown field"
expect_exit 0 meta "$P" set note '{"n": 2}'
expect_exit 0 meta "$P" --json
json_is 'd["metadata"]["note"] == {"n": 2} and d["metadata"]["function"] == "classification"'
same "$P.bak" $S/iris_classification.zip
expect_exit 0 meta "$P" unset note
expect_out "'note' removed"
expect_exit 2 meta "$P" unset note
expect_one_line_err
expect_err "has no field 'note'"
# --force saves an invalid package; validate then fails and says why
expect_exit 0 meta "$P" set height 0 --force
expect_out "still has"
expect_exit 2 meta "$P" validate
expect_out "field 'height': must be a positive integer, got 0"
expect_exit 0 meta "$P" unset height
expect_exit 0 meta "$P" validate
same "$P.bak" $S/iris_classification.zip
# a mandatory field cannot be removed
expect_exit 2 meta "$P" unset function
expect_err "field 'function': is required"

# ---- labels ----
printf 'a\nb\n' >"$TMP/two.txt"
expect_exit 2 meta "$P" labels "$TMP/two.txt"
expect_err "label.txt: has 2 labels, but output 'probabilities' gives 3"
printf 'Iris setosa\nIris versicolor\nIris virginica\n' >"$TMP/three.txt"
expect_exit 0 meta "$P" labels "$TMP/three.txt"
expect_out "label.txt now has 3 labels"
expect_exit 0 meta "$P" --json
json_is 'd["labels"][2] == "Iris virginica"'
expect_exit 2 meta "$P" labels --remove
expect_err "label.txt: is required"
printf 'a\0b\n' >"$TMP/binary.txt"
expect_exit 2 meta "$P" labels "$TMP/binary.txt"
expect_one_line_err
expect_err "binary.txt: is not a text file"
expect_exit 2 meta "$P" labels "$TMP/none.txt"
expect_one_line_err

# ---- other outputs, clustering, images ----
cp $S/iris_kmeans.zip "$TMP/km.zip"
expect_exit 2 meta "$TMP/km.zip" set clusteringProbOutput distances
expect_err "field 'clusteringProbOutput': set only one of"
expect_exit 2 meta "$TMP/km.zip" unset clusteringDistanceOutput
expect_err "needs one of 'clusteringDistanceOutput'"
expect_exit 0 meta "$TMP/km.zip" set function Clustering -o "$TMP/km2.zip"
same "$TMP/km.zip" $S/iris_kmeans.zip
expect_exit 0 meta "$TMP/km2.zip" --json
json_is 'd["metadata"]["function"] == "Clustering"'
cp $S/digits_cnn.zip "$TMP/digits.zip"
expect_exit 2 meta "$TMP/digits.zip" set height 224
expect_err "field 'height': is 224, but input 'image' is float32[batch,3,8,8]"
expect_exit 2 meta "$TMP/digits.zip" set inputChannel rgb
expect_err "field 'inputChannel': must be \"RGB\" or \"BGR\", got \"rgb\""
expect_exit 2 meta "$TMP/digits.zip" set scale '[1, 1]'
expect_err "field 'scale': has 2 values, but 'channel' is 3"
expect_exit 0 meta "$TMP/digits.zip" set inputChannel BGR
expect_exit 0 meta "$TMP/digits.zip" validate

# ---- a bare model gets a package beside it ----
cp $S/diabetes_regression.onnx "$TMP/dia.onnx"
expect_exit 0 meta "$TMP/dia.onnx" set function regression
expect_out "$TMP/dia.zip: written"
exists "$TMP/dia.zip"
same "$TMP/dia.onnx" $S/diabetes_regression.onnx
expect_exit 0 meta "$TMP/dia.zip" validate
expect_exit 0 meta "$TMP/dia.zip" --json
json_is 'd["model"] == "dia.onnx" and d["metadata"] == {"function": "regression"} and d["labels"] is None'

# ---- usage ----
expect_exit 0 meta --help
for o in --json --force --output --remove validate set unset labels; do expect_out "$o"; done
expect_exit 2 meta
expect_one_line_err
expect_exit 2 meta "$P" frobnicate
expect_one_line_err
expect_exit 2 meta "$P" set onlykey
expect_one_line_err
expect_exit 2 meta "$P" --bogus
expect_one_line_err
expect_exit 2 meta "$P" validate --force
expect_one_line_err
expect_exit 2 meta "$P" set a 1 --json
expect_one_line_err
expect_exit 2 meta "$P" -o
expect_one_line_err

finish
