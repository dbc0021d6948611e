// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: /proc/edu_tcp, one row per socket of the reader's network
 * namespace (TIME-WAIT remainders included), and /proc/net/edu_tcp_stat,
 * the namespace's counters.  Both formats are documented in
 * Documentation/api.rst and stay stable for scripts.  No kernel pointer is
 * ever printed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/nsproxy.h>
#include <net/net_namespace.h>
#include "edu_tcp.h"

#define EDU_PROC_HEADER \
	"sl local_address remote_address state tx_queue rx_queue timer timer_ms retrans uid inode cwnd srtt_us rto_ms\n"

static unsigned long edu_ms_left(const struct edu_timer *t)
{
	long left = (long)(READ_ONCE(t->expires) - jiffies);

	return left > 0 ? jiffies_to_msecs(left) : 0;
}

static void edu_show_sock(struct seq_file *m, struct sock *sk, int sl)
{
	struct edu_sock *es = edu_sk(sk);
	const char *timer = "off";
	unsigned long ms = 0;
	u32 txq, rxq;

	if (READ_ONCE(es->rtx_timer.armed)) {
		timer = edu_timer_name(READ_ONCE(es->rtx_kind));
		ms = edu_ms_left(&es->rtx_timer);
	} else if (READ_ONCE(es->delack_timer.armed)) {
		timer = edu_timer_name(EDU_TIMER_DELACK);
		ms = edu_ms_left(&es->delack_timer);
	} else if (READ_ONCE(es->keepalive_timer.armed)) {
		timer = edu_timer_name(EDU_TIMER_KEEPALIVE);
		ms = edu_ms_left(&es->keepalive_timer);
	}
	txq = 0;
	rxq = 0;
	if (sk->sk_state == EDU_TCP_LISTEN) {
		rxq = READ_ONCE(es->accept_qlen);	/* waiting for accept() */
	} else if (sk->sk_state != EDU_TCP_CLOSED &&
		   sk->sk_state != EDU_TCP_SYN_SENT) {
		txq = READ_ONCE(es->write_seq) - READ_ONCE(es->snd_una);
		rxq = edu_readable(es);
	}
	seq_printf(m, "%d %pI4:%u %pI4:%u %s %u %u %s %lu %u %u %lu %u %u %u\n",
		   sl, &sk->sk_rcv_saddr, sk->sk_num, &sk->sk_daddr,
		   ntohs(sk->sk_dport), edu_state_name(sk->sk_state), txq, rxq,
		   timer, ms, es->total_retrans,
		   from_kuid_munged(seq_user_ns(m), sk->sk_uid),
		   sock_i_ino(sk), es->cwnd, es->srtt_us, es->rto_ms);
}

static void edu_show_tw(struct seq_file *m, struct edu_tw *tw, int sl)
{
	seq_printf(m, "%d %pI4:%u %pI4:%u %s 0 0 %s %lu 0 0 0 0 0 0\n",
		   sl, &tw->saddr, ntohs(tw->sport), &tw->daddr,
		   ntohs(tw->dport), edu_state_name(EDU_TCP_TIME_WAIT),
		   edu_timer_name(EDU_TIMER_TIMEWAIT), edu_ms_left(&tw->timer));
}

static int edu_proc_show(struct seq_file *m, void *v)
{
	struct net *net = m->private;
	struct edu_net *en = edu_pernet(net);
	struct edu_sock *es;
	struct edu_tw *tw;
	int i, sl = 0;

	seq_puts(m, EDU_PROC_HEADER);
	spin_lock_bh(&en->lock);
	for (i = 0; i < (1 << EDU_BIND_HASH_BITS); i++)
		hlist_for_each_entry(es, &en->bind_hash[i], bind_node)
			edu_show_sock(m, &es->inet.sk, sl++);
	for (i = 0; i < (1 << EDU_CONN_HASH_BITS); i++)
		hlist_for_each_entry(tw, &en->twait_hash[i], conn_node)
			edu_show_tw(m, tw, sl++);
	spin_unlock_bh(&en->lock);
	return 0;
}

static int edu_proc_open(struct inode *inode, struct file *file)
{
	struct net *net = get_net(current->nsproxy->net_ns);
	int err = single_open(file, edu_proc_show, net);

	if (err)
		put_net(net);
	return err;
}

static int edu_proc_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	put_net(m->private);
	return single_release(inode, file);
}

static const struct proc_ops edu_proc_ops = {
	.proc_open	= edu_proc_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= edu_proc_release,
};

static int edu_stat_show(struct seq_file *m, void *v)
{
	struct net *net = seq_file_single_net(m);
	int i;

	for (i = 0; i < EDU_MIB_MAX; i++)
		seq_printf(m, "%s %lu\n", edu_mib_names[i],
			   edu_mib_read(net, i));
	edu_memory_stat_show(m);	/* global: memory, pressure, orphans */
	return 0;
}

int edu_proc_net_init(struct net *net)
{
	if (!proc_create_net_single("edu_tcp_stat", 0444, net->proc_net,
				    edu_stat_show, NULL))
		return -ENOMEM;
	return 0;
}

void edu_proc_net_exit(struct net *net)
{
	remove_proc_entry("edu_tcp_stat", net->proc_net);
}

int edu_proc_init(void)
{
	if (!proc_create("edu_tcp", 0444, NULL, &edu_proc_ops))
		return -ENOMEM;
	return 0;
}

void edu_proc_exit(void)
{
	remove_proc_entry("edu_tcp", NULL);
}
