// SPDX-License-Identifier: GPL-2.0
/*
 * kleak_bench: what a kmalloc+kfree pair costs, for `make bench`.
 *
 * At load it runs `pairs` kmalloc+kfree pairs per run, `runs` times, for
 * each case: sizes 64 and 4096, a kmem_cache of its own, and 64-byte
 * objects freed with kfree_rcu() ("rcu": the cost of the call, which kleak
 * hooks as the free; the kernel frees them later), a page by alloc_page()
 * and __free_page() ("page"), and one by vmalloc() and vfree() ("vmalloc",
 * with a sixteenth of the pairs: it costs some ten times more), on one
 * kthread and on one kthread per online CPU at once.  It prints one line
 * per case:
 *
 *   kleak_bench: case=<size>/<threads>t ns_per_pair=<median> min=<min> max=<max> runs=<n>
 *
 * ns per pair is each thread's own elapsed time divided by its pairs, the
 * median over the runs of the mean over the threads.
 *
 * empty_probes=1 registers empty probes on the four kmem tracepoints first:
 * the cost of a tracepoint with a probe that does nothing.  prefill=N keeps
 * N 64-byte objects live while measuring (the cost with many live objects).
 * The module stays loaded until rmmod, so that loading it is the run.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stacktrace.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#include <trace/events/kmem.h>

#include "../module/compat.h"
#include "../module/unwind.h"
#include "../tests/test-compat.h"

static unsigned int pairs = 100000;
module_param(pairs, uint, 0444);
MODULE_PARM_DESC(pairs, "kmalloc+kfree pairs per thread per run (default 100000)");

static unsigned int runs = 5;
module_param(runs, uint, 0444);
MODULE_PARM_DESC(runs, "Runs per case; the median is reported (default 5, at most 31)");

static bool empty_probes;
module_param(empty_probes, bool, 0444);
MODULE_PARM_DESC(empty_probes, "Register empty probes on the four kmem tracepoints while measuring");

static unsigned int prefill;
module_param(prefill, uint, 0444);
MODULE_PARM_DESC(prefill, "64-byte objects kept live while measuring (default 0)");

static char *cases = "64,4096,cache,rcu,page,vmalloc";
module_param(cases, charp, 0444);
MODULE_PARM_DESC(cases, "Comma-separated cases to run: 64, 4096, cache, rcu, page, vmalloc (default all)");

static bool multi = true;
module_param(multi, bool, 0444);
MODULE_PARM_DESC(multi, "Also run one thread per online CPU (default 1)");

static bool unwind;
module_param(unwind, bool, 0444);
MODULE_PARM_DESC(unwind, "Also time a 16-frame unwind alone, by stack_trace_save() and as kleak drives the unwinder: the floor of a stack tracer");

static bool prims;
module_param(prims, bool, 0444);
MODULE_PARM_DESC(prims, "Also time the primitives a probe is made of: IRQ save/restore, cmpxchg, a call, a per-CPU increment");

#define KLEAK_BENCH_MAX_RUNS 31

static struct kmem_cache *kleak_bench_cache;

/* the "rcu" case: 64 bytes with their rcu_head, kfree_rcu()'ed */
#define KLEAK_BENCH_RCU	1
/* the "page" and "vmalloc" cases */
#define KLEAK_BENCH_PAGE	2
#define KLEAK_BENCH_VMALLOC	3
#define KLEAK_BENCH_VMALLOC_DIV	16	/* a sixteenth of the pairs */

struct kleak_bench_rcu {
	struct rcu_head rcu;
	char data[64 - sizeof(struct rcu_head)];
};

static void **kleak_bench_live;

struct kleak_bench_thread {
	struct completion *go;
	atomic_t *left;
	struct completion *done;
	unsigned int size;	/* 0: the bench cache */
	u64 ns;
};

/* Empty probes, with kleak's prototypes for this kernel (compat.h). */
static void kleak_probe_empty_kmalloc(KLEAK_TP_KMALLOC_ARGS)
{
}

