# The reliability suite (README: "Reliability"): storm, load cycles, table
# full, fault sweep, fuzz, access, unload under load, large objects and
# lockdown, each phase with its counts.  KLEAK_STRESS=short (make check:
# storm 20 s, 10 cycles, a sampled fault sweep, 1,000 fuzz writes) or full
# (make stress).  A phase fails on its own checks or on any kernel report
# it caused (WARNING, BUG, KASAN, lockdep, RCU stall, soft lockup, hung
# task, a kmemleak report after a scan).  Each phase prints one line
#   KLEAK-STRESS <phase> PASS|FAIL|SKIP <seconds>s <what was tried> [| why]
# on the console, which the host turns into results and
# tests/RELIABILITY.md.  Progress goes to the console as it happens too, so
# that a guest that dies or hangs shows where.  KLEAK_STRESS_PHASES picks
# phases.  lockdown cannot be undone: it runs last.
# timeout: 3000
. /tests/lib.sh
MODE=${KLEAK_STRESS:-short}
PHASES=${KLEAK_STRESS_PHASES:-"storm cycles full faults fuzz access large unload lockdown"}
if [ "$MODE" = full ]; then
	STORM=60 CYCLES=100 FUZZ_CONTROL=10000 FUZZ_OBJECT=3000 FAULT_STEP=1 LOADER_STEP=10 UNLOADS=30
else
	STORM=20 CYCLES=10 FUZZ_CONTROL=1000 FUZZ_OBJECT=300 FAULT_STEP=7 LOADER_STEP=50 UNLOADS=10
fi
NCPU=$(grep -c '^processor' /proc/cpuinfo)
BAD='Kernel panic|Oops|WARNING:|BUG:|KASAN|sleeping function called|blocked for more than|general protection fault|DEBUG_LOCKS_WARN_ON|inconsistent lock state|possible circular locking|possible recursive locking|detected stall|soft lockup|hung_task|unreferenced object'
ML=/sys/kernel/debug/kmemleak
F=/sys/kernel/debug/failslab
P=/sys/module/kleak/parameters
S=/tmp/stress
mkdir -p $S
nfail=0

progress() { echo "KLEAK-PROGRESS $*" >/dev/console; }

# kmemleak: what is unreferenced now is the kernel's own, not ours
[ -w $ML ] && { echo scan >$ML; echo clear >$ML; }

# ---- the storm --------------------------------------------------------------
# storm_start [kleak]: on every vCPU a fork/exec loop, a /proc reader and a
# tmpfs creator; one kfree_rcu loader (the fixture, rcu= and churn=); with
# "kleak", readers of every kleak file (object on live addresses) and a
# writer cycling through every command and writable param.  Each worker
# counts its rounds into $S/count.NAME when it stops.
# The workers run at nice 10: they take what CPU the phase leaves, and on
# a 2-vCPU TCG guest the phase's own work still gets done at a usable pace.
worker() { loop_worker $S "$@"; }	# name, then the body of one round

storm_start() {
	rm -f $S/stop $S/count.*
	mkdir -p /tmp/st
	c=0
	while [ $c -lt "$NCPU" ]; do
		worker fork$c '/bin/busybox true'
		worker proc$c 'cat /proc/[0-9]*/stat /proc/meminfo /proc/slabinfo'
		worker tmpfs$c 'echo $n >/tmp/st/f$c.$n; rm /tmp/st/f$c.$n'
		c=$((c + 1))
	done
	[ "${1:-}" = norcu ] ||
		worker rcu 'insmod /kleak/kleak_fixture.ko rcu=500 churn=200 bulk=16 && rmmod kleak_fixture'
	[ "${1:-}" = kleak ] || return 0
	worker read 'cat $K/outstanding $K/stacks $K/suspects $K/stats $K/control; a=$(grep -m 1 "^0x" $K/outstanding | cut -d" " -f1); [ -n "$a" ] && object_dump $a >/dev/null'
	worker write 'for c in stop start clear mark unmark "filter size=64-4096" "filter comm=sh" "filter min_age=1s" "filter reset"; do echo "$c" >$K/control; done; echo $((n % 4 + 1)) >$P/sample; echo $((n % 4097)) >$P/sample_bytes'
}

