// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: return-site probes, a leaf (see retsite.h).
 *
 * Finding the returns.  x86-64 only: the function's text is read as it
 * runs now (the kernel has patched each return thunk call to a ret, or to
 * the thunk its CPU needs).  The returns are the 0xc3 bytes (ret) and the
 * 0xe9 (jmp rel32) whose target is a return thunk that start an
 * instruction, as the kprobes code tells (it decodes the function from
 * its start; register_kprobe() refuses any other address with -EILSEQ).
 * A jump out of the function to anything else (a tail call, a conditional
 * jump away) makes the function unsupported: a return would be missed.
 * The function's .cold part is read too.
 *
 * The calls in flight.  A fixed table, no lock: a slot is claimed by
 * cmpxchg on its stack pointer; one whose stack pointer is the entering
 * call's is stale (that call's stack is this one's: it returned unseen)
 * and is taken over.  Two calls in flight never share a stack pointer,
 * and only the task whose stack it is touches a claimed slot.  A slot
 * keeps the tag of its function (its return handler): a return finds its
 * own call's arguments or none, never those of a stale call of another
 * function at the same stack pointer (it drops those).
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "retsite.h"

#define KLEAK_CALLS		256	/* a power of two */
#define KLEAK_CALL_PROBES	16

struct kleak_call {
	unsigned long sp;	/* 0: free */
	unsigned long tag;
	unsigned long arg[KLEAK_CALL_ARGS];
};

static struct kleak_call kleak_calls[KLEAK_CALLS];

/* The function @addr is in: its start and size, and its name in @buf. */
static bool kleak_fn_of(unsigned long addr, unsigned long *start, unsigned long *size, char *buf)
{
	unsigned long off;
	char *plus;

	sprint_symbol(buf, addr);
	plus = strrchr(buf, '+');
	if (!plus || sscanf(plus, "+%lx/%lx", &off, size) != 2 || !*size || off > addr)
		return false;
	*plus = '\0';
	*start = addr - off;
	return true;
}

/* Is @addr the start of an instruction?  Asked of the kprobes code. */
static bool kleak_insn_start(unsigned long addr)
{
	struct kprobe kp = { .addr = (kprobe_opcode_t *)addr, .flags = KPROBE_FLAG_DISABLED };

	if (register_kprobe(&kp))
		return false;
	unregister_kprobe(&kp);
	return true;
}

/* Add @a to @sites[*@n...] if it starts an instruction.  Return: 0 or -E2BIG. */
static int kleak_add_return(unsigned long a, unsigned long *sites, unsigned int *n,
			    unsigned int max)
{
	if (!kleak_insn_start(a))
		return 0;
	if (*n >= max)
		return -E2BIG;
	sites[(*n)++] = a;
	return 0;
}

/*
 * Add the returns of [@start, @start + @size) to @sites[*@n...]; a jump
 * into [@home, @home + @hsize) (the function, when this is its .cold
 * part) stays in.  @cold is set to the function's .cold part if it jumps
 * there.  Return: 0, -EOPNOTSUPP for a jump away, -E2BIG for too many,
 * -EFAULT.
 */
