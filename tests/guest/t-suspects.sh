# suspects on a busy box, short (make check's smoke test of `make rank`):
# a leak of 192 bytes every 250 ms from a work item, kept on a list, under
# the busy workload; after 130 s, past the 120 s a score takes to reach
# its full weight, it is #1 of suspects with a high score,
# #1 of kleak-report's default and of the rmmod summary, while stacks
# keeps its live-bytes order.
# timeout: 450
. /tests/lib.sh
. /tests/busy.sh
# The debug kernel (KASAN, kmemleak, tinyconfig without networking) runs
# the workload at a tenth of the pace, and kmemleak's metadata allocations
# follow every allocating stack: there the leak must be in the first 3.
TOP=1
[ "$KLEAK_KERNEL" = debug ] && TOP=3
# the file tree first: on the debug kernel its burst takes minutes
busy_tree
load
busy_start
insmod /kleak/kleak_rank.ko shape=work period_ms=250 || { busy_stop; fail "insmod kleak_rank"; }
sleep 130
cat $K/suspects >/tmp/su || fail "suspects unreadable"
cat $K/stacks >/tmp/st
kleak-report -n 1000 >/tmp/kr 2>&1 || fail "kleak-report failed: $(cat /tmp/kr)"
busy_stop
info "busy: $BUSY_COUNTS"
head -n 1 /tmp/su
awk '/^#[0-9]+ stack / { n++ } n >= 1 && n <= 3' /tmp/su | grep -E '^#|^  score|^    kleak_rank|^  cache' | head -n 12

expect_grep '^# kleak suspects: [0-9]* stacks, .*likeliest leak first (score 70+ high, 40+ medium)' /tmp/su
r=$(rank_in /tmp/su)
[ "$r" != - ] && [ "$r" -le $TOP ] || fail "the planted leak is #$r of suspects, not in the first $TOP"
# its evidence: nothing freed, steady, and a high score
awk -v r="$r" '$0 ~ "^#" r " stack " { p = 1; next } p && /^#/ { exit } p' /tmp/su >/tmp/g
grep -Eq '^  score: [7-9][0-9] high; survival (9[5-9]|100)% \([0-9]+ of [0-9]+ allocs live\); steady (9[0-9]|100)% \([0-9]+ of 16 slices of [0-9.]+s\)' /tmp/g ||
	{ cat /tmp/g; fail "the leak's score line"; }
expect_grep '^  cache: kmalloc-192 ' /tmp/g
# every score line, and the order: scores never rise down the file
awk '/^#[0-9]+ stack / { h++ } /^  score: / { s++; if (s > 1 && $2 > last) bad = 1; last = $2 }
	END { exit !(h == s && !bad) }' /tmp/su || fail "suspects: a group without a score line, or out of order"
# the kernel's bookkeeping is capped: the slab allocator's sheaves (7.2),
# vmap areas, page tables; count them, so that the log shows the check ran
own=$(awk '
function end_group() { if (hit && (sc !~ /kernel bookkeeping/ || s > 10)) bad++; n += hit; hit = 0 }
/^#[0-9]+ stack / { end_group(); f = 0; next }
/^  score: / { sc = $0; s = $2 + 0; next }
/^  backtrace:/ { f = 1; k = 0; next }
f && /^    / { k++; if (k <= 8 && $1 ~ /^(__pcs_replace_empty_main|__kfree_rcu_sheaf|alloc_vmap_area|pte_alloc_one|__pte_alloc)\+/) hit = 1; next }
END { end_group(); print n + 0, bad + 0 }' /tmp/su)
info "groups through the kernel's bookkeeping (capped, not bad): $own"
case "$own" in *" 0") ;; *) fail "a group through the kernel's bookkeeping is not capped ($own)" ;; esac
if kver_ge 6 18; then
	grep -Eq '^    (__pcs_replace_empty_main|__kfree_rcu_sheaf)\+' /tmp/su &&
		info "sheaves seen, and capped"
