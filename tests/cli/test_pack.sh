# tests/cli/test_pack.sh — `loupe pack`: packages built from a model,
# metadata.json and label.txt, validated first; nothing written when invalid.
. tests/cli/lib.sh
S=samples
[ -f $S/iris_classification.onnx ] || { bad "samples missing: run make first"; finish; exit 1; }

# member ZIP NAME OUT : extracts one member (python3's zipfile; unzip may be absent)
member() {
    python3 -c "import sys,zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))" "$1" "$2" >"$3"
}

printf '{"function": "classification", "classificationProbOutput": "probabilities"}' >"$TMP/iris.json"
printf 'setosa\nversicolor\nvirginica\n' >"$TMP/iris.txt"

# ---- a good package ----
expect_exit 0 pack $S/iris_classification.onnx "$TMP/iris.json" "$TMP/iris.txt" -o "$TMP/iris.zip"
expect_out "$TMP/iris.zip: written (iris_classification.onnx, metadata.json, label.txt with 3 labels)"
expect_exit 0 meta "$TMP/iris.zip" validate
expect_exit 0 meta "$TMP/iris.zip" --json
json_is 'd["model"] == "iris_classification.onnx" and d["label_count"] == 3 and d["metadata"]["function"] == "classification"'
# the model's bytes are stored unchanged; metadata.json is pretty-printed
member "$TMP/iris.zip" iris_classification.onnx "$TMP/inside.onnx"
if cmp -s "$TMP/inside.onnx" $S/iris_classification.onnx; then ok; else bad "model bytes changed"; fi
member "$TMP/iris.zip" metadata.json "$TMP/inside.json"
if printf '{\n  "function": "classification",\n  "classificationProbOutput": "probabilities"\n}\n' | cmp -s - "$TMP/inside.json"
then ok; else bad "metadata.json not pretty-printed: $(cat "$TMP/inside.json")"; fi
member "$TMP/iris.zip" label.txt "$TMP/inside.txt"
if cmp -s "$TMP/inside.txt" "$TMP/iris.txt"; then ok; else bad "label.txt differs"; fi

# replacing a package keeps the first one as .bak
cp "$TMP/iris.zip" "$TMP/first.zip"
expect_exit 0 pack $S/iris_classification.onnx "$TMP/iris.json" "$TMP/iris.txt" -o "$TMP/iris.zip"
expect_out "kept as $TMP/iris.zip.bak"
if cmp -s "$TMP/iris.zip.bak" "$TMP/first.zip"; then ok; else bad ".bak is not the first package"; fi

# regression, clustering and image packages
printf '{"function": "regression"}' >"$TMP/reg.json"
expect_exit 0 pack $S/diabetes_regression.onnx "$TMP/reg.json" -o "$TMP/reg.zip"
expect_exit 0 meta "$TMP/reg.zip" validate
printf '{"function":"clustering","clusteringDistanceOutput":"distances"}' >"$TMP/km.json"
expect_exit 0 pack $S/iris_kmeans.onnx "$TMP/km.json" -o "$TMP/km.zip"
cat >"$TMP/img.json" <<'J'
{"function": "classification", "classificationProbOutput": "probabilities",
 "inputTensorDimNames": ["batch", "channel", "height", "width"], "height": 8, "width": 8,
 "channel": 3, "mean": [0, 0, 0], "scale": [1, 1, 1], "inputChannel": "BGR"}
J
seq 0 9 >"$TMP/digits.txt"
expect_exit 0 pack $S/digits_cnn.onnx "$TMP/img.json" "$TMP/digits.txt" -o "$TMP/img.zip"
expect_exit 0 meta "$TMP/img.zip" validate
# warnings are printed, the package is written
printf '{"function": "regression", "Comment": "x"}' >"$TMP/warn.json"
expect_exit 0 pack $S/diabetes_regression.onnx "$TMP/warn.json" -o "$TMP/warn.zip"
expect_out "warn.zip: metadata.json: warning: field 'Comment': unknown field"

