# 20 load/unload cycles with allocations and reads in between.
. /tests/lib.sh
i=0
while [ $i -lt 20 ]; do
	load
	insmod /kleak/kleak_fixture.ko churn=200 rcu=8 bulk=8 || fail "fixture, cycle $i"
	cat $K/stacks >/dev/null || fail "stacks, cycle $i"
	cat $K/outstanding >/dev/null || fail "outstanding, cycle $i"
	rmmod kleak_fixture
	unload
	i=$((i + 1))
done
echo "cycles: ok"
