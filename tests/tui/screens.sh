#!/bin/sh
# tests/tui/screens.sh — remakes the text captures of the workbench in
# doc/screens/ (the README shows them). Not a test: run it by hand after a
# change to what the screens draw.  sh tests/tui/screens.sh
. tests/tui/lib.sh
out=doc/screens
mkdir -p "$out"
snap() { sleep 0.3; screen | sed -e 's/[[:space:]]*$//' >"$out/$1.txt"; echo "wrote $out/$1.txt"; }

cp samples/digits_cnn.zip "$TMP/digits_cnn.zip"
start 80 24 "$TMP/digits_cnn.zip"
wait_for fixed "Operators (" && snap overview
keys 2; wait_for fixed "main graph"
keys /; typed "Conv_3"; keys Enter; wait_for fixed "match 1 of 1"
keys Enter; wait_for fixed "Conv Conv_3" && snap nodes
keys 3; wait_for fixed "tensors by name"
keys /; typed "conv2_w"; keys Enter; wait_for fixed "match 1 of 1" && snap tensors
keys 4; wait_for fixed "metadata.json in"
keys /; typed "height"; keys Enter; keys Enter; keys C-u; typed "0"
wait_for fixed "must be a positive integer" && snap metadata
keys Escape; keys 5; wait_for fixed "main graph:" && snap graph
keys q