fi
# stacks keeps its order: live bytes never rise down the file
awk '/^#[0-9]+ stack / { b = $6; if (n++ && b > last) bad = 1; last = b } END { exit bad }' /tmp/st ||
	fail "stacks is not in live-bytes order"
grep -q '^  score:' /tmp/st && fail "stacks has score lines"
info "the leak: #1 of suspects, #$(rank_in /tmp/st) of stacks"

# kleak-report's default reads suspects
expect_grep '^kleak-report: 2 snapshots over [0-9]*s; suspects, likeliest leak first' /tmp/kr
awk -v top=$TOP '$1 ~ /^[0-9]+$/ && $1 <= top' /tmp/kr | grep -q 'kleak_rank_leak_work+' ||
	{ cat /tmp/kr; fail "kleak-report: the leak is not in the first $TOP"; }

# --reclaim drops the clean caches before each snapshot, and says so
sync; before=$(awk '$1 == "dentry" { print $2 }' /proc/slabinfo)
kleak-report --reclaim -c 2 -i 1 -n 5 >/tmp/kr2 2>&1 || fail "kleak-report --reclaim failed: $(cat /tmp/kr2)"
after=$(awk '$1 == "dentry" { print $2 }' /proc/slabinfo)
expect_grep '^kleak-report: 2 snapshots over [0-9]*s; suspects, likeliest leak first; clean caches dropped before each snapshot' /tmp/kr2
info "dentries: ${before:-?} before --reclaim, ${after:-?} after"
# (no /proc/slabinfo without CONFIG_SLUB_DEBUG; on the debug kernel KASAN's
# quarantine keeps freed objects counted active)
if [ -n "$before" ] && [ -n "$after" ] && [ "$KLEAK_KERNEL" != debug ]; then
	[ "$after" -lt "$before" ] || fail "--reclaim dropped no dentry ($before before, $after after)"
fi

# the rmmod summary ranks it first too
dmesg -c >/dev/null
unload
rmmod kleak_rank
dmesg >/tmp/d
expect_grep 'kleak: top [0-9]* suspects, likeliest leak first:' /tmp/d
awk -v top=$TOP '/top [0-9]* suspects/ { p = 1 } p && $0 ~ "#" (top + 1) " stack" { exit } p' /tmp/d |
	grep -q 'kleak_rank_leak_work' || { cat /tmp/d; fail "the summary's first $TOP suspects lack the leak"; }

# A leak in softirq keeps its own frames only, whatever the timer
# interrupted: they end at the softirq loop.  Its objects were a new stack
# for every context it interrupted (22 stacks for 33 objects); now one,
# or one more where the timer migrated (tmigr_handle_remote(), 6.9+).
load
busy_start
insmod /kleak/kleak_rank.ko shape=softirq || { busy_stop; fail "insmod kleak_rank shape=softirq"; }
sleep 10
busy_stop
grep 'site=kleak_rank_leak_softirq' $K/outstanding >/tmp/o
objs=$(grep -c . /tmp/o)
n=$(sed 's/.* stack=\([0-9]*\) .*/\1/' /tmp/o | sort -u | grep -c .)
info "softirq leak: $objs objects in $n stack(s)"
[ "$objs" -ge 10 ] || fail "only $objs softirq leaks tracked"
grep -q ' ctx=softirq ' /tmp/o || fail "the softirq leaks are not marked ctx=softirq"
# each of its groups ends at the softirq loop
awk '/^#[0-9]+ stack / { g = $0; bt = ""; last = ""; next } /^    [a-z_]/ { bt = bt "\n" $0; last = $1 }
	/^  sample:/ && bt ~ /kleak_rank_leak_softirq/ { print g bt; if (last !~ /^(handle_softirqs|__do_softirq)\+/) bad = 1 }
	END { exit bad }' $K/stacks >/tmp/g || { cat /tmp/g; fail "a softirq leak's stack goes past the softirq loop"; }
[ "$n" -le 2 ] || { cat /tmp/g; fail "the softirq leak's $objs objects are in $n stacks"; }
rmmod kleak_rank
unload
echo "PASS"
