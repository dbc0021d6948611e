// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: what the socket system calls do.
 *
 * Each call behaves as it does on a TCP socket: the same errno values, the
 * same blocking rules, the same poll bits, so that a program written for
 * TCP runs unchanged with protocol 253.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/net.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/sockios.h>
#include <asm/ioctls.h>
#include <linux/tcp.h>
#include <linux/uaccess.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/route.h>
#include "edu_tcp.h"
#include "trace.h"

/* Default buffers, in truesize bytes: about 256 KiB of window, enough to
 * keep a fast local link busy without autotuning.
 */
#define EDU_DEFAULT_SNDBUF	(512 << 10)
#define EDU_DEFAULT_RCVBUF	(512 << 10)
/* RFC 7323 2.3: a shift of 7 lets the window reach 8 MiB */
#define EDU_RCV_WSCALE		7

/* Memory pressure shrinks a send buffer (sk_stream_moderate_sndbuf());
 * once it is over, give the room back, as TCP's tcp_new_space() grows it.
 */
static void edu_sndbuf_restore(struct sock *sk)
{
	if ((sk->sk_userlocks & SOCK_SNDBUF_LOCK) ||
	    sk->sk_sndbuf >= EDU_DEFAULT_SNDBUF ||
	    sk_under_memory_pressure(sk) ||
	    sk_memory_allocated(sk) >= sk_prot_mem_limits(sk, 0))
		return;
	WRITE_ONCE(sk->sk_sndbuf, EDU_DEFAULT_SNDBUF);
}

static void edu_write_space(struct sock *sk)
{
	struct socket_wq *wq;

	edu_sndbuf_restore(sk);
	if (!sk_stream_is_writeable(sk) || !sk->sk_socket)
		return;
	clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/* RFC 1122 4.2.3.6: keep-alive idles at least two hours by default; the
 * interval and count are Linux's.  Linux's limits bound what may be set.
 */
#define EDU_KEEPIDLE_S		7200
#define EDU_KEEPINTVL_S		75
#define EDU_KEEPCNT		9

/* State a connection starts from, for a new socket or a reused one. */
static void edu_init_conn_fields(struct edu_sock *es)
{
	es->fin_queued = 0;
	es->fin_rcvd = 0;
	es->urg_pending = 0;
	es->urg_have = 0;
	es->urg_valid = 0;
	es->urg_read = 0;
	es->srtt_us = 0;
	es->rttvar_us = 0;
	es->rto_ms = EDU_RTO_INIT_MS;
	es->backoff = 0;
	es->retries = 0;
	es->rtt_timing = false;
	es->dupacks = 0;
	es->in_recovery = false;
	es->ack_pending = 0;
	es->mss = EDU_DEFAULT_MSS;
	es->adv_mss = EDU_DEFAULT_MSS;
	es->rcv_wscale = EDU_RCV_WSCALE;
	es->snd_wscale = 0;
	es->wscale_ok = 0;
	es->ssthresh = 0x7fffffff;	/* RFC 5681 3.1: arbitrarily high */
	es->cwnd = 4 * EDU_DEFAULT_MSS;
}

void edu_init_sock_fields(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	es->ooo_root = RB_ROOT;
	spin_lock_init(&es->queue_lock);
	INIT_LIST_HEAD(&es->requests);
	INIT_HLIST_NODE(&es->listen_node);
	INIT_LIST_HEAD(&es->accept_queue);
	INIT_LIST_HEAD(&es->child_node);
	INIT_HLIST_NODE(&es->bind_node);
	INIT_HLIST_NODE(&es->conn_node);
	edu_sock_timers_init(sk);
	edu_init_conn_fields(es);
	es->keep_idle = EDU_KEEPIDLE_S;
	es->keep_intvl = EDU_KEEPINTVL_S;
	es->keep_cnt = EDU_KEEPCNT;
	sk->sk_write_space = edu_write_space;
	/* The send buffer's room is the write queue's (sk_wmem_queued): a
	 * segment freed after transmission (sock_wfree) wakes nobody.
	 */
	sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);
	if (!(sk->sk_userlocks & SOCK_SNDBUF_LOCK))
		WRITE_ONCE(sk->sk_sndbuf, EDU_DEFAULT_SNDBUF);
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK))
		WRITE_ONCE(sk->sk_rcvbuf, EDU_DEFAULT_RCVBUF);
}

