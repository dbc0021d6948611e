// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: TIME-WAIT, RFC 9293 section 3.6.
 *
 * The side that closes first waits 2*MSL before the 4-tuple may be used
 * again, so that a lost final ACK can be repeated and old duplicates of
 * this connection die out in the network.  What that needs survives the
 * socket: a small record (struct edu_tw) in the namespace's twait tables,
 * with one timer on the wheel.  Everything about it is here: making the
 * record, putting it in the tables, answering segments for it, and its
 * expiry.  table.c owns the tables' buckets, output.c builds its ACK.
 *
 * Locking: en->lock covers the tables; a record leaves them under it, and
 * whoever unhashes it after stopping its timer (or the timer's own
 * callback, once the wheel took it off) frees it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <net/ip.h>
#include "edu_tcp.h"
#include "trace.h"

static void tw_unhash(struct edu_tw *tw)
{
	hlist_del_init(&tw->conn_node);
	hlist_del_init(&tw->bind_node);
}

static void edu_tw_expire(struct edu_timer *t)
{
	struct edu_tw *tw = container_of(t, struct edu_tw, timer);
	struct edu_net *en = edu_pernet(tw->net);

	/* Once the wheel took the timer off, nothing re-arms or frees the
	 * record but this callback (edu_timer_postpone() and
	 * edu_timer_cancel() both find it idle), so it may wait here.
	 */
	spin_lock(&en->lock);
	if (!hlist_unhashed(&tw->conn_node))
		tw_unhash(tw);
	spin_unlock(&en->lock);
	atomic_dec(&en->tw_count);
	edu_inc(tw->net, EDU_MIB_TIMEWAITEXPIRED);
	trace_edu_tcp_state(&tw->saddr, tw->sport, &tw->daddr, tw->dport,
			    EDU_TCP_TIME_WAIT, EDU_TCP_CLOSED);
	kfree(tw);
}

void edu_tw_insert(struct net *net, struct edu_tw *tw)
{
	struct edu_net *en = edu_pernet(net);

	tw->net = net;
	edu_timer_init(&tw->timer, edu_tw_expire);
	spin_lock_bh(&en->lock);
	hlist_add_head(&tw->conn_node, edu_tw_bucket(en, &tw->saddr, tw->sport,
						     &tw->daddr, tw->dport));
	hlist_add_head(&tw->bind_node, edu_tw_bind_bucket(en, ntohs(tw->sport)));
	edu_timer_arm(&tw->timer, 2 * edu_msl_jiffies());
	atomic_inc(&en->tw_count);
	spin_unlock_bh(&en->lock);
	edu_inc(net, EDU_MIB_TIMEWAITCREATED);
}

/* RFC 1122 4.2.2.13, RFC 6191: the ISN that answers a SYN reopening a
 * TIME-WAIT tuple lies above anything the old connection sent, by the
 * largest unscaled window, so no old segment falls into the new window
 * (Linux leaves the same gap).
 */
#define EDU_TW_ISN_GAP	(65535 + 2)

/* A SYN (no ACK) above the record's RCV.NXT starts a new incarnation of
 * the tuple (RFC 9293 3.10.7.4, RFC 6191): the record goes, and the SYN
 * is the listener's to answer, with an ISN above the old SND.NXT.  A
 * record whose expiry is already running is left to it.
 */
static bool edu_tw_reopen(struct edu_tw *tw, struct edu_skb_cb *cb)
{
	if ((cb->flags & (EDU_SYN | EDU_ACK | EDU_RST)) != EDU_SYN ||
	    !seq_after(cb->seq, tw->rcv_nxt) || !edu_timer_cancel(&tw->timer))
		return false;
	tw_unhash(tw);
	cb->tw_reopen = 1;
	cb->tw_isn = tw->snd_nxt + EDU_TW_ISN_GAP;
	return true;
}

/* RFC 9293 3.10.7.4 for TIME-WAIT: the only segment expected is the peer's
 * FIN again, which is acknowledged and restarts 2*MSL.  An exact RST ends
 * the remainder; a new SYN above RCV.NXT ends it too and returns false,
 * so that the listener takes the SYN (edu_tw_reopen()); another SYN or
 * unexpected data gets an ACK (RFC 5961 4.2).
 */