static void kleak_probe_empty_kfree(KLEAK_TP_KFREE_ARGS)
{
}

static void kleak_probe_empty_cache_alloc(KLEAK_TP_KMEM_CACHE_ALLOC_ARGS)
{
}

static void kleak_probe_empty_cache_free(KLEAK_TP_KMEM_CACHE_FREE_ARGS)
{
}

static noinline void kleak_bench_loop(unsigned int size, unsigned int n)
{
	unsigned int i;
	void *p;

	for (i = 0; i < n; i++) {
		if (size == KLEAK_BENCH_RCU) {
			struct kleak_bench_rcu *r = kmalloc(sizeof(*r), GFP_KERNEL);

			if (r)
				kfree_rcu(r, rcu);
		} else if (size == KLEAK_BENCH_PAGE) {
			struct page *page = alloc_page(GFP_KERNEL);

			if (page)
				__free_page(page);
		} else if (size == KLEAK_BENCH_VMALLOC) {
			vfree(vmalloc(PAGE_SIZE));
		} else if (size) {
			p = kmalloc(size, GFP_KERNEL);
			kfree(p);
		} else {
			p = kmem_cache_alloc(kleak_bench_cache, GFP_KERNEL);
			kmem_cache_free(kleak_bench_cache, p);
		}
	}
}

/* Pairs per thread per run of a case. */
static unsigned int kleak_bench_pairs(unsigned int size)
{
	return size == KLEAK_BENCH_VMALLOC ? max(pairs / KLEAK_BENCH_VMALLOC_DIV, 1U) : pairs;
}

static int kleak_bench_fn(void *arg)
{
	struct kleak_bench_thread *t = arg;
	u64 start;

	wait_for_completion(t->go);
	start = ktime_get_ns();
	kleak_bench_loop(t->size, kleak_bench_pairs(t->size));
	t->ns = ktime_get_ns() - start;
	if (atomic_dec_and_test(t->left))
		complete(t->done);
	return 0;
}

