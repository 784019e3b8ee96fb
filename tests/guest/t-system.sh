# The real Debian system (a KLEAK_SYSTEM=1 boot: scripts/testbed/system.sh):
# systemd is PID 1 with journald, udevd, logind, D-Bus, cron, a timer and
# nginx on loopback, and Debian's binaries are PIE under ASLR.  There, the
# seed's leak read by Debian's cat, 200 times, and by a static-PIE cat, 50
# times, is one stack of 250; then, with the busy box of `make rank` run by
# Debian's binaries for 2 minutes, the stack table stays under a quarter
# full, nothing is dropped, the page cache's stacks (a block of the disk
# read each second, ext4's journal) are marked reclaimable, and the leak
# leads suspects.
# timeout: 900
. /tests/lib.sh
. /tests/busy.sh
[ "${KLEAK_SYSTEM:-0}" = 1 ] || { echo "not the Debian system guest (tb: KLEAK_SYSTEM=1)"; exit 77; }

# the system
[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm), not systemd"
for u in systemd-journald systemd-udevd systemd-logind dbus cron nginx kleak-heartbeat.timer; do
	systemctl is-active --quiet "$u" || fail "$u is not active: $(systemctl is-active "$u")"
done
wget -q -O /tmp/idx http://127.0.0.1/ || fail "nginx does not answer on 127.0.0.1:80"
expect_grep "kleak-guest nginx" /tmp/idx
# the running kernel's modules where kmod looks (the 5.10 tree once was
# /lib/modules itself), and its headers, which BCC compiles against
M=/lib/modules/$(uname -r)
[ -f $M/modules.dep ] || fail "no $M/modules.dep: $(ls /lib/modules | head -n 5 | tr '\n' ' ')"
modprobe -n -q loop || fail "modprobe cannot find the loop module in $M"
[ -f $M/build/include/generated/autoconf.h ] && [ -f $M/build/.config ] || fail "no kernel headers at $M/build"
[ -f $M/source/include/linux/slab.h ] || fail "no kernel headers at $M/source"
[ "$(cat /proc/sys/kernel/randomize_va_space)" = 2 ] || fail "randomize_va_space is not 2"
# Debian's cat: ELF type 3 (ET_DYN: PIE), run through the loader, moving
t=$(od -An -tx1 -j16 -N1 /usr/bin/cat | tr -d ' ')
[ "$t" = 03 ] || fail "/usr/bin/cat is not PIE (e_type $t)"
a=$(/usr/bin/cat /proc/self/maps | grep -m 1 '/usr/bin/cat' | cut -d- -f1)
b=$(/usr/bin/cat /proc/self/maps | grep -m 1 '/usr/bin/cat' | cut -d- -f1)
[ -n "$a" ] && [ "$a" != "$b" ] || fail "/usr/bin/cat mapped at '$a' then '$b': not moved by ASLR"
/usr/bin/cat /proc/self/maps | grep -q '/ld-linux-x86-64' || fail "/usr/bin/cat is not dynamically linked"
info "Debian's cat at 0x$a, then 0x$b"

load
insmod /kleak/kleak_demo.ko || fail "insmod kleak_demo"
i=0
while [ $i -lt 200 ]; do /usr/bin/cat /proc/kleak_demo/schedstat >/dev/null; i=$((i + 1)); done
i=0
while [ $i -lt 50 ]; do kleak-pie-cat /proc/kleak_demo/schedstat >/dev/null; i=$((i + 1)); done
cat $K/stacks >/tmp/s || fail "stacks unreadable"
demo_stacks /tmp/s >/tmp/demo
[ "$(wc -l </tmp/demo)" = 1 ] || { head -n 60 /tmp/s; fail "the leak split into $(wc -l </tmp/demo) stacks"; }
[ "$(awk '{ print $2 }' /tmp/demo)" = 250 ] || fail "want the 250 leaked buffers in one stack, have $(cat /tmp/demo)"
stack_entry /tmp/s "$(awk '{ print $1 }' /tmp/demo)" | grep 'comms:' >/tmp/c
expect_grep ' cat(' /tmp/c "the leak's comms lack Debian's cat"
expect_grep 'kleak-pie-cat(' /tmp/c "the leak's comms lack the static-PIE cat"
expect_nogrep '^    0x[0-9a-f]*$' /tmp/s "a stack has a user-space frame"
grep 'kleak_demo_open' $K/allocinfo >/tmp/ai
[ "$(wc -l </tmp/ai)" = 1 ] || fail "allocinfo: want one line for the demo's site, have $(cat /tmp/ai)"
awk '{ exit !($1 == 250 * 4096 && $2 == 250) }' /tmp/ai || fail "allocinfo: want 250 calls of 4096, have $(cat /tmp/ai)"
info "after the seed: stacks $(stat_val stacks) of $(stat_val max_stacks)"

