# kleak's debugfs files, checked against leaks planted by kleak_fixture.ko.
. /tests/lib.sh
load
for f in outstanding:400 stacks:400 object:600 stats:400 control:600; do
	name=${f%:*}; mode=${f#*:}
	[ -e $K/$name ] || fail "no $K/$name"
	[ "$(stat -c %a $K/$name)" = "$mode" ] || fail "$name has mode $(stat -c %a $K/$name), want $mode"
done

insmod /kleak/kleak_fixture.ko leaks=5 size=4096 cached=3 || fail "insmod kleak_fixture"

# outstanding: one line per object, oldest first
cat $K/outstanding >/tmp/o
head -n 1 /tmp/o | grep -q '^# kleak outstanding: ' || fail "outstanding has no header"
n=$(grep -c 'site=kleak_fixture_plant+' /tmp/o)
[ "$n" = 5 ] || { cat /tmp/o | tail -n 20; fail "want 5 fixture leaks in outstanding, got $n"; }
expect_grep '^0x[0-9a-f]* size=4096/4096 cache=kmalloc-4k kind=slab age=[0-9]*\.[0-9]*s pid=[0-9]* comm=insmod cpu=[0-9]* gfp=0x[0-9a-f]* stack=[0-9]* site=kleak_fixture_plant+0x[0-9a-f]*/0x[0-9a-f]* \[kleak_fixture\]$' /tmp/o "outstanding line format"
n=$(grep -c 'size=96/[0-9]* cache=kleak_fixture_cache .*site=kleak_fixture_cache_alloc' /tmp/o)
[ "$n" = 3 ] || { grep kleak_fixture_cache /tmp/o; fail "want 3 objects named kleak_fixture_cache, got $n"; }
# oldest first
grep '^0x' /tmp/o | sed 's/.* age=\([0-9.]*\)s.*/\1/' | awk 'NR > 1 && $1 > prev + 0.001 { bad = 1 } { prev = $1 } END { exit bad }' ||
	fail "outstanding is not oldest first"

# stacks: the fixture's group, with counts, comm, stack, hex dump and strings
cat $K/stacks >/tmp/s
head -n 1 /tmp/s | grep -q '^# kleak stacks: ' || fail "stacks has no header"
# by its backtrace: a module's vmalloc'd text holds the name too
awk '/^#[0-9]+ stack/ { g = $0; p = 0 } /^    kleak_fixture_plant\+/ && !p { print g; p = 1 }' /tmp/s >/tmp/g
expect_grep 'stack [0-9]*: 5 objects, 20480 bytes live; 5 allocs, 0 frees' /tmp/g "stacks group counts"
awk '/^$/ { if (g ~ /\n    kleak_fixture_plant\+/) { printf "%s", g; exit } g = ""; next } { g = g $0 "\n" }' /tmp/s >/tmp/grp
expect_grep 'cache: kmalloc-4k  kind: slab  oldest: [0-9.]*s  comms: insmod(5)' /tmp/grp "group cache/comms"
expect_grep '^    kleak_fixture_plant+0x' /tmp/grp "group backtrace"
expect_grep '^    kleak_fixture_init+0x' /tmp/grp "group backtrace (caller)"
expect_grep 'sample: object 0x[0-9a-f]* (4096 bytes), first 64 bytes:' /tmp/grp
expect_grep '0000: 6b 6c 65 61 6b 2d 66 69 78 74 75 72 65 20 6c 65  kleak-fixture le' /tmp/grp "hex+ASCII dump"
expect_grep '"kleak-fixture leak 0"' /tmp/grp "strings: oldest exemplar"
expect_grep '"second string of leak 0"' /tmp/grp "strings: anywhere in the object"
# sorted by live bytes, largest first
grep '^#[0-9]* stack' /tmp/s | sed 's/.*objects, \([0-9]*\) bytes.*/\1/' |
	awk 'NR > 1 && $1 > prev { bad = 1 } { prev = $1 } END { exit bad }' || fail "stacks not sorted by bytes"

# object: record and the whole object, like crash's rd -a
addr=$(grep 'site=kleak_fixture_plant' /tmp/o | head -n 1 | cut -d' ' -f1)
object_dump "$addr" >/tmp/obj || fail "object refused tracked address $addr"
expect_grep "^object $addr size=4096/4096 cache=kmalloc-4k" /tmp/obj
expect_grep 'call site: kleak_fixture_plant+' /tmp/obj
expect_grep '0000: 6b 6c 65 61 6b 2d 66 69 78 74 75 72 65 20 6c 65  kleak-fixture le' /tmp/obj
expect_grep '^    0ff0: 00 00' /tmp/obj "object dump reaches the last line"
[ "$(grep -c '^    [0-9a-f]\{4\}: ' /tmp/obj)" = 256 ] || fail "object dump is not 256 lines"
if echo 0xffff888000001000 >$K/object 2>/tmp/err; then fail "untracked address accepted"; fi
grep -q 'No such file' /tmp/err || fail "untracked address: want ENOENT, got $(cat /tmp/err)"
if echo nonsense >$K/object 2>/dev/null; then fail "bad address accepted"; fi
dmesg | grep -q "kleak: object: 'nonsense' is not an address" || fail "no warning for a bad object address"
# each open has its own address: another open's write changes nothing here,
# and an open that wrote none says so
addr2=$(grep 'site=kleak_fixture_plant' /tmp/o | sed -n 2p | cut -d' ' -f1)
[ -n "$addr2" ] && [ "$addr2" != "$addr" ] || fail "want two fixture leaks"
exec 3<>$K/object
echo "$addr" >&3 || fail "object refused $addr"
object_dump "$addr2" | grep -q "^object $addr2 " || fail "a second open does not show its own address"
grep -q "^object $addr " <&3 || fail "the first open lost its address to another open's write"
exec 3<&-
cat $K/object >/tmp/obj
expect_grep '^# no address: write one to this open file' /tmp/obj "an open with no address"

# stats
cat $K/stats >/tmp/st
for k in running live_objects peak_objects memory_bytes events_kmalloc events_kfree events_kmem_cache_alloc \
	events_kmem_cache_free events_bulk_free drop_table_full drop_stack_table_full drop_recursion \
	missed_frees unknown_frees tracked_allocs tracked_frees; do
	grep -q "^$k: [0-9]*$" /tmp/st || fail "stats lacks $k"
done
[ "$(stat_val running)" = 1 ] || fail "stats: not running"
[ "$(stat_val live_objects)" -ge 8 ] || fail "stats: live_objects < 8"
[ "$(stat_val peak_objects)" -ge "$(stat_val live_objects)" ] || fail "stats: peak < live"
[ "$(stat_val events_kmalloc)" -gt 0 ] || fail "stats: no kmalloc events"
[ "$(stat_val object_record_bytes)" = 56 ] || fail "records are not 56 bytes"

# a leak from a module stays named after the module is gone
rmmod kleak_fixture || fail "rmmod kleak_fixture"
cat $K/outstanding >/tmp/o2
n=$(grep -c 'site=kleak_fixture_plant+0x[0-9a-f]*/0x[0-9a-f]* \[kleak_fixture\]' /tmp/o2)
[ "$n" = 5 ] || fail "after rmmod kleak_fixture: want 5 named leaks, got $n"
cat $K/stacks >/tmp/s2
expect_grep '^    kleak_fixture_init+0x[0-9a-f]*/0x[0-9a-f]* \[kleak_fixture\]' /tmp/s2 "init frames named after unload"

# rmmod: the summary in dmesg
grep -E 'recursion|drop' $K/stats
dmesg -c >/dev/null
unload
dmesg >/tmp/d
expect_grep 'kleak: summary: [0-9]* objects, [0-9]* bytes still live in [0-9]* stacks' /tmp/d
expect_grep 'kleak: tracked [0-9]* allocations and [0-9]* frees' /tmp/d
expect_grep 'kleak: dropped: table_full=0 stack_table_full=0 recursion=0' /tmp/d
expect_grep 'kleak: missed_frees=[0-9]* unknown_frees=[0-9]*' /tmp/d
expect_grep 'kleak: top [0-9]* suspects, likeliest leak first:' /tmp/d
expect_grep 'kleak: top [0-9]* stacks by live bytes:' /tmp/d
expect_grep 'kleak:     kleak_fixture_plant+0x.* \[kleak_fixture\]' /tmp/d "summary names the leak"
# one record per line: the cache, kind, age and comms of a stack together
expect_grep 'kleak:   cache: kmalloc-4k  kind: slab  oldest: [0-9.]*s  comms: ' /tmp/d "a stack's cache line, whole"
expect_nogrep 'kleak: *\(oldest\|comms\):' /tmp/d "a summary line split into records"
# the fixture's error path frees only what it allocated (it freed NULLs)
if insmod /kleak/kleak_fixture.ko cached=3 fail=1 2>/dev/null; then fail "fixture fail=1 loaded"; fi
grep -q '^kleak_fixture ' /proc/modules && fail "fixture fail=1 left loaded"
echo "basic: ok"