static int kleak_u64_cmp(const void *a, const void *b)
{
	const u64 *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* One run on @nthreads kthreads, one per CPU.  Return: mean ns per pair * 1000. */
static u64 kleak_bench_run(unsigned int size, int nthreads)
{
	struct kleak_bench_thread *t;
	struct task_struct *task;
	DECLARE_COMPLETION_ONSTACK(go);
	DECLARE_COMPLETION_ONSTACK(done);
	atomic_t left = ATOMIC_INIT(nthreads);
	u64 sum = 0;
	int cpu, i = 0;

	t = kcalloc(nthreads, sizeof(*t), GFP_KERNEL);
	if (!t)
		return 0;
	for_each_online_cpu(cpu) {
		if (i == nthreads)
			break;
		t[i] = (struct kleak_bench_thread){ .go = &go, .left = &left, .done = &done,
						    .size = size };
		task = kthread_create(kleak_bench_fn, &t[i], "kleak_bench/%d", cpu);
		if (IS_ERR(task)) {
			nthreads = i;
			break;
		}
		kthread_bind(task, cpu);
		wake_up_process(task);
		i++;
	}
	atomic_set(&left, nthreads);
	complete_all(&go);
	if (nthreads)
		wait_for_completion(&done);
	for (i = 0; i < nthreads; i++)
		sum += t[i].ns;
	kfree(t);
	return nthreads ? div_u64(sum * 1000, (u64)nthreads * kleak_bench_pairs(size)) : 0;
}

static void kleak_bench_case(const char *name, unsigned int size, int nthreads)
{
	u64 v[KLEAK_BENCH_MAX_RUNS];
	unsigned int r, n = clamp(runs, 1U, (unsigned int)KLEAK_BENCH_MAX_RUNS);

	kleak_bench_run(size, nthreads);	/* warm up */
	for (r = 0; r < n; r++)
		v[r] = kleak_bench_run(size, nthreads);
	sort(v, n, sizeof(v[0]), kleak_u64_cmp, NULL);
	pr_info("kleak_bench: case=%s/%dt ns_per_pair=%llu.%03llu min=%llu.%03llu max=%llu.%03llu runs=%u pairs=%u prefill=%u\n",
		name, nthreads, v[n / 2] / 1000, v[n / 2] % 1000, v[0] / 1000, v[0] % 1000,
		v[n - 1] / 1000, v[n - 1] % 1000, n, kleak_bench_pairs(size), prefill);
}

static noinline void kleak_bench_unwind(void)
{
	unsigned long entries[16];
	unsigned int i, n = max(pairs, 1U), got = 0, site;
	u64 start = ktime_get_ns(), ns;

	for (i = 0; i < n; i++)
		got = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	ns = ktime_get_ns() - start;
	pr_info("kleak_bench: unwind_ns=%llu frames=%u (stack_trace_save of up to 16 frames, %u calls)\n",
		div_u64(ns, n), got, n);
	/* no call site to find (0): the walk stops at 16 frames */
	start = ktime_get_ns();
	for (i = 0; i < n; i++)
		got = kleak_unwind(0, NULL, entries, ARRAY_SIZE(entries), ARRAY_SIZE(entries),
				   &site);
	ns = ktime_get_ns() - start;
	pr_info("kleak_bench: unwind_direct_ns=%llu frames=%u (the unwinder driven as kleak does, %u calls)\n",
		div_u64(ns, n), got, n);
}

static noinline void kleak_bench_nop(unsigned long *v)
{
	barrier_data(v);
}

static DEFINE_PER_CPU(unsigned long, kleak_bench_pcpu);

/* ns per operation of each primitive, over @n loops minus an empty loop */
static noinline void kleak_bench_prims(void)
{
	unsigned int i, n = max(pairs, 1U) * 10;
	unsigned long flags, word = 0;
	u64 t0, t[6];
	int k = 0;

#define KLEAK_TIME(body) do {					\
		t0 = ktime_get_ns();				\
		for (i = 0; i < n; i++) {			\
			body;					\
			barrier();				\
		}						\
		t[k++] = ktime_get_ns() - t0;			\
	} while (0)
	KLEAK_TIME((void)0);
	KLEAK_TIME(local_irq_save(flags); local_irq_restore(flags));
	KLEAK_TIME(cmpxchg(&word, i, i + 1));
	KLEAK_TIME(kleak_bench_nop(&word));
	KLEAK_TIME(this_cpu_inc(kleak_bench_pcpu));
	KLEAK_TIME(preempt_disable(); preempt_enable());
#undef KLEAK_TIME
	for (k = 1; k < ARRAY_SIZE(t); k++)
		t[k] = div_u64((t[k] - min(t[k], t[0])) * 1000, n);
	pr_info("kleak_bench: prims_ps irq_save_restore=%llu cmpxchg=%llu call=%llu percpu_inc=%llu preempt=%llu (ps per op over an empty loop of %llu ps, %u loops)\n",
		t[1], t[2], t[3], t[4], t[5], div_u64(t[0] * 1000, n), n);
}

static int kleak_bench_register_empty(void)
{
	int ret;

	ret = register_trace_kmalloc(kleak_probe_empty_kmalloc, NULL);
	if (ret)
		return ret;
	ret = register_trace_kfree(kleak_probe_empty_kfree, NULL);
	if (ret)
		goto err_kmalloc;
	ret = register_trace_kmem_cache_alloc(kleak_probe_empty_cache_alloc, NULL);
	if (ret)
		goto err_kfree;
	ret = register_trace_kmem_cache_free(kleak_probe_empty_cache_free, NULL);
	if (ret)
		goto err_cache_alloc;
	return 0;

err_cache_alloc:
	unregister_trace_kmem_cache_alloc(kleak_probe_empty_cache_alloc, NULL);
err_kfree:
	unregister_trace_kfree(kleak_probe_empty_kfree, NULL);
err_kmalloc:
	unregister_trace_kmalloc(kleak_probe_empty_kmalloc, NULL);
	tracepoint_synchronize_unregister();
	return ret;
}

