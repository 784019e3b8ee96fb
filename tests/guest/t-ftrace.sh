# kleak is invisible to ftrace: the kmalloc events of kleak_kinds.ko (a
# krealloc in place and one that moves, kvmalloc, kmalloc) name the same
# call sites, as many times each, with kleak loaded as without it.  Before,
# the kretprobe on krealloc made its kmalloc event say
# call_site=arch_rethook_trampoline (kretprobe_trampoline on 5.10).
# trace-cmd, perf and BCC memleak (on the Debian system) see the same
# events, stacks and outstanding allocations too.
# timeout: 1800
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
# kleak's hooks are tracepoints and kprobes, no kretprobe: one puts its
# trampoline in the return address of its function while it runs, so
# that 5.10's unwinder showed kretprobe_trampoline in every stack taken
# meanwhile (BCC memleak's and perf's stacks of a vmalloc's vmap_area).
if [ -f /sys/kernel/debug/kprobes/list ]; then
	grep -E '^[0-9a-f]+ +r ' /sys/kernel/debug/kprobes/list >/tmp/krp &&
		{ cat /tmp/krp; fail "kleak holds kretprobes"; }
	info "kprobes: $(wc -l </sys/kernel/debug/kprobes/list), no kretprobe"
fi
sites kleak
unload
expect_nogrep 'rethook_trampoline\|kretprobe_trampoline' /tmp/trace.kleak "a tracer's call site is kleak's trampoline"
if ! cmp -s /tmp/sites.bare /tmp/sites.kleak; then
	echo "--- without kleak:"; cat /tmp/sites.bare
	echo "--- with kleak:"; cat /tmp/sites.kleak
	fail "the kmalloc events' call sites differ with kleak loaded"
fi

# same_with_kleak TOOL WHAT: with TOOL_events bare run, TOOL_events kleak
# with kleak loaded, then the two the same (raw: /tmp/TOOL.TAG.txt; as
# "count-or-size call_site-or-frame frames...": /tmp/TOOL.TAG.ev); WHAT
# names the lines
# TRIES (default 1): runs of each side at most, while they differ, each
# side then the union of its runs (BCC's reason is at bcc_events)
same_with_kleak() {
	grep -q "kleak_kinds_leak_krealloc_moved" /tmp/$1.bare.ev || { head -n 40 /tmp/$1.bare.txt; fail "$1: no $2 of the moved krealloc without kleak"; }
	awk '{ exit !(NF > 2) }' /tmp/$1.bare.ev || { head -n 40 /tmp/$1.bare.txt; fail "$1: the $2 have no stack"; }
	load
	"$1"_events kleak
	unload
	expect_nogrep 'rethook_trampoline\|kretprobe_trampoline' /tmp/$1.kleak.txt "$1 shows kleak's trampoline"
	t=1
	while ! cmp -s /tmp/$1.bare.ev /tmp/$1.kleak.ev && [ $t -lt "${3:-1}" ]; do
		t=$((t + 1))
		info "$1: run $t of each side (they differ: $(cat /tmp/$1.bare.ev | wc -l) and $(cat /tmp/$1.kleak.ev | wc -l) lines)"
		"$1"_events bare$t
		load
		"$1"_events kleak$t
		unload
		expect_nogrep 'rethook_trampoline\|kretprobe_trampoline' /tmp/$1.kleak$t.txt "$1 shows kleak's trampoline"
		sort -u /tmp/$1.bare.ev /tmp/$1.bare$t.ev >/tmp/$1.u && mv /tmp/$1.u /tmp/$1.bare.ev
		sort -u /tmp/$1.kleak.ev /tmp/$1.kleak$t.ev >/tmp/$1.u && mv /tmp/$1.u /tmp/$1.kleak.ev
	done
	if ! cmp -s /tmp/$1.bare.ev /tmp/$1.kleak.ev; then
		echo "--- without kleak:"; cat /tmp/$1.bare.ev
		echo "--- with kleak:"; cat /tmp/$1.kleak.ev
		fail "$1: the $2 differ with kleak loaded"
	fi
}

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
		END { done() }' /tmp/tc.$1.txt | sort | uniq -c | sort -k2 >/tmp/tc.$1.ev
	info "trace-cmd $1: $(wc -l </tmp/tc.$1.ev) call sites and stacks, $(awk '{ n += $1 } END { print n + 0 }' /tmp/tc.$1.ev) events"
}
if command -v trace-cmd >/dev/null; then
	tc_events bare
	same_with_kleak tc "kmalloc events (call sites, stacks)"