static int kleak_scan(unsigned long start, unsigned long size, unsigned long home,
		      unsigned long hsize, const char *name, unsigned long *sites,
		      unsigned int *n, unsigned int max, unsigned long *cold, char *buf)
{
	unsigned long a, target, tstart, tsize;
	size_t len = strlen(name);
	u8 op[6];
	s32 rel;
	int ret;

	for (a = start; a < start + size; a++) {
		if (copy_from_kernel_nofault(op, (void *)a, 1))
			return -EFAULT;
		if (op[0] == 0xc3) {
			/* a ret, or a byte of another instruction (mov %eax,%ebx...) */
			ret = kleak_add_return(a, sites, n, max);
			if (ret)
				return ret;
			continue;
		}
		if (op[0] != 0xe9 && op[0] != 0x0f)
			continue;
		if (a + 6 > start + size || copy_from_kernel_nofault(op, (void *)a, 6))
			continue;
		if (op[0] == 0xe9) {
			memcpy(&rel, op + 1, 4);
			target = a + 5 + rel;
		} else if ((op[1] & 0xf0) == 0x80) {	/* jcc rel32 */
			memcpy(&rel, op + 2, 4);
			target = a + 6 + rel;
		} else {
			continue;
		}
		if ((target >= start && target < start + size) ||
		    (target >= home && target < home + hsize) ||
		    !kleak_fn_of(target, &tstart, &tsize, buf))
			continue;
		if (!strncmp(buf, name, len) && !strcmp(buf + len, ".cold")) {
			*cold = tstart;
			continue;
		}
		if (op[0] == 0xe9 && strstr(buf, "return_thunk")) {
			ret = kleak_add_return(a, sites, n, max);
			if (ret)
				return ret;
			continue;
		}
		/* a jump away, if it is one: a return there would be missed */
		if (kleak_insn_start(a)) {
			pr_warn("%s jumps to %s at %pS: no return-site probes there\n",
				name, buf, (void *)a);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/**
 * kleak_retsites_find() - the return instructions of a function
 * @fn: an address in the function
 * @sites: room for @max return instructions
 * @max: at most KLEAK_RETSITES_MAX
 *
 * Process context, at registration (its buffers are static: the caller
 * serializes, kleak_ctl_mutex); x86-64 only.
 * Return: the number of returns, or a negative errno: -EOPNOTSUPP when
 * the function leaves other than by a return (then it cannot be probed
 * so), -E2BIG for too many.
 */
int kleak_retsites_find(unsigned long fn, unsigned long *sites, unsigned int max)
{
	/* no allocation: kleak's own would be tracked once its probes are in */
	static char name[KSYM_SYMBOL_LEN], buf[KSYM_SYMBOL_LEN];
	unsigned long start, size, cold = 0, cstart, csize;
	unsigned int n = 0;
	int ret;

	if (!IS_ENABLED(CONFIG_X86_64))
		return -EOPNOTSUPP;
	if (!kleak_fn_of(fn, &start, &size, name))
		return -ENOENT;
	ret = kleak_scan(start, size, start, size, name, sites, &n, max, &cold, buf);
	/* its .cold part, which may jump back into it */
	if (!ret && cold && kleak_fn_of(cold, &cstart, &csize, buf))
		ret = kleak_scan(cstart, csize, start, size, buf, sites, &n, max, &cold, name);
	return ret ? ret : n;
}

/* The first of the slots a stack pointer may take. */
static u32 kleak_call_slot(unsigned long sp)
{
	return hash_long(sp, 32);
}

/**
 * kleak_call_enter() - keep the arguments of a call, at its entry
 * @sp: the stack pointer at the entry, the key
 * @tag: the function's, which its return must give
 * @args: KLEAK_CALL_ARGS of them
 *
 * Any context.  Return: false when every slot it may take is busy.
 */
bool kleak_call_enter(unsigned long sp, unsigned long tag, const unsigned long *args)
{
	unsigned int i;

	for (i = 0; i < KLEAK_CALL_PROBES; i++) {
		struct kleak_call *c = &kleak_calls[(kleak_call_slot(sp) + i) & (KLEAK_CALLS - 1)];
		unsigned long cur = READ_ONCE(c->sp);

		if (cur != sp && (cur || cmpxchg(&c->sp, 0UL, sp)))
			continue;
		c->tag = tag;
		memcpy(c->arg, args, sizeof(c->arg));
		return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_call_enter);

/**
 * kleak_call_return() - the arguments of the call returning, and its slot freed
 * @sp: the stack pointer at the return (that of the entry)
 * @tag: the function's, as its entry gave it
 * @args: room for KLEAK_CALL_ARGS
 *
 * Any context.  A slot at @sp of another tag is stale, and freed.
 * Return: false when the entry kept nothing.
 */
bool kleak_call_return(unsigned long sp, unsigned long tag, unsigned long *args)
{
	unsigned int i;

	for (i = 0; i < KLEAK_CALL_PROBES; i++) {
		struct kleak_call *c = &kleak_calls[(kleak_call_slot(sp) + i) & (KLEAK_CALLS - 1)];
		bool mine;

		if (READ_ONCE(c->sp) != sp)
			continue;
		mine = c->tag == tag;
		if (mine)
			memcpy(args, c->arg, sizeof(c->arg));
		/* release: the arguments are read before the slot is free */
		smp_store_release(&c->sp, 0UL);
		return mine;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(kleak_call_return);

/**
 * kleak_call_forget() - free the slot of a stack pointer, if any
 * @sp: the stack pointer of a call entered but not kept
 *
 * Any context: what an earlier call there left is stale.
 */
void kleak_call_forget(unsigned long sp)
{
	unsigned int i;

	for (i = 0; i < KLEAK_CALL_PROBES; i++) {
		struct kleak_call *c = &kleak_calls[(kleak_call_slot(sp) + i) & (KLEAK_CALLS - 1)];

		if (READ_ONCE(c->sp) != sp)
			continue;
		/* release: as in kleak_call_return() */
		smp_store_release(&c->sp, 0UL);
	}
}
EXPORT_SYMBOL_IF_KUNIT(kleak_call_forget);

/** kleak_calls_reset() - forget every call in flight (no probe in place) */
void kleak_calls_reset(void)
{
	memset(kleak_calls, 0, sizeof(kleak_calls));
}
