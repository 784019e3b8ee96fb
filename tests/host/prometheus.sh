#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# prometheus.sh KERNEL LOG: kleak's metrics for real.  LOG is the console
# of a guest that ran t-prometheus: the metrics kleak-report wrote there of
# a planted leak (kleak_fixture_plant, 819200 bytes) are between its
# KLEAK-PROM-BEGIN/END markers.  On the host:
#   - promtool check metrics on them; promtool check rules and test rules
#     on contrib/prometheus/;
#   - a real prometheus-node-exporter, its textfile collector on a directory
#     holding them, scraped over 127.0.0.1 by curl;
#   - a real Prometheus scraping that node_exporter; the PromQL query
#     topk(3, kleak_stack_live_bytes) must return the planted leak.
# Everything listens on 127.0.0.1 only, on free ports, and is stopped at
# the end.  Prints "PASS KERNEL/prom.<name>" or "FAIL KERNEL/prom.<name>: why".

set -u
case "${1:-}" in
-h|--help) sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
[ $# -eq 2 ] || { echo "usage: prometheus.sh KERNEL LOG (see --help)" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/../.." && pwd)
K=$1 LOG=$2
tmp=$(mktemp -d /tmp/kleak-prom.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

result() { # name ok why
	if [ "$2" = 1 ]; then echo "PASS $K/prom.$1"; else echo "FAIL $K/prom.$1: $3"; fi
}

# a port nobody listens on, from BASE up
free_port() {
	p=$1
	while [ "$p" -lt $(($1 + 100)) ]; do
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/" || { echo "$p"; return; }
		p=$((p + 1))
	done
	echo "$1"
}

# wait_http URL SECS: until URL answers
wait_http() {
	i=0
	while [ "$i" -lt "$2" ]; do
		curl -s -o /dev/null --max-time 2 "$1" && return 0
		sleep 1; i=$((i + 1))
	done
	return 1
}

mkdir -p "$tmp/textfile"
sed 's/\r$//' "$LOG" | awk '/^KLEAK-PROM-END/ { p = 0 } p { print } /^KLEAK-PROM-BEGIN/ { p = 1 }' \
	>"$tmp/textfile/kleak.prom"
if ! grep -q '^kleak_up 1$' "$tmp/textfile/kleak.prom"; then
	result metrics 0 "no metrics between KLEAK-PROM-BEGIN/END in $LOG (did t-prometheus run?)"
	exit 0
fi
for t in promtool prometheus prometheus-node-exporter curl jq; do
	command -v "$t" >/dev/null || { result tools 0 "no $t (run: tb deps)"; exit 0; }
done

# promtool
if out=$(promtool check metrics <"$tmp/textfile/kleak.prom" 2>&1); then
	result check-metrics 1
else
	result check-metrics 0 "promtool check metrics: $(echo "$out" | head -n 3 | tr '\n' ' ')"
fi
if out=$(promtool check rules "$TOP/contrib/prometheus/kleak.rules.yml" 2>&1); then
	result check-rules 1
else
	result check-rules 0 "promtool check rules: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
fi
if out=$(cd "$TOP/contrib/prometheus" && promtool test rules kleak.rules.test.yml 2>&1); then
	result test-rules 1
else
	result test-rules 0 "promtool test rules: $(echo "$out" | tail -n 5 | tr '\n' ' ')"
fi

# node_exporter: only the textfile collector, on 127.0.0.1
np=$(free_port 19100)
prometheus-node-exporter --web.listen-address="127.0.0.1:$np" --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$tmp/textfile" >"$tmp/ne.log" 2>&1 &
pids="$pids $!"
if ! wait_http "http://127.0.0.1:$np/metrics" 30; then
	result node-exporter 0 "node_exporter did not answer on 127.0.0.1:$np: $(tail -n 3 "$tmp/ne.log" | tr '\n' ' ')"
	exit 0
fi
curl -s "http://127.0.0.1:$np/metrics" >"$tmp/scrape"
if grep -q '^kleak_stack_live_bytes{.*site="kleak_fixture_plant+.*} 819200$' "$tmp/scrape" &&
	grep -q '^kleak_up 1$' "$tmp/scrape" &&
	grep -q '^node_textfile_scrape_error 0$' "$tmp/scrape"; then
	result node-exporter 1
else
	result node-exporter 0 "the kleak series are not in node_exporter's /metrics (scrape error: $(grep '^node_textfile_scrape_error' "$tmp/scrape"))"
fi

# Prometheus scraping it every second
pp=$(free_port 19090)
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $TOP/contrib/prometheus/kleak.rules.yml
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$np']
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
	--web.listen-address="127.0.0.1:$pp" >"$tmp/prom.log" 2>&1 &
pids="$pids $!"
if ! wait_http "http://127.0.0.1:$pp/-/ready" 60; then
	result query 0 "Prometheus did not get ready on 127.0.0.1:$pp: $(tail -n 3 "$tmp/prom.log" | tr '\n' ' ')"
	exit 0
fi
i=0 got=""
while [ "$i" -lt 60 ]; do
	curl -s --max-time 5 "http://127.0.0.1:$pp/api/v1/query" \
		--data-urlencode 'query=topk(3, kleak_stack_live_bytes)' >"$tmp/q.json"
	got=$(jq -r '.data.result[] | "\(.metric.site) \(.value[1])"' "$tmp/q.json" 2>/dev/null)
	[ -n "$got" ] && break
	sleep 1; i=$((i + 1))
done
if printf '%s\n' "$got" | grep -q '^kleak_fixture_plant+0x[0-9a-f]*/0x[0-9a-f]* \[kleak_fixture\] 819200$'; then
	result query 1
	printf '%s\n' "$got" | sed 's/^/    topk(3, kleak_stack_live_bytes): /'
else
	result query 0 "topk(3, kleak_stack_live_bytes) did not return the planted leak: $(printf '%s' "$got" | tr '\n' ';') $(head -c 300 "$tmp/q.json")"
fi
