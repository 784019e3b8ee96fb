# Readers own their context: two reports open at once, with different
# filters, each show their own; ages are those of the report's opening.
. /tests/lib.sh
load
insmod /kleak/kleak_fixture.ko leaks=3 size=4096 || fail "fixture (4096)"
rmmod kleak_fixture
insmod /kleak/kleak_fixture.ko leaks=2 size=64 || fail "fixture (64)"
rmmod kleak_fixture

control "filter size=4096"
exec 3<$K/outstanding || fail "open outstanding (size=4096)"
control "filter size=64"
exec 4<$K/outstanding || fail "a second reader of outstanding was refused"
exec 5<$K/stacks || fail "open stacks (size=64)"
cat <&3 >/tmp/a || fail "read outstanding (size=4096)"
cat <&4 >/tmp/b || fail "read outstanding (size=64)"
cat <&5 >/tmp/c || fail "read stacks (size=64)"
exec 3<&- 4<&- 5<&-
head -n 1 /tmp/a | grep -q 'filter: size=4096$' || { head -n 1 /tmp/a; fail "first reader lost its filter"; }
[ "$(grep -c 'site=kleak_fixture_plant' /tmp/a)" = 3 ] || fail "first reader: want the 3 objects of 4096 bytes"
head -n 1 /tmp/b | grep -q 'filter: size=64$' || { head -n 1 /tmp/b; fail "second reader: wrong filter"; }
[ "$(grep -c 'site=kleak_fixture_plant' /tmp/b)" = 2 ] || fail "second reader: want the 2 objects of 64 bytes"
head -n 1 /tmp/c | grep -q 'filter: size=64$' || fail "stacks reader: wrong filter"
expect_grep 'stack [0-9]*: 2 objects, 128 bytes live' /tmp/c "stacks reader: the 64-byte group"
control "filter reset"

# ages are taken when a report is opened, not when it is read
control clear
insmod /kleak/kleak_fixture.ko leaks=1 size=2048 || fail "fixture (2048)"
rmmod kleak_fixture
exec 3<$K/stacks || fail "open stacks"
exec 4<$K/outstanding || fail "open outstanding"
sleep 3
cat <&3 >/tmp/s || fail "read stacks"
cat <&4 >/tmp/o || fail "read outstanding"
exec 3<&- 4<&-
age=$(awk '/^#[0-9]+ stack/ { g = $0 } /^    kleak_fixture_plant\+/ && g { print a; exit } /oldest:/ { for (i = 1; i < NF; i++) if ($i == "oldest:") a = $(i + 1) }' /tmp/s)
[ -n "$age" ] || { cat /tmp/s | head -n 30; fail "no age for the fixture's group"; }
awk -v a="${age%s}" 'BEGIN { exit !(a < 2.5) }' || fail "stacks: oldest age $age was taken at read, not at open"
age=$(grep 'site=kleak_fixture_plant' /tmp/o | sed 's/.* age=\([0-9.]*\)s.*/\1/')
awk -v a="$age" 'BEGIN { exit !(a < 2.5) }' || fail "outstanding: age $age was taken at read, not at open"

unload
echo "readers: ok"