/* Counted as TCP counts its sockets; /proc/net/protocols reads the
 * number in use (table.c) and sk_clone_lock() keeps this one for
 * children.
 */
static struct percpu_counter edu_sockets_allocated;

void edu_sock_destruct(struct sock *sk)
{
	edu_orphan_uncount(sk);
	sk_sockets_allocated_dec(sk);
	inet_sock_destruct(sk);		/* returns the last pages */
	edu_memory_settle();
}

int edu_init_sock(struct sock *sk)
{
	edu_init_sock_fields(sk);
	sk->sk_destruct = edu_sock_destruct;
	sk_sockets_allocated_inc(sk);
	return 0;
}

/* RFC 5681 3.1, equation 1: the initial window, once the MSS is known. */
void edu_conn_init(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (es->mss > 2190)
		es->cwnd = 2 * es->mss;
	else if (es->mss > 1095)
		es->cwnd = 3 * es->mss;
	else
		es->cwnd = 4 * es->mss;
	es->ssthresh = 0x7fffffff;
}

/* ---- bind ---- */

/* A privileged port without the capability to bind it: EACCES. */
bool edu_bind_denied(struct net *net, u16 port)
{
	return port && inet_port_requires_bind_service(net, port) &&
	       !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE);
}

/* bind() of either family, its address and port checked by the caller. */
int edu_bind_addr(struct sock *sk, const struct in6_addr *addr, u16 port)
{
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != EDU_TCP_CLOSED || inet_sk(sk)->inet_num)
		goto out;
	err = edu_bind_port(sk, addr, port);
	if (err)
		goto out;
	if (!edu_addr_any(addr))
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (port)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	edu_sk_set_raddr(sk, &in6addr_any);
	inet_sk(sk)->inet_dport = 0;
	sk_dst_reset(sk);
out:
	release_sock(sk);
	return err;
}

static int edu_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)uaddr;
	struct sock *sk = sock->sk;
	struct net *net = sock_net(sk);
	struct in6_addr mapped;
	bool no_cap_needed;
	__be32 addr;
	int err;

	if (addr_len < sizeof(*sin))
		return -EINVAL;
	err = edu_policy_bind(sk, uaddr, addr_len, &no_cap_needed);
	if (err)
		return err;
	addr = sin->sin_addr.s_addr;
	if (sin->sin_family != AF_INET &&
	    !(sin->sin_family == AF_UNSPEC && addr == htonl(INADDR_ANY)))
		return -EAFNOSUPPORT;
	if (!no_cap_needed && edu_bind_denied(net, ntohs(sin->sin_port)))
		return -EACCES;
	if (addr != htonl(INADDR_ANY) &&
	    inet_addr_type(net, addr) != RTN_LOCAL &&
	    !edu_freebind(sk))
		return -EADDRNOTAVAIL;
	ipv6_addr_set_v4mapped(addr, &mapped);
	return edu_bind_addr(sk, &mapped, ntohs(sin->sin_port));
}

/* ---- listen and accept (the listener itself is listen.c) ---- */

int edu_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sock->state != SS_UNCONNECTED)
		goto out;
	backlog = max(backlog, 0);
	if (sk->sk_state == EDU_TCP_LISTEN) {
		WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
		err = 0;
		goto out;
	}
	if (sk->sk_state != EDU_TCP_CLOSED)
		goto out;
	if (!inet_sk(sk)->inet_num) {
		err = edu_autobind(sk);
		if (err)
			goto out;
	}
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	edu_sk(sk)->queues_closed = false;
	err = edu_start_listen(sk);
out:
	release_sock(sk);
	return err;
}

