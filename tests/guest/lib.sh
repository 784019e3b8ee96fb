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

stat_val() { awk -v k="$1" '$1 == k":" { print $2 }' $K/stats; }

load() { insmod /kleak/kleak.ko "$@" || fail "insmod kleak.ko $*"; }
unload() { rmmod kleak || fail "rmmod kleak"; }
