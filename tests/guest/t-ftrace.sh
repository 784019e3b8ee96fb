# kleak is invisible to ftrace: the kmalloc events of kleak_kinds.ko (a
# krealloc in place and one that moves, kvmalloc, kmalloc) name the same
# call sites, as many times each, with kleak loaded as without it.  Before,
# the kretprobe on krealloc made its kmalloc event say
# call_site=arch_rethook_trampoline (kretprobe_trampoline on 5.10).
. /tests/lib.sh
T=/sys/kernel/tracing
[ -f $T/trace ] || mount -t tracefs nodev $T 2>/dev/null
[ -f $T/trace ] || T=/sys/kernel/debug/tracing
[ -f $T/events/kmem/kmalloc/enable ] || { echo "no kmem:kmalloc event in tracefs"; exit 77; }

# sites TAG: the fixture's kmalloc events, "count call_site" sorted
sites() {
	echo 0 >$T/tracing_on
	echo >$T/trace
	echo 1 >$T/events/kmem/kmalloc/enable || fail "cannot enable kmem:kmalloc"
	echo 1 >$T/tracing_on
	insmod /kleak/kleak_kinds.ko n=4 || fail "insmod kleak_kinds ($1)"
	echo 0 >$T/tracing_on
	echo 0 >$T/events/kmem/kmalloc/enable
	# read while the module is there: the trace prints %pS when it is read
	cat $T/trace >/tmp/trace.$1
	rmmod kleak_kinds || fail "rmmod kleak_kinds ($1)"
	grep -o 'call_site=[^ ]*\( \[kleak_kinds\]\)*' /tmp/trace.$1 | grep 'kleak_kinds\]' |
		sort | uniq -c | sort -k2 >/tmp/sites.$1
	info "$1: $(wc -l </tmp/sites.$1) call sites, $(awk '{ n += $1 } END { print n + 0 }' /tmp/sites.$1) events"
}

sites bare
grep -q "kleak_kinds_leak_krealloc_moved" /tmp/sites.bare || { tail -n 20 /tmp/trace.bare; fail "no kmalloc event of the moved krealloc without kleak"; }
load
sites kleak
unload
expect_nogrep 'rethook_trampoline\|kretprobe_trampoline' /tmp/trace.kleak "a tracer's call site is kleak's trampoline"
if ! cmp -s /tmp/sites.bare /tmp/sites.kleak; then
	echo "--- without kleak:"; cat /tmp/sites.bare
	echo "--- with kleak:"; cat /tmp/sites.kleak
	fail "the kmalloc events' call sites differ with kleak loaded"
fi

# SLUB's record of the caller (_RET_IP_ of kmem_cache_alloc_bulk(), read
# by slub_debug=U on kleak_kinds_cache, which tb sets): the bulk leak's
# objects name kleak_kinds_leak_bulk, with kleak loaded too.  Before, the
# kretprobe on kmem_cache_alloc_bulk() made it arch_rethook_trampoline.
D=/sys/kernel/debug/slab/kleak_kinds_cache/alloc_traces	# 5.14+
load
insmod /kleak/kleak_kinds.ko n=4 || fail "insmod kleak_kinds"
if [ -f $D ]; then cat $D >/tmp/at; else cat /sys/kernel/slab/kleak_kinds_cache/alloc_calls >/tmp/at 2>/dev/null; fi
rmmod kleak_kinds
unload
if [ -s /tmp/at ]; then
	echo "KLEAK-SLUB-TRACK $(uname -r): $(grep -m 1 'kleak_kinds_leak_bulk\|trampoline' /tmp/at)" | tee /dev/console
	expect_grep 'kleak_kinds_leak_bulk' /tmp/at "SLUB's caller record of the bulk objects"
	expect_nogrep 'rethook_trampoline\|kretprobe_trampoline' /tmp/at "SLUB's caller record is kleak's trampoline"
else
	info "no SLUB caller records on this kernel (slub_debug=U)"
fi
echo "ftrace: ok"