int edu_do_accept(struct socket *sock, struct socket *newsock, int flags)
{
	struct sock *sk = sock->sk, *child;
	long timeo;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != EDU_TCP_LISTEN)
		goto out;
	timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);
	while (!(child = edu_accept_dequeue(sk))) {
		err = edu_wait_for_child(sk, &timeo);
		if (err)
			goto out;
		if (sk->sk_state != EDU_TCP_LISTEN) {
			err = -EINVAL;
			goto out;
		}
	}
	release_sock(sk);

	lock_sock(child);
	edu_sk(child)->parent = NULL;
	sock_graft(child, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(child);
	sock_put(sk);		/* the child's hold on its listener */
	return 0;
out:
	release_sock(sk);
	return err;
}

static int edu_accept(EDU_ACCEPT_ARGS)
{
	return edu_do_accept(sock, newsock, EDU_ACCEPT_FLAGS);
}

/* ---- connect ---- */

/* The peer's address and port are set: route, take a port, send the
 * SYN.  Either family; on failure the peer is forgotten again.
 */
int edu_connect_start(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct edu_sock *es = edu_sk(sk);
	struct in6_addr l, r;
	int err;

	err = edu_route_socket(sk);
	if (err)
		goto fail;
	/* a port shared with connections to other peers (table.c), or a
	 * bound port whose 4-tuple must not be live or in TIME-WAIT
	 */
	if (!inet->inet_num)
		err = edu_autobind_connect(sk);
	else
		err = edu_hash_conn(sk);
	if (err)
		goto fail;
	/* S4: DF packets must not count connections from 0 */
	atomic_set(&inet->inet_id, get_random_u16());

	edu_init_conn_fields(es);
	edu_sk_laddr(sk, &l);
	edu_sk_raddr(sk, &r);
	es->iss = edu_isn(&l, &r, inet->inet_sport, inet->inet_dport);
	es->adv_mss = edu_route_mss(sk);
	es->mss = es->adv_mss;
	sk->sk_err = 0;
	sk->sk_shutdown = 0;
	sock_reset_flag(sk, SOCK_DONE);

	edu_set_state(sk, EDU_TCP_SYN_SENT);
	edu_inc(sock_net(sk), EDU_MIB_ACTIVEOPENS);
	err = edu_send_syn(sk, sk->sk_allocation);
	if (err) {
		edu_done(sk);
		return err;
	}
	return 0;
fail:
	edu_sk_set_raddr(sk, &in6addr_any);
	inet->inet_dport = 0;
	sk_dst_reset(sk);
	return err;
}

static int edu_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)uaddr;

	inet_sk(sk)->inet_daddr = sin->sin_addr.s_addr;
	inet_sk(sk)->inet_dport = sin->sin_port;
	return edu_connect_start(sk);
}