else
	info "no trace-cmd here (the Debian system guest has it)"
fi

# perf, as users run it (perf record -g on the kmem:kmalloc tracepoint):
# the same, the fixture's events as call site and stack, with kleak loaded
# as without.  perf's stacks start at the allocator, below the tracepoint,
# and end in user space (insmod's syscall: dropped here).
# perf_events TAG: "count call_site frames..." of the fixture's events, sorted
perf_events() {
	perf record -q -e kmem:kmalloc -g -o /tmp/perf.$1.data \
		insmod /kleak/kleak_kinds.ko n=4 >/tmp/perf.$1.out 2>&1 || { cat /tmp/perf.$1.out; fail "perf record ($1)"; }
	# reported while the module is there: perf names its symbols from kallsyms
	perf script -i /tmp/perf.$1.data >/tmp/perf.$1.txt 2>/tmp/perf.$1.err || { cat /tmp/perf.$1.err; fail "perf script ($1)"; }
	rmmod kleak_kinds || fail "rmmod kleak_kinds (perf, $1)"
	awk 'function done() { if (ev != "") { sub(/ [^ ]+ do_one_initcall /, " (init) do_one_initcall ", ev); print ev }; ev = "" }
		/ kmem:kmalloc: / { done(); if (match($0, /call_site=[^ ]*/)) { cs = substr($0, RSTART + 10, RLENGTH - 10)
			if (index($0, "call_site=" cs " [kleak_kinds]") || cs ~ /kleak_kinds/) ev = cs } next }
		/^[ \t]+[0-9a-f]+ / && ev != "" { if ($1 !~ /^ffff/) next
			f = $2; sub(/\+0x[0-9a-f]*$/, "", f)
			if (f ~ /^__traceiter_/) next
			ev = ev " " f; next }
		/^$/ { done() }
		END { done() }' /tmp/perf.$1.txt | sort | uniq -c | sort -k2 >/tmp/perf.$1.ev
	info "perf $1: $(wc -l </tmp/perf.$1.ev) call sites and stacks, $(awk '{ n += $1 } END { print n + 0 }' /tmp/perf.$1.ev) events"
}
if command -v perf >/dev/null && perf version >/dev/null 2>&1; then
	perf_events bare
	same_with_kleak perf "kmalloc events (call sites, stacks)"
else
	info "no perf here (the Debian system guest has it)"
fi

