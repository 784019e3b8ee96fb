# SPDX-License-Identifier: GPL-2.0
# The busy box of `make rank` and of t-suspects, from busybox alone.
# Source it after lib.sh:
#   busy_start   start the workload (returns at once)
#   busy_stop    stop it and wait; BUSY_COUNTS="name=rounds ..."
#   busy_tree    make the file tree now (busy_start makes it if needed)
# Workers, each at nice 10 (the measuring shell keeps its pace):
#   fork     fork/exec of busybox true
#   proc     /proc readers (every pid's stat, meminfo, slabinfo)
#   files    file churn in a tree of 2,000 files on tmpfs
#   find     find over that tree and /sys, every 5 s
#   http     loopback TCP: busybox wget from busybox httpd
#   rcu      a kfree_rcu() source: the fixture's rcu= and churn=, every 2 s
BUSY=/tmp/busy

busy_worker() { # name, then the body of one round
	bname=$1; shift
	( n=0; while [ ! -e $BUSY/stop ]; do eval "$*"; n=$((n + 1)); done; echo $n >$BUSY/count.$bname ) \
		>/dev/null 2>&1 &
	BUSY_PIDS="$BUSY_PIDS $!"
	renice -n 10 -p $! >/dev/null
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
	busybox httpd -f -p 127.0.0.1:8080 -h $BUSY/www &
	BUSY_HTTPD=$!
	busy_worker fork '/bin/busybox true'
	busy_worker proc 'cat /proc/[0-9]*/stat /proc/meminfo /proc/slabinfo; sleep 1'
	busy_worker files 'd=$BUSY/tree/d$((n % 40)); echo $n >$d/n$n; rm -f $d/n$((n - 40))'
	busy_worker find 'find $BUSY/tree /sys -name nothing-here; sleep 5'
	busy_worker http 'wget -q -O /dev/null http://127.0.0.1:8080/index.html; sleep 1'
	busy_worker rcu 'insmod /kleak/kleak_fixture.ko rcu=200 churn=100 && rmmod kleak_fixture; sleep 2'
}

busy_stop() {
	touch $BUSY/stop
	# only the workers: the caller may have children of its own (BCC)
	# shellcheck disable=SC2086
	wait $BUSY_PIDS
	kill $BUSY_HTTPD 2>/dev/null
	wait $BUSY_HTTPD 2>/dev/null
	grep -q '^kleak_fixture ' /proc/modules && rmmod kleak_fixture
	BUSY_COUNTS=$(for f in $BUSY/count.*; do [ -f "$f" ] && printf '%s=%s ' "${f#$BUSY/count.}" "$(cat "$f")"; done)
	BUSY_COUNTS=${BUSY_COUNTS% }
	# the tree stays for the next busy_start
	rm -f $BUSY/stop $BUSY/count.*
}

# rank_in FILE: the rank (#N) of the first group of a stacks or suspects
# file whose call site (first frame) is in kleak_rank_leak*, or "-"
rank_in() {
	awk '/^#[0-9]+ stack / { r = substr($1, 2); next } /^  backtrace:/ { b = 1; next }
		b { b = 0; if ($1 ~ /^kleak_rank_leak/) { print r; f = 1; exit } }
		END { if (!f) print "-" }' "$1"
}