static int edu_wait_for_connect(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	add_wait_queue(sk_sleep(sk), &wait);
	while ((1 << sk->sk_state) & ((1 << EDU_TCP_SYN_SENT) |
				      (1 << EDU_TCP_SYN_RCVD))) {
		release_sock(sk);
		*timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, *timeo);
		lock_sock(sk);
		if (signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		if (!*timeo) {
			err = -EINPROGRESS;
			break;
		}
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

/* Forget the connection, as connect(AF_UNSPEC) does on TCP. */
static int edu_disconnect(struct sock *sk)
{
	if (sk->sk_state == EDU_TCP_LISTEN) {
		edu_listen_stop(sk);
	} else if (sk->sk_state != EDU_TCP_CLOSED) {
		if (sk->sk_state != EDU_TCP_SYN_SENT)
			edu_send_rst(sk);
		edu_done(sk);
	}
	edu_unbind(sk);
	edu_sk_set_raddr(sk, &in6addr_any);
	inet_sk(sk)->inet_dport = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		edu_sk_set_laddr(sk, &in6addr_any);
	inet_sk(sk)->inet_num = 0;
	inet_sk(sk)->inet_sport = 0;
	sk->sk_shutdown = 0;
	sock_reset_flag(sk, SOCK_DONE);
	sk_dst_reset(sk);
	return 0;
}

/* connect() of either family: @start checks the address and sends the
 * SYN, under the socket's lock, as TCP's connect does in its protocol.
 */
int edu_stream_connect(struct socket *sock, struct sockaddr *uaddr,
		       int addr_len, int flags,
		       int (*start)(struct sock *sk, struct sockaddr *uaddr,
				    int addr_len))
{
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	if (addr_len < sizeof(uaddr->sa_family))
		return -EINVAL;
	if (uaddr->sa_family == AF_UNSPEC) {
		lock_sock(sk);
		err = edu_disconnect(sk);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		release_sock(sk);
		return err;
	}

	lock_sock(sk);
	switch (sock->state) {
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		err = -EISCONN;
		if (sk->sk_state != EDU_TCP_CLOSED)
			goto out;
		err = edu_policy_connect(sk, uaddr, addr_len);
		if (err)
			goto out;
		err = start(sk, uaddr, addr_len);
		if (err)
			goto out;
		sock->state = SS_CONNECTING;
		err = -EINPROGRESS;
		break;
	default:
		err = -EINVAL;
		goto out;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if ((1 << sk->sk_state) & ((1 << EDU_TCP_SYN_SENT) |
				   (1 << EDU_TCP_SYN_RCVD))) {
		if (!timeo)
			goto out;
		err = edu_wait_for_connect(sk, &timeo);
		if (err)
			goto out;
	}
	if (sk->sk_state == EDU_TCP_CLOSED)
		goto sock_error;
	sock->state = SS_CONNECTED;
	err = 0;
out:
	release_sock(sk);
	return err;
sock_error:
	err = sock_error(sk) ? : -ECONNABORTED;
	sock->state = SS_UNCONNECTED;
	goto out;
}

static int edu_connect(struct socket *sock, struct sockaddr *uaddr,
		       int addr_len, int flags)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)uaddr;

	if (addr_len < sizeof(uaddr->sa_family))
		return -EINVAL;
	if (uaddr->sa_family != AF_UNSPEC) {
		if (addr_len < sizeof(*sin))
			return -EINVAL;
		if (sin->sin_family != AF_INET)
			return -EAFNOSUPPORT;
	}
	return edu_stream_connect(sock, uaddr, addr_len, flags, edu_v4_connect);
}

/* ---- sending ---- */

static bool edu_tail_has_room(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);

	return !(cb->flags & (EDU_SYN | EDU_FIN)) &&
	       !seq_before(cb->seq, es->snd_max) &&
	       skb->len < edu_size_goal(sk) &&
	       skb_shinfo(skb)->nr_frags < MAX_SKB_FRAGS;
}

/* A data skb's head holds only room for the headers; the payload goes to
 * page fragments, so that output.c can cut and trim it without copying.
 * fclone: the copy each transmission makes comes from the same slab object.
 */
static struct sk_buff *edu_new_data_skb(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb;
	struct edu_skb_cb *cb;

	skb = alloc_skb_fclone(EDU_HEADROOM, sk->sk_allocation);
	if (!skb)
		return NULL;
	/* as tcp_stream_alloc_skb(): no memory for it is pressure */
	if (!sk_wmem_schedule(sk, skb->truesize)) {
		__kfree_skb(skb);
		sk->sk_prot->enter_memory_pressure(sk);
		sk_stream_moderate_sndbuf(sk);
		return NULL;
	}
	edu_memory_settle();
	skb_reserve(skb, EDU_HEADROOM);
	cb = EDU_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = es->write_seq;
	cb->end_seq = es->write_seq;
	__skb_queue_tail(&sk->sk_write_queue, skb);
	edu_wmem_charge(sk, skb->truesize);
	return skb;
}

/* Copy up to @want bytes of the user's data into @skb's last page
 * fragment or a new one (edu_tail_has_room() left a slot free).  Returns
 * the bytes copied or an error.
 */