# the busy box, by Debian's binaries, with the leak read once a second
busy_start
loop_worker $BUSY seed '/usr/bin/cat /proc/kleak_demo/schedstat; sleep 1'
BUSY_PIDS="$BUSY_PIDS $LOOP_PID"
# and a new block of the disk read through the page cache each second:
# its folios, xarray nodes and buffer heads stay, all of them live
loop_worker $BUSY bdev 'dd if=/dev/vda of=/dev/null bs=4096 count=1 skip=$((n * 64)); sleep 1'
BUSY_PIDS="$BUSY_PIDS $LOOP_PID"
t=0
while [ $t -lt 120 ]; do
	sleep 30; t=$((t + 30))
	info "t=${t}s: stacks $(stat_val stacks) ($(stat_val stack_table_use_pct)%), live $(stat_val live_objects), memory $(stat_val memory_bytes) bytes"
done
busy_stop
info "busy box rounds: $BUSY_COUNTS"
case " $BUSY_COUNTS " in *" fork=0 "*|*" http=0 "*|*" systemd=0 "*|*" seed=0 "*|*" bdev=0 "*)
	fail "a worker did not run: $BUSY_COUNTS" ;; esac
pct=$(stat_val stack_table_use_pct)
[ "$pct" -lt 25 ] || fail "the stack table is $pct% full after 2 minutes of the busy box"
[ "$(stat_val drop_stack_table_full)" = 0 ] || fail "stacks were dropped: the table filled"
cat $K/suspects >/tmp/su
# the page cache's stacks (buffer heads, its xarray nodes, its folios, in
# the first 8 frames) are reclaimable, so below high: "id ok|BAD" of each
awk 'function done() { if (pc) print id, (sc ~ /; reclaimable \(/ ? "ok" : "BAD"); pc = bt = 0 }
	/^#[0-9]+ stack / { done(); id = $3; nf = 0; next }
	/^  score: / { sc = $0; next }
	/^  backtrace:/ { bt = 1; next }
	bt && /^    / { if (++nf <= 8 && $1 ~ /^(alloc_buffer_head|__filemap_add_folio|__add_to_page_cache_locked|filemap_alloc_folio|filemap_alloc_folio_noprof|__page_cache_alloc)\+/) pc = 1; next }
	bt { bt = 0 }
	END { done() }' /tmp/su >/tmp/pc
info "page cache stacks: $(wc -l </tmp/pc), $(grep -c ' ok$' /tmp/pc) marked reclaimable"
[ -s /tmp/pc ] || fail "suspects has no page cache stack (buffer heads, xarray nodes): the check saw nothing"
if grep -q ' BAD$' /tmp/pc; then
	id=$(grep -m 1 ' BAD$' /tmp/pc | cut -d' ' -f1)
	stack_entry /tmp/su "$id" | head -n 20
	fail "suspects: the page cache's stack ${id%:} is not marked reclaimable"
fi
awk '/^#1 stack/ { p = 1; next } p && /^#/ { exit } p' /tmp/su | grep -q '^    kleak_demo_open+' || {
	head -n 40 /tmp/su; fail "suspects: #1 is not the demo's leak, it is $(leak_group /tmp/su kleak_demo_open+) (rank score confidence)"; }
demo_stacks $K/stacks >/tmp/demo
[ "$(wc -l </tmp/demo)" = 1 ] || fail "the leak split into $(wc -l </tmp/demo) stacks under the busy box"
rmmod kleak_demo
unload
echo "system: ok"
