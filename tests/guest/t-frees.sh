# Frees that fire no kfree event: kfree_bulk() and batched kfree_rcu();
# and 7.x's two kmalloc events for one large kvmalloc().
# Each absence is checked only after the objects were seen tracked and the
# read that looks for them succeeded.
. /tests/lib.sh
load
[ "$(stat_val bulk_free_hooked)" = 1 ] || fail "kmem_cache_free_bulk is not hooked"
bulk0=$(stat_val events_bulk_free)
tracked0=$(stat_val tracked_allocs)
insmod /kleak/kleak_fixture.ko leaks=2 size=256 rcu=64 bulk=64 || fail "fixture"
rmmod kleak_fixture
# the fixture's 2 + 64 + 64 allocations were tracked
[ "$(stat_val tracked_allocs)" -ge $((tracked0 + 130)) ] || fail "the fixture's objects were not tracked"
[ "$(stat_val events_bulk_free)" -ge $((bulk0 + 64)) ] || fail "bulk frees not seen: $(stat_val events_bulk_free)"
cat $K/outstanding >/tmp/o || fail "outstanding unreadable"
[ "$(grep -c 'site=kleak_fixture_plant' /tmp/o)" = 2 ] || fail "want the fixture's 2 leaks in outstanding"
grep -q 'site=kleak_fixture_bulk_free' /tmp/o && fail "kfree_bulk'ed objects outstanding"
# kfree_rcu: a grace period plus a batching delay of about 5 s; they are
# tracked until then
grep -q 'site=kleak_fixture_rcu_free' /tmp/o || info "kfree_rcu objects already freed at the first read"
i=0
while :; do
	cat $K/outstanding >/tmp/o || fail "outstanding unreadable"
	[ "$(grep -c 'site=kleak_fixture_plant' /tmp/o)" = 2 ] || fail "the fixture's 2 leaks are gone"
	grep -q 'site=kleak_fixture_rcu_free' /tmp/o || break
	i=$((i + 1))
	[ $i -le 30 ] || fail "kfree_rcu'ed objects still outstanding after 30 s: $(grep -c 'site=kleak_fixture_rcu_free' /tmp/o)"
	sleep 1
done
info "kfree_rcu objects gone after ${i}s"
# kmem_cache_alloc_bulk() and kmem_cache_free_bulk() of a cache's objects,
# 5 rounds of 100 and of 32: none stays live (7.2 missed nearly all of them)
for n in 100 32; do
	b0=$(stat_val events_bulk_alloc)
	insmod /kleak/kleak_fixture.ko bulk_cache=$n || fail "fixture bulk_cache=$n"
	[ "$(stat_val events_bulk_alloc)" -ge $((b0 + 5 * n)) ] || fail "bulk allocations not seen: $(stat_val events_bulk_alloc)"
	c=$(grep -c 'site=kleak_fixture_bulk_cache+' $K/outstanding)
	rmmod kleak_fixture
	[ "$c" = 0 ] || fail "$c of $((5 * n)) objects of kmem_cache_free_bulk() still live (batches of $n)"
done
# kvmalloc() of 64 KiB, a large kmalloc: on 7.x two kmalloc events for
# one object (the large kmalloc's, then kvmalloc()'s own, with its caller):
# one record, no missed free (7.2 counted one per object, and two per
# module load, from BTF's)
m0=$(stat_val missed_frees); t0=$(stat_val tracked_allocs)
insmod /kleak/kleak_fixture.ko kvlarge=20 || fail "fixture kvlarge=20"
rmmod kleak_fixture
m1=$(stat_val missed_frees); t1=$(stat_val tracked_allocs)
info "kvlarge=20: missed_frees +$((m1 - m0)), tracked_allocs +$((t1 - t0))"
[ "$m1" = "$m0" ] || fail "kvmalloc: $((m1 - m0)) missed frees counted for 20 kvmalloc/kvfree pairs"
[ $((t1 - t0)) -ge 20 ] || fail "kvmalloc: the 20 allocations were not tracked"
unload
echo "frees: ok"
