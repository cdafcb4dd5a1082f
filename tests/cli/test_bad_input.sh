# tests/cli/test_bad_input.sh — files that must be refused cleanly: exit 2 and
# one line on stderr naming the file (and the field, value or member at fault),
# never a crash, and (under build-asan) no sanitizer report or leak.
. tests/cli/lib.sh
S=samples
[ -f $S/iris_kmeans.onnx ] || { bad "samples missing: run make first"; finish; exit 1; }

# Load errors go through `loupe info` once it exists; `loupe meta` loads the same way.
CMD=meta
"$LOUPE" info $S/iris_kmeans.onnx >/dev/null 2>&1 && CMD=info

if ! command -v python3 >/dev/null 2>&1; then
    bad "python3 is needed to write the broken fixtures"; finish; exit 1
fi
B="$TMP/bad"
mkdir -p "$B"
python3 tests/cli/mkbad.py "$B" $S/iris_kmeans.onnx || { bad "mkbad.py failed"; finish; exit 1; }

# refused FILE TEXT... : exit 2, one line naming the file and every TEXT
refused() {
    f=$1; shift
    expect_exit 2 $CMD "$B/$f"
    expect_one_line_err
    expect_err "$B/$f"
    for t in "$@"; do expect_err "$t"; done
}

# models
refused dim_negative.onnx "input 'x'" "-5"
refused dim_huge.onnx "input 'x'" "4611686018427387904"
refused init_dim_negative.onnx "initializer 'W'" "-5"
refused init_dim_huge.onnx "initializer 'W'" "overflows"
refused init_short.onnx "initializer 'W'" "raw_data holds 10 bytes, the shape needs 16"
refused cycle.onnx "cycle"
refused missing_value.onnx "'nowhere'"
refused no_graph.onnx "no graph"
refused random.onnx "not an ONNX model"
refused text.onnx "not an ONNX model"
refused empty.onnx "empty"
# external data: read from the model's folder, never from outside it
refused external_absolute.onnx "initializer 'W'" "leaves the model's folder"
refused external_dotdot.onnx "initializer 'W'" "leaves the model's folder"
refused external_short.onnx "initializer 'W'" "shorter than 16 bytes"
refused external_missing.onnx "initializer 'W'" "nowhere.bin"
expect_exit 0 tensors "$B/external_ok.onnx" W --values
expect_out "1 2 3 4"
python3 - "$TMP/x.npy" <<'PY'
import struct, sys
h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), }"
h += " " * (118 - len(h)) + "\n"
open(sys.argv[1], "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode()
                              + struct.pack("<4f", 10, 20, 30, 40))
PY
expect_exit 0 run "$B/external_ok.onnx" --input "x=$TMP/x.npy"
expect_out "[11 22 33 44]"
# packages
refused dotdot.zip "'../x.onnx'"
refused absolute.zip "'/tmp/x.onnx'"
refused two_models.zip "two models"
refused no_model.zip "no .onnx model"
refused no_metadata.zip "no metadata.json"
refused meta_not_json.zip "metadata.json" "not valid JSON"
refused meta_array.zip "metadata.json" "JSON object"
refused model_not_onnx.zip "model.onnx" "not an ONNX model"
refused bad_model_inside.zip "model.onnx" "raw_data holds"
refused huge_claim.zip "'model.onnx'" "claims 4294967280 bytes"
refused size_lie.zip "'model.onnx'"
refused cut.zip "zip"

# metadata.json that parses but has wrong types: validate names each field
expect_exit 2 meta "$B/meta_wrong_types.zip" validate
expect_out "meta_wrong_types.zip: metadata.json: field 'function': must be a string"
expect_out "field 'regressionOutput': must be a string naming a model output, got [\"variable\"]"
expect_exit 2 meta "$B/meta_wrong_types.zip" validate --json
json_is 'd["valid"] is False and d["errors"] == 2'

# files that are not there or not files
expect_exit 2 $CMD "$TMP/nothing.onnx"
expect_one_line_err
expect_err "nothing.onnx"
expect_exit 2 $CMD "$TMP"
expect_one_line_err

# a model cut short at every 7th length (and a bigger one at every 251st):
# either it still parses (a prefix can be a smaller valid model) or it is
# refused in one line; never another exit status or a crash
truncations() {
    src=$1 step=$2
    size=$(wc -c <"$src")
    n=0
    while [ "$n" -lt "$size" ]; do
        head -c "$n" "$src" >"$TMP/cut.onnx"
        "$LOUPE" $CMD "$TMP/cut.onnx" >"$OUT" 2>"$ERR"
        rc=$?
        if [ "$rc" -eq 0 ]; then ok
        elif [ "$rc" -eq 2 ] && [ "$(grep -c '' "$ERR")" -eq 1 ] && grep -q "^loupe: $TMP/cut.onnx: " "$ERR"; then ok
        else bad "$(basename "$src") cut at $n bytes: exit $rc: $(head -c 300 "$ERR")"
        fi
        if grep -q -E 'AddressSanitizer|runtime error:|LeakSanitizer' "$ERR"; then bad "sanitizer: cut at $n"; fi
        n=$((n + step))
    done
}
truncations $S/iris_kmeans.onnx 7
truncations $S/digits_cnn.onnx 251

# the same bytes inside a package
for n in 0 100 333 500; do
    head -c "$n" $S/iris_kmeans.onnx >"$TMP/model.onnx"
    printf '{"function": "clustering", "clusteringDistanceOutput": "distances"}' >"$TMP/metadata.json"
    (cd "$TMP" && rm -f cutpkg.zip && python3 -c "import zipfile; z=zipfile.ZipFile('cutpkg.zip','w'); z.write('model.onnx'); z.write('metadata.json'); z.close()")
    "$LOUPE" $CMD "$TMP/cutpkg.zip" >"$OUT" 2>"$ERR"
    rc=$?
    if [ "$rc" -eq 0 ] || { [ "$rc" -eq 2 ] && [ "$(grep -c '' "$ERR")" -eq 1 ]; }; then ok
    else bad "package with the model cut at $n: exit $rc: $(head -c 300 "$ERR")"; fi
done

finish