static int edu_copy_to_frags(struct sock *sk, struct sk_buff *skb,
			     struct msghdr *msg, size_t want)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	int i = skb_shinfo(skb)->nr_frags;
	bool merge;
	size_t n;

	if (!sk_page_frag_refill(sk, pfrag))
		return -ENOBUFS;
	merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
	n = min_t(size_t, want, pfrag->size - pfrag->offset);
	/* over edu_tcp's memory limit: wait for memory (sendmsg) */
	if (!sk_wmem_schedule(sk, n))
		return -ENOBUFS;
	edu_memory_settle();
	n = copy_page_from_iter(pfrag->page, pfrag->offset, n, &msg->msg_iter);
	if (!n)
		return -EFAULT;
	if (merge) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], n);
	} else {
		skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, n);
		get_page(pfrag->page);
	}
	pfrag->offset += n;
	skb->len += n;
	skb->data_len += n;
	skb->truesize += n;
	edu_wmem_charge(sk, n);
	return n;
}

int edu_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;
	struct edu_sock *es = edu_sk(sk);
	int flags = msg->msg_flags;
	size_t copied = 0;
	long timeo;
	int err;

	if (flags & ~(MSG_OOB | MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE |
		      MSG_EOR | MSG_CMSG_COMPAT | MSG_WAITALL | MSG_CONFIRM))
		return -EOPNOTSUPP;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	if ((1 << sk->sk_state) & ~((1 << EDU_TCP_ESTABLISHED) |
				    (1 << EDU_TCP_CLOSE_WAIT))) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto do_error;
	}
	err = -EPIPE;
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
		goto do_error;

	while (msg_data_left(msg)) {
		struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
		u32 goal = edu_size_goal(sk);
		int chunk;

		if (!skb || !edu_tail_has_room(sk, skb)) {
			if (!sk_stream_memory_free(sk))
				goto wait_for_memory;
			skb = edu_new_data_skb(sk);
			if (!skb)
				goto wait_for_memory;
		}
		chunk = edu_copy_to_frags(sk, skb, msg,
					  min_t(size_t, goal - skb->len,
						msg_data_left(msg)));
		if (chunk == -ENOBUFS)
			goto wait_for_memory;
		if (chunk < 0) {
			err = chunk;
			goto do_error;
		}
		EDU_SKB_CB(skb)->end_seq += chunk;
		es->write_seq += chunk;
		copied += chunk;
		/* a full skb may leave now, unless it ends the write: that
		 * one still needs its PSH
		 */
		if (skb->len >= goal && msg_data_left(msg))
			edu_push(sk, false);
		continue;

wait_for_memory:
		edu_push(sk, true);
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
		if (sk->sk_state != EDU_TCP_ESTABLISHED &&
		    sk->sk_state != EDU_TCP_CLOSE_WAIT) {
			err = -EPIPE;
			goto do_error;
		}
	}
out:
	if (copied) {
		struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

		/* RFC 9293 3.9.1: the end of each write is pushed */
		if (tail && !(flags & MSG_MORE))
			EDU_SKB_CB(tail)->flags |= EDU_PSH;
		if (flags & MSG_OOB) {
			es->snd_up = es->write_seq;
			es->urg_pending = 1;
		}
		edu_push(sk, flags & MSG_OOB);
	}
	release_sock(sk);
	return copied;

do_error:
	if (copied)
		goto out;
	err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return err;
}

/* ---- receiving ---- */

/* RFC 9293 3.8.6.2.2: tell the peer when reading opened the window by a
 * useful amount - but only once what it may still send has fallen below
 * half of what it could (as Linux does); otherwise the ACKs that data
 * earns carry the news soon enough.
 */
static void edu_window_update(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	u32 cur, win;

	if (!((1 << sk->sk_state) & ((1 << EDU_TCP_ESTABLISHED) |
				     (1 << EDU_TCP_FIN_WAIT1) |
				     (1 << EDU_TCP_FIN_WAIT2))))
		return;
	cur = seq_after(es->rcv_adv, es->rcv_nxt) ? es->rcv_adv - es->rcv_nxt : 0;
	win = edu_rcv_window(sk);
	if (win > cur && win - cur >= edu_rcv_sws_step(sk) &&
	    cur < win / 2)
		edu_send_ack(sk);
}

static void edu_free_consumed(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_peek(&sk->sk_receive_queue)) &&
	       !seq_before(es->copied_seq, EDU_SKB_CB(skb)->seq + skb->len)) {
		__skb_unlink(skb, &sk->sk_receive_queue);
		consume_skb(skb);
	}
	/* read data gives its pages back to edu_tcp's memory at once */
	sk_mem_reclaim(sk);
	edu_memory_settle();
}

