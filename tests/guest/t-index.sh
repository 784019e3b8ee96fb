# Both index implementations on this kernel.
. /tests/lib.sh
case $(uname -r) in
6.[0-6].*)
	if insmod /kleak/kleak.ko index=rhashtable 2>/dev/null; then rmmod kleak; fail "rhashtable index accepted before 6.7"; fi
	;;
esac
for ix in portable auto; do
	load index=$ix
	expect_grep "^index: " $K/control
	insmod /kleak/kleak_fixture.ko leaks=4 size=1024 churn=500 rcu=8 bulk=8 || fail "fixture ($ix)"
	rmmod kleak_fixture
	[ "$(grep -c 'site=kleak_fixture_plant' $K/outstanding)" = 4 ] || fail "index=$ix: want 4 leaks"
	grep -q 'site=kleak_fixture_bulk_free' $K/outstanding && fail "index=$ix: bulk frees missed"
	unload
done
echo "index: ok"
