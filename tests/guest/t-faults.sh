# Faults anywhere leave kleak fully working or cleanly refused: fail-nth
# over every allocation of insmod, start, stop, clear, a report's open and
# the fixture's load.  Needs failslab (the debug kernel); the host checks
# the kernel log afterwards.
# timeout: 1500
. /tests/lib.sh
F=/sys/kernel/debug/failslab
if [ ! -d $F ]; then
	[ "$KLEAK_KERNEL" = debug ] && fail "the debug kernel has no failslab"
	echo "no failslab in this kernel"
	exit 77
fi
echo N >$F/ignore-gfp-wait	# GFP_KERNEL allocations may fail too
echo 0 >$F/verbose
MAXN=3000

# sweep NAME CHECK POKE-ARGS...: for N = 1, 2, ... run kleak-poke with the
# Nth allocation failing, then CHECK (a function, given N and the output),
# until the call makes fewer than N allocations.
sweep() {
	name=$1 check=$2
	shift 2
	n=1
	while :; do
		[ -n "${KLEAK_FAULTS_TRACE:-}" ] && echo "faults: $name $n" >/dev/console
		out=$(kleak-poke --fail-nth $n "$@")
		case "$out" in *injected=0*) break ;; esac
		$check $n "$out"
		n=$((n + 1))
		[ $n -le $MAXN ] || fail "$name: more than $MAXN allocations?"
	done
	# the last run, with no fault, must have worked
	case "$out" in rc=0*) ;; *) fail "$name: fails without a fault: $out" ;; esac
	$check $n "$out"
	info "$name: $((n - 1)) allocations failed one by one"
}

# A load either made every file and runs, or left nothing.
check_load() {
	if grep -q '^kleak ' /proc/modules; then
		for f in outstanding stacks object stats control; do
			[ -e $K/$f ] || fail "insmod with fault $1 ($2): loaded without $f"
		done
		[ "$(stat_val running)" = 1 ] || fail "insmod with fault $1: loaded, not running"
		cat $K/stacks >/dev/null || fail "insmod with fault $1: stacks unreadable"
		rmmod kleak || fail "rmmod after insmod with fault $1"
	else
		case "$2" in rc=0*) fail "insmod with fault $1: rc=0 but not loaded" ;; esac
		[ -e $K ] && fail "insmod with fault $1 refused, but $K is left"
	fi
	:
}
# insmod: every allocation of kleak's init and of what it calls.  The
# module loader's own allocations before it (some 550, about one second a
# run) are the kernel's, and are swept only with KLEAK_FAULTS_FULL=1:
# otherwise the stack filter counts only allocations with a frame above the
# kernel image's end, that is in module text.
if [ -z "${KLEAK_FAULTS_FULL:-}" ] && [ -e $F/require-start ]; then
	end=$(awk '$3 == "_end" { print $1 }' /proc/kallsyms)
	[ -n "$end" ] || fail "no _end in /proc/kallsyms"
	echo "0x$end" >$F/require-start
	echo 0xffffffffffffffff >$F/require-end
	echo 32 >$F/stacktrace-depth
	info "insmod: faults only in stacks through module text (above 0x$end)"
fi
sweep insmod check_load insmod /kleak/kleak.ko "max_objects=4096 max_stacks=256"
if [ -e $F/require-start ]; then
	echo 0 >$F/require-start
	echo 0xffffffffffffffff >$F/require-end
fi

# Work after a command: the probes track and the files read.
works() {
	insmod /kleak/kleak_fixture.ko leaks=2 size=128 churn=20 rcu=4 bulk=4 ||
		fail "$1: fixture failed"
	rmmod kleak_fixture
	cat $K/outstanding >/tmp/o || fail "$1: outstanding unreadable"
	[ "$(grep -c 'site=kleak_fixture_plant' /tmp/o)" -ge 2 ] || fail "$1: the fixture's leaks are not tracked"
}

load max_objects=4096 max_stacks=256
# clear: it allocates nothing, and leaves kleak running
check_clear() {
	[ "$(stat_val running)" = 1 ] || fail "clear with fault $1 ($2): not running"
	control start
	works "clear with fault $1"
}
sweep clear check_clear write $K/control clear

# stop: done whole, or refused with kleak still running as it was
check_stop() {
	case "$2" in
	rc=0*)	[ "$(stat_val running)" = 0 ] || fail "stop with fault $1: rc=0, still running"
		[ "$(stat_val bulk_free_hooked)" = 0 ] || fail "stop with fault $1: kprobe left registered"
		control start ;;
	*)	[ "$(stat_val running)" = 1 ] || fail "stop with fault $1 refused ($2), but stopped"
		[ "$(stat_val bulk_free_hooked)" = 1 ] || fail "stop with fault $1 refused, kprobe gone" ;;
	esac
	works "stop with fault $1"
}
sweep stop check_stop write $K/control stop

# start: done whole, or refused with nothing registered
check_start() {
	case "$2" in
	rc=0*)	[ "$(stat_val running)" = 1 ] || fail "start with fault $1: rc=0, not running"
		[ "$(stat_val bulk_free_hooked)" = 1 ] || fail "start with fault $1: no kprobe" ;;
	*)	[ "$(stat_val running)" = 0 ] || fail "start with fault $1 refused ($2), but running"
		[ "$(stat_val bulk_free_hooked)" = 0 ] || fail "start with fault $1 refused, kprobe left"
		control start ;;
	esac
	works "start with fault $1"
	control stop
}
control stop
sweep start check_start write $K/control start
control start

# a report's open: its context or ENOMEM
check_read() {
	works "read with fault $1"
}
sweep read-stacks check_read read $K/stacks
unload

echo "faults: ok"