/* MSG_OOB: the one urgent byte, as Linux TCP hands it out. */
static int edu_recv_urg(struct sock *sk, struct msghdr *msg, int flags)
{
	struct edu_sock *es = edu_sk(sk);

	if (sock_flag(sk, SOCK_URGINLINE) || !es->urg_have || es->urg_read)
		return -EINVAL;
	if (!es->urg_valid) {
		if (sk->sk_state == EDU_TCP_CLOSED || (sk->sk_shutdown & RCV_SHUTDOWN))
			return 0;
		return -EAGAIN;
	}
	if (!(flags & MSG_PEEK))
		es->urg_read = 1;
	msg->msg_flags |= MSG_OOB;
	if (msg_data_left(msg) == 0) {
		msg->msg_flags |= MSG_TRUNC;
		return 0;
	}
	if (memcpy_to_msg(msg, &es->urg_byte, 1))
		return -EFAULT;
	return 1;
}

static struct sk_buff *edu_find_skb(struct sock *sk, u32 seq, u32 *offset)
{
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_receive_queue, skb) {
		u32 off = seq - EDU_SKB_CB(skb)->seq;

		if (off < skb->len) {
			*offset = off;
			return skb;
		}
	}
	return NULL;
}

/* Returns 1 to keep waiting, 0 to return what was copied, or an error. */
static int edu_recv_check(struct sock *sk, size_t copied, long timeo)
{
	struct edu_sock *es = edu_sk(sk);

	if (copied) {
		if (sk->sk_err || sk->sk_state == EDU_TCP_CLOSED ||
		    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
		    signal_pending(current))
			return 0;
		return 1;
	}
	if (sock_flag(sk, SOCK_DONE))
		return 0;
	if (sk->sk_err)
		return sock_error(sk);
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		return 0;
	if (sk->sk_state == EDU_TCP_CLOSED)
		return es->ever_connected ? 0 : -ENOTCONN;
	if (!timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(timeo);
	return 1;
}

static int edu_recv_error(struct sock *sk, struct msghdr *msg, size_t len)
{
	int addr_len = 0;
	int err = inet_recv_error(sk, msg, len, &addr_len);

	if (err >= 0)
		msg->msg_namelen = addr_len;
	return err;
}

int edu_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		int flags)
{
	struct sock *sk = sock->sk;
	struct edu_sock *es = edu_sk(sk);
	u32 peek_seq, *seq;
	size_t copied = 0;
	long timeo;
	int target, err = 0;

	/* IP_RECVERR's queue: ICMP errors (icmp.c), read as TCP's are */
	if (flags & MSG_ERRQUEUE)
		return edu_recv_error(sk, msg, len);
	lock_sock(sk);
	if (sk->sk_state == EDU_TCP_LISTEN) {
		err = -ENOTCONN;
		goto out;
	}
	if (flags & MSG_OOB) {
		err = edu_recv_urg(sk, msg, flags);
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	peek_seq = es->copied_seq;
	seq = (flags & MSG_PEEK) ? &peek_seq : &es->copied_seq;

	while (copied < len) {
		struct sk_buff *skb;
		u32 offset, used;
		int ret;

		/* a read stops at the urgent mark, so SIOCATMARK can see it */
		if (copied && es->urg_have && es->urg_seq == *seq)
			break;
		skb = edu_find_skb(sk, *seq, &offset);
		if (!skb) {
			if (copied >= target && !sk->sk_backlog.tail)
				break;
			ret = edu_recv_check(sk, copied, timeo);
			if (ret <= 0) {
				if (!copied)
					err = ret;
				break;
			}
			if (copied >= target) {
				/* let the backlog in, then look again */
				release_sock(sk);
				lock_sock(sk);
			} else {
				edu_window_update(sk);
				sk_wait_data(sk, &timeo, skb_peek_tail(&sk->sk_receive_queue));
			}
			continue;
		}
		used = min_t(size_t, skb->len - offset, len - copied);
		if (es->urg_have) {
			u32 urg_off = es->urg_seq - *seq;

			if (urg_off < used) {
				if (!urg_off) {
					if (!sock_flag(sk, SOCK_URGINLINE)) {
						(*seq)++;
						offset++;
						used--;
					}
				} else {
					used = urg_off;
				}
			}
		}
		if (used && !(flags & MSG_TRUNC)) {
			if (skb_copy_datagram_msg(skb, offset, msg, used)) {
				if (!copied)
					err = -EFAULT;
				break;
			}
		}
		*seq += used;
		copied += used;
		if (es->urg_have && seq_after(es->copied_seq, es->urg_seq)) {
			es->urg_have = 0;
			es->urg_valid = 0;
		}
		if (!(flags & MSG_PEEK))
			edu_free_consumed(sk);
	}
	if (!(flags & MSG_PEEK))
		edu_window_update(sk);
out:
	release_sock(sk);
	return err ? err : copied;
}

/* ---- poll, ioctl, shutdown ---- */

__poll_t edu_poll(struct file *file, struct socket *sock, poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct edu_sock *es = edu_sk(sk);
	int state = inet_sk_state_load(sk);
	u8 shutdown;
	__poll_t mask = 0;

	sock_poll_wait(file, sock, wait);
	if (state == EDU_TCP_LISTEN)
		return list_empty_careful(&es->accept_queue) ? 0 :
		       EPOLLIN | EPOLLRDNORM;

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == EDU_TCP_CLOSED)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (state != EDU_TCP_SYN_SENT && state != EDU_TCP_SYN_RCVD) {
		if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!(shutdown & SEND_SHUTDOWN)) {
			if (sk_stream_is_writeable(sk)) {
				mask |= EPOLLOUT | EPOLLWRNORM;
			} else {
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
				/* order NOSPACE before the re-check, against
				 * edu_write_space() freeing room meanwhile
				 */
				smp_mb__after_atomic();
				if (sk_stream_is_writeable(sk))
					mask |= EPOLLOUT | EPOLLWRNORM;
			}
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
		if (READ_ONCE(es->urg_valid) && !READ_ONCE(es->urg_read))
			mask |= EPOLLPRI;
	}
	/* an error is set before the state change that woke us */
	smp_rmb();
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

int edu_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct edu_sock *es = edu_sk(sk);
	int answ;

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == EDU_TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		answ = edu_readable(es);
		release_sock(sk);
		break;
	case SIOCATMARK:
		answ = es->urg_have && READ_ONCE(es->copied_seq) == es->urg_seq;
		break;
	case SIOCOUTQ:
		if (sk->sk_state == EDU_TCP_LISTEN)
			return -EINVAL;
		answ = READ_ONCE(es->write_seq) - READ_ONCE(es->snd_una);
		break;
	case SIOCOUTQNSD:
		if (sk->sk_state == EDU_TCP_LISTEN)
			return -EINVAL;
		answ = READ_ONCE(es->write_seq) - READ_ONCE(es->snd_nxt);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return put_user(answ, (int __user *)arg);
}

