#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the test bed itself, on the host: the log analyser goes red on a
# KUnit suite that is missing or short of its plan; a failed build leaves
# no module to boot; an interrupted boot leaves no qemu or console reader
# behind; deps works with an empty home directory; other suites come from
# the host's own mirror; a stale int3 is told from a live one.  Prints
# "PASS testbed/<name>" or "FAIL testbed/<name>: <why>" per test.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
TB=$TOP/scripts/testbed/tb
CACHE=${KLEAK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kleak}
tmp=$(mktemp -d /tmp/kleak-testbed.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

result() { # name ok why
	if [ "$2" = 1 ]; then echo "PASS testbed/$1"; else echo "FAIL testbed/$1: $3"; fi
}

# expect NAME PATTERN TEXT: TEXT has a line matching PATTERN
expect() {
	if printf '%s\n' "$3" | grep -q -- "$2"; then result "$1" 1; else
		result "$1" 0 "no line matches '$2'"; printf '%s\n' "$3" | sed 's/^/    | /' | head -n 10; fi
}

# ---- the analyser -------------------------------------------------------
ktap() { # suite plan results...
	s=$1 p=$2; shift 2
	echo "KLEAK-KTAP-BEGIN $s"
	echo "KTAP version 1"; echo "1..1"; echo "    KTAP version 1"
	echo "    # Subtest: ${s%@*}"; echo "    1..$p"
	i=0
	for r in "$@"; do i=$((i + 1)); echo "    $r $i case$i"; done
	echo "ok 1 ${s%@*}"; echo "KLEAK-KTAP-END"
}
{ ktap a@p 3 ok ok; echo KLEAK-GUEST-DONE; } >"$tmp/short.log"
expect analyse-short-plan 'FAIL k/kunit.a@p.plan: plan 1..3 but 2 results' \
	"$(sh "$TB" analyse "$tmp/short.log" k "a@p")"
{ ktap a@p 2 ok ok; echo KLEAK-GUEST-DONE; } >"$tmp/missing.log"
out=$(sh "$TB" analyse "$tmp/missing.log" k "a@p b@p")
expect analyse-missing-suite 'FAIL k/kunit.b@p: suite missing' "$out"
expect analyse-good-suite 'PASS k/kunit.a@p.plan' "$out"
{ ktap a@p 2 ok "not ok"; echo KLEAK-GUEST-DONE; } >"$tmp/red.log"
expect analyse-failed-case 'FAIL k/kunit.a@p.case2: KUnit case failed' \
	"$(sh "$TB" analyse "$tmp/red.log" k "a@p")"

# ---- other suites come from the host's own mirror ---------------------------
mkdir -p "$tmp/apt/sources.list.d"
printf 'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\nComponents: main\n\nTypes: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\nComponents: main\n' \
	>"$tmp/apt/sources.list.d/debian.sources"
out=$(KLEAK_APT_ETC=$tmp/apt sh "$TB" sources bullseye)
want='deb http://mirror.example/debian bullseye main
deb http://mirror.example/debian-security bullseye-security main'
[ "$out" = "$want" ] && result sources-deb822 1 || result sources-deb822 0 "got: $out"
out=$(KLEAK_APT_ETC=$tmp/apt sh "$TB" sources sid)
[ "$out" = "deb http://mirror.example/debian sid main" ] && result sources-sid-no-security 1 ||
	result sources-sid-no-security 0 "got: $out"
rm "$tmp/apt/sources.list.d/debian.sources"
echo 'deb [signed-by=/k.gpg] http://m2.example/debian bookworm main' >"$tmp/apt/sources.list"
out=$(KLEAK_APT_ETC=$tmp/apt sh "$TB" sources bullseye)
want='deb http://m2.example/debian bullseye main
deb http://m2.example/debian-security bullseye-security main'
[ "$out" = "$want" ] && result sources-one-line 1 || result sources-one-line 0 "got: $out"

# ---- a stale int3 (a TCG fault) is told from a live one -------------------
if sh "$TB" stale-int3 "$TOP/tests/data/int3-stale.log"; then result stale-int3 1; else
	result stale-int3 0 "a stale int3 (the byte trapped on is no longer cc) was not recognized"; fi
if sh "$TB" stale-int3 "$TOP/tests/data/int3-live.log"; then
	result live-int3-not-stale 0 "an int3 still in the text (cc) was taken for a TCG fault"
else result live-int3-not-stale 1; fi

# ---- a failed build leaves no module behind --------------------------------
mkdir -p "$tmp/repo" "$tmp/cache/build/6.12"
(cd "$TOP" && tar cf - Kbuild module kunit tests bench scripts) | (cd "$tmp/repo" && tar xf -)
echo 'this does not compile;' >>"$tmp/repo/module/main.c"
echo stale >"$tmp/cache/build/6.12/kleak.ko"
if KLEAK_CACHE=$tmp/cache sh "$tmp/repo/scripts/testbed/tb" build 6.12 >/dev/null 2>&1; then
	result build-failure-no-stale-module 0 "a broken build succeeded"
elif [ -e "$tmp/cache/build/6.12/kleak.ko" ]; then
	result build-failure-no-stale-module 0 "kleak.ko of an earlier build is still there"
else
	result build-failure-no-stale-module 1
fi

# ---- an interrupted boot leaves nothing running ------------------------------
if [ -f "$CACHE/build/6.12/kleak.ko" ]; then
	log="$CACHE/logs/6.12-cmd.log"
	sh "$TB" boot 6.12 cmd 'sleep 600' >/dev/null 2>&1 &
	tbpid=$!
	i=0
	until pgrep -f "file:$log" >/dev/null || [ $i -ge 60 ]; do sleep 1; i=$((i + 1)); done
	sleep 2
	kill -TERM "$tbpid"
	wait "$tbpid"
	sleep 2
	left=$(pgrep -af -- "$log" | grep -v pgrep)
	if [ $i -ge 60 ]; then
		result boot-interrupt-cleans-up 0 "qemu did not start"
	elif [ -n "$left" ]; then
		result boot-interrupt-cleans-up 0 "left running: $left"
		pkill -f -- "$log"
	else
		result boot-interrupt-cleans-up 1
	fi
else
	result boot-interrupt-cleans-up 0 "no kleak.ko for 6.12 in $CACHE (run: tb build 6.12)"
fi

# ---- deps with an empty home: the cache directory is made first ----------
mkdir -p "$tmp/fake" "$tmp/home"
printf '#!/bin/sh\nexit 1\n' >"$tmp/fake/dpkg-query"
printf '#!/bin/sh\ncase "$*" in *download*) exit 1 ;; esac\nexit 0\n' >"$tmp/fake/apt-get"
chmod +x "$tmp/fake/dpkg-query" "$tmp/fake/apt-get"
out=$(env -u KLEAK_CACHE -u XDG_CACHE_HOME HOME="$tmp/home" PATH="$tmp/fake:$PATH" \
	sh "$TB" deps 2>&1)
case "$out" in
*"cannot install"*) result deps-empty-home 0 "$(echo "$out" | grep 'cannot install')" ;;
*"fetching linux-image"*) result deps-empty-home 1 ;;
*) result deps-empty-home 0 "did not reach the images: $(echo "$out" | tail -n 1)" ;;
esac
