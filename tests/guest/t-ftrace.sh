# kleak is invisible to ftrace: the kmalloc events of kleak_kinds.ko (a
# krealloc in place and one that moves, kvmalloc, kmalloc) name the same
# call sites, as many times each, with kleak loaded as without it.  Before,
# the kretprobe on krealloc made its kmalloc event say
# call_site=arch_rethook_trampoline (kretprobe_trampoline on 5.10).
# trace-cmd (on the Debian system) sees the same events and stacks too.
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

# trace-cmd, as the mission's hand hunt runs it (-T: each event's stack):
# the fixture's kmalloc events, each as its call site and its stack's
# functions, the same with kleak loaded as without.  Where trace-cmd is
# installed (the Debian system guest).  Two things in a stack are not
# kleak's to keep the same: __traceiter_kmalloc, the tracepoint's loop
# over its probes, which the kernel calls instead of the one probe as soon
# as a second one (kleak's, a BPF program's, perf's) is attached; and the
# module's init function, the frame under do_one_initcall, which trace-cmd
# cannot name once its text is freed (a bare address, a new one at each
# load, or whatever symbol comes before it).
# tc_events TAG: "count call_site frames..." of the fixture's events, sorted
tc_events() {
	trace-cmd record -q -e kmem:kmalloc -T -o /tmp/tc.$1.dat \
		insmod /kleak/kleak_kinds.ko n=4 >/tmp/tc.$1.out 2>&1 || { cat /tmp/tc.$1.out; fail "trace-cmd record ($1)"; }
	# reported while the module is there: its symbols are in the file
	trace-cmd report -i /tmp/tc.$1.dat >/tmp/tc.$1.txt 2>/tmp/tc.$1.err || { cat /tmp/tc.$1.err; fail "trace-cmd report ($1)"; }
	rmmod kleak_kinds || fail "rmmod kleak_kinds (trace-cmd, $1)"
	awk 'function done() { if (ev != "") { sub(/ [^ ]+ do_one_initcall /, " (init) do_one_initcall ", ev); print ev }; ev = "" }
		/ kmalloc: / { done(); if (match($0, /call_site=[^ ]*/)) { cs = substr($0, RSTART + 10, RLENGTH - 10)
			if (index($0, "[kleak_kinds]") || cs ~ /kleak_kinds/) ev = cs } next }
		/^ *=> / && ev != "" { f = $2; sub(/\+0x[0-9a-f]*$/, "", f)
			if (f ~ /^__traceiter_/) next
			ev = ev " " f; next }
		/: kernel_stack: / { next }
		/^ / && !/^ *=>/ { done() }
		END { done() }' /tmp/tc.$1.txt | sort | uniq -c | sort -k2 >/tmp/tce.$1
	info "trace-cmd $1: $(wc -l </tmp/tce.$1) call sites and stacks, $(awk '{ n += $1 } END { print n + 0 }' /tmp/tce.$1) events"
}
if command -v trace-cmd >/dev/null; then
	tc_events bare
	grep -q "kleak_kinds_leak_krealloc_moved" /tmp/tce.bare || { head -n 40 /tmp/tc.bare.txt; fail "trace-cmd: no kmalloc event of the moved krealloc without kleak"; }
	awk '{ exit !(NF > 2) }' /tmp/tce.bare || { head -n 40 /tmp/tc.bare.txt; fail "trace-cmd -T: the events have no stack"; }
	load
	tc_events kleak
	unload
	expect_nogrep 'rethook_trampoline\|kretprobe_trampoline' /tmp/tc.kleak.txt "trace-cmd shows kleak's trampoline"
	if ! cmp -s /tmp/tce.bare /tmp/tce.kleak; then
		echo "--- without kleak:"; cat /tmp/tce.bare
		echo "--- with kleak:"; cat /tmp/tce.kleak
		fail "trace-cmd's kmalloc events (call sites, stacks) differ with kleak loaded"
	fi
else
	info "no trace-cmd here (the Debian system guest has it)"
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