static void kleak_bench_unregister_empty(void)
{
	unregister_trace_kmem_cache_free(kleak_probe_empty_cache_free, NULL);
	unregister_trace_kmem_cache_alloc(kleak_probe_empty_cache_alloc, NULL);
	unregister_trace_kfree(kleak_probe_empty_kfree, NULL);
	unregister_trace_kmalloc(kleak_probe_empty_kmalloc, NULL);
	tracepoint_synchronize_unregister();
}

static void kleak_bench_free_live(void)
{
	unsigned int i;

	if (!kleak_bench_live)
		return;
	for (i = 0; i < prefill; i++)
		kfree(kleak_bench_live[i]);
	vfree(kleak_bench_live);
	kleak_bench_live = NULL;
}

static int __init kleak_bench_init(void)
{
	int ncpu = num_online_cpus();
	unsigned int i;
	int ret = 0;

	kleak_bench_cache = kmem_cache_create("kleak_bench", 64, 0, 0, NULL);
	if (!kleak_bench_cache)
		return -ENOMEM;
	if (prefill) {
		kleak_bench_live = vmalloc(array_size(prefill, sizeof(void *)));
		if (!kleak_bench_live) {
			ret = -ENOMEM;
			goto err_destroy_cache;
		}
		for (i = 0; i < prefill; i++) {
			kleak_bench_live[i] = kmalloc(64, GFP_KERNEL);
			if (!(i & 4095))
				cond_resched();
		}
		pr_info("kleak_bench: %u objects live\n", prefill);
	}
	if (empty_probes) {
		ret = kleak_bench_register_empty();
		if (ret)
			goto err_free_live;
	}
	if (strstr(cases, "64")) {
		kleak_bench_case("64", 64, 1);
		if (multi && ncpu > 1)
			kleak_bench_case("64", 64, ncpu);
	}
	if (strstr(cases, "4096")) {
		kleak_bench_case("4096", 4096, 1);
		if (multi && ncpu > 1)
			kleak_bench_case("4096", 4096, ncpu);
	}
	if (strstr(cases, "cache")) {
		kleak_bench_case("cache", 0, 1);
		if (multi && ncpu > 1)
			kleak_bench_case("cache", 0, ncpu);
	}
	if (strstr(cases, "rcu")) {
		kleak_bench_case("rcu", KLEAK_BENCH_RCU, 1);
		if (multi && ncpu > 1)
			kleak_bench_case("rcu", KLEAK_BENCH_RCU, ncpu);
	}
	if (strstr(cases, "page")) {
		kleak_bench_case("page", KLEAK_BENCH_PAGE, 1);
		if (multi && ncpu > 1)
			kleak_bench_case("page", KLEAK_BENCH_PAGE, ncpu);
	}
	if (strstr(cases, "vmalloc")) {
		kleak_bench_case("vmalloc", KLEAK_BENCH_VMALLOC, 1);
		if (multi && ncpu > 1)
			kleak_bench_case("vmalloc", KLEAK_BENCH_VMALLOC, ncpu);
	}
	if (empty_probes)
		kleak_bench_unregister_empty();
	if (unwind)
		kleak_bench_unwind();
	if (prims)
		kleak_bench_prims();
	pr_info("kleak_bench: done\n");
	return 0;

err_free_live:
	kleak_bench_free_live();
err_destroy_cache:
	kmem_cache_destroy(kleak_bench_cache);
	return ret;
}

static void __exit kleak_bench_exit(void)
{
	kleak_bench_free_live();
	kmem_cache_destroy(kleak_bench_cache);
}

module_init(kleak_bench_init);
module_exit(kleak_bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kleak benchmark: the cost of kmalloc+kfree pairs");
