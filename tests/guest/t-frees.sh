# Frees that fire no kfree event: kfree_bulk() and batched kfree_rcu().
. /tests/lib.sh
load
[ "$(stat_val bulk_free_hooked)" = 1 ] || fail "kmem_cache_free_bulk is not hooked"
insmod /kleak/kleak_fixture.ko rcu=64 bulk=64 || fail "fixture"
rmmod kleak_fixture
[ "$(stat_val events_bulk_free)" -ge 64 ] || fail "bulk frees not seen: $(stat_val events_bulk_free)"
grep -q 'site=kleak_fixture_bulk_free' $K/outstanding && fail "kfree_bulk'ed objects outstanding"
# kfree_rcu: a grace period plus a batching delay of about 5 s
i=0
while grep -q 'site=kleak_fixture_rcu_free' $K/outstanding; do
	i=$((i + 1))
	[ $i -le 30 ] || fail "kfree_rcu'ed objects still outstanding after 30 s: $(grep -c 'site=kleak_fixture_rcu_free' $K/outstanding)"
	sleep 1
done
info "kfree_rcu objects gone after ${i}s"
unload
echo "frees: ok"
