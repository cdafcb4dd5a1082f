#!/bin/sh
# tests/run.sh — the whole suite, stage by stage. Each stage prints its own
# "N passed, M failed"; the last line sums them. Exit 1 if anything failed.
#   ONLY=asan  runs just the sanitizer stages.
#   SHARED     the folder holding onnx-tests (default ../shared).
set -u
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
export SHARED
total_pass=0
total_fail=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

stage() { # stage NAME COMMAND...
    name=$1; shift
    echo "== $name"
    "$@" >"$log/out" 2>&1
    rc=$?
    cat "$log/out"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/out" | tail -n 1)
    if [ -z "$line" ]; then
        echo "($name printed no summary; exit $rc: counted as 1 failure)"
        total_fail=$((total_fail + 1))
        return
    fi
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "($name exited $rc)"; fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
}

if [ "${ONLY:-}" != asan ]; then
    stage unit build/unit_tests
    for t in tests/cli/test_*.sh; do
        [ -f "$t" ] && stage "cli $(basename "$t")" env LOUPE=./loupe sh "$t"
    done
    for t in tests/tui/test_*.sh; do
        [ -f "$t" ] && stage "tui $(basename "$t")" env LOUPE=./loupe sh "$t"
    done
    [ -f tests/conformance/run.sh ] && stage conformance env LOUPE=./loupe sh tests/conformance/run.sh
fi
# The same unit and CLI tests, and every shared model, under ASan + UBSan.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
export LSAN_OPTIONS=suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0
stage "asan unit" build-asan/unit_tests
for t in tests/cli/test_*.sh; do
    [ -f "$t" ] && stage "asan cli $(basename "$t")" env LOUPE=build-asan/loupe SAN=1 sh "$t"
done
for t in tests/tui/test_*.sh; do
    [ -f "$t" ] && stage "asan tui $(basename "$t")" env LOUPE=build-asan/loupe SAN=1 sh "$t"
done
[ -f tests/cli/load_all.sh ] && stage "asan load-all" env LOUPE=build-asan/loupe sh tests/cli/load_all.sh

echo "== total"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
