// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: the files under /sys/kernel/debug/kleak/ and /proc/kleak/.  It
 * owns every file_operations and proc_ops, the object file's address, and each open file's
 * context (in seq_file->private): a report of report.c for outstanding and
 * stacks, an object view for object.  It calls the reports and control;
 * nothing calls it but main.c.
 *
 * Readers and writers race with everything: a seq_file walk holds the
 * tracker's records lock from start to stop, so clear waits for it, and
 * every open file formats from its own context only.
 */
#define pr_fmt(fmt) "kleak: " fmt

#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "control.h"
#include "debugfs.h"
#include "report.h"
#include "tracker.h"

/*
 * The files show kernel addresses and the contents of kernel memory: they
 * are root's alone, whatever the modes of debugfs or of the files say.
 */
static int kleak_may_open(void)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

/* ---- outstanding and stacks --------------------------------------------- */

/* seq position n is the report's entry n; 0 is its header */
static void *kleak_report_start(struct seq_file *m, loff_t *pos)
{
	struct kleak_report *r = m->private;

	kleak_records_lock();
	return *pos <= kleak_report_len(r) ? pos : NULL;
}

static void *kleak_report_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct kleak_report *r = m->private;

	++*pos;
	return *pos <= kleak_report_len(r) ? pos : NULL;
}

static void kleak_records_stop(struct seq_file *m, void *v)
{
	kleak_records_unlock();
}

static int kleak_report_seq_show(struct seq_file *m, void *v)
{
	struct kleak_out out = { .seq = m };

	kleak_report_show(&out, m->private, *(loff_t *)v);
	return 0;
}

static const struct seq_operations kleak_report_sops = {
	.start = kleak_report_start,
	.next = kleak_report_next,
	.stop = kleak_records_stop,
	.show = kleak_report_seq_show,
};

static int kleak_report_file_open(struct file *file, enum kleak_view view)
{
	struct kleak_report *r;
	int ret;

	ret = kleak_may_open();
	if (ret)
		return ret;
	r = kleak_report_open(view);
	if (IS_ERR(r))
		return PTR_ERR(r);
	ret = seq_open(file, &kleak_report_sops);
	if (ret) {
		kleak_report_close(r);
		return ret;
	}
	((struct seq_file *)file->private_data)->private = r;
	return 0;
}

static int kleak_outstanding_open(struct inode *inode, struct file *file)
{
	return kleak_report_file_open(file, KLEAK_VIEW_OUTSTANDING);
}

static int kleak_stacks_open(struct inode *inode, struct file *file)
{
	return kleak_report_file_open(file, KLEAK_VIEW_STACKS);
}

static int kleak_suspects_open(struct inode *inode, struct file *file)
{
	return kleak_report_file_open(file, KLEAK_VIEW_SUSPECTS);
}

static int kleak_report_release(struct inode *inode, struct file *file)
{
	kleak_report_close(((struct seq_file *)file->private_data)->private);
	return seq_release(inode, file);
}

static int kleak_allocinfo_open(struct inode *inode, struct file *file)
{
	return kleak_report_file_open(file, KLEAK_VIEW_ALLOCINFO);
}

/*
 * Each file is in debugfs and in /proc/kleak/ (which lockdown leaves
 * alone), with the same callbacks: KLEAK_FOPS(name, release, write) makes
 * its file_operations kleak_<name>_fops, KLEAK_POPS its proc_ops
 * kleak_<name>_pops.
 */
#define KLEAK_FOPS(name, rel, wr)					\
	static const struct file_operations kleak_##name##_fops = {	\
		.owner = THIS_MODULE,					\
		.open = kleak_##name##_open,				\
		.read = seq_read,					\
		.write = wr,						\
		.llseek = seq_lseek,					\
		.release = rel,						\
	}

#define KLEAK_POPS(name, rel, wr)					\
	static const struct proc_ops kleak_##name##_pops = {		\
		.proc_open = kleak_##name##_open,			\
		.proc_read = seq_read,					\
		.proc_write = wr,					\
		.proc_lseek = seq_lseek,				\
		.proc_release = rel,					\
	}

