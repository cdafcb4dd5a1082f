#!/bin/sh
# tests/cli/load_all.sh — every model under $SHARED/onnx-tests loads or is
# refused with a one-line message (exit 0 or 2), never a crash, a hang or a
# sanitizer report. Run with the ASan binary by tests/run.sh.
set -u
LOUPE=${LOUPE:-./loupe}
SHARED=${SHARED:-../shared}
if [ ! -d "$SHARED/onnx-tests" ]; then
    echo "no $SHARED/onnx-tests: nothing to load"
    echo "0 passed, 0 failed"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
find "$SHARED/onnx-tests" -name '*.onnx' | sort >"$tmp/list"
# one line per model: exit status and whether stderr held a sanitizer report
xargs -P 2 -I{} sh -c '
    timeout 60 "$0" info "{}" >/dev/null 2>"$1/err.$$"; rc=$?
    if grep -q -E "AddressSanitizer|LeakSanitizer|runtime error:" "$1/err.$$"; then rc=san; fi
    lines=$(grep -c "" "$1/err.$$")
    echo "$rc $lines {}"; rm -f "$1/err.$$"' "$LOUPE" "$tmp" <"$tmp/list" >"$tmp/results"
total=$(grep -c '' "$tmp/results")
bad=$(awk '!(($1 == 0 && $2 == 0) || ($1 == 2 && $2 == 1))' "$tmp/results")
nbad=0
[ -n "$bad" ] && nbad=$(echo "$bad" | grep -c '')
[ -n "$bad" ] && echo "$bad" | head -20
echo "$total models: $((total - nbad)) loaded or refused cleanly"
echo "$((total - nbad)) passed, $nbad failed"
[ "$nbad" -eq 0 ]
