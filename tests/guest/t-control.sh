# The control file and the filter parameters: valid and invalid input.
. /tests/lib.sh

# bad parameters refuse the load, with a warning
for p in size=bogus size=10-5 stack_depth=100 max_objects=1 index=nope comm=waytoolongcommname1234; do
	dmesg -c >/dev/null
	if insmod /kleak/kleak.ko "$p" 2>/dev/null; then rmmod kleak; fail "insmod kleak.ko $p accepted"; fi
	dmesg | grep -q 'kleak: ' || fail "insmod kleak.ko $p: no warning"
done
load size=4096 comm=insmod
expect_grep 'filter: size=4096 comm=insmod' $K/control "params shown in control"
unload

load
expect_grep '^state: running' $K/control
for bad in frobnicate "filter" "filter size=abc" "filter size=10-5" "filter nokey=1" "filter pid=-3" \
	"start now" "filter size=4096 bogus"; do
	dmesg -c >/dev/null
	control_bad "$bad"
	[ "$(dmesg | grep -c 'kleak: ')" = 1 ] || { dmesg; fail "'$bad': want one kleak warning line"; }
done
long=$(printf '%0300d' 0)
control_bad "filter comm=$long"
# a min_age whose nanoseconds do not fit in 64 bits would wrap to a small age
control_bad "filter min_age=18446744073710"
control_bad "filter min_age=5124095576h"
control "filter min_age=5124095h"
control "filter reset"
# text after a NUL is not silently dropped: the whole write is refused
before=$(cat $K/control)
if printf 'stop\000junk' >$K/control 2>/dev/null; then fail "control accepted 'stop\\0junk'"; fi
[ "$before" = "$(cat $K/control)" ] || fail "'stop\\0junk' changed the state"
insmod /kleak/kleak_fixture.ko leaks=1 size=64 || fail "fixture"
rmmod kleak_fixture
addr=$(grep -m 1 'site=kleak_fixture_plant' $K/outstanding | cut -d' ' -f1)
[ -n "$addr" ] || fail "no fixture leak to look up"
echo "$addr" >$K/object || fail "object refused tracked address $addr"
if printf '%s\000junk' "$addr" >$K/object 2>/dev/null; then fail "object accepted '$addr\\0junk'"; fi
dmesg | grep -q 'kleak: object: a NUL in the address' || fail "no warning for a NUL in the address"
control clear	# forget that leak: the counts below start from here

# size filter: what is tracked
control "filter size=4096"
expect_grep '^filter: size=4096$' $K/control
insmod /kleak/kleak_fixture.ko leaks=3 size=4096 || fail "fixture"
rmmod kleak_fixture
insmod /kleak/kleak_fixture.ko leaks=3 size=64 || fail "fixture"
rmmod kleak_fixture
[ "$(grep -c 'site=kleak_fixture_plant' $K/outstanding)" = 3 ] || fail "size filter: want 3 objects"
grep -q 'size=64/64' $K/outstanding && fail "size filter let 64-byte objects through"
[ "$(stat_val filtered_out)" -gt 0 ] || fail "filtered_out not counted"
control "filter size="
expect_grep '^filter: none$' $K/control

# mark: only what comes after
control "mark"
expect_grep '^mark: [0-9]* ms ago' $K/control
grep -q kleak_fixture_plant $K/outstanding && fail "mark: objects from before the mark shown"
insmod /kleak/kleak_fixture.ko leaks=2 size=512 || fail "fixture"
rmmod kleak_fixture
[ "$(grep -c 'site=kleak_fixture_plant' $K/outstanding)" = 2 ] || fail "mark: want the 2 new objects"
control "unmark"
[ "$(grep -c 'site=kleak_fixture_plant' $K/outstanding)" = 5 ] || fail "unmark: want all 5 tracked objects"

# module and age filters apply to reports
control "filter module=kleak_fixture"
[ "$(grep -c 'site=kleak_fixture_plant' $K/outstanding)" = 5 ] || fail "module filter: want the 5 leaks"
grep -q '^#1 stack' $K/stacks || fail "module filter: stacks empty"
# every group shown has a frame in the module (kleak_fixture is gone: saved names)
awk '/^#[0-9]+ stack/ { if (g && !f) bad = 1; g = 1; f = 0 } /\[kleak_fixture\]/ { f = 1 }
	END { if (g && !f) bad = 1; exit bad }' $K/stacks || fail "module filter: a group without kleak_fixture"
n=$(grep -c '^0x' $K/outstanding)
control "filter module=nosuchmodule"
[ "$(grep -c '^0x' $K/outstanding)" = 0 ] || fail "module=nosuchmodule shows objects"
[ "$n" -lt "$(control 'filter module=' && grep -c '^0x' $K/outstanding)" ] || fail "module filter hides nothing"
control "filter module= min_age=1h"
[ "$(grep -c '^0x' $K/outstanding)" = 0 ] || fail "min_age=1h shows objects"
control "filter reset"

# stop costs nothing: no events while stopped
control stop
expect_grep '^state: stopped' $K/control
a=$(stat_val events_kmalloc)
insmod /kleak/kleak_fixture.ko leaks=2 size=64 churn=100 && rmmod kleak_fixture
[ "$(stat_val events_kmalloc)" = "$a" ] || fail "events counted while stopped"
control start
[ "$(stat_val running)" = 1 ] || fail "not running after start"
# objects freed while stopped do not stay listed: start begins afresh
insmod /kleak/kleak_fixture.ko cached=3 || fail "fixture cached=3"
[ "$(grep -c 'site=kleak_fixture_cache_alloc' $K/outstanding)" = 3 ] || fail "the 3 cache objects are not tracked"
control stop
rmmod kleak_fixture	# frees them, unseen
control start
[ "$(grep -c 'site=kleak_fixture_cache_alloc' $K/outstanding)" = 0 ] ||
	fail "objects freed while stopped still listed after start"
# turning a kind off and on under churn loses no free of the others: the
# storm's objects, each kfree_rcu()'d at once, leave no record behind (before,
# every toggle paused every probe, and frees in the pause were lost)
control clear
insmod /kleak/kleak_fixture.ko rcu_storm=1 || fail "fixture rcu_storm=1"
i=0
while [ $i -lt 10 ]; do control "kinds slab,vmalloc,percpu"; control "kinds all"; i=$((i + 1)); done
rmmod kleak_fixture
n=$(grep -c 'site=kleak_fixture_rcu_storm+' $K/outstanding)
[ "$n" = 0 ] || fail "kinds toggles under churn: $n of the storm's objects still listed (missed_frees $(stat_val missed_frees))"

# clear forgets every object and stack; the counters of stats go on (the
# README's Prometheus section: only a new load restarts them)
allocs0=$(stat_val tracked_allocs)
control clear
[ "$(grep -c 'site=kleak_fixture_plant' $K/outstanding)" = 0 ] || fail "clear left objects"
[ "$(stat_val running)" = 1 ] || fail "clear stopped tracking"
[ "$(stat_val tracked_allocs)" -ge "$allocs0" ] ||
	fail "clear reset tracked_allocs: $allocs0, then $(stat_val tracked_allocs)"
expect_nogrep 'kleak_fixture_plant' $K/stacks "clear left the fixture's stack"
unload
echo "control: ok"
