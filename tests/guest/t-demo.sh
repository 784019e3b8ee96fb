# The seed incident: a /proc/schedstat-style leak, diagnosed by kleak and
# the scripts (under busybox), as `make demo` shows it.
. /tests/lib.sh
load
insmod /kleak/kleak_demo.ko || fail "insmod kleak_demo"
udev_settle
(while :; do cat /proc/kleak_demo/schedstat >/dev/null; done) &
loop=$!
kleak-watch --plain --interval 2 --duration 20 >/tmp/w 2>&1
control "filter size=4096"
kleak-report --interval 1 --count 2 --top 3 --json >/tmp/j || fail "kleak-report --json failed"
kleak-report --interval 1 --count 3 --top 3 >/tmp/r || fail "kleak-report failed"
kill $loop; wait $loop 2>/dev/null
cat /tmp/w /tmp/r

# kleak-watch points at kmalloc-4k and the filter to use
expect_grep '^slab  kmalloc-4k ' /tmp/w "kleak-watch: kmalloc-4k not in the table"
if [ "$KLEAK_KERNEL" = debug ]; then
	# KASAN's quarantine and kmemleak's metadata grow too in the debug kernel
	expect_grep "^verdict: kernel slab growth in " /tmp/w "kleak-watch verdict"
else
	expect_grep "^verdict: kernel slab growth in kmalloc-4k " /tmp/w "kleak-watch verdict"
	expect_grep "^next: echo 'filter size=4096' > /sys/kernel/debug/kleak/control" /tmp/w
fi

# kleak-report: the top stack is the demo's open function, rising, from cat
expect_grep '^1 .* rising  *[^ ]*  *kmalloc-4k  *slab  *cat([0-9]*) *kleak_demo_open+0x' /tmp/r "kleak-report top stack"
expect_grep '"stack": [0-9]*, "objects": [0-9]*, "bytes": [0-9]*, "delta_objects": [1-9]' /tmp/j "json growth"
expect_grep '"site": "kleak_demo_open+0x[0-9a-f]*/0x[0-9a-f]* \[kleak_demo\]"' /tmp/j "json site"
expect_grep '"strings": \["version 15", "timestamp [0-9]*", "cpu0 ' /tmp/j "json strings"

# the stacks view: function, comm, cache, size and the schedstat text
cat $K/stacks >/tmp/s
awk '/^#1 stack/ { p = 1 } p && /^$/ { exit } p' /tmp/s >/tmp/g
expect_grep '^#1 stack [0-9]*: [0-9]* objects, [0-9]* bytes live; [0-9]* allocs, 0 frees' /tmp/g
expect_grep '^  cache: kmalloc-4k  kind: slab  oldest: [0-9.]*s  comms: cat([0-9]*)' /tmp/g
expect_grep '^    kleak_demo_open+0x[0-9a-f]*/0x[0-9a-f]* \[kleak_demo\]' /tmp/g
expect_grep 'sample: object 0x[0-9a-f]* (4096 bytes)' /tmp/g
expect_grep '0000: 76 65 72 73 69 6f 6e 20 31 35 0a 74 69 6d 65 73  version 15.times' /tmp/g
expect_grep '^    "version 15"$' /tmp/g
expect_grep '^    "cpu0 0 0 0 0 0 0 ' /tmp/g
n=$(awk '/^#1 stack/ { print $4; exit }' /tmp/s)
[ "$n" -ge 50 ] || fail "only $n leaked buffers seen"
grep 'site=kleak_demo_open' $K/outstanding | head -n 1 | grep -q 'size=4096/4096 cache=kmalloc-4k .* comm=cat ' ||
	fail "outstanding: demo leak line"
# make demo shows suspects: the leak leads it too, with its score line
cat $K/suspects >/tmp/su
awk '/^#1 stack/ { p = 1 } p && /^  backtrace:/ { exit } p' /tmp/su >/tmp/g
expect_grep '^  score: [0-9]* [a-z]*; survival 100% ' /tmp/g "suspects: the leak's score line"
awk '/^#1 stack/ { p = 1; next } p && /^#/ { exit } p' /tmp/su | grep -q '^    kleak_demo_open+' ||
	fail "suspects: #1 is not the demo's leak"
rmmod kleak_demo
unload
echo "demo: ok"
