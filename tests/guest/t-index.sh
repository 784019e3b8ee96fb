# Both index implementations on this kernel.
. /tests/lib.sh
case $(uname -r) in
6.[0-6].*)
	if insmod /kleak/kleak.ko index=rhashtable 2>/dev/null; then rmmod kleak; fail "rhashtable index accepted before 6.7"; fi
	;;
esac
ixs=portable
case $(uname -r) in 6.[0-6].*) ;; *) ixs="portable rhashtable" ;; esac
for ix in $ixs; do
	load index=$ix
	expect_grep "^index: $ix" $K/control
	insmod /kleak/kleak_fixture.ko leaks=4 size=1024 churn=500 rcu=8 bulk=8 || fail "fixture ($ix)"
	rmmod kleak_fixture
	[ "$(grep -c 'site=kleak_fixture_plant' $K/outstanding)" = 4 ] || fail "index=$ix: want 4 leaks"
	grep -q 'site=kleak_fixture_bulk_free' $K/outstanding && fail "index=$ix: bulk frees missed"
	# the index never allocates from a probe
	[ "$(stat_val drop_recursion)" = 0 ] || fail "index=$ix: recursion from $(grep last_recursion_site $K/stats)"
	unload
done
echo "index: ok"
