#!/bin/sh
# tests/tui/test_workbench.sh — the workbench end to end at 80x24 on a copy of
# a sample package: every screen, a search and a jump to a producer and back,
# a tensor's values paged, a metadata field set to a bad value and fixed, a
# save checked with `loupe meta` (and its .bak), the SVG export, help, quit.
. tests/tui/lib.sh

cp samples/digits_cnn.zip "$TMP/cnn.zip" || { echo "samples/digits_cnn.zip missing (run make)"; exit 1; }
PKG="$TMP/cnn.zip"

start 80 24 "$PKG"
# Overview
expect "1 Overview" "the tabs are drawn"
expect "digits_cnn.onnx, metadata.json" "the package's members"
expect "float32[batch,3,8,8]" "the input's shape is listed"
expect "Operators (" "the op-type bars are there"

# Nodes: search, follow an input to its producer, and back
keys 2
expect "main graph" "Nodes lists the main graph"
keys /
typed "relu"
keys Enter
expect "match 1 of 2 for 'relu'" "search reports its match"
expect "Relu Relu_1" "the detail shows the match"
keys Enter
keys Enter
expect "is made by node 0 (Conv)" "Enter on an input jumps to its producer"
expect "Conv Conv_0"
keys n
keys n
expect "match 2 of 2" "n moves to the next match"
keys BSpace
expect "back to node 1 (Relu)" "Backspace walks the history back"
keys Escape
keys f
expect "Filter by op type" "f opens the op-type picker"
typed "Conv"
keys Enter
expect "showing the 2 Conv nodes" "the filter keeps one op type"
keys f
typed "(all)"
keys Enter
expect "showing all 8 nodes"

# Tensors: open one, page its values, step through slices
keys 3
expect "6 tensors by name" "Tensors lists the initializers"
keys /
typed "fc_w"
keys Enter
expect "match 1 of 1 for 'fc_w'"
expect "float32[10" "fc_w's shape"
expect "mean" "its statistics"
keys Enter
expect "Esc goes back" "Enter moves into the values"
keys t
keys PageDown
expect_re "values \[:, :\] +\[[0-9], [1-9][0-9]*\] =" "PageDown pages the values"
keys Escape
keys /
typed "conv2_w"
keys Enter
keys ]
expect "showing [0, 1, :, :]" "] steps to the next slice"
keys v
keys C-u
typed "2, :, 1, :"
keys Enter
expect "showing [2, :, 1, :]" "v picks the axes shown"
keys s
expect "sorted by size"

# Metadata: a bad value, its message, the fix, a change, the diff, the save
keys 4
expect "metadata.json in cnn.zip"
keys /
typed "height"
keys Enter
keys Enter
expect "height (a whole number):" "Enter on height opens a prompt"
keys C-u
typed "abc"
expect "must be a positive integer" "the problem shows as you type"
keys C-u
typed "8"
expect "Problems (0)" "fixing the value clears the problem"
keys Enter
keys /
typed "mean"
keys Enter
keys Enter
keys C-u
typed "0.5, 0.5, 0.5"
keys Enter
expect "mean = 0.5, 0.5, 0.5"
expect "cnn.zip [+]" "unsaved changes are flagged"
keys s
expect "Save these changes" "s shows the diff first"
expect '+   "mean": ['
keys y
expect "the original kept as" "the save names the backup"
expect_gone "cnn.zip [+]"
if [ -f "$PKG.bak" ]; then ok; else bad "no $PKG.bak"; fi
"$LOUPE" meta "$PKG" >"$TMP/meta.txt" 2>&1
if grep -q '0.5' "$TMP/meta.txt"; then ok; else bad "loupe meta does not show the new mean: $(cat "$TMP/meta.txt")"; fi
"$LOUPE" meta "$PKG.bak" >"$TMP/bak.txt" 2>&1
if grep -q '"mean"' "$TMP/bak.txt" && ! grep -q '0.5' "$TMP/bak.txt"; then ok; else bad ".bak does not hold the original: $(cat "$TMP/bak.txt")"; fi
keys u
expect "undone" "u undoes"

# Graph: drawn, the selection shared with Nodes, zoomed, exported
keys 2
keys /
typed "gemm"
keys Enter
keys 5
expect "main graph: 8 nodes" "the Graph screen draws"
expect "selected: 6 Gemm Gemm_6" "the Nodes selection is the Graph's"
keys .
expect "selected: 7 Softmax Softmax_7" ". selects the next node"
keys Enter
expect "─ Softmax Softmax_7 ─" "Enter shows the node in the Nodes screen"
keys 5
keys +
expect "zoom 3/3"
keys e
expect_re "wrote .*cnn\.svg" "e exports the SVG and names the file"
if [ -s "$TMP/cnn.svg" ] && grep -q "<svg" "$TMP/cnn.svg"; then ok; else bad "no SVG written at $TMP/cnn.svg"; fi

# help, and quitting with the undo left unsaved asks first
keys ?
expect "Keys: Graph" "? lists the keys of the current screen"
expect "export the graph as SVG"
keys Escape
expect_gone "Keys: Graph" "Esc closes the overlay"
keys q
expect "Quit without saving?" "quitting with unsaved changes asks"
keys n
expect_gone "Quit without saving?"
keys q
keys y
expect_exit 0
finish