KLEAK_FOPS(outstanding, kleak_report_release, NULL);
KLEAK_POPS(outstanding, kleak_report_release, NULL);
KLEAK_FOPS(stacks, kleak_report_release, NULL);
KLEAK_POPS(stacks, kleak_report_release, NULL);
KLEAK_FOPS(suspects, kleak_report_release, NULL);
KLEAK_POPS(suspects, kleak_report_release, NULL);
KLEAK_FOPS(allocinfo, kleak_report_release, NULL);
KLEAK_POPS(allocinfo, kleak_report_release, NULL);

/* ---- object ------------------------------------------------------------ */

/*
 * One open of object: its own address, written to it, and its own view.
 * Write then read on the same file, as with simple_transaction files:
 * another open neither sees nor changes it.
 */
struct kleak_object_file {
	unsigned long addr;	/* WRITE_ONCE by a write, READ_ONCE by a read */
	struct kleak_object_view v;
};

/* Position 0 is the header, n the object's chunk n. */
static void *kleak_object_start(struct seq_file *m, loff_t *pos)
{
	struct kleak_object_file *f = m->private;
	unsigned long addr = READ_ONCE(f->addr);
	int ret;

	kleak_records_lock();
	if (!addr)	/* nothing written to this open: the hint alone */
		return *pos ? NULL : SEQ_START_TOKEN;
	if (*pos == 0) {
		ret = kleak_object_load(&f->v, addr);
		if (ret)
			return ERR_PTR(ret);
	}
	return *pos <= kleak_object_len(&f->v) ? pos : NULL;
}

static void *kleak_object_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct kleak_object_file *f = m->private;

	++*pos;
	if (v == SEQ_START_TOKEN)
		return NULL;
	return *pos <= kleak_object_len(&f->v) ? pos : NULL;
}

static int kleak_object_seq_show(struct seq_file *m, void *v)
{
	struct kleak_object_file *f = m->private;
	struct kleak_out out = { .seq = m };

	if (v == SEQ_START_TOKEN)
		seq_puts(m, "# no address: write one to this open file, then read it (exec 3<>object; echo ADDR >&3; cat <&3)\n");
	else
		kleak_object_show(&out, &f->v, *(loff_t *)v);
	return 0;
}

static const struct seq_operations kleak_object_sops = {
	.start = kleak_object_start,
	.next = kleak_object_next,
	.stop = kleak_records_stop,
	.show = kleak_object_seq_show,
};

/* Every open, write-only ones too, is a seq_file: .llseek is seq_lseek. */
static int kleak_object_open(struct inode *inode, struct file *file)
{
	struct kleak_object_file *f;
	int ret;

	ret = kleak_may_open();
	if (ret)
		return ret;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	ret = seq_open(file, &kleak_object_sops);
	if (ret) {
		kfree(f);
		return ret;
	}
	((struct seq_file *)file->private_data)->private = f;
	return 0;
}

static int kleak_object_release(struct inode *inode, struct file *file)
{
	kfree(((struct seq_file *)file->private_data)->private);
	return seq_release(inode, file);
}

static ssize_t kleak_object_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	char buf[32], *s;
	unsigned long addr;
	struct kleak_obj o;

	if (len >= sizeof(buf)) {
		pr_warn_ratelimited("object: write an address such as 0xffff888012345000\n");
		return -EINVAL;
	}
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (strlen(buf) != len) {
		pr_warn_ratelimited("object: a NUL in the address '%*pE'\n", (int)len, buf);
		return -EINVAL;
	}
	s = strim(buf);
	if (kstrtoul(s, 16, &addr) || !addr) {
		pr_warn_ratelimited("object: '%*pE' is not an address\n", kleak_esc_len(s), s);
		return -EINVAL;
	}
	if (kleak_contents_locked())
		return -EPERM;
	if (!kleak_lookup(addr, &o))
		return -ENOENT;
	WRITE_ONCE(((struct kleak_object_file *)
		    ((struct seq_file *)file->private_data)->private)->addr, addr);
	return len;
}

KLEAK_FOPS(object, kleak_object_release, kleak_object_write);
KLEAK_POPS(object, kleak_object_release, kleak_object_write);

/* ---- stats and control ------------------------------------------------- */

