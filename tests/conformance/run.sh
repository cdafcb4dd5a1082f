#!/bin/sh
# tests/conformance/run.sh — the ONNX backend suites from $SHARED/onnx-tests,
# checked against the floors committed in tests/conformance/floor.txt (pass
# counts that may only go up). Writes the current failures to
# tests/conformance/failures.tsv when UPDATE=1 (the committed list of what
# still fails and why). Prints "N passed, M failed" over its checks.
set -u
LOUPE=${LOUPE:-./loupe}
SHARED=${SHARED:-../shared}
here=$(dirname "$0")
suites="node simple pytorch-converted pytorch-operator light"
pass=0
fail=0
if [ ! -d "$SHARED/onnx-tests/node" ]; then
    echo "no $SHARED/onnx-tests: the conformance suites are not run"
    echo "0 passed, 0 failed"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in $suites; do
    "$LOUPE" check -q --jobs 2 --timeout 120 --tsv "$tmp/$s.tsv" "$SHARED/onnx-tests/$s" >"$tmp/$s.out" 2>&1
    line=$(tail -n 1 "$tmp/$s.out")
    got=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
    floor=$(awk -v s="$s" '$1 == s { print $2 }' "$here/floor.txt")
    [ -n "$got" ] || got=0
    [ -n "$floor" ] || floor=0
    if [ "$got" -ge "$floor" ]; then
        pass=$((pass + 1))
        echo "ok   $s: $line (floor $floor)"
    else
        fail=$((fail + 1))
        echo "FAIL $s: $line, below the floor of $floor"
        grep -E '^FAIL' "$tmp/$s.out" | head -20
    fi
    crashes=$(grep -c -E 'crashed|timed out' "$tmp/$s.tsv")
    if [ "$crashes" -eq 0 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $s: $crashes case(s) crashed or hung:"
        grep -E 'crashed|timed out' "$tmp/$s.tsv" | head -20
    fi
    awk -F'\t' -v s="$s" '$2 != "PASS" { print s "\t" $0 }' "$tmp/$s.tsv" >>"$tmp/failures.tsv"
done
if [ "${UPDATE:-0}" = 1 ]; then
    cp "$tmp/failures.tsv" "$here/failures.tsv"
    for s in $suites; do
        got=$(tail -n 1 "$tmp/$s.out" | sed -nE 's/^([0-9]+) passed.*/\1/p')
        echo "$s ${got:-0}"
    done >"$here/floor.new"
    echo "wrote $here/failures.tsv and $here/floor.new (raise floor.txt from it; never lower it)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