# storm_stop: stop every worker and wait for them (not in a $(...): a
# subshell has no children to wait for); COUNTS="name=rounds ..."
storm_stop() {
	touch $S/stop
	wait
	rm -rf /tmp/st
	COUNTS=$(loop_counts $S)
	grep -q '^kleak_fixture ' /proc/modules && rmmod kleak_fixture
	:
}

# storm_total NAME-PREFIX: rounds of those workers, summed
storm_total() {
	cat $S/count.$1* 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

# ---- phases -----------------------------------------------------------------
# phase NAME: start; then pass, skip or bad; then phase_end "what was tried"
phase() {
	PHASE=$1 WHY="" SKIPPED=""
	t0=$(date +%s)
	dmesg -c >/dev/null
	progress "phase $PHASE: start"
}
bad() { [ -z "$WHY" ] && WHY=$*; echo "phase $PHASE: $*"; }
skip() { SKIPPED=$*; }

phase_end() {
	tried=$1
	# any kernel report the phase caused, and what kmemleak finds now
	dmesg >$S/dmesg.$PHASE
	if [ -w $ML ]; then
		echo scan >$ML; sleep 1; echo scan >$ML
		cat $ML >$S/kmemleak.$PHASE
		[ -s $S/kmemleak.$PHASE ] && { head -n 30 $S/kmemleak.$PHASE; bad "kmemleak: $(grep -c unreferenced $S/kmemleak.$PHASE) unreferenced objects"; }
		echo clear >$ML
	fi
	l=$(grep -E "$BAD" $S/dmesg.$PHASE | head -n 1)
	[ -n "$l" ] && { grep -E -B 2 -A 20 "$BAD" $S/dmesg.$PHASE | head -n 40; bad "kernel report: $l"; }
	secs=$(( $(date +%s) - t0 ))
	if [ -n "$SKIPPED" ] && [ -z "$WHY" ]; then
		r="SKIP ${secs}s $SKIPPED"
	elif [ -z "$WHY" ]; then
		r="PASS ${secs}s $tried"
	else
		r="FAIL ${secs}s $tried | $WHY"
		nfail=$((nfail + 1))
	fi
	# on the console at once: a guest that dies later keeps this result
	echo "KLEAK-STRESS $PHASE $r" | tee /dev/console
	grep -q '^kleak ' /proc/modules && rmmod kleak
}

# consistent WHAT: with kleak stopped and unfiltered, live == linked -
# released, and outstanding lists exactly live objects
consistent() {
	live=$(stat_val live_objects)
	linked=$(stat_val records_linked); released=$(stat_val records_released)
	[ "$live" = $((linked - released)) ] ||
		bad "$1: live_objects $live != records_linked $linked - records_released $released"
	lines=$(grep -c '^0x' $K/outstanding)
	[ "$lines" = "$live" ] || bad "$1: outstanding has $lines objects, live_objects says $live"
	CONS="live=$live"
}

# settle: stop kleak, take off every filter, sample and mark
settle() {
	echo stop >$K/control || bad "stop refused"
	echo "filter reset" >$K/control && echo unmark >$K/control || bad "reset refused"
	echo 1 >$P/sample && echo 64 >$P/sample_bytes || bad "params refused"
}

# 1. Storm, kleak's readers and writer included.
phase_storm() {
	phase storm
	load
	storm_start kleak
	sleep $STORM
	storm_stop; counts=$COUNTS
	settle
	consistent "after the storm"
	[ "$(storm_total read)" -gt 0 ] && [ "$(storm_total write)" -gt 0 ] || bad "kleak's reader or writer never ran"
	phase_end "${STORM}s on $NCPU vCPUs: $counts; then $CONS"
}

# 2. Load cycles under the storm, with mixed params, the demo module in
# between.  A watchdog dumps the blocked tasks and every CPU's stack if a
# cycle makes no progress for 120 s.
CYCLE_PARAMS="index=portable|stack_depth=0|stack_depth=64|sample=7|enabled=0|size=64-4096 comm=sh|max_objects=64 max_stacks=16|min_age=1s pid=1|max_objects=200000 sample_bytes=4096"
kver_ge 6 7 && CYCLE_PARAMS="$CYCLE_PARAMS|index=rhashtable"

watchdog() {
	( last=""; while [ ! -e $S/wd.stop ]; do
		sleep 120
		now=$(cat $S/wd.progress 2>/dev/null)
		if [ "$now" = "$last" ] && [ ! -e $S/wd.stop ]; then
			progress "cycles: no progress for 120 s at '$now': blocked tasks and CPUs follow"
			echo w >/proc/sysrq-trigger; echo l >/proc/sysrq-trigger
			touch $S/wd.fired
		fi
		last=$now
	done ) &
	WD=$!
}

# rmmod_retry NAME: an open kleak file holds the module; try again
rmmod_retry() {
	rr=0	# (sh has no locals: not i, which the callers count with)
	until rmmod "$1" 2>/dev/null; do
		rr=$((rr + 1)); BUSY=$((BUSY + 1))
		[ $rr -lt 200 ] || return 1
		sleep 0.1
	done
}

phase_cycles() {
	phase cycles
	rm -f $S/wd.*
	BUSY=0
	storm_start
	watchdog
	np=$(echo "$CYCLE_PARAMS" | awk -F'|' '{ print NF }')
	i=1 demo=0
	while [ $i -le "$CYCLES" ]; do
		p=$(echo "$CYCLE_PARAMS" | awk -F'|' -v i=$(( (i - 1) % np + 1 )) '{ print $i }')
		echo "$i insmod" >$S/wd.progress
		t1=$(date +%s)
		# tables of 32k records unless the set says otherwise: a load and
		# an unload cost O(max_objects), minutes a cycle under KASAN
		case "$p" in *max_objects=*) ;; *) p="max_objects=32768 $p" ;; esac
		# shellcheck disable=SC2086
		insmod /kleak/kleak.ko $p || { bad "cycle $i: insmod kleak.ko $p failed"; break; }
		case "$p" in enabled=0) echo start >$K/control || bad "cycle $i: start refused" ;; esac
		cat $K/stacks $K/suspects $K/outstanding $K/stats >/dev/null || bad "cycle $i: a report failed"
		if insmod /kleak/kleak_demo.ko 2>/dev/null; then
			cat /proc/kleak_demo/schedstat >/dev/null && demo=$((demo + 1))
			rmmod kleak_demo
		fi
		echo "$i rmmod" >$S/wd.progress
		rmmod_retry kleak || { bad "cycle $i: rmmod kleak still busy after 20 s"; break; }
		progress "cycles: $i/$CYCLES ($p) in $(( $(date +%s) - t1 ))s"
		i=$((i + 1))
	done
	touch $S/wd.stop
	kill $WD 2>/dev/null
	storm_stop; counts=$COUNTS
	[ -e $S/wd.fired ] && bad "a cycle made no progress for 120 s"
	phase_end "$((i - 1)) insmod/rmmod cycles over $np param sets, the demo module read $demo times, $BUSY busy rmmods retried; storm $counts"
}

