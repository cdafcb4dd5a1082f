#!/bin/sh
# tests/bench.sh — `make bench`: Loupe's latency against onnxruntime on the
# same models, the same machine and the same thread count. Not a test: it
# prints a table. Loupe runs twice: with the OpenBLAS environment as set
# (OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, if any) and with both unset, after
# checking that the two give the same outputs.
#   THREADS (default 2), RUNS (default 30), SHARED (default ../shared)
set -u
cd "$(dirname "$0")/.."
LOUPE=./loupe
SHARED=${SHARED:-../shared}
THREADS=${THREADS:-2}
RUNS=${RUNS:-30}
ORT_DIR=build/ort-ref
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# onnxruntime-node, where npm can install it
ort=""
if command -v node >/dev/null 2>&1 && [ -d "$SHARED/tools/ort-ref" ]; then
    if [ ! -d "$ORT_DIR/node_modules/onnxruntime-node" ]; then
        rm -rf "$ORT_DIR"; mkdir -p build
        cp -r "$SHARED/tools/ort-ref" "$ORT_DIR" &&
            (cd "$ORT_DIR" && npm install --silent >/dev/null 2>&1) || echo "(onnxruntime-node could not be installed: Loupe only)"
    fi
    [ -d "$ORT_DIR/node_modules/onnxruntime-node" ] && ort="node $ORT_DIR/ort_run.js"
fi

models=""
for m in "$SHARED"/onnx-tests/light/*.onnx samples/*.onnx; do [ -f "$m" ] && models="$models $m"; done

median() { # median_ms from loupe run --json, 3 decimals
    sed -nE 's/.*"median_ms":[[:space:]]*([0-9.eE+-]+).*/\1/p' "$1" | head -n 1 |
        awk '{ printf "%.3f", $1 }'
}

echo "OpenBLAS environment: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}"
echo "threads $THREADS, $RUNS timed runs after one untimed, median latency in ms"
printf '%-28s %10s %12s %10s %8s %8s\n' model loupe "loupe-noenv" ort ratio "ratio*"
for m in $models; do
    name=$(basename "$m" .onnx)
    case_dir="$tmp/$name"
    mkdir -p "$case_dir"
    ln -sf "$(cd "$(dirname "$m")" && pwd)/$(basename "$m")" "$case_dir/model.onnx"
    $LOUPE run "$m" --random --threads "$THREADS" --repeat "$RUNS" --json \
        --out "$case_dir/test_data_set_0" >"$tmp/a.json" 2>"$tmp/a.err"
    a=$(median "$tmp/a.json")
    b="-"
    if env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $LOUPE check -q --jobs 1 "$case_dir" >/dev/null 2>&1; then
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $LOUPE run "$m" --random --threads "$THREADS" \
            --repeat "$RUNS" --json >"$tmp/b.json" 2>/dev/null
        b=$(median "$tmp/b.json")
    else
        b="differs"
    fi
    o="-"
    if [ -n "$ort" ]; then
        $ort time "$m" --runs "$RUNS" --warmup 5 --threads "$THREADS" >"$tmp/o.json" 2>/dev/null
        o=$(sed -nE 's/.*"p50_ms":[[:space:]]*([0-9.]+).*/\1/p' "$tmp/o.json" | head -n 1)
    fi
    ratio=$(awk -v a="${a:-0}" -v o="${o:-0}" 'BEGIN { if (a > 0 && o > 0) printf "%.2f", a / o; else print "-" }')
    ratio2=$(awk -v a="$b" -v o="${o:-0}" 'BEGIN { if (a + 0 > 0 && o > 0) printf "%.2f", a / o; else print "-" }')
    [ -n "$a" ] || a="error: $(head -c 60 "$tmp/a.err")"
    printf '%-28s %10s %12s %10s %8s %8s\n' "$name" "$a" "$b" "${o:--}" "$ratio" "$ratio2"
done
echo "ratio = loupe / ort (below 1: Loupe is faster); ratio* with the OpenBLAS variables unset"