/* RFC 9293 3.10.4: a FIN follows whatever data is queued. */
static void edu_send_fin_for_close(struct sock *sk)
{
	switch (sk->sk_state) {
	case EDU_TCP_SYN_RCVD:
	case EDU_TCP_ESTABLISHED:
		edu_set_state(sk, EDU_TCP_FIN_WAIT1);
		edu_queue_fin(sk);
		break;
	case EDU_TCP_CLOSE_WAIT:
		edu_set_state(sk, EDU_TCP_LAST_ACK);
		edu_queue_fin(sk);
		break;
	}
}

int edu_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	how++;		/* SHUT_RD/WR/RDWR become RCV/SEND/SHUTDOWN_MASK */
	if ((how & ~SHUTDOWN_MASK) || !how)
		return -EINVAL;

	lock_sock(sk);
	if (sock->state == SS_CONNECTING) {
		if ((1 << sk->sk_state) & ((1 << EDU_TCP_SYN_SENT) |
					   (1 << EDU_TCP_SYN_RCVD) |
					   (1 << EDU_TCP_CLOSED)))
			sock->state = SS_DISCONNECTING;
		else
			sock->state = SS_CONNECTED;
	}
	switch (sk->sk_state) {
	case EDU_TCP_CLOSED:
		err = -ENOTCONN;
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		break;
	case EDU_TCP_LISTEN:
		if (!(how & RCV_SHUTDOWN))
			break;
		fallthrough;
	case EDU_TCP_SYN_SENT:
		err = edu_disconnect(sk);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		break;
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		if (how & SEND_SHUTDOWN)
			edu_send_fin_for_close(sk);
	}
	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

