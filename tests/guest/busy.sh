# SPDX-License-Identifier: GPL-2.0
# The busy box of `make rank`, t-suspects and t-system: busybox's
# programs in the initramfs; on the Debian system (KLEAK_SYSTEM=1), Debian's
# own PIE binaries, nginx for the loopback TCP and systemd's tools.
# Source it after lib.sh (its workers are lib.sh's loop_worker):
#   busy_start   start the workload (returns at once)
#   busy_stop    stop it and wait; BUSY_COUNTS="name=rounds ..."
#   busy_tree    make the file tree now (busy_start makes it if needed)
# Workers, each at nice 10 (the measuring shell keeps its pace):
#   fork     fork/exec of busybox true (Debian: /usr/bin/true)
#   proc     /proc readers (every pid's stat, meminfo, slabinfo)
#   files    file churn in a tree of 2,000 files on tmpfs
#   find     find over that tree and /sys, every 5 s
#   http     loopback TCP: busybox wget from busybox httpd (Debian: wget
#            from the system's nginx on 127.0.0.1:80)
#   systemd  Debian only: systemctl and journalctl, through D-Bus, every 2 s
#   rcu      a kfree_rcu() source: the fixture's rcu= and churn=, every 2 s
BUSY=/tmp/busy

busy_worker() { # name, then the body of one round
	loop_worker $BUSY "$@"
	BUSY_PIDS="$BUSY_PIDS $LOOP_PID"
}

# busy_tree: the tree of 2,000 files (busy_start makes it if it is not
# there); a burst of a second or two, but minutes on the debug kernel
busy_tree() {
	[ -d $BUSY/tree/d39 ] && return
	rm -rf $BUSY; mkdir -p $BUSY/tree $BUSY/www
	i=0
	while [ $i -lt 40 ]; do
		mkdir $BUSY/tree/d$i; j=0
		while [ $j -lt 50 ]; do : >$BUSY/tree/d$i/f$j; j=$((j + 1)); done
		i=$((i + 1))
	done
}

busy_start() {
	BUSY_PIDS=""
	busy_tree
	rm -f $BUSY/stop $BUSY/count.*
	ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
	echo hello >$BUSY/www/index.html
	if [ "${KLEAK_SYSTEM:-0}" = 1 ]; then
		BUSY_HTTPD=""
		busy_worker fork '/usr/bin/true'
		busy_worker http 'wget -q -O /dev/null http://127.0.0.1/; sleep 1'
		busy_worker systemd 'systemctl status cron; journalctl -n 5; sleep 2'
	else
		busybox httpd -f -p 127.0.0.1:8080 -h $BUSY/www &
		BUSY_HTTPD=$!
		busy_worker fork '/bin/busybox true'
		busy_worker http 'wget -q -O /dev/null http://127.0.0.1:8080/index.html; sleep 1'
	fi
	busy_worker proc 'cat /proc/[0-9]*/stat /proc/meminfo /proc/slabinfo; sleep 1'
	busy_worker files 'd=$BUSY/tree/d$((n % 40)); echo $n >$d/n$n; rm -f $d/n$((n - 40))'
	busy_worker find 'find $BUSY/tree /sys -name nothing-here; sleep 5'
	busy_worker rcu 'insmod /kleak/kleak_fixture.ko rcu=200 churn=100 && rmmod kleak_fixture; sleep 2'
}

busy_stop() {
	touch $BUSY/stop
	# only the workers: the caller may have children of its own (BCC)
	# shellcheck disable=SC2086
	wait $BUSY_PIDS
	if [ -n "$BUSY_HTTPD" ]; then
		kill $BUSY_HTTPD 2>/dev/null
		wait $BUSY_HTTPD 2>/dev/null
	fi
	grep -q '^kleak_fixture ' /proc/modules && rmmod kleak_fixture
	BUSY_COUNTS=$(loop_counts $BUSY)
	# the tree stays for the next busy_start
	rm -f $BUSY/stop $BUSY/count.*
}

# leak_group FILE [FUNC]: "RANK SCORE CONFIDENCE" of the first group of a
# stacks or suspects file whose call site (first frame) is FUNC
# (default: any kleak_rank_leak* function); "-" for what is not there
leak_group() {
	awk -v fn="${2:-kleak_rank_leak}" '
		/^#[0-9]+ stack / { r = substr($1, 2); s = "-"; c = "-"; next }
		/^  score: / { s = $2; c = $3; sub(/;$/, "", c); next }
		/^  backtrace:/ { b = 1; next }
		b { b = 0; if (index($1, fn) == 1) { print r, s, c; f = 1; exit } }
		END { if (!f) print "- - -" }' "$1"
}

# rank_in FILE [FUNC]: the rank (#N) of that group, or "-"
rank_in() {
	leak_group "$@" | cut -d' ' -f1
}
