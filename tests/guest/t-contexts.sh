# Leaks planted in process, softirq and hard-IRQ context are found, each
# with its function and context; objects freed in hard IRQ leave none.
# The module is gone when the files are read: its names must stay.
. /tests/lib.sh
load
frees0=$(stat_val tracked_frees)
insmod /kleak/kleak_fixture.ko leaks=3 size=256 irq=20 || fail "fixture"
rmmod kleak_fixture || fail "rmmod kleak_fixture"
cat $K/outstanding >/tmp/o || fail "outstanding unreadable"
n=$(grep 'site=kleak_fixture_plant+' /tmp/o | grep -vc 'ctx=')
[ "$n" = 3 ] || fail "process context: want 3 leaks at kleak_fixture_plant, got $n"
n=$(grep 'site=kleak_fixture_softirq+' /tmp/o | grep -c 'ctx=softirq')
[ "$n" = 20 ] || fail "softirq: want 20 leaks at kleak_fixture_softirq, got $n"
n=$(grep 'site=kleak_fixture_hardirq+' /tmp/o | grep -c 'ctx=hardirq')
[ "$n" = 20 ] || fail "hard IRQ: want 20 leaks at kleak_fixture_hardirq, got $n"
# the 20 objects of kleak_fixture_irq_run were freed in hard IRQ: seen, then gone
[ "$(stat_val tracked_frees)" -ge $((frees0 + 20)) ] || fail "the frees in hard IRQ were not seen"
expect_nogrep 'site=kleak_fixture_irq_run' /tmp/o "objects freed in hard IRQ are still outstanding"
# stacks: each context's groups, those whose first frame (the call site)
# is its function, with its text.  The stack below an interrupt is whatever
# it interrupted, so the 20 may be spread over groups.
cat $K/stacks >/tmp/s || fail "stacks unreadable"
for ctx in hardirq softirq; do
	awk -v f="    kleak_fixture_$ctx+" '
		/^$/ { if (site) printf "%s\n", g; g = ""; site = 0; first = 0; next }
		first { site = index($0, f) == 1; first = 0 }
		/^  backtrace:$/ { first = 1 }
		{ g = g $0 "\n" }' /tmp/s >/tmp/grp
	expect_grep "^    kleak_fixture_$ctx+0x.* \[kleak_fixture\]" /tmp/grp "$ctx group backtrace"
	expect_grep "\"kleak-fixture $ctx leak [0-9]*\"" /tmp/grp "$ctx group strings"
	n=$(awk '/^#[0-9]+ stack/ { s += $4 } END { print s + 0 }' /tmp/grp)
	[ "$n" = 20 ] || { grep '^#[0-9]\|kleak_fixture' /tmp/grp; fail "$ctx groups hold $n objects, want 20"; }
done
unload
dmesg | grep -q 'kleak: summary: ' || fail "no rmmod summary in dmesg"
echo "contexts: ok"
