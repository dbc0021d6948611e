// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: /proc/net/edu_tcp, one row per socket of a network namespace
 * (TIME-WAIT remainders and half-open requests included), and
 * /proc/net/edu_tcp_stat, the namespace's counters.  Both are per
 * namespace as /proc/net/tcp is: /proc/PID/net/ shows PID's namespace, so
 * a script can read another namespace's sockets without entering it.
 * /proc/edu_tcp is a symbolic link to net/edu_tcp, the reader's own.  Both
 * formats are documented in Documentation/api.rst and stay stable for
 * scripts.  No kernel pointer is ever printed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include "edu_tcp.h"

#define EDU_PROC_HEADER \
	"sl local_address remote_address state tx_queue rx_queue timer timer_ms retrans uid inode cwnd srtt_us rto_ms\n"

static unsigned long edu_ms_left(const struct edu_timer *t)
{
	long left = (long)(READ_ONCE(t->expires) - jiffies);

	return left > 0 ? jiffies_to_msecs(left) : 0;
}

/* An endpoint: 10.0.0.1:80 for IPv4 (mapped), [fd00::1]:80 for IPv6, as
 * Documentation/api.rst gives the columns.
 */
static void edu_show_addr(struct seq_file *m, const struct in6_addr *addr,
			  __be16 port)
{
	if (edu_addr_is_v4(addr))
		seq_printf(m, " %pI4:%u", &addr->s6_addr32[3], ntohs(port));
	else
		seq_printf(m, " [%pI6c]:%u", addr, ntohs(port));
}

static void edu_show_sock(struct seq_file *m, struct sock *sk, int sl)
{
	struct edu_sock *es = edu_sk(sk);
	const char *timer = "off";
	unsigned long ms = 0;
	struct in6_addr l, r;
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
	edu_sk_laddr(sk, &l);
	edu_sk_raddr(sk, &r);
	seq_printf(m, "%d", sl);
	edu_show_addr(m, &l, htons(sk->sk_num));
	edu_show_addr(m, &r, sk->sk_dport);
	seq_printf(m, " %s %u %u %s %lu %u %u %lu %u %u %u\n",
		   edu_state_name(sk->sk_state), txq, rxq,
		   timer, ms, es->total_retrans,
		   from_kuid_munged(seq_user_ns(m), sk->sk_uid),
		   sock_i_ino(sk), es->cwnd, es->srtt_us, es->rto_ms);
}

static void edu_show_tw(struct seq_file *m, struct edu_tw *tw, int sl)
{
	seq_printf(m, "%d", sl);
	edu_show_addr(m, &tw->saddr, tw->sport);
	edu_show_addr(m, &tw->daddr, tw->dport);
	seq_printf(m, " %s 0 0 %s %lu 0 0 0 0 0 0\n",
		   edu_state_name(EDU_TCP_TIME_WAIT),
		   edu_timer_name(EDU_TIMER_TIMEWAIT), edu_ms_left(&tw->timer));
}

/* A half-open request (listen.c): SYN-RCVD, its SYN-ACK outstanding
 * (tx_queue 1), its timer, the repetitions so far; no socket yet, so no
 * inode, window or RTT.
 */
static void edu_show_request(struct seq_file *m, struct edu_request *req,
			     int sl)
{
	seq_printf(m, "%d", sl);
	edu_show_addr(m, &req->saddr, req->sport);
	edu_show_addr(m, &req->daddr, req->dport);
	seq_printf(m, " %s 1 0 %s %lu %u %u 0 0 0 %u\n",
		   edu_state_name(EDU_TCP_SYN_RCVD),
		   edu_timer_name(EDU_TIMER_RETRANS), edu_ms_left(&req->timer),
		   req->retries,
		   from_kuid_munged(seq_user_ns(m), req->listener->sk_uid),
		   EDU_RTO_INIT_MS << min_t(u8, req->retries, 7));
}

/*
 * The rows come from three tables, bucket by bucket, and the namespace's
 * table lock is held only while one buffer of them is formatted: the
 * iterator keeps its place (table, bucket, offset in the bucket) between
 * reads, so a large table costs a reader many short holds of the lock,
 * never one long one that stalls every segment of the namespace.
 */
enum edu_rows_table { EDU_ROWS_SOCKS, EDU_ROWS_TW, EDU_ROWS_REQ, EDU_ROWS_END };

