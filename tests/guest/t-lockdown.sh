# Booted with lockdown=integrity, as a Secure Boot machine is, or with
# lockdown=confidentiality: the test bed boots the debug kernel so for this
# test alone (tb check, once each), with every module signed by the
# kernel's build key as DKMS signs with the machine's MOK key.  Root still
# reads the outstanding objects, in debugfs and in /proc/kleak/, and gives
# commands through /proc/kleak/.  Under confidentiality, as the kernel
# refuses /proc/kcore, kleak shows no kernel memory: object is EPERM, the
# stacks' samples and strings are refused, stats counts it, the log says so
# once.  Elsewhere: SKIP.
. /tests/lib.sh
L=/sys/kernel/security/lockdown
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
level=$(sed -n 's/.*\[\([a-z]*\)\].*/\1/p' $L 2>/dev/null)
case "$level" in integrity|confidentiality) ;; *) echo "not booted with lockdown=integrity or confidentiality"; exit 77 ;; esac
info "lockdown: $level"
# the lockdown is real: the same module unsigned is refused
[ -f /kleak/unsigned/kleak.ko ] || fail "no unsigned copy of kleak.ko in the initramfs"
if insmod /kleak/unsigned/kleak.ko 2>/dev/null; then fail "unsigned kleak.ko loaded under lockdown"; fi
grep -q '^kleak ' /proc/modules && fail "kleak loaded"
load
insmod /kleak/kleak_fixture.ko leaks=5 size=4096 || fail "insmod of the signed kleak_fixture.ko"

# debugfs: the read-only files
n=$(grep -c 'site=kleak_fixture_plant' $K/outstanding)
[ "$n" = 5 ] || fail "debugfs outstanding: $n of the 5 leaks"
expect_grep 'stack [0-9]*: 5 objects, 20480 bytes live' $K/stacks "debugfs stacks"
if cat $K/control >/dev/null 2>/tmp/err; then fail "debugfs control opened under lockdown (kernel changed its rule?)"; fi
grep -q 'not permitted' /tmp/err || fail "debugfs control: want EPERM, got $(cat /tmp/err)"

# /proc/kleak: everything
P=/proc/kleak
[ "$(grep -c 'site=kleak_fixture_plant' $P/outstanding)" = 5 ] || fail "$P/outstanding: not the 5 leaks"
expect_grep '^ *20480 *5 kleak_fixture_plant+' $P/allocinfo "$P/allocinfo"
a=$(grep -m 1 'site=kleak_fixture_plant' $P/outstanding | cut -d' ' -f1)
if [ "$level" = integrity ]; then
	object_dump "$a" $P/object >/tmp/pobj || fail "$P/object refused $a"
	expect_grep '0000: 6b 6c 65 61 6b 2d 66 69 78 74 75 72 65 20 6c 65  kleak-fixture le' /tmp/pobj "$P/object contents"
	expect_grep '^contents_refused: 0$' $P/stats "contents refused under integrity"
else
	if object_dump "$a" $P/object >/tmp/pobj 2>/tmp/err; then fail "$P/object gave kernel memory under confidentiality"; fi
	grep -q 'not permitted' /tmp/err || fail "$P/object: want EPERM, got $(cat /tmp/err)"
	cat $K/stacks $K/stacks >/tmp/st
	expect_grep '^  sample: (refused: lockdown=confidentiality)$' /tmp/st "stacks: a sample under confidentiality"
	expect_nogrep 'kleak-fixture le\|^    [0-9a-f]\{4\}: ' /tmp/st "stacks: kernel memory under confidentiality"
	n=$(stat_val contents_refused)
	[ "$n" -ge 3 ] || fail "stats contents_refused: $n"
	[ "$(dmesg | grep -c 'kleak: lockdown=confidentiality')" = 1 ] || fail "the refusal not said once: $(dmesg | grep -c 'kleak: lockdown=confidentiality')"
	# the rest still works: outstanding, allocinfo, suspects, commands
	expect_grep '^ *20480 *5 kleak_fixture_plant+' $K/allocinfo "allocinfo under confidentiality"
	cat $K/suspects >/tmp/su || fail "suspects under confidentiality"
fi
# the scripts too
/scripts/kleak-report -c 1 -n 500 >/tmp/rep 2>&1 || { cat /tmp/rep; fail "kleak-report under lockdown"; }
expect_grep 'kleak_fixture_plant' /tmp/rep "kleak-report under lockdown"
/scripts/kleak-report -d $P -c 1 -n 500 >/tmp/rep 2>&1 || fail "kleak-report -d $P under lockdown"
expect_grep 'kleak_fixture_plant' /tmp/rep "kleak-report -d $P"
mkdir -p /tmp/tf && /scripts/kleak-report --prometheus /tmp/tf/k.prom || fail "kleak-report --prometheus under lockdown"
expect_grep '^kleak_up 1$' /tmp/tf/k.prom
echo mark >$P/control || fail "$P/control refused mark"
expect_grep '^mark: [0-9]* ms ago$' $P/control "mark through $P/control"
echo clear >$P/control || fail "$P/control refused clear"
n=$(grep -c 'site=kleak_fixture_plant' $P/outstanding)
[ "$n" = 0 ] || fail "clear through $P/control left $n leaks"
if echo nonsense >$P/control 2>/dev/null; then fail "$P/control accepted nonsense"; fi
rmmod kleak_fixture || fail "rmmod kleak_fixture"
unload
echo "lockdown: ok (unsigned refused; signed loaded; debugfs read-only files readable, control EPERM; /proc/kleak all; kleak-report)"