static int kleak_stats_seq_show(struct seq_file *m, void *v)
{
	struct kleak_out out = { .seq = m };

	kleak_stats_show(&out);
	return 0;
}

static int kleak_stats_open(struct inode *inode, struct file *file)
{
	return kleak_may_open() ?: single_open(file, kleak_stats_seq_show, NULL);
}

KLEAK_FOPS(stats, single_release, NULL);
KLEAK_POPS(stats, single_release, NULL);

static int kleak_control_seq_show(struct seq_file *m, void *v)
{
	struct kleak_out out = { .seq = m };

	kleak_control_show(&out);
	return 0;
}

static int kleak_control_open(struct inode *inode, struct file *file)
{
	return kleak_may_open() ?: single_open(file, kleak_control_seq_show, NULL);
}

static ssize_t kleak_control_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	char buf[KLEAK_CMD_MAX];
	int ret;

	if (len >= sizeof(buf)) {
		pr_warn_ratelimited("control: command longer than %zu bytes\n", sizeof(buf) - 1);
		return -EINVAL;
	}
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (strlen(buf) != len) {
		pr_warn_ratelimited("control: a NUL in the command '%*pE'\n", (int)len, buf);
		return -EINVAL;
	}
	ret = kleak_control(buf);
	return ret ? ret : len;
}

KLEAK_FOPS(control, single_release, kleak_control_write);
KLEAK_POPS(control, single_release, kleak_control_write);

/* ---- setup ------------------------------------------------------------- */

static struct dentry *kleak_dir;
static struct proc_dir_entry *kleak_proc_dir;

#define KLEAK_FILE(name, mode) { #name, mode, &kleak_##name##_fops, &kleak_##name##_pops }

static const struct {
	const char *name;
	umode_t mode;
	const struct file_operations *fops;
	const struct proc_ops *pops;
} kleak_files[] = {
	KLEAK_FILE(outstanding, 0400),
	KLEAK_FILE(stacks, 0400),
	KLEAK_FILE(suspects, 0400),
	KLEAK_FILE(allocinfo, 0400),
	KLEAK_FILE(object, 0600),
	KLEAK_FILE(stats, 0400),
	KLEAK_FILE(control, 0600),
};

/**
 * kleak_debugfs_init() - create the directories and every file
 *
 * The files are in debugfs, and the same in /proc/kleak/ (mode 0500): the
 * kernel's lockdown refuses debugfs files that can be written, and /proc is
 * what stays of kleak on a Secure Boot machine.
 *
 * Return: 0, or a negative errno with nothing created.
 */
int kleak_debugfs_init(void)
{
	struct dentry *d;
	size_t i;

	kleak_proc_dir = proc_mkdir_mode("kleak", 0500, NULL);
	if (!kleak_proc_dir) {
		pr_warn("cannot create /proc/kleak\n");
		return -ENOMEM;
	}
	kleak_dir = debugfs_create_dir("kleak", NULL);
	if (IS_ERR(kleak_dir)) {
		proc_remove(kleak_proc_dir);
		return PTR_ERR(kleak_dir);
	}
	for (i = 0; i < ARRAY_SIZE(kleak_files); i++) {
		d = debugfs_create_file(kleak_files[i].name, kleak_files[i].mode, kleak_dir,
					NULL, kleak_files[i].fops);
		if (IS_ERR(d)) {
			pr_warn("cannot create debugfs file %s (%ld)\n", kleak_files[i].name,
				PTR_ERR(d));
			goto fail;
		}
		if (!proc_create(kleak_files[i].name, kleak_files[i].mode, kleak_proc_dir,
				 kleak_files[i].pops)) {
			pr_warn("cannot create /proc/kleak/%s\n", kleak_files[i].name);
			d = ERR_PTR(-ENOMEM);
			goto fail;
		}
	}
	return 0;
fail:
	debugfs_remove_recursive(kleak_dir);
	proc_remove(kleak_proc_dir);
	return PTR_ERR(d);
}

/** kleak_debugfs_exit() - remove the files */
void kleak_debugfs_exit(void)
{
	debugfs_remove_recursive(kleak_dir);
	proc_remove(kleak_proc_dir);
}
