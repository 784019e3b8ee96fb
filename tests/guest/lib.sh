# SPDX-License-Identifier: GPL-2.0
# Helpers for guest tests (busybox sh).  Source it: . /tests/lib.sh

K=/sys/kernel/debug/kleak

fail() { echo "FAIL: $*"; exit 1; }
info() { echo "# $*"; }

# expect_grep PATTERN FILE [what]
expect_grep() {
	grep -q -- "$1" "$2" || { echo "--- $2:"; head -n 40 "$2"; fail "${3:-$2 lacks '$1'}"; }
}

expect_nogrep() {
	! grep -q -- "$1" "$2" || { echo "--- $2:"; grep -- "$1" "$2" | head; fail "${3:-$2 has '$1'}"; }
}

# control CMD: must succeed
control() { echo "$*" >$K/control || fail "control '$*' was refused"; }

# control_bad CMD: must fail with EINVAL and leave the state unchanged
control_bad() {
	before=$(cat $K/control)
	if echo "$*" >$K/control 2>/dev/null; then fail "control accepted bad input '$*'"; fi
	after=$(cat $K/control)
	[ "$before" = "$after" ] || fail "bad control '$*' changed the state"
}

# kver_ge MAJOR MINOR: the running kernel is MAJOR.MINOR or later
kver_ge() {
	v=$(uname -r)
	maj=${v%%.*}; v=${v#*.}; min=${v%%[!0-9]*}
	[ "$maj" -gt "$1" ] || { [ "$maj" -eq "$1" ] && [ "$min" -ge "$2" ]; }
}

# object_dump ADDR [FILE]: write ADDR to one open of FILE (default
# $K/object), and read that open's dump: each open has its own address
object_dump() {
	{ echo "$1" >&3 && cat <&3; } 3<>"${2:-$K/object}"
}

# stat_val KEY [FILE]: KEY's value in stats, or in FILE, a copy of it (the
# values of one read are consistent with each other; two reads are not)
stat_val() { awk -v k="$1" '$1 == k":" { print $2 }' "${2:-$K/stats}"; }

# demo_stacks FILE: "id objects" of each stack of a stacks or suspects file
# whose call site (first frame) is the demo's open function
demo_stacks() {
	awk '/^#[0-9]+ stack / { id = $3; objs = $4; next }
		/^  backtrace:/ { first = 1; next }
		first { first = 0; if ($1 ~ /^kleak_demo_open\+/) print id, objs }' "$1"
}

# stack_entry FILE ID: the entry of stack ID ("N:", as its header has it)
# in a stacks or suspects file, its header line first
stack_entry() {
	awk -v id="$2" '$1 ~ /^#/ && $3 == id { print; p = 1; next } p && /^#/ { exit } p' "$1"
}

# udev_settle: on the Debian system, wait until udev has handled the
# uevents (a module's load makes one) and its workers are gone: as each
# exits, udevd's PSS grows, which kleak-watch sees.  Busybox: nothing.
udev_settle() {
	command -v udevadm >/dev/null || return 0
	udevadm settle --timeout=300
	us_i=0
	while grep -qx '(udev-worker)' /proc/[0-9]*/comm 2>/dev/null && [ $us_i -lt 30 ]; do
		sleep 1; us_i=$((us_i + 1))
	done
}

load() { insmod /kleak/kleak.ko "$@" || fail "insmod kleak.ko $*"; }
unload() { rmmod kleak || fail "rmmod kleak"; }

# loop_worker DIR NAME BODY...: run BODY (eval'd; $n is its round) again
# and again in the background, at nice 10, until DIR/stop exists; then
# write its rounds to DIR/count.NAME.  LOOP_PID: its pid.
loop_worker() {
	lw_dir=$1 lw_name=$2
	shift 2
	( n=0; while [ ! -e $lw_dir/stop ]; do eval "$*"; n=$((n + 1)); done; echo $n >$lw_dir/count.$lw_name ) \
		>/dev/null 2>&1 &
	LOOP_PID=$!
	renice -n 10 -p $LOOP_PID >/dev/null
}

# loop_counts DIR: "name=rounds ..." of the workers that stopped
loop_counts() {
	lc=$(for f in $1/count.*; do [ -f "$f" ] && printf '%s=%s ' "${f#$1/count.}" "$(cat "$f")"; done)
	echo "${lc% }"
}
