# Balanced workloads whose frees fire no kfree event end with 0 live
# objects: a kfree_rcu() storm from kmalloc and from a cache of its own,
# kfree_bulk(), and kmalloc_nolock()/kfree_nolock() where the kernel has
# them (6.18+).  Absence is checked only after the objects were tracked.
. /tests/lib.sh
load
N=${KLEAK_RCU_STORM:-5000}
rcu0=$(stat_val events_kfree_rcu)
tracked0=$(stat_val tracked_allocs)
insmod /kleak/kleak_fixture.ko rcu=$N rcu_cached=$N bulk=$N || fail "fixture"
[ "$(stat_val tracked_allocs)" -ge $((tracked0 + 3 * N)) ] ||
	fail "the storm was not tracked: $(($(stat_val tracked_allocs) - tracked0)) of $((3 * N))"
[ "$(stat_val events_kfree_rcu)" -ge $((rcu0 + 2 * N)) ] ||
	fail "kfree_rcu frees not seen: $(($(stat_val events_kfree_rcu) - rcu0)) of $((2 * N))"
cat $K/outstanding >/tmp/o || fail "outstanding unreadable"
for f in kleak_fixture_rcu_free kleak_fixture_rcu_cache_free kleak_fixture_bulk_free; do
	n=$(grep -c "site=$f+" /tmp/o)
	[ "$n" = 0 ] || fail "$n objects of $f outstanding (false leaks)"
done
rmmod kleak_fixture || fail "rmmod kleak_fixture"
missed=$(stat_val drop_kprobe_missed)
[ -n "$missed" ] || fail "stats shows no drop_kprobe_missed"
info "kprobe hits the kernel missed: $missed"
# after the kernel's own frees have come (a grace period and the batching),
# still none, and nothing of the fixture but its cached objects' records
sleep 6
cat $K/outstanding >/tmp/o || fail "outstanding unreadable"
for f in kleak_fixture_rcu_free kleak_fixture_rcu_cache_free kleak_fixture_bulk_free; do
	expect_nogrep "site=$f+" /tmp/o "false leaks of $f after the grace period"
done
if awk '$3 == "kfree_nolock" { f = 1 } END { exit !f }' /proc/kallsyms; then
	expect_grep '^hooks:.* kmalloc_nolock' $K/stats "kmalloc_nolock not hooked on a kernel that has it"
	nl0=$(stat_val events_kfree_nolock)
	insmod /kleak/kleak_fixture.ko nolock=200 || fail "fixture nolock=200"
	rmmod kleak_fixture
	[ "$(stat_val events_kfree_nolock)" -ge $((nl0 + 200)) ] || fail "kfree_nolock frees not seen"
	cat $K/outstanding >/tmp/o || fail "outstanding unreadable"
	n=$(grep -c 'site=kleak_fixture_nolock+' /tmp/o)
	[ "$n" = 200 ] || fail "kmalloc_nolock: want the 200 leaks (and not the 200 freed), got $n"
	expect_grep '"kleak-fixture nolock leak' $K/stacks "kmalloc_nolock leak contents"
else
	insmod /kleak/kleak_fixture.ko nolock=1 2>/dev/null && fail "nolock=1 accepted without kmalloc_nolock"
	info "no kmalloc_nolock on $(uname -r)"
fi
unload
echo "rcu: ok"
