# Sampling: sample=N tracks about one allocation in N, picked at random
# (BCC memleak's -s); the rest are counted, and their frees are unknown.
. /tests/lib.sh
for p in sample=0 sample=65537 sample=x; do
	dmesg -c >/dev/null
	if insmod /kleak/kleak.ko "$p" 2>/dev/null; then rmmod kleak; fail "insmod kleak.ko $p accepted"; fi
	dmesg | grep -q 'kleak: sample=' || fail "insmod kleak.ko $p: no warning"
done
load sample=4
grep -q '^sample: 1 allocation in 4 tracked' $K/control || fail "control does not show the rate"
insmod /kleak/kleak_fixture.ko leaks=400 size=64 || fail "fixture"
n=$(grep -c 'site=kleak_fixture_plant+' $K/outstanding)
info "sample=4: $n of 400 leaks tracked"
# binomial(400, 1/4): mean 100, sd 8.7; 50..150 is over 5 sd either way
[ "$n" -ge 50 ] && [ "$n" -le 150 ] || fail "sample=4 tracked $n of 400 leaks"
[ "$(stat_val sampled_out)" -ge 200 ] || fail "sampled_out not counted: $(stat_val sampled_out)"
head -n 1 $K/stacks | grep -q 'sampled: 1 allocation in 4 tracked' || fail "stacks header lacks the rate"
rmmod kleak_fixture
# writable at run time; a bad value is refused and changes nothing
dmesg -c >/dev/null
if echo 0 >/sys/module/kleak/parameters/sample 2>/dev/null; then fail "sample=0 accepted at run time"; fi
dmesg | grep -q 'kleak: sample=0' || fail "sample=0 at run time: no warning"
[ "$(cat /sys/module/kleak/parameters/sample)" = 4 ] || fail "a refused write changed the rate"
echo 1 >/sys/module/kleak/parameters/sample || fail "sample=1 refused at run time"
echo clear >$K/control
insmod /kleak/kleak_fixture.ko leaks=40 size=64 || fail "fixture"
n=$(grep -c 'site=kleak_fixture_plant+' $K/outstanding)
[ "$n" = 40 ] || fail "sample=1 tracked $n of 40 leaks"
rmmod kleak_fixture
unload
echo "sample: ok"