# ---- invalid packages: errors listed, nothing written ----
expect_exit 2 pack $S/iris_classification.onnx "$TMP/iris.json" -o "$TMP/nolabels.zip"
expect_one_line_err
expect_err "loupe: $TMP/nolabels.zip: label.txt: is required"
absent "$TMP/nolabels.zip"
printf 'a\nb\n' >"$TMP/two.txt"
expect_exit 2 pack $S/iris_classification.onnx "$TMP/iris.json" "$TMP/two.txt" -o "$TMP/two.zip"
expect_err "label.txt: has 2 labels"
absent "$TMP/two.zip"
printf '{"function": "regression", "regressionOutput": "Variable", "height": "224"}' >"$TMP/bad.json"
expect_exit 2 pack $S/diabetes_regression.onnx "$TMP/bad.json" -o "$TMP/bad.zip"
expect_err "field 'regressionOutput': 'Variable' is not an output of the model; did you mean 'variable'?"
expect_err "field 'height': must be a positive integer, got \"224\""
if [ "$(grep -c '^loupe: ' "$ERR")" -ge 3 ]; then ok; else bad "each problem on its own line"; fi
absent "$TMP/bad.zip"
# --force writes it anyway
expect_exit 0 pack $S/diabetes_regression.onnx "$TMP/bad.json" -o "$TMP/bad.zip" --force
exists "$TMP/bad.zip"
expect_exit 2 meta "$TMP/bad.zip" validate

# ---- bad input files ----
printf '{"function": "regression",\n "height": }' >"$TMP/broken.json"
expect_exit 2 pack $S/diabetes_regression.onnx "$TMP/broken.json" -o "$TMP/x.zip"
expect_one_line_err
expect_err "broken.json: not valid JSON (line 2"
printf '["regression"]' >"$TMP/array.json"
expect_exit 2 pack $S/diabetes_regression.onnx "$TMP/array.json" -o "$TMP/x.zip"
expect_one_line_err
expect_err "array.json: metadata must be a JSON object"
expect_exit 2 pack "$TMP/none.onnx" "$TMP/reg.json" -o "$TMP/x.zip"
expect_one_line_err
expect_err "none.onnx"
expect_exit 2 pack "$TMP/reg.zip" "$TMP/reg.json" -o "$TMP/x.zip"
expect_one_line_err
expect_err "is already a package"
head -c 100 $S/iris_kmeans.onnx >"$TMP/cut.onnx"
expect_exit 2 pack "$TMP/cut.onnx" "$TMP/km.json" -o "$TMP/x.zip"
expect_one_line_err
printf 'a\0b' >"$TMP/bin.txt"
expect_exit 2 pack $S/iris_classification.onnx "$TMP/iris.json" "$TMP/bin.txt" -o "$TMP/x.zip"
expect_one_line_err
absent "$TMP/x.zip"
cp $S/diabetes_regression.onnx "$TMP/self.onnx"
expect_exit 2 pack "$TMP/self.onnx" "$TMP/reg.json" -o "$TMP/self.onnx"
expect_one_line_err
expect_err "is the model itself"
if cmp -s "$TMP/self.onnx" $S/diabetes_regression.onnx; then ok; else bad "the model was overwritten"; fi

# ---- usage ----
expect_exit 0 pack --help
for o in --output --force MODEL.onnx METADATA.json label.txt; do expect_out "$o"; done
expect_exit 2 pack $S/diabetes_regression.onnx "$TMP/reg.json"
expect_one_line_err
expect_err "-o PKG.zip"
expect_exit 2 pack $S/diabetes_regression.onnx -o "$TMP/x.zip"
expect_one_line_err
expect_exit 2 pack a b c d -o "$TMP/x.zip"
expect_one_line_err
expect_exit 2 pack --nope
expect_one_line_err

finish
