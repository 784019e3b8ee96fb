# Both index implementations on this kernel.
. /tests/lib.sh
ixs=portable
if kver_ge 6 7; then
	ixs="portable rhashtable"
elif insmod /kleak/kleak.ko index=rhashtable 2>/dev/null; then
	rmmod kleak; fail "rhashtable index accepted before 6.7"
fi
for ix in $ixs; do
	load index=$ix
	expect_grep "^index: $ix" $K/control
	insmod /kleak/kleak_fixture.ko leaks=4 size=1024 churn=500 rcu=8 bulk=8 || fail "fixture ($ix)"
	rmmod kleak_fixture
	# one read: it shows the 4 leaks (so it worked), and no bulk-freed object
	cat $K/outstanding >/tmp/o || fail "index=$ix: outstanding unreadable"
	[ "$(grep -c 'site=kleak_fixture_plant' /tmp/o)" = 4 ] || fail "index=$ix: want 4 leaks"
	[ "$(stat_val events_bulk_free)" -ge 8 ] || fail "index=$ix: no bulk frees seen"
	grep -q 'site=kleak_fixture_bulk_free' /tmp/o && fail "index=$ix: bulk frees missed"
	# the index never allocates from a probe
	[ "$(stat_val drop_recursion)" = 0 ] || fail "index=$ix: recursion from $(grep last_recursion_site $K/stats)"
	unload
done
echo "index: ok"