/* ---- close ---- */

static void edu_close(struct sock *sk, long timeout)
{
	struct edu_sock *es = edu_sk(sk);
	bool abort = false;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (sk->sk_state == EDU_TCP_LISTEN) {
		edu_listen_stop(sk);
	} else if (es->rcv_nxt != es->copied_seq &&
		   !skb_queue_empty(&sk->sk_receive_queue)) {
		/* RFC 2525 2.17: data the user will never read is lost;
		 * say so with a RST rather than a polite FIN
		 */
		abort = true;
	} else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) {
		abort = true;		/* SO_LINGER {1, 0} */
	} else {
		edu_send_fin_for_close(sk);
		if (timeout)
			sk_stream_wait_close(sk, timeout);
	}
	if (abort && sk->sk_state != EDU_TCP_CLOSED) {
		if (sk->sk_state != EDU_TCP_SYN_SENT)
			edu_send_rst(sk);
		edu_set_state(sk, EDU_TCP_CLOSED);
	}
	sock_orphan(sk);
	switch (sk->sk_state) {
	case EDU_TCP_CLOSED:
	case EDU_TCP_SYN_SENT:
		edu_done(sk);
		break;
	case EDU_TCP_FIN_WAIT2:
		edu_arm_rtx_timer(sk, EDU_TIMER_TIMEWAIT, 2 * edu_msl_jiffies());
		break;
	}
	/* what is left lingers as an orphan, if there is room for one */
	if (sk->sk_state != EDU_TCP_CLOSED) {
		edu_orphan_count_inc(sk);
		if (edu_orphan_oom(sk))
			edu_orphan_abort(sk);
	}
	release_sock(sk);
	sock_put(sk);		/* the owner's reference */
}

struct proto edu_prot = {
	.name		= "EDU_TCP",
	.owner		= THIS_MODULE,
	.close		= edu_close,
	.init		= edu_init_sock,
	.backlog_rcv	= edu_do_rcv,
	.release_cb	= edu_release_cb,
	.keepalive	= edu_keepalive,
	.unhash		= edu_unhash_conn,
	.sockets_allocated = &edu_sockets_allocated,
	.obj_size	= sizeof(struct edu_sock),
};

int edu_prot_register(void)
{
	int err;

	err = percpu_counter_init(&edu_sockets_allocated, 0, GFP_KERNEL);
	if (err)
		return err;
	edu_prot_memory(&edu_prot);	/* memory.c: what it may hold */
	err = proto_register(&edu_prot, 1);
	if (err)
		percpu_counter_destroy(&edu_sockets_allocated);
	return err;
}

void edu_prot_unregister(void)
{
	edu_memory_check_empty();
	proto_unregister(&edu_prot);
	percpu_counter_destroy(&edu_sockets_allocated);
}

const struct proto_ops edu_stream_ops = {
	.family		= PF_INET,
	.owner		= THIS_MODULE,
	.release	= inet_release,
	.bind		= edu_bind,
	.connect	= edu_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= edu_accept,
	.getname	= inet_getname,
	.poll		= edu_poll,
	.ioctl		= edu_ioctl,
	.listen		= edu_listen,
	.shutdown	= edu_shutdown,
	.setsockopt	= edu_setsockopt,	/* sockopt.c */
	.getsockopt	= edu_getsockopt,
	.sendmsg	= edu_sendmsg,
	.recvmsg	= edu_recvmsg,
	.mmap		= sock_no_mmap,
};