# BCC memleak, as users run it (kernel mode: the kmem tracepoints, a stack
# per allocation): the fixture's outstanding allocations, as object size
# and stack, the same with kleak loaded as without.  One memleak per run:
# it reads kallsyms once, at its first report, and the module is loaded
# again between the runs.  Where Debian's BCC is installed, with the
# running kernel's headers (the Debian system guest has both).
# BCC loses a stack now and then, with or without kleak: its stack map
# (10240 entries) is taken without BPF_F_REUSE_STACKID, so an allocation
# whose stack's bucket holds another stack gets no stack id, and memleak
# leaves it out of its report (memleak-bpfcc: "if info.stack_id < 0:
# continue").  Which stacks collide depends on every stack the box made
# since memleak started: in one CI run on 6.12, one of the fixture's six
# stacks was missing from the run with kleak, and a boot of the same code
# before it had all six.  So each side is run up to three times while
# they differ, and compared as the union of its runs: a stack that kleak
# changes is still in one side only.
# bcc_events TAG: "<size>B frames..." of the fixture's stacks, sorted, unique
bcc_events() {
	o=/tmp/bcc.$1.txt
	# the fixture's sizes (96 to 512 bytes) only: a report walks
	# every outstanding allocation of the box
	PYTHONUNBUFFERED=1 memleak-bpfcc -T 100000 -z 64 -Z 600 5 >$o 2>&1 &
	bpid=$!
	i=0
	until grep -q "Attaching to kernel allocators" $o; do
		i=$((i + 1))
		# BCC's own limit, with or without kleak: its clang cannot
		# compile against this kernel's headers
		if ! kill -0 $bpid 2>/dev/null && [ "$1" = bare ] && grep -q 'Failed to compile BPF module' $o; then
			BCC_ERR=$(grep -m 1 'error:' $o)
			return 1
		fi
		kill -0 $bpid 2>/dev/null && [ $i -le 900 ] || { tail -n 20 $o; kill $bpid 2>/dev/null; fail "BCC memleak did not start ($1)"; }
		sleep 1
	done
	info "BCC memleak $1: attached after $i s"
	insmod /kleak/kleak_kinds.ko n=4 || fail "insmod kleak_kinds (BCC, $1)"
	# past memleak's 500 ms age filter; then the report begun after it,
	# complete once the next one starts
	sleep 1
	n0=$(grep -c 'stacks with outstanding allocations:$' $o)
	i=0
	while [ "$(grep -c 'stacks with outstanding allocations:$' $o)" -lt $((n0 + 2)) ]; do
		i=$((i + 1))
		kill -0 $bpid 2>/dev/null && [ $i -le 600 ] || { tail -n 20 $o; kill $bpid 2>/dev/null; fail "BCC memleak printed no report ($1)"; }
		sleep 1
	done
	# TERM: a background job of a script ignores SIGINT, and so Python does
	kill $bpid; wait $bpid 2>/dev/null
	rmmod kleak_kinds || fail "rmmod kleak_kinds (BCC, $1)"
	# each stack up to the fixture's outermost leak function: below it is
	# its init function, which BCC names only if it read kallsyms while
	# the init ran, and insmod's syscall.  Not vmalloc's vmap_area nodes:
	# how many a vmalloc takes depends on how fragmented the vmalloc space
	# is (any module's load changes it), not on who watches.
	#
	# Each stack as its object size (bytes over allocations), not its
	# count: memleak's counts of a module's stacks drift from run to run
	# when the module was loaded and leaked before, with or without kleak
	# (one boot: 4, 4, 4 with kleak loaded, then 10 with kleak unloaded,
	# for the same 4 allocations of each load).
	awk -v want=$((n0 + 1)) 'function done() { if (cut && !va) { o = hd; for (j = 1; j <= cut; j++) o = o " " fr[j]; print o }
			n = 0; cut = 0; va = 0; hd = "" }
		/stacks with outstanding allocations:$/ { done(); r++; next }
		r != want { next }
		/bytes in [0-9]+ allocations from stack$/ { done(); hd = ($4 > 0 ? int($1 / $4) : $1) "B"; next }
		/^\t\t/ && hd != "" { f = $2; sub(/\+0x[0-9a-f]*$/, "", f)
			if (f ~ /^__traceiter_/) next
			if (f == "alloc_vmap_area") va = 1
			fr[++n] = f; if ($3 == "[kleak_kinds]" && f ~ /^kleak_kinds_(leak|twin)_/) cut = n; next }
		END { done() }' $o | sort -u >/tmp/bcc.$1.ev
	info "BCC memleak $1: $(wc -l </tmp/bcc.$1.ev) stacks of the fixture"
}
bcc_compare() {
	if ! bcc_events bare; then
		echo "KLEAK-TRACERS $(uname -r): BCC memleak cannot run, without kleak: ${BCC_ERR:-no error line}" | tee /dev/console
		return 0
	fi
	same_with_kleak bcc "outstanding allocations (object sizes, stacks)" 3
	echo "KLEAK-TRACERS $(uname -r): BCC memleak the same, $(wc -l </tmp/bcc.bare.ev) stacks of the fixture" | tee /dev/console
}
if command -v memleak-bpfcc >/dev/null && [ -d /lib/modules/$(uname -r)/build/include ]; then
	bcc_compare
else
	info "no BCC (memleak-bpfcc and the kernel's headers) here (the Debian system guest has them)"
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