# 3. Table full: 64 records, 16 stacks, under the storm.  Slab objects
# only: long-lived pages (page tables, a pipe's) could hold every record
# and stack before the fixture's leaks come (the other kinds share the
# same pool and drop code).
phase_full() {
	phase full
	load max_objects=64 max_stacks=16 kinds=slab
	storm_start kleak
	sleep $((STORM / 2))
	storm_stop; counts=$COUNTS
	settle
	dt=$(stat_val drop_table_full); ds=$(stat_val drop_stack_table_full)
	[ "$dt" -gt 0 ] || bad "no drop_table_full counted"
	[ "$ds" -gt 0 ] || bad "no drop_stack_table_full counted"
	[ "$(stat_val peak_objects)" -le 63 ] || bad "peak_objects $(stat_val peak_objects) > 63"
	consistent "table full"
	cat $K/stacks >$S/stacks || bad "stacks unreadable"
	echo clear >$K/control || bad "clear refused"
	[ "$(stat_val live_objects)" = 0 ] || bad "clear left $(stat_val live_objects) objects"
	consistent "after clear"
	unload
	# A full stack table with free records: objects of new stacks share
	# one "stack table full" group.  The 64 records above may all be
	# held by the loader's own long-lived objects when the fixture's
	# leaks come (it failed so once in 20), so this part has records to
	# spare, fills the 16 stacks first and checks both before the leaks.
	load max_objects=4096 max_stacks=16 kinds=slab
	n=0
	while [ "$(stat_val drop_stack_table_full)" = 0 ] && [ $n -lt 50 ]; do
		/bin/busybox true; cat /proc/self/stat /proc/meminfo >/dev/null; n=$((n + 1))
	done
	[ "$(stat_val drop_stack_table_full)" -gt 0 ] || bad "16 stacks not full after $n rounds"
	free=$((4096 - $(stat_val live_objects)))
	[ $free -ge 1000 ] || bad "only $free records free before the leaks"
	insmod /kleak/kleak_fixture.ko leaks=80 size=32 && rmmod kleak_fixture || bad "fixture refused"
	echo stop >$K/control
	cat $K/stacks >$S/stacks
	grep -q 'stack table full' $S/stacks || bad "no 'stack table full' group"
	# the group's objects: the stack table full line follows its header
	nful=$(awk '/^#[0-9]/ { n = $4 } /stack table full/ { print n; exit }' $S/stacks)
	[ "${nful:-0}" -ge 80 ] || bad "the 'stack table full' group has ${nful:-no} objects, not the 80 leaks"
	consistent "stack table full"
	phase_end "max_objects=64 max_stacks=16, $((STORM / 2))s storm: drop_table_full=$dt drop_stack_table_full=$ds; clear; max_stacks=16 filled in $n rounds, 80 leaks in a group of $nful; $CONS"
}

