# Bounded memory: a full table drops and counts, and nothing breaks.
. /tests/lib.sh
load max_objects=1000 max_stacks=64
insmod /kleak/kleak_fixture.ko leaks=1500 size=32 || fail "fixture"
rmmod kleak_fixture
[ "$(stat_val drop_table_full)" -gt 0 ] || fail "table full not counted"
[ "$(stat_val live_objects)" -le 1000 ] || fail "more live objects than max_objects"
[ "$(stat_val stacks)" -le 64 ] || fail "more stacks than max_stacks"
cat $K/outstanding >/dev/null && cat $K/stacks >/dev/null || fail "reports fail when full"
unload
echo "limits: ok"
