# Bounded memory: a full table drops and counts, and nothing breaks.
. /tests/lib.sh
load max_objects=1000 max_stacks=64
insmod /kleak/kleak_fixture.ko leaks=1500 size=32 || fail "fixture"
rmmod kleak_fixture
# at most 999 records (record 0 is never used): the fixture alone dropped 501 or more
[ "$(stat_val drop_table_full)" -ge 501 ] || fail "table full: want 501 or more drops, got $(stat_val drop_table_full)"
[ "$(stat_val peak_objects)" = 999 ] || fail "the pool was not used up: peak $(stat_val peak_objects)"
# 62 stacks (64 less the 2 reserved entries), and what did not fit counted
[ "$(stat_val stacks)" = 62 ] || fail "want the stack table full (62 stacks), got $(stat_val stacks)"
[ "$(stat_val drop_stack_table_full)" -gt 0 ] || fail "stack table full not counted"
cat $K/outstanding >/tmp/o && cat $K/stacks >/tmp/s || fail "reports fail when full"
grep -q 'stack table full' /tmp/s || fail "no group for the objects whose stack was not kept"
unload
echo "limits: ok"