# 4. Fault sweep: fail the Nth slab allocation, for every N (full) or every
# FAULT_STEP-th N (short) that the call reaches, of insmod, every command,
# the param writes, object, and a report's open.
# sweep NAME CHECK POKE-ARGS...: until the call makes fewer than N, N
# going up by STEP (default FAULT_STEP)
sweep() {
	name=$1 check=$2 step=${STEP:-$FAULT_STEP}
	shift 2
	progress "faults: $name, N += $step"
	n=1 tried=0
	while :; do
		out=$(kleak-poke --fail-nth $n "$@")
		case "$out" in *injected=0*) break ;; esac
		$check $n "$out"
		tried=$((tried + 1))
		n=$((n + step))
		[ $n -le 3000 ] || { bad "$name: more than 3000 allocations?"; break; }
	done
	case "$out" in rc=0*) ;; *) bad "$name: fails without a fault: $out" ;; esac
	$check $n "$out"
	SWEPT="$SWEPT $name=$tried"
	POINTS=$((POINTS + tried))
}

# nothing of kleak registered: no debugfs directory, no kprobe of ours
nothing_left() {
	[ -e $K ] && bad "insmod with fault $1 refused ($2), but $K is left"
	# the functions kleak kprobes: nothing else here probes them
	grep -E -q 'kmem_cache_free_bulk|kvfree_call_rcu|kfree_nolock|kmalloc_nolock|kmem_cache_alloc_bulk|krealloc|vmalloc_|vfree|__vunmap' \
		/sys/kernel/debug/kprobes/list 2>/dev/null && bad "insmod with fault $1: a kprobe is left"
	:
}

# A load either made every file and runs, or left nothing.
check_load() {
	if grep -q '^kleak ' /proc/modules; then
		for f in outstanding stacks suspects object stats control; do
			[ -e $K/$f ] || bad "insmod with fault $1 ($2): loaded without $f"
		done
		[ "$(stat_val running)" = 1 ] || bad "insmod with fault $1: loaded, not running"
		cat $K/stacks >/dev/null || bad "insmod with fault $1: stacks unreadable"
		rmmod kleak || bad "rmmod after insmod with fault $1"
	else
		case "$2" in rc=0*) bad "insmod with fault $1: rc=0 but not loaded" ;; esac
		nothing_left "$1" "$2"
	fi
}

# Work after a command: the probes track and the files read.
works() {
	echo start >$K/control
	insmod /kleak/kleak_fixture.ko leaks=2 size=128 churn=20 rcu=4 bulk=4 || bad "$1: fixture failed"
	rmmod kleak_fixture
	cat $K/outstanding >$S/o || bad "$1: outstanding unreadable"
	[ "$(grep -c 'site=kleak_fixture_plant' $S/o)" -ge 2 ] || bad "$1: the fixture's leaks are not tracked"
}

# a command: done whole (then CMD_OK) or refused with the state as it was
check_cmd() {
	case "$2" in
	rc=0*)	;;
	*)	[ "$(cat $K/control | grep -v '^mark')" = "$CTL_BEFORE" ] ||
			bad "$CMD with fault $1 refused ($2), but control changed" ;;
	esac
	[ "$(stat_val bulk_free_hooked)" = "$(stat_val running)" ] || bad "$CMD with fault $1: kprobe and running disagree"
	# tracking works (with the command's filter taken off again)
	echo "filter reset" >$K/control
	works "$CMD with fault $1"
	reset_for_cmd
}

