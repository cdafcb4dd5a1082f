# tests/tui/lib.sh — drive the real binary in tmux: keys in, screen text out.
# Each test file sources this, calls start W H ARGS..., sends keys and waits
# for text (polling capture-pane, never sleeping a fixed time), and ends with
# finish, which prints "N passed, M failed".
#   start 80 24 samples/x.zip     open loupe in a fresh W x H session
#   keys 2 Enter / j              tmux send-keys (key names or literal keys)
#   typed 'some text'             literal text
#   expect 'text' [what]          wait until the screen shows text (a pass or a fail)
#   expect_re 'regex' [what]      the same with grep -E
#   expect_gone 'text' [what]     wait until the screen no longer shows text
#   expect_exit N                 wait until loupe exits, with status N
# A private tmux server (-L) is used and killed at the end; files are made in $TMP.
LOUPE=${LOUPE:-./loupe}
PASS=0
FAIL=0
TMP=$(mktemp -d)
SOCKET="loupe-tui-$$"
TIMEOUT=${TUI_TIMEOUT:-15}
tmuxc() { tmux -L "$SOCKET" -f /dev/null "$@"; }
cleanup() { tmuxc kill-server >/dev/null 2>&1; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

ok() { PASS=$((PASS + 1)); }
bad() {
    FAIL=$((FAIL + 1))
    echo "FAIL: $*"
    echo "---- screen ----"
    screen | sed 's/^/|/'
    echo "----------------"
    [ -s "$TMP/stderr" ] && { echo "---- stderr ----"; head -c 2000 "$TMP/stderr"; echo; }
}

# start W H ARGS... : loupe ARGS in a new session; its stderr goes to $TMP/stderr
# and "[exited N]" is printed when it ends. ENV (e.g. "NO_COLOR=1 LANG=C") is
# passed in front of it.
start() {
    w=$1 h=$2
    shift 2
    # a session that outlives the others keeps the server up between starts
    tmuxc has-session -t keep 2>/dev/null || tmuxc new-session -d -s keep -x 20 -y 5 "sleep 3600"
    tmuxc kill-session -t t >/dev/null 2>&1
    args=""
    for a in "$@"; do args="$args '$a'"; done
    : >"$TMP/stderr"
    cmd="env TERM=xterm-256color LANG=${TUI_LANG:-C.UTF-8} LC_ALL= ${ENV:-} $LOUPE $args 2>'$TMP/stderr'; echo \"[exited \$?]\"; sleep 600"
    tmuxc new-session -d -s t -x "$w" -y "$h" "$cmd"
}

screen() { tmuxc capture-pane -p -t t 2>/dev/null; }
keys() { tmuxc send-keys -t t "$@"; }
typed() { tmuxc send-keys -t t -l -- "$1"; }
resize() { tmuxc resize-window -t t -x "$1" -y "$2"; }

# wait_for MODE PATTERN : polls the screen (every 0.1 s, up to $TIMEOUT s)
wait_for() {
    mode=$1 pat=$2
    i=0
    limit=$((TIMEOUT * 10))
    while [ "$i" -lt "$limit" ]; do
        case $mode in
        fixed) screen | grep -q -F -- "$pat" && return 0 ;;
        regex) screen | grep -q -E -- "$pat" && return 0 ;;
        gone) screen | grep -q -F -- "$pat" || return 0 ;;
        esac
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

expect() { if wait_for fixed "$1"; then ok; else bad "${2:-screen lacks '$1'}"; fi; }
expect_re() { if wait_for regex "$1"; then ok; else bad "${2:-screen lacks /$1/}"; fi; }
expect_gone() { if wait_for gone "$1"; then ok; else bad "${2:-screen still shows '$1'}"; fi; }
expect_exit() {
    if wait_for fixed "[exited $1]"; then ok; else bad "loupe did not exit with status $1"; fi
    if grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$TMP/stderr"; then
        bad "sanitizer report"
        sed -n 1,40p "$TMP/stderr"
    fi
}

finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; }