static const struct {
	size_t	table;		/* offsetof the hlist_head array in edu_net */
	int	buckets;
} edu_rows[EDU_ROWS_END] = {
	[EDU_ROWS_SOCKS] = { offsetof(struct edu_net, bind_hash),
			     1 << EDU_BIND_HASH_BITS },
	[EDU_ROWS_TW]	 = { offsetof(struct edu_net, twait_hash),
			     1 << EDU_CONN_HASH_BITS },
	[EDU_ROWS_REQ]	 = { offsetof(struct edu_net, req_hash),
			     1 << EDU_CONN_HASH_BITS },
};

struct edu_proc_iter {
	struct seq_net_private p;	/* first: proc_create_net's */
	int		table, bucket, offset;	/* where the next row is */
	loff_t		pos;			/* that row's seq_file position */
};

/* The row at the iterator's place, or the first one after it; NULL at
 * the end.  en->lock held.
 */
static struct hlist_node *edu_rows_seek(struct edu_net *en,
					struct edu_proc_iter *it)
{
	for (; it->table < EDU_ROWS_END; it->table++, it->bucket = 0) {
		struct hlist_head *heads = (void *)en + edu_rows[it->table].table;

		for (; it->bucket < edu_rows[it->table].buckets;
		     it->bucket++, it->offset = 0) {
			struct hlist_node *n;
			int i = 0;

			hlist_for_each(n, &heads[it->bucket])
				if (i++ == it->offset)
					return n;
		}
	}
	return NULL;
}

static struct hlist_node *edu_rows_step(struct edu_net *en,
					struct edu_proc_iter *it)
{
	it->offset++;
	it->pos++;
	return edu_rows_seek(en, it);
}

static void *edu_proc_start(struct seq_file *m, loff_t *pos)
	__acquires(&en->lock)
{
	struct edu_proc_iter *it = m->private;
	struct edu_net *en = edu_pernet(seq_file_net(m));
	struct hlist_node *n;

	spin_lock_bh(&en->lock);
	if (!*pos)
		return SEQ_START_TOKEN;
	if (*pos == it->pos)		/* where the last read stopped */
		return edu_rows_seek(en, it);
	it->table = 0;
	it->bucket = 0;
	it->offset = 0;
	it->pos = 1;
	n = edu_rows_seek(en, it);
	while (n && it->pos < *pos)
		n = edu_rows_step(en, it);
	return n;
}

static void *edu_proc_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct edu_proc_iter *it = m->private;
	struct edu_net *en = edu_pernet(seq_file_net(m));

	++*pos;
	if (v == SEQ_START_TOKEN) {
		it->table = 0;
		it->bucket = 0;
		it->offset = 0;
		it->pos = 1;
		return edu_rows_seek(en, it);
	}
	return edu_rows_step(en, it);
}

static void edu_proc_stop(struct seq_file *m, void *v)
	__releases(&en->lock)
{
	spin_unlock_bh(&edu_pernet(seq_file_net(m))->lock);
}

static int edu_proc_show(struct seq_file *m, void *v)
{
	struct edu_proc_iter *it = m->private;
	struct hlist_node *n = v;
	int sl = it->pos - 1;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, EDU_PROC_HEADER);
		return 0;
	}
	switch (it->table) {
	case EDU_ROWS_SOCKS:
		edu_show_sock(m, &hlist_entry(n, struct edu_sock, bind_node)->inet.sk,
			      sl);
		break;
	case EDU_ROWS_TW:
		edu_show_tw(m, hlist_entry(n, struct edu_tw, conn_node), sl);
		break;
	case EDU_ROWS_REQ:
		edu_show_request(m, hlist_entry(n, struct edu_request, hash_node),
				 sl);
		break;
	}
	return 0;
}

static const struct seq_operations edu_proc_seq_ops = {
	.start	= edu_proc_start,
	.next	= edu_proc_next,
	.stop	= edu_proc_stop,
	.show	= edu_proc_show,
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
	if (!proc_create_net("edu_tcp", 0444, net->proc_net, &edu_proc_seq_ops,
			     sizeof(struct edu_proc_iter)))
		return -ENOMEM;
	if (!proc_create_net_single("edu_tcp_stat", 0444, net->proc_net,
				    edu_stat_show, NULL)) {
		remove_proc_entry("edu_tcp", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void edu_proc_net_exit(struct net *net)
{
	remove_proc_entry("edu_tcp_stat", net->proc_net);
	remove_proc_entry("edu_tcp", net->proc_net);
}

/* /proc/edu_tcp, where the table has always been: "net" in /proc is itself
 * a link to self/net, so this reads the reader's namespace, as before.
 */
int edu_proc_init(void)
{
	if (!proc_symlink("edu_tcp", NULL, "net/edu_tcp"))
		return -ENOMEM;
	return 0;
}

void edu_proc_exit(void)
{
	remove_proc_entry("edu_tcp", NULL);
}
