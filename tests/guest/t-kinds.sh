# Every kind: pages, vmalloc, percpu, bulk allocations and krealloc in
# place.  kleak_kinds.ko leaks each from a function of its own and frees a
# balanced twin of each; every leak must be found with its function, size
# and kind, no twin may stay live, and neither the slab's own pages nor
# user pages may show in the default view.
. /tests/lib.sh
load
for h in page_alloc page_free vmalloc_node vfree percpu_alloc percpu_free bulk_alloc krealloc; do
	grep -q "^hooks:.* $h\( \|$\)" $K/stats || fail "the $h hook is not in place: $(grep '^hooks:' $K/stats)"
done
[ "$(cat /sys/module/kleak/parameters/kinds)" = slab,page,vmalloc,percpu ] ||
	fail "kinds param: $(cat /sys/module/kleak/parameters/kinds)"
owned0=$(stat_val pages_of_other_allocators)
insmod /kleak/kleak_kinds.ko n=4 || fail "insmod kleak_kinds"
# user pages: a file in tmpfs (page cache) and anonymous memory
dd if=/dev/zero of=/tmp/kinds.fill bs=64k count=16 2>/dev/null
cat $K/outstanding >/tmp/o || fail "outstanding unreadable"

# site=FUNC kind=KIND size=SIZE: N records
want() {
	c=$(grep "kind=$2 " /tmp/o | grep "size=$3/" | grep -c "site=$1+")
	[ "$c" = "$4" ] || { grep "site=$1+" /tmp/o | head -3; fail "want $4 $2 records of size $3 from $1, have $c"; }
}
want kleak_kinds_leak_pages page 32768 4
# 5.10 inlines vmalloc() down to __vmalloc_area_node(): the size is page-rounded
vsize=$((3 * 4096 + 100)); kver_ge 5 11 || vsize=16384
want kleak_kinds_leak_vmalloc vmalloc $vsize 4
want kleak_kinds_leak_percpu percpu 64 4
want kleak_kinds_leak_bulk slab 96 4
want kleak_kinds_leak_krealloc slab 120 4
# the site of a moved krealloc, and of kvmalloc's kmalloc, is their caller
want kleak_kinds_leak_krealloc_moved slab 300 4
want kleak_kinds_leak_kvsmall slab 200 4
expect_nogrep "site=\(arch_rethook_trampoline\|krealloc\|kvmalloc\|__kvmalloc\|kvrealloc\)" /tmp/o \
	"a call site in the allocator's API"
[ "$(grep "kind=vmalloc" /tmp/o | grep -c "site=kleak_kinds_leak_kvmalloc+")" = 1 ] ||
	fail "kvmalloc's vmalloc fallback is not shown once at its caller"
expect_nogrep "site=kleak_kinds_twin_" /tmp/o "a balanced twin is live"
grep "site=kleak_kinds_leak_pages+" /tmp/o | grep -q "order=3 " || fail "pages show no order"
# the slab's pages and user pages are not page objects
[ "$(stat_val pages_of_other_allocators)" -gt "$owned0" ] || info "no slab page allocated meanwhile"
[ "$(stat_val pages_user_skipped)" -gt 0 ] || fail "no user page was skipped"
expect_nogrep "kind=page.*site=\(allocate_slab\|new_slab\|___slab_alloc\|__vmalloc\|pcpu_\)" /tmp/o \
	"pages of another allocator shown as page objects"
# a page's call site is past the page allocator's own functions.  Not in
# the debug kernel: its build keeps copies of the static inline
# __alloc_pages_node() out of line, one per file, which a name does not find
if [ "$KLEAK_KERNEL" != debug ]; then
	expect_nogrep "kind=page.* site=_*\(get_free_pages\|get_zeroed_page\|alloc_pages\|folio_alloc\|alloc_frozen_pages\)[_a-z]*+" \
		/tmp/o "a page's call site is in the page allocator"
fi
for k in slab page vmalloc percpu; do
	[ "$(stat_val ${k}_allocs)" -gt 0 ] || fail "${k}_allocs is 0"
done
# the numbers of the README's "Whose pages", on the console too
echo "KLEAK-KINDS $(uname -r) pages: events=$(stat_val events_page_alloc) tracked=$(stat_val page_allocs)" \
	"others'=$(stat_val pages_of_other_allocators) user=$(stat_val pages_user_skipped)" \
	"live=$(grep -c 'kind=page' /tmp/o) sites: $(grep 'kind=page' /tmp/o | sed 's/.* site=//; s/+.*//' |
	sort | uniq -c | sort -rn | head -n 6 | awk '{ printf "%s%s(%s)", (NR > 1 ? " " : ""), $2, $1 }')" |
	tee /dev/console
