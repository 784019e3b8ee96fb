# Stacks hold kernel frames only, so that one kernel path makes one stack
# from every process: the seed's leak, opened by a static-PIE cat (it maps
# at new addresses in every process, as Debian's PIE binaries do under
# ASLR) and by busybox's cat, is one stack.  Before, every stack ended in
# the interrupted user-mode address: one stack per PIE process.  stats
# shows the stack table's use.
. /tests/lib.sh
[ "$(cat /proc/sys/kernel/randomize_va_space)" = 2 ] || fail "randomize_va_space is not 2"
a=$(kleak-pie-cat --where); b=$(kleak-pie-cat --where)
[ "$a" != "$b" ] || fail "kleak-pie-cat maps at the same address twice ($a): not PIE under ASLR"
load
insmod /kleak/kleak_demo.ko || fail "insmod kleak_demo"
i=0
while [ $i -lt 20 ]; do
	kleak-pie-cat /proc/kleak_demo/schedstat >/dev/null || fail "kleak-pie-cat failed"
	i=$((i + 1))
done
i=0
while [ $i -lt 10 ]; do cat /proc/kleak_demo/schedstat >/dev/null; i=$((i + 1)); done
cat $K/stacks >/tmp/s || fail "stacks unreadable"
# the stacks whose call site (first frame) is the demo's open function,
# with their objects (on the debug kernel kmemleak's metadata has it deeper)
demo_stacks /tmp/s >/tmp/demo
info "demo stacks: $(cat /tmp/demo | tr '\n' ' ')"
[ "$(wc -l </tmp/demo)" = 1 ] || { head -n 60 /tmp/s; fail "the leak split into $(wc -l </tmp/demo) stacks"; }
[ "$(awk '{ print $2 }' /tmp/demo)" = 30 ] || fail "want the 30 leaked buffers in one stack, have $(cat /tmp/demo)"
# no frame is a user address (%pS prints a bare 0x... for one)
expect_nogrep '^    0x[0-9a-f]*$' /tmp/s "a stack has a user-space frame"
cat $K/outstanding >/tmp/o
[ "$(grep -c 'site=kleak_demo_open+' /tmp/o)" = 30 ] || fail "outstanding: want 30 demo leaks"
# the stack table's use, in stats
# from one read: on the Debian system the table grows between two
cat $K/stats >/tmp/st
n=$(stat_val stacks /tmp/st); max=$(stat_val max_stacks /tmp/st); pct=$(stat_val stack_table_use_pct /tmp/st)
[ -n "$pct" ] || fail "stats has no stack_table_use_pct"
[ "$pct" = $(( (n * 100 + max - 1) / max )) ] || fail "stack_table_use_pct $pct for $n of $max"
info "stack table: $n of $max ($pct%)"
rmmod kleak_demo
unload
echo "stacks: ok"