bool edu_tw_handle(struct net *net, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct edu_net *en = edu_pernet(net);
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_tw *tw, copy;
	bool ack = false, found = false, gone = false, challenge = false;
	struct in6_addr saddr, daddr;

	edu_skb_addrs(skb, &saddr, &daddr);

	/* softirq, or a socket's backlog in process context
	 * (edu_rcv_closed()): softirqs off either way
	 */
	spin_lock_bh(&en->lock);
	hlist_for_each_entry(tw, edu_tw_bucket(en, &daddr, th->dest,
					       &saddr, th->source), conn_node) {
		if (!ipv6_addr_equal(&tw->daddr, &saddr) ||
		    tw->dport != th->source ||
		    !ipv6_addr_equal(&tw->saddr, &daddr) || tw->sport != th->dest)
			continue;
		found = true;
		edu_trace_seg_in(skb, EDU_TCP_TIME_WAIT, tw->irs, tw->iss);
		if (cb->flags & EDU_RST) {
			if (cb->seq != tw->rcv_nxt) {
				/* RFC 5961 3.2: an inexact RST gets a
				 * challenge ACK in every synchronized state
				 */
				challenge = true;
			} else if (edu_timer_cancel(&tw->timer)) {
				tw_unhash(tw);
				gone = true;
			}
		} else if (cb->flags & EDU_FIN) {
			/* a record whose expiry is already running just
			 * goes: its callback owns it now
			 */
			edu_timer_postpone(&tw->timer, 2 * edu_msl_jiffies());
			ack = true;
		} else if (edu_tw_reopen(tw, cb)) {
			found = false;
			gone = true;
		} else if ((cb->flags & EDU_SYN) || cb->end_seq != cb->seq) {
			ack = true;
		}
		copy = *tw;
		break;
	}
	spin_unlock_bh(&en->lock);
	if (gone) {
		atomic_dec(&en->tw_count);
		trace_edu_tcp_state(&copy.saddr, copy.sport, &copy.daddr,
				    copy.dport, EDU_TCP_TIME_WAIT, EDU_TCP_CLOSED);
		kfree(tw);
	}
	if (challenge && edu_challenge_allowed(net))
		ack = true;
	if (ack)
		edu_send_tw_ack(net, &copy);
	return found;
}

/* The namespace holds max_tw_buckets records already: like Linux
 * (TCPTimeWaitOverflow), the connection closes at once, without one.  Its
 * 4-tuple may then be reused at once; an old duplicate or the peer's
 * repeated FIN meets a RST.  The check and the insert are not under one
 * lock, so the bound may be passed by the CPUs racing for the last place.
 */
static bool edu_tw_overflow(struct net *net)
{
	if (atomic_read(&edu_pernet(net)->tw_count) < READ_ONCE(edu_max_tw_buckets))
		return false;
	edu_inc(net, EDU_MIB_TIMEWAITOVERFLOW);
	net_info_ratelimited("TIME-WAIT records over max_tw_buckets: closing without one\n");
	return true;
}

/* RFC 9293 3.6: the side that closes first waits 2*MSL so that a lost
 * final ACK can be repeated and old duplicates die out.  Only what that
 * needs survives: a small record, not the socket.
 */
void edu_enter_time_wait(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct edu_tw *tw;

	if (edu_tw_overflow(sock_net(sk))) {
		edu_teardown(sk, true);
		return;
	}
	edu_set_state(sk, EDU_TCP_TIME_WAIT);
	tw = kzalloc(sizeof(*tw), GFP_ATOMIC);
	if (!tw) {
		/* no memory: close at once, as Linux does */
		edu_teardown(sk, true);
		return;
	}
	edu_sk_laddr(sk, &tw->saddr);
	edu_sk_raddr(sk, &tw->daddr);
	tw->sport = inet_sk(sk)->inet_sport;
	tw->dport = sk->sk_dport;
	tw->snd_nxt = es->snd_max;
	tw->rcv_nxt = es->rcv_nxt;
	tw->iss = es->iss;
	tw->irs = es->irs;
	tw->reuse = sk->sk_reuse != SK_NO_REUSE;
	tw->connect_bound = es->connect_bound;
	tw->window = min_t(u32, edu_rcv_window(sk) >> es->rcv_wscale, 0xffff);
	INIT_HLIST_NODE(&tw->conn_node);
	INIT_HLIST_NODE(&tw->bind_node);
	/* hand the port to the remainder before the socket lets it go */
	edu_tw_insert(sock_net(sk), tw);
	edu_teardown(sk, false);
	edu_unbind(sk);
}

/* A namespace going away: sockets pin it, so only records are left.
 * Those whose timer is already firing are freed by their callback.
 */
void edu_tw_net_exit(struct net *net)
{
	struct edu_net *en = edu_pernet(net);
	struct hlist_node *tmp;
	struct edu_tw *tw;
	HLIST_HEAD(dead);
	int i;

	spin_lock_bh(&en->lock);
	for (i = 0; i < (1 << EDU_CONN_HASH_BITS); i++) {
		hlist_for_each_entry_safe(tw, tmp, &en->twait_hash[i], conn_node) {
			tw_unhash(tw);
			/* if the timer is firing, its callback frees tw */
			if (edu_timer_cancel(&tw->timer))
				hlist_add_head(&tw->conn_node, &dead);
		}
	}
	spin_unlock_bh(&en->lock);
	hlist_for_each_entry_safe(tw, tmp, &dead, conn_node) {
		atomic_dec(&en->tw_count);
		kfree(tw);
	}
}
