// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: what its sockets may hold, all together -- the memory of their
 * queues, accounted as TCP's (struct proto's memory_allocated against the
 * `mem` parameter, memory pressure), and the orphans, connections closed
 * by their owners that are still delivering (against max_orphans).
 * socket.c, input.c and output.c charge and release; this file keeps the
 * sums and says when they are too high.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <net/sock.h>
#include "edu_tcp.h"

/* ---- orphans: connections closed by their owners, still in the stack ----
 *
 * TCP counts them in its struct proto's orphan_count, one per-CPU counter
 * that is summed when it is checked; so does edu_tcp, from close() until
 * the socket is freed, so that the sum is exact.
 */
static DEFINE_PER_CPU(unsigned int, edu_orphan_count);

static int edu_orphans(void)
{
	int cpu, sum = 0;

	for_each_possible_cpu(cpu)
		sum += (int)per_cpu(edu_orphan_count, cpu);
	return sum;
}

void edu_orphan_count_inc(struct sock *sk)
{
	edu_sk(sk)->orphan_counted = true;
	this_cpu_inc(edu_orphan_count);
}

void edu_orphan_uncount(struct sock *sk)
{
	if (!edu_sk(sk)->orphan_counted)
		return;
	edu_sk(sk)->orphan_counted = false;
	this_cpu_dec(edu_orphan_count);
}

/* Linux's tcp_check_oom(): an orphan costs memory nobody will ever ask
 * for, so when there are more than max_orphans of them it is not kept.
 */
bool edu_orphan_oom(struct sock *sk)
{
	if (edu_orphans() > READ_ONCE(edu_max_orphans)) {
		net_info_ratelimited("too many orphaned sockets (max_orphans)\n");
		return true;
	}
	/* or it holds send memory while all of edu_tcp is over mem[2] */
	if (sk->sk_wmem_queued > SOCK_MIN_SNDBUF &&
	    sk_memory_allocated(sk) > sk_prot_mem_limits(sk, 2)) {
		net_info_ratelimited("out of memory -- consider raising mem\n");
		return true;
	}
	return false;
}

/* As Linux's tcp_out_of_resources(): reset the orphan rather than keep
 * it; counted as TCP counts it (TCPAbortOnMemory).
 */
void edu_orphan_abort(struct sock *sk)
{
	edu_inc(sock_net(sk), EDU_MIB_ABORTONMEMORY);
	edu_send_rst(sk);
	edu_set_state(sk, EDU_TCP_CLOSED);
	edu_done(sk);
}

/* ---- memory, as TCP accounts it ----
 *
 * Every byte a socket queues is charged to edu_prot: sk_wmem_schedule()
 * and sk_rmem_schedule() reserve whole pages in memory_allocated (and in
 * the socket's memory cgroup), sk_mem_charge() and sk_mem_uncharge() take
 * and give back bytes of that reserve (sk_forward_alloc), and
 * sk_mem_reclaim() returns free pages.  The kernel's code compares
 * memory_allocated with sysctl_mem (the `mem` parameter) and calls
 * enter/leave_memory_pressure; /proc/net/protocols shows the pages in use
 * and the pressure.  Charges gather per CPU (per_cpu_fw_alloc) before
 * they reach memory_allocated, net.core.mem_pcpu_rsv pages at most.
 */
static atomic_long_t edu_memory_allocated;
static DEFINE_PER_CPU(int, edu_memory_fw_alloc);
static unsigned long edu_memory_pressure;	/* jiffies it began, or 0 */
/* what a socket may always have under pressure, as tcp_wmem[0]/rmem[0] */
static int edu_wmem_min = PAGE_SIZE;
static int edu_rmem_min = PAGE_SIZE;

static void edu_enter_memory_pressure(struct sock *sk)
{
	if (READ_ONCE(edu_memory_pressure))
		return;
	/* one count per episode, whichever CPU notices first */
	if (!cmpxchg(&edu_memory_pressure, 0, jiffies | 1))
		edu_inc(sock_net(sk), EDU_MIB_MEMORYPRESSURES);
}

static void edu_leave_memory_pressure(struct sock *sk)
{
	if (READ_ONCE(edu_memory_pressure))
		WRITE_ONCE(edu_memory_pressure, 0);
}

/* The kernel gathers a protocol's charges per CPU, up to 1 MiB, before
 * memory_allocated sees them: TCP's choice, for scalability.  edu_tcp
 * settles this CPU's batch after each charge and release of its own, so
 * that the `mem` limits and /proc/net/protocols follow its queues page by
 * page (what the kernel's own paths leave, sock_rfree() say, is settled
 * by the next one on that CPU).
 */
void edu_memory_settle(void)
{
	int pages = this_cpu_xchg(edu_memory_fw_alloc, 0);

	if (pages)
		atomic_long_add(pages, &edu_memory_allocated);
}

/* Pages charged, batches included: 0 once every socket is gone. */
static long edu_memory_sum(void)
{
	long sum = atomic_long_read(&edu_memory_allocated);
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(edu_memory_fw_alloc, cpu);
	return sum;
}

/* Global gauges, after the namespace's counters in /proc/net/edu_tcp_stat:
 * edu_tcp's memory in pages (every CPU's batch included, so 0 means
 * nothing is charged), whether it is under pressure, and its orphans.
 */
void edu_memory_stat_show(struct seq_file *m)
{
	seq_printf(m, "MemoryPages %ld\n", edu_memory_sum());
	seq_printf(m, "MemoryPressure %d\n", !!READ_ONCE(edu_memory_pressure));
	seq_printf(m, "Orphans %d\n", edu_orphans());
}

/* struct proto's side of it, filled in before proto_register(). */
void edu_prot_memory(struct proto *prot)
{
	prot->orphan_count = &edu_orphan_count;
	prot->memory_allocated = &edu_memory_allocated;
	EDU_SET_FW_ALLOC(prot, &edu_memory_fw_alloc);
	prot->memory_pressure = &edu_memory_pressure;
	prot->enter_memory_pressure = edu_enter_memory_pressure;
	prot->leave_memory_pressure = edu_leave_memory_pressure;
	prot->sysctl_mem = edu_sysctl_mem;
	prot->sysctl_wmem = &edu_wmem_min;
	prot->sysctl_rmem = &edu_rmem_min;
}

/* At module exit no socket is left: every orphan was counted out and
 * every page given back, or edu_tcp has a bug.
 */
void edu_memory_check_empty(void)
{
	WARN_ONCE(edu_orphans(), "edu_tcp: orphan_count %d at exit\n",
		  edu_orphans());
	WARN_ONCE(edu_memory_sum(), "edu_tcp: %ld pages still charged at exit\n",
		  edu_memory_sum());
}
