// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: the one place that changes a connection's state.
 *
 * edu_set_state() checks every transition against the diagram of RFC 9293
 * section 3.3.2, so the table below is the state diagram a student reads in
 * the RFC, and a transition it does not allow is a bug in edu_tcp.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "edu_tcp.h"
#include "trace.h"

static const char *const edu_state_names[] = EDU_TCP_STATE_NAMES;

const char *edu_state_name(int state)
{
	if (state <= 0 || state >= EDU_TCP_MAX_STATES)
		return edu_state_names[0];
	return edu_state_names[state];
}

#define S(x)	(1U << EDU_TCP_##x)

/* Which states each state may move to.  Any state may be aborted to
 * CLOSED (RST, timeout, close with unread data), so CLOSED is implied.
 */
static const u32 edu_next_states[EDU_TCP_MAX_STATES] = {
	[EDU_TCP_CLOSED]	= S(LISTEN) | S(SYN_SENT),
	[EDU_TCP_LISTEN]	= S(SYN_RCVD),	/* a child, for a SYN */
	[EDU_TCP_SYN_SENT]	= S(SYN_RCVD) | S(ESTABLISHED),
	[EDU_TCP_SYN_RCVD]	= S(ESTABLISHED) | S(FIN_WAIT1) | S(CLOSE_WAIT),
	[EDU_TCP_ESTABLISHED]	= S(FIN_WAIT1) | S(CLOSE_WAIT),
	[EDU_TCP_FIN_WAIT1]	= S(FIN_WAIT2) | S(CLOSING) | S(TIME_WAIT),
	[EDU_TCP_FIN_WAIT2]	= S(TIME_WAIT),
	[EDU_TCP_CLOSE_WAIT]	= S(LAST_ACK),
	[EDU_TCP_CLOSING]	= S(TIME_WAIT),
	[EDU_TCP_LAST_ACK]	= 0,
	[EDU_TCP_TIME_WAIT]	= 0,
};

#undef S

void edu_set_state(struct sock *sk, int state)
{
	int old = sk->sk_state;

	if (old == state)
		return;
	WARN_ONCE(state != EDU_TCP_CLOSED &&
		  !(edu_next_states[old] & (1U << state)),
		  "edu_tcp: illegal transition %s -> %s\n",
		  edu_state_name(old), edu_state_name(state));
	if (trace_edu_tcp_state_enabled()) {
		struct in6_addr l, r;

		edu_sk_laddr(sk, &l);
		edu_sk_raddr(sk, &r);
		trace_edu_tcp_state(&l, inet_sk(sk)->inet_sport, &r,
				    sk->sk_dport, old, state);
	}
	if (state == EDU_TCP_ESTABLISHED)
		edu_sk(sk)->ever_connected = 1;
	/* readers test sk_state without the socket lock (poll) */
	edu_state_store(sk, state);
	if (state == EDU_TCP_ESTABLISHED && sock_flag(sk, SOCK_KEEPOPEN))
		edu_keepalive_reset(sk);
}

static void edu_purge_queues(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue))) {
		edu_wmem_uncharge(sk, skb->truesize);
		kfree_skb(skb);
	}
	edu_ofo_purge(sk);
	/* the out-of-order segments went back through sock_rfree(): return
	 * their pages on this CPU now; the socket itself may be freed later,
	 * on another CPU, when the last segment it sent is (skb_set_owner_w)
	 */
	sk_mem_reclaim(sk);
	edu_memory_settle();
}

/* The end of a connection, whatever ended it: CLOSED, out of the tables,
 * timers stopped (the references they held go with them), queues freed.
 * @traced is false when the socket hands over to a TIME-WAIT remainder,
 * which reports CLOSED itself when it expires.  A listener's code calls
 * it directly for a child it no longer wants.
 */
void edu_teardown(struct sock *sk, bool traced)
{
	if (traced)
		edu_set_state(sk, EDU_TCP_CLOSED);
	else
		edu_state_store(sk, EDU_TCP_CLOSED);
	edu_stop_timers(sk);
	edu_unhash_conn(sk);
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK) || sock_flag(sk, SOCK_DEAD))
		edu_unbind(sk);
	edu_purge_queues(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
}

/* The connection is over (a RST, its last ACK, a timeout): tear it down;
 * a child still queued for accept() leaves through its listener, which
 * holds it.  Once accept() took it, it ends like any socket.
 */
void edu_done(struct sock *sk)
{
	if (edu_sk(sk)->parent && edu_listener_drop_child(sk))
		return;
	edu_teardown(sk, true);
}

/* RFC 9293 3.10.7.4 and 3.8.3: an accepted RST or a failed
 * retransmission aborts the connection and tells the user why.
 */
void edu_abort(struct sock *sk, int err)
{
	if (sk->sk_state == EDU_TCP_ESTABLISHED ||
	    sk->sk_state == EDU_TCP_CLOSE_WAIT)
		edu_inc(sock_net(sk), EDU_MIB_ESTABRESETS);
	WRITE_ONCE(sk->sk_err, err);
	if (!sock_flag(sk, SOCK_DEAD))
		sk_error_report(sk);
	edu_done(sk);
}
