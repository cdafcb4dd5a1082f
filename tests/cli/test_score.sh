# tests/cli/test_score.sh — `loupe score`: OML requests with arrays and with
# base64 image files; --image; mean/scale/inputChannel as metadata.json sets
# them; every bad record an exit 2 with one line naming the record and input.
. tests/cli/lib.sh
S=samples
D=digits_cnn.zip
[ -f $S/$D ] && [ -f $S/images/digit_3.png ] || { bad "samples missing: run make first"; finish; exit 1; }
SHARED=${SHARED:-../shared}

top() { echo "[r['classifications'][0]['label'] for r in d['scoringResults']]"; }
# request RECORDS_PY > FILE : writes {"inputRecords": RECORDS_PY} (python, with b64(path))
request() {
    python3 -c "
import base64, json, sys
def b64(p): return base64.b64encode(open(p, 'rb').read()).decode()
json.dump({'inputRecords': $1}, sys.stdout)"
}

# refused TEXT ARGS... : `loupe score ARGS` exits 2 with one stderr line holding TEXT
refused() {
    t=$1; shift
    expect_exit 2 score "$@"
    expect_one_line_err
    expect_err "$t"
}

# ---- arrays, as before ----
expect_exit 0 score $S/iris_classification.zip $S/iris_classification.records.json --topN 1
json_is "$(top) == ['setosa', 'versicolor', 'virginica']"
expect_exit 0 score $S/diabetes_regression.zip $S/diabetes_regression.records.json
json_is 'len(d["scoringResults"]) == 3 and all("regression" in r for r in d["scoringResults"])'

# ---- base64 images: the generated request, --image, every digit ----
expect_exit 0 score $S/$D $S/digits_cnn.records.json --topN 1
json_is "$(top) == ['0', '3', '7']"
expect_exit 0 score $S/$D --image $S/images/digit_3.png
json_is "$(top)[0] == '3' and d['scoringResults'][0]['classifications'][0]['probability'] > 0.99"
json_is 'len(d["scoringResults"][0]["classifications"]) == 10'
expect_exit 0 score $S/$D --topN 2 --image $S/images/digit_[0-9].png
json_is "$(top) == [str(k) for k in range(10)]"
json_is 'all(len(r["classifications"]) == 2 for r in d["scoringResults"])'

# the same digit as a nested array [1][3][8][8] of the PNG's pixel values
# scores as the PNG does (arrays are fed as they are)
python3 -c "
import json
rows = [list(map(int, l.split(','))) for l in open('$S/data/digits.csv')]
n_train = len(rows) * 4 // 5
r = next(r for r in rows[n_train:] if r[64] == 3)
px = [[int(r[y * 8 + x] * 255 / 16 + 0.5) for x in range(8)] for y in range(8)]
json.dump({'inputRecords': [{'image': [[px, px, px]]}]}, open('$TMP/array.json', 'w'))"
expect_exit 0 score $S/$D "$TMP/array.json"
cp "$OUT" "$TMP/array.out"
expect_exit 0 score $S/$D --image $S/images/digit_3.png
python3 -c "
import json, sys
a, b = (json.load(open(p))['scoringResults'][0]['classifications'] for p in sys.argv[1:])
sys.exit(0 if [c['label'] for c in a] == [c['label'] for c in b] and
         all(abs(x['probability'] - y['probability']) < 1e-6 for x, y in zip(a, b)) else 1)" \
    "$TMP/array.out" "$OUT" && ok || bad "the array and the PNG of digit 3 score differently"

# mixed records: an array, a data: URL, a base64 string
request "[json.load(open('$TMP/array.json'))['inputRecords'][0],
          {'image': 'data:image/png;base64,' + b64('$S/images/digit_7.png')},
          {'image': b64('$S/images/digit_1.png')}]" >"$TMP/mixed.json"
expect_exit 0 score $S/$D "$TMP/mixed.json" --topN 1
json_is "$(top) == ['3', '7', '1']"

# every format the ONNX ImageDecoder tests hold (32x32 pictures, not digits)
for c in bmp_rgb jpeg2k_rgb jpeg_rgb png_rgb pnm_rgb tiff_rgb webp_rgb; do
    pb=$SHARED/onnx-tests/node/test_image_decoder_decode_$c/test_data_set_0/input_0.pb
    [ -f "$pb" ] || continue
    python3 -c "
import sys
b = open(sys.argv[1], 'rb').read()
i = 0
def varint():
    global i
    r = s = 0
    while True:
        c = b[i]; i += 1; r |= (c & 127) << s; s += 7
        if c < 128: return r