[ "$(stat_val krealloc_resized)" -ge 4 ] || fail "krealloc_resized: $(stat_val krealloc_resized)"

# object: a page block and a vmalloc area read back, within their size
pa=$(grep "site=kleak_kinds_leak_pages+" /tmp/o | head -1 | cut -d' ' -f1)
object_dump "$pa" >/tmp/obj || fail "object $pa refused"
expect_grep "kind=page" /tmp/obj
expect_grep "contents (32768 bytes)" /tmp/obj
grep -q "kleak-kinds page leak" /tmp/obj || grep -q "kleak-kinds pag" /tmp/obj || fail "page contents not shown"
va=$(grep "site=kleak_kinds_leak_vmalloc+" /tmp/o | head -1 | cut -d' ' -f1)
object_dump "$va" >/tmp/obj || fail "object $va refused"
expect_grep "contents ($vsize bytes)" /tmp/obj
expect_grep "kleak-kinds vmal" /tmp/obj
pc=$(grep "site=kleak_kinds_leak_percpu+" /tmp/o | head -1 | cut -d' ' -f1)
object_dump "$pc" >/tmp/obj || fail "object $pc refused"
expect_grep "kind=percpu" /tmp/obj
expect_grep "kleak-kinds perc" /tmp/obj

# the page filter: the leaking function tops stacks
control filter kind=page
cat $K/stacks >/tmp/s || fail "stacks unreadable"
head -n 12 /tmp/s | grep -q "^    kleak_kinds_leak_pages+" ||
	{ head -n 20 /tmp/s; fail "kleak_kinds_leak_pages is not the top page stack"; }
expect_nogrep "kind: slab" /tmp/s "filter kind=page shows slab stacks"
control filter kind=vmalloc
cat $K/outstanding >/tmp/o2 || fail "outstanding unreadable"
expect_nogrep "kind=\(slab\|page\|percpu\)" /tmp/o2 "filter kind=vmalloc shows other kinds"
control_bad filter kind=heap
control filter kind=
# user pages (__GFP_HIGHMEM 0x2 or __GFP_MOVABLE 0x8: page cache, anonymous
# memory) are tracked on request, and only then
# user_pages FILE: the page records of FILE whose gfp has either bit
user_pages() {
	grep "kind=page" "$1" | sed -n 's/.* gfp=\(0x[0-9a-f]*\) .*/\1/p' |
		while read -r g; do [ $((g & 10)) -ne 0 ] && echo "$g"; done | wc -l
}
[ "$(user_pages /tmp/o)" = 0 ] || fail "user pages shown without filter user=1: $(user_pages /tmp/o)"
control filter user=1
skipped0=$(stat_val pages_user_skipped)
dd if=/dev/zero of=/tmp/kinds.fill2 bs=64k count=16 2>/dev/null
cat $K/outstanding >/tmp/o3 || fail "outstanding unreadable"
skipped1=$(stat_val pages_user_skipped)
rm -f /tmp/kinds.fill2
control filter user=
n=$(user_pages /tmp/o3)
[ "$n" -ge 16 ] || fail "filter user=1: $n user pages tracked, want the file's 256 pages or so"
[ "$skipped1" = "$skipped0" ] || fail "filter user=1: pages_user_skipped went from $skipped0 to $skipped1"
info "filter user=1: $n user pages tracked"

# a kind turned off at run time: its hooks and records go, and back
echo slab,vmalloc,percpu >/sys/module/kleak/parameters/kinds || fail "kinds write refused"
grep -q "^hooks:.* page_alloc" $K/stats && fail "page hooks still in place"
cat $K/outstanding >/tmp/o4 || fail "outstanding unreadable"
expect_nogrep "kind=page" /tmp/o4 "page records kept with the kind off"
[ "$(stat_val kinds)" = slab,vmalloc,percpu ] || fail "stats kinds: $(stat_val kinds)"
if echo heap >/sys/module/kleak/parameters/kinds 2>/dev/null; then fail "kinds=heap accepted"; fi
control_bad kinds heap
control kinds all
grep -q "^hooks:.* page_alloc" $K/stats || fail "page hooks not back"

rmmod kleak_kinds || fail "rmmod kleak_kinds"
rm -f /tmp/kinds.fill
dmesg -c >/dev/null
unload
dmesg >/tmp/d
expect_grep "by kind: slab=" /tmp/d "no per-kind line in the summary"
echo "kinds: ok"
