#!/bin/sh
# tests/tui/test_behaviour.sh — how the workbench behaves around the edges:
# a model that fails to load opens no screen (exit 2), a larger terminal
# (120x40) and every screen there, Tab and Shift-Tab, resizing (reflow, too
# small, back), the mouse, NO_COLOR with an ASCII locale, unknown keys,
# pickers with the graph's real output names, labels, and undo.
. tests/tui/lib.sh

# ---- a model that fails to load: no screen, one line on stderr, exit 2
printf 'this is not a model' >"$TMP/bad.onnx"
start 80 24 "$TMP/bad.onnx"
expect_exit 2
if ! screen | grep -q "1 Overview"; then ok; else bad "a screen opened for a bad model"; fi
if [ "$(grep -c '' "$TMP/stderr")" -eq 1 ] && grep -q '^loupe: .*bad.onnx' "$TMP/stderr"; then ok; else bad "stderr is not one 'loupe:' line: $(cat "$TMP/stderr")"; fi
start 80 24 "$TMP/missing.onnx"
expect_re "\[exited [12]\]" "a missing file exits with an error"
if grep -q '^loupe: .*missing.onnx' "$TMP/stderr"; then ok; else bad "no message for a missing file: $(cat "$TMP/stderr")"; fi

# ---- a Loop's body: entered from its attribute, left again
start 80 24 "$SHARED/onnx-tests/node/test_loop11/model.onnx"
keys 2
expect "─ Loop Loop#0 ─"
keys Enter
keys G
keys Enter
expect "inside Loop/body (9 nodes)" "Enter on a graph attribute enters the subgraph"
expect "─ Loop/body ─"
keys j
keys Enter
keys Enter
expect_re "is (made|read) by node" "edges are followed inside the subgraph"
keys Escape
keys Escape
expect "back in the main graph" "Esc leaves the subgraph"
keys q
expect_exit 0

# ---- 120x40: every screen by Tab, back by Shift-Tab
cp samples/iris_classification.zip "$TMP/iris.zip"
start 120 40 "$TMP/iris.zip"
expect "Operators (" "the Overview at 120x40"
expect "probabilities"
for screen in "main graph" "tensors by name" "metadata.json in iris.zip" "main graph:" "File"; do
    keys Tab
    expect "$screen" "Tab reaches the screen showing '$screen'"
done
keys BTab
expect "main graph:" "Shift-Tab goes back to the Graph"
keys BTab
expect "metadata.json in iris.zip"

# the Metadata pickers: function by name, the *Output fields by the graph's real outputs
keys g
keys Enter
expect "feature_extraction" "function is picked from the OML functions"
keys Escape
expect_gone "feature_extraction"
keys j j j
keys Enter
expect "(remove the field)" "an Output field opens a picker"
expect_re "│ +probabilities +│" "the picker lists the graph's outputs"
keys Escape
# labels: add one, see it, undo it
keys G
keys a
expect "label 3:" "a adds a label after the last"
typed "rose"
keys Enter
expect "label 3 = rose"
expect "iris.zip [+]"
keys u
expect "undone"
expect_gone "iris.zip [+]" "undo returns to the saved state"

# ---- the mouse: click a tab, click a row, the wheel
keys 1
expect "File"
# SGR mouse reports (xterm-256color): ESC [ < button ; column ; row M (press) or m (release)
click() { tmuxc send-keys -t t -l "$(printf '\033[<0;%d;%dM' "$1" "$2")"; tmuxc send-keys -t t -l "$(printf '\033[<0;%d;%dm' "$1" "$2")"; }
click 25 1
expect "tensors by name" "a click on a tab opens it"
click 5 5
expect "─ weights ─" "a click selects a tensor"
keys 2
expect "main graph"
tmuxc send-keys -t t -l "$(printf '\033[<65;10;10M')"
expect "main graph" "the wheel scrolls without harm"

# ---- unknown keys say so and change nothing
keys Z
expect "Z: no such key here" "an unknown key is reported"

# ---- resizing reflows; too small says so; growing back restores
resize 80 24
expect_re "─ main graph ─+┐┌" "the Nodes screen reflows to 80 columns"
resize 30 8
expect "terminal too small" "below the minimum the app says so"
resize 100 30
expect "main graph" "growing back redraws the screen"
keys q
expect_exit 0

# ---- a large graph: keys answer quickly once it is open, layout or not
# (the budget is 100 ms; a loaded machine gets some slack, never 0.5 s)
if [ -f "$SHARED/onnx-tests/light/light_densenet121.onnx" ] && [ -z "${SAN:-}" ]; then
    start 120 40 "$SHARED/onnx-tests/light/light_densenet121.onnx"
    expect "1746" "densenet121 opens"
    fast=0 slow=0
    for k in 2 j j G k 3 j 4 j 1; do
        before=$(screen)
        t0=$(date +%s%N)
        keys "$k"
        i=0
        while [ "$(screen)" = "$before" ] && [ $i -lt 500 ]; do i=$((i + 1)); done
        ms=$((($(date +%s%N) - t0) / 1000000))
        if [ "$ms" -le 100 ]; then fast=$((fast + 1)); elif [ "$ms" -gt 500 ]; then slow=$((slow + 1)); fi
    done
    if [ "$fast" -ge 7 ] && [ "$slow" -eq 0 ]; then ok; else bad "keys answered slowly: $fast of 10 within 100 ms, $slow over 500 ms"; fi
    keys q
    expect_exit 0
fi

# ---- NO_COLOR and a locale without UTF-8: monochrome, ASCII lines
ENV="NO_COLOR=1" TUI_LANG=C start 80 24 "$TMP/iris.zip"
expect "File"
keys 2
expect_re "^\+- main graph -+\+" "ASCII box lines when the locale is not UTF-8"
keys 5
expect_re "\| +probabilities|input|\[" "the graph draws in ASCII"
if screen | LC_ALL=C grep -q "$(printf '\342\224')"; then bad "box-drawing characters in an ASCII locale"; else ok; fi
keys q
expect_exit 0
finish