reset_for_cmd() {
	echo "filter reset" >$K/control; echo unmark >$K/control; echo start >$K/control
	echo "kinds all" >$K/control
	[ "$CMD" = "kinds all" ] && echo "kinds slab" >$K/control
	echo 1 >$P/sample; echo 64 >$P/sample_bytes
	[ "$CMD" = start ] && echo stop >$K/control
	CTL_BEFORE=$(cat $K/control | grep -v '^mark')
}

check_param() {
	case "$2" in
	rc=0*)	[ "$(cat $P/$PARAM)" = "$PVAL" ] || bad "$PARAM=$PVAL with fault $1: rc=0, value $(cat $P/$PARAM)" ;;
	*)	[ "$(cat $P/$PARAM)" = "$PBEFORE" ] || bad "$PARAM=$PVAL with fault $1 refused, but changed" ;;
	esac
	echo "$PBEFORE" >$P/$PARAM
}

check_object() {
	case "$2" in rc=0*|rc=-2*) ;; *) bad "object with fault $1: $2" ;; esac
	cat $K/object >/dev/null 2>&1
	:
}

phase_faults() {
	phase faults
	if [ ! -d $F ]; then
		skip "no failslab in this kernel"
		phase_end ""
		return
	fi
	echo N >$F/ignore-gfp-wait	# GFP_KERNEL allocations may fail too
	echo 0 >$F/verbose
	SWEPT="" POINTS=0
	# insmod: every allocation of kleak's init and what it calls (the
	# failslab stack filter counts only allocations with a frame in
	# module text, above the kernel image's end); then every
	# LOADER_STEP-th of all it reaches, the module loader's own included
	# (some 550 before kleak's init runs, a second each here)
	end=$(awk '$3 == "_end" { print $1 }' /proc/kallsyms)
	if [ -n "$end" ] && [ -e $F/require-start ]; then
		echo "0x$end" >$F/require-start
		echo 0xffffffffffffffff >$F/require-end
		echo 32 >$F/stacktrace-depth
		sweep insmod-init check_load insmod /kleak/kleak.ko "max_objects=4096 max_stacks=256"
		echo 0 >$F/require-start
	fi
	STEP=$LOADER_STEP
	sweep insmod-all check_load insmod /kleak/kleak.ko "max_objects=4096 max_stacks=256"
	STEP=""
	load max_objects=4096 max_stacks=256
	for CMD in clear stop start mark unmark "filter size=64-4096 comm=sh" "filter reset" \
		"kinds slab" "kinds all"; do
		reset_for_cmd
		sweep "$CMD" check_cmd write $K/control "$CMD"
	done
	CMD=""; reset_for_cmd
	for pv in sample=3 sample_bytes=256 kinds=slab,page; do
		PARAM=${pv%=*} PVAL=${pv#*=} PBEFORE=$(cat $P/${pv%=*})
		sweep "$pv" check_param write $P/$PARAM "$PVAL"
	done
	a=$(grep -m 1 '^0x' $K/outstanding | cut -d' ' -f1)
	sweep object check_object write $K/object "${a:-0x1}"
	sweep read-stacks works read $K/stacks
	sweep read-suspects works read $K/suspects
	sweep read-outstanding works read $K/outstanding
	# then the log stays clean through a start, a storm and rmmod
	echo start >$K/control
	storm_start kleak
	sleep $((STORM / 4 + 1))
	storm_stop; counts=$COUNTS
	settle
	consistent "after the sweep"
	unload
	every="every allocation"; [ "$FAULT_STEP" = 1 ] || every="every ${FAULT_STEP}th allocation"
	phase_end "$POINTS fault points ($every; insmod-all every ${LOADER_STEP}th):$SWEPT; then a storm ($counts) and rmmod"
}

# 5. Fuzz control, object and the writable params.
phase_fuzz() {
	phase fuzz
	load
	insmod /kleak/kleak_fixture.ko leaks=20 size=256 && rmmod kleak_fixture
	addrs=$(grep '^0x' $K/outstanding | cut -d' ' -f1 | head -n 20)
	out=$(kleak-poke fuzz control $K/control "$FUZZ_CONTROL" "$(date +%s)") || bad "control: $out"
	echo "$out"
	fc=$(echo "$out" | tail -n 1 | sed 's/^fuzz control: //')
	# shellcheck disable=SC2086
	out=$(kleak-poke fuzz object $K/object "$FUZZ_OBJECT" "$(date +%s)" $addrs) || bad "object: $out"
	echo "$out"
	fo=$(echo "$out" | tail -n 1 | sed 's/^fuzz object: //')
	# params: a refused write leaves the value
	np=0
	for v in -1 4294967296 abc 0 65537 "" 1x 4097 99999999999999999999; do
		for p in sample sample_bytes; do
			before=$(cat $P/$p)
			if echo "$v" >$P/$p 2>/dev/null; then :; else
				[ "$(cat $P/$p)" = "$before" ] || bad "$p=$v refused but changed"
			fi
			np=$((np + 1))
		done
	done
	[ "$(cat $P/sample_bytes)" -le 4096 ] || bad "sample_bytes over 4096 accepted"
	# a newline in a bad command cannot forge a kernel log line
	dmesg -c >/dev/null
	echo "$(printf 'bogus\nkleak: FORGED')" >$K/control 2>/dev/null && bad "a command with a newline was accepted"
	dmesg | grep FORGED | grep -qv 'control: ' && bad "a newline in the input forged a log line"
	# the warnings are rate-limited: far fewer lines than refused writes
	dmesg -c >/dev/null
	out=$(kleak-poke fuzz control $K/control 1000 1)
	refused=$(echo "$out" | sed -n 's/.* writes=\([0-9]*\) accepted=\([0-9]*\) .*/\1 \2/p' | awk '{ print $1 - $2 }')
	w=$(dmesg | grep -c 'kleak: ')
	[ "$w" -le $((refused / 4)) ] || bad "$refused refused writes gave $w log lines"
	settle
	[ "$(stat_val running)" = 0 ] || bad "not stopped"
	echo start >$K/control
	insmod /kleak/kleak_fixture.ko leaks=2 size=64 && rmmod kleak_fixture
	[ "$(grep -c 'site=kleak_fixture_plant' $K/outstanding)" -ge 2 ] || bad "no tracking after the fuzz"
	phase_end "control: $fc; object: $fo; params: $np bad values; $refused refused writes gave $w log lines"
}

# 6. Access: a non-root user is refused everything, however open the modes.
phase_access() {
	phase access
	load
	insmod /kleak/kleak_fixture.ko leaks=3 size=64 && rmmod kleak_fixture
	before=$(cat $K/control | grep -v '^mark'; grep '^running\|^hooks' $K/stats)
	mode=$(stat -c %a /sys/kernel/debug)
	chmod 755 /sys/kernel/debug $K
	n=0
	as() { kleak-poke as 65534 sh -c "$*" 2>/dev/null; }
	for round in modes open; do
		# round 2: every file opened to everyone
		[ $round = open ] && chmod 666 $K/*
		for f in outstanding stacks suspects allocinfo object stats control; do
			as "cat $K/$f >/dev/null" && bad "uid 65534 read $f ($round)"
			as "echo start >$K/$f" && bad "uid 65534 wrote $f ($round)"
			n=$((n + 2))
		done
		if [ $round = modes ]; then
			for p in sample sample_bytes; do
				as "echo 5 >$P/$p" && bad "uid 65534 wrote param $p"
				as "cat $P/$p" >/dev/null && bad "uid 65534 read param $p"
				n=$((n + 2))
			done
		fi
	done
	chmod 400 $K/outstanding $K/stacks $K/suspects $K/allocinfo $K/stats; chmod 600 $K/object $K/control
	as "insmod /kleak/kleak_fixture.ko leaks=1" && bad "uid 65534 loaded a module"
	as "rmmod kleak" && bad "uid 65534 unloaded kleak"
	n=$((n + 2))
	chmod "$mode" /sys/kernel/debug
	after=$(cat $K/control | grep -v '^mark'; grep '^running\|^hooks' $K/stats)
	[ "$before" = "$after" ] || bad "the state changed"
	[ "$(grep -c 'site=kleak_fixture_plant' $K/outstanding)" = 3 ] || bad "tracked objects lost"
	phase_end "$n accesses as uid 65534 (debugfs 755, then every file 666), insmod and rmmod: all refused; state unchanged"
}

# 8. A large object with the largest sample_bytes: the stacks view stays small.
phase_large() {
	phase large
	load
	for v in 4294967295 4097; do
		echo $v >$P/sample_bytes 2>/dev/null && bad "sample_bytes=$v accepted"
	done
	echo 4096 >$P/sample_bytes || bad "sample_bytes=4096 refused"
	insmod /kleak/kleak_fixture.ko leaks=1 size=4194304 || bad "fixture (4 MiB)"
	rmmod kleak_fixture
	t1=$(date +%s)
	bytes=$(cat $K/stacks | wc -c)
	secs=$(( $(date +%s) - t1 ))
	grep -q 'size=4194304/' $K/outstanding || bad "the 4 MiB object is not tracked"
	[ "$bytes" -le 1048576 ] || bad "stacks is $bytes bytes with one 4 MiB object"
	phase_end "sample_bytes 4294967295 and 4097 refused; stacks with a 4 MiB object and sample_bytes=4096: $bytes bytes in ${secs}s"
}

# 7. Unload under load: register/unregister loops of an empty-probe module
# (the bench's) and of kleak, alternately, under the storm.  A guest that
# dies shows the variant in flight on the console (the host counts them).
# The rmmod summary's missed_frees match stats before it.
phase_unload() {
	phase unload
	BUSY=0
	# kfree_rcu() without pause (and without a voluntary context switch)
	# while kleak comes and goes
	insmod /kleak/kleak_fixture.ko rcu_storm=1 || bad "fixture (rcu_storm)"
	storm_start norcu
	i=1 gap=0
	while [ $i -le "$UNLOADS" ]; do
		progress "unload: variant=empty cycle=$i"
		insmod /kleak/kleak_bench.ko empty_probes=1 cases=none >/dev/null &&
			rmmod kleak_bench || bad "empty-probe module, cycle $i"
		progress "unload: variant=kleak cycle=$i"
		load
		sleep 1
		# none of kleak's kprobes optimized into a jump: the optimizer
		# holds text_mutex across an RCU-tasks grace period, which the
		# fixture's thread holds up (before, insmod hung here for good)
		grep -E '(kmem_cache_free_bulk|kvfree_call_rcu|kfree_nolock).*OPTIMIZED' \
			/sys/kernel/debug/kprobes/list && bad "a kprobe of kleak was optimized"
		m=$(stat_val missed_frees)
		dmesg -c >/dev/null
		rmmod_retry kleak || bad "rmmod kleak, cycle $i"
		s=$(dmesg | sed -n 's/.*kleak: missed_frees=\([0-9]*\).*/\1/p')
		d=$(( ${s:-0} - m ))
		[ $d -gt $gap ] && gap=$d
		i=$((i + 1))
	done
	storm_stop; counts=$COUNTS
	rmmod kleak_fixture
	# missed frees counted only while every hook is in place: the
	# summary may have a few more than stats (frees missed for real in
	# between), not hundreds (frees missed while the hooks came down)
	[ $gap -le 20 ] || bad "the rmmod summary had $gap more missed_frees than stats just before"
	phase_end "$UNLOADS cycles of the empty-probe module and of kleak, alternately, under a storm ($counts) and a kfree_rcu() thread; summary missed_frees at most $gap over stats"
}

# 9. Lockdown (integrity), raised at run time with kleak loaded: what root
# can still do.  It cannot be lowered again, so this phase runs last.
phase_lockdown() {
	phase lockdown
	L=/sys/kernel/security/lockdown
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
	if [ ! -w $L ]; then
		skip "no lockdown LSM in this kernel"
		phase_end ""
		return
	fi
	# the debug kernel: lockdown would refuse debugfs to the kmemleak scan
	# that ends the boot; it has a boot of its own with lockdown (t-lockdown)
	if [ -e /sys/kernel/debug/kmemleak ]; then
		skip "kmemleak's scan at the end of this boot needs debugfs: lockdown is t-lockdown's boot here"
		phase_end ""
		return
	fi
	load
	insmod /kleak/kleak_fixture.ko leaks=2 size=64 && rmmod kleak_fixture
	echo integrity >$L || bad "cannot raise lockdown"
	grep -q '\[integrity\]' $L || bad "lockdown is $(cat $L)"
	got=""
	for f in outstanding stacks suspects stats; do
		if cat $K/$f >/dev/null 2>&1; then got="$got read-$f:ok"; else bad "$f unreadable under lockdown (mode 0400)"; fi
	done
	for f in object control; do
		if cat $K/$f >/dev/null 2>&1; then bad "$f readable under lockdown (mode 0600)"; else got="$got open-$f:EPERM"; fi
	done
	# /proc/kleak: all of it, commands too
	n=$(grep -c 'site=kleak_fixture_plant' /proc/kleak/outstanding)
	[ "$n" = 2 ] && got="$got proc-outstanding:ok" || bad "/proc/kleak/outstanding: $n of 2 leaks"
	a=$(grep -m 1 'site=kleak_fixture_plant' /proc/kleak/outstanding | cut -d' ' -f1)
	if object_dump "$a" /proc/kleak/object | grep -q "^object $a "; then
		got="$got proc-object:ok"; else bad "/proc/kleak/object refused under lockdown"; fi
	if echo stop >/proc/kleak/control && grep -q '^state: stopped$' /proc/kleak/control &&
		echo start >/proc/kleak/control; then got="$got proc-control:ok"; else bad "/proc/kleak/control refused under lockdown"; fi
	if echo 2 >$P/sample 2>/dev/null; then got="$got param-write:ok"; echo 1 >$P/sample; else got="$got param-write:refused"; fi
	if rmmod kleak; then got="$got rmmod:ok"; else bad "rmmod refused under lockdown"; fi
	if insmod /kleak/kleak.ko 2>/dev/null; then got="$got insmod:ok"; rmmod kleak; else got="$got insmod-unsigned:refused"; fi
	phase_end "lockdown=integrity at run time:$got"
}

# 9b. Booted with lockdown=integrity (tb stress: KLEAK_APPEND): what root
# can do from the start.
phase_lockdownboot() {
	phase lockdownboot
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
	if ! grep -q '\[integrity\]' /sys/kernel/security/lockdown 2>/dev/null; then
		skip "not booted with lockdown=integrity"
		phase_end ""
		return
	fi
	if insmod /kleak/kleak.ko 2>/dev/null; then
		got="insmod:ok"
		for f in outstanding stacks stats object control; do
			if cat $K/$f >/dev/null 2>&1; then got="$got $f:readable"; else got="$got $f:refused"; fi
		done
		if echo clear >/proc/kleak/control; then got="$got proc-control:ok"; else got="$got proc-control:refused"; fi
		rmmod kleak || bad "rmmod refused"
	else
		why=$(dmesg | grep -m 1 -i 'lockdown' | sed 's/^\[[^]]*\] *//')
		got="insmod refused (${why:-no reason logged})"
		grep -q '^kleak ' /proc/modules && bad "insmod failed but kleak is loaded"
		[ -e $K ] && bad "insmod refused but $K exists"
	fi
	phase_end "booted with lockdown=integrity: $got"
}

# 7b. The stale int3 (tb int3, not in the default phases): for
# KLEAK_INT3_SECS seconds under the storm, insmod/rmmod in a loop of one
# variant (KLEAK_INT3_VARIANT): "empty", the bench module's empty probes on
# the four kmem tracepoints; or "kleak".  The host boots it again and again
# and counts the guests that die.
phase_int3() {
	phase int3
	v=${KLEAK_INT3_VARIANT:-kleak}
	end=$(( $(date +%s) + ${KLEAK_INT3_SECS:-60} ))
	storm_start
	n=0
	while [ "$(date +%s)" -lt $end ]; do
		case $v in
		empty)	insmod /kleak/kleak_bench.ko empty_probes=1 cases=none >/dev/null &&
				rmmod kleak_bench || bad "cycle $n of the empty-probe module" ;;
		*)	load; rmmod_retry kleak || bad "rmmod kleak, cycle $n" ;;
		esac
		n=$((n + 1))
		progress "int3: variant=$v cycles=$n"
	done
	storm_stop; counts=$COUNTS
	phase_end "variant $v: $n insmod/rmmod cycles in ${KLEAK_INT3_SECS:-60}s under a storm ($counts)"
}

for ph in $PHASES; do
	phase_$ph
done
[ $nfail -eq 0 ] || fail "$nfail phase(s) failed"
echo "stress ($MODE): ok"
