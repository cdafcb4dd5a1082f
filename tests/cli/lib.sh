# tests/cli/lib.sh — helpers for CLI tests: run the binary, check exit codes
# and output, count results, print "N passed, M failed" at the end.
# Usage in a test:  . tests/cli/lib.sh; expect_exit 0 info samples/x.zip; ...; finish
LOUPE=${LOUPE:-./loupe}
PASS=0
FAIL=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
OUT="$TMP/out"
ERR="$TMP/err"

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }

# expect_exit CODE ARGS... : runs loupe ARGS, output in $OUT/$ERR
expect_exit() {
    want=$1; shift
    "$LOUPE" "$@" >"$OUT" 2>"$ERR"
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "loupe $* exited $got, want $want: $(head -c 300 "$ERR")"; fi
    # a sanitizer report is always a failure
    if grep -q -E 'AddressSanitizer|runtime error:|LeakSanitizer' "$ERR"; then bad "sanitizer: loupe $*"; sed -n 1,20p "$ERR"; fi
}
# expect_out TEXT / expect_err TEXT : the last command's stdout/stderr contains TEXT
expect_out() { if grep -q -F -- "$1" "$OUT"; then ok; else bad "stdout lacks '$1'"; fi; }
expect_err() { if grep -q -F -- "$1" "$ERR"; then ok; else bad "stderr lacks '$1': $(head -c 300 "$ERR")"; fi; }
# expect_one_line_err : stderr is exactly one line starting with "loupe: "
expect_one_line_err() {
    n=$(grep -c '' "$ERR"); if [ "$n" -eq 1 ] && grep -q '^loupe: ' "$ERR"; then ok; else bad "stderr is not one 'loupe:' line: $(head -c 300 "$ERR")"; fi
}
# expect_json_key KEY : the last command's stdout names KEY (a grep, no parsing)
expect_json_key() { if grep -q -F -- "\"$1\"" "$OUT"; then ok; else bad "JSON lacks key '$1'"; fi; }
# json_is EXPR : the last command printed JSON d for which the python EXPR holds
json_is() {
    if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$OUT"
    then ok; else bad "JSON fails $1: $(head -c 300 "$OUT")"; fi
}
# exists PATH / absent PATH : a file is there, or is not
exists() { if [ -e "$1" ]; then ok; else bad "$1 does not exist"; fi; }
absent() { if [ -e "$1" ]; then bad "$1 exists"; else ok; fi; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; }