while i < len(b):
    k = varint()
    if k & 7 == 0: varint()
    elif k & 7 == 2:
        n = varint()
        if k >> 3 == 9: open(sys.argv[2], 'wb').write(b[i:i + n])
        i += n
    else: sys.exit(1)" "$pb" "$TMP/$c.img"
    expect_exit 0 score $S/$D --image "$TMP/$c.img" --topN 1
    json_is 'len(d["scoringResults"]) == 1'
done

# ---- metadata.json decides the preprocessing ----
# dark digits on light paper: (x - 255) * -1 turns them back into ink
python3 -c "
import zlib, struct
rows = [list(map(int, l.split(','))) for l in open('$S/data/digits.csv')]
r = next(r for r in rows[len(rows) * 4 // 5:] if r[64] == 3)
raw = b''.join(b'\0' + bytes(255 - int(r[(y // 4) * 8 + x // 4] * 255 / 16 + 0.5) for x in range(32))
              for y in range(32))
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
open('$TMP/paper_3.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 32, 32, 8, 0, 0, 0, 0))
    + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))"
expect_exit 0 score $S/$D --image "$TMP/paper_3.png" --topN 1
json_is "$(top) != ['3']"
expect_exit 0 meta $S/$D set mean '[255, 255, 255]' -o "$TMP/paper.zip"
expect_exit 0 meta "$TMP/paper.zip" set scale '[-1, -1, -1]'
expect_exit 0 score "$TMP/paper.zip" --image "$TMP/paper_3.png" --topN 1
json_is "$(top) == ['3'] and d['scoringResults'][0]['classifications'][0]['probability'] > 0.99"
# a scale of 1/255 on a model that wants 0..255 flattens the digit: no longer sure
expect_exit 0 meta $S/$D set scale '[0.00392, 0.00392, 0.00392]' -o "$TMP/small.zip"
expect_exit 0 score "$TMP/small.zip" --image $S/images/digit_3.png --topN 1
json_is 'd["scoringResults"][0]["classifications"][0]["probability"] < 0.9'
# BGR is accepted (the digits are grey, so the order does not change them)
expect_exit 0 meta $S/$D set inputChannel BGR -o "$TMP/bgr.zip"
expect_exit 0 score "$TMP/bgr.zip" --image $S/images/digit_3.png --topN 1
json_is "$(top) == ['3']"
# metadata that disagrees with the model is named
expect_exit 0 meta $S/$D set height 16 -o "$TMP/tall.zip" --force
refused "metadata.json: 'height' is 16, but dim 3 of input 'image' (its height) is 8" "$TMP/tall.zip" --image $S/images/digit_3.png

# ---- bad records: exit 2, one line naming the record and the input ----
printf '{"inputRecords": [{"image": "iVBORw0K!!!"}]}' >"$TMP/bad64.json"
refused "inputRecords[0], input 'image': the string is not base64 image data: '!' at offset 8" $S/$D "$TMP/bad64.json"
request "[{'image': b64('$S/images/digit_1.png')}, {'image': b64('$S/data/iris.csv')}]" >"$TMP/text.json"
refused "inputRecords[1], input 'image': not an image" $S/$D "$TMP/text.json"
printf '{"inputRecords": [{"image": [[[1, 2, 3]]]}]}' >"$TMP/small.json"
refused "inputRecords[0], input 'image': 3 values in 1 row(s); the model expects 192 per row" $S/$D "$TMP/small.json"
head -c 120 $S/images/digit_5.png >"$TMP/cut.png"
request "[{'image': b64('$S/images/digit_5.png')}, {'image': b64('$TMP/cut.png')}]" >"$TMP/cut.json"
refused "inputRecords[1], input 'image': PNG: the file is truncated" $S/$D "$TMP/cut.json"
printf '{"inputRecords": [{"image": ""}]}' >"$TMP/empty.json"
refused "inputRecords[0], input 'image': image: the data is empty" $S/$D "$TMP/empty.json"
printf '{"inputRecords": [{"picture": "AAAA"}]}' >"$TMP/name.json"
refused "inputRecords[0]: 'picture' is not an input of the model (inputs: 'image')" $S/$D "$TMP/name.json"
# a string for a model that is not an image model is one value, not an image
request "[{'input': b64('$S/images/digit_1.png')}]" >"$TMP/iris64.json"
refused "inputRecords[0], input 'input': 1 values in 1 row(s); the model expects 4 per row" $S/iris_classification.zip "$TMP/iris64.json"

# ---- --image misuse ----
refused "$S/data/iris.csv: not an image" $S/$D --image $S/data/iris.csv
refused "--image needs an image package" $S/iris_classification.zip --image $S/images/digit_1.png
expect_exit 2 score $S/$D --image "$TMP/none.png"
expect_one_line_err
expect_exit 2 score $S/$D
expect_one_line_err
finish
