// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: the listener.
 *
 * A SYN at a listener (RFC 9293 3.10.7.2) makes a small request record,
 * struct edu_request, not a socket: it sits in the namespace's request
 * table, its own timer repeats the SYN-ACK, and /proc/edu_tcp shows it as
 * a SYN-RCVD row.  The handshake's last ACK turns it into a child socket,
 * a copy of the listener, which waits in the accept queue for accept().
 * When the request queue is full, a SYN cookie (RFC 4987, syncookies.c)
 * answers instead: the SYN-ACK's sequence number carries what the record
 * would have held, and the ACK alone makes the child.
 *
 *   SYN  -> edu_listen_syn()   request record + SYN-ACK      (SYN-RCVD row)
 *   ACK  -> edu_request_rcv()  child socket -> accept queue -> accept()
 *   ACK  -> edu_listen_ack()   no record: a cookie's child, or a RST
 *
 * Locks: the request table and each listener's list of requests are
 * under the namespace's table lock (en->lock); the accept queue is under
 * the listener's queue_lock; a child is built under its own spinlock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <net/ip.h>
#include <net/inet_common.h>
#include "edu_tcp.h"
#include "trace.h"

/* RFC 4987 3.6 and Linux's TCP: a cookie is valid for two 64 s ticks, so
 * a listener that sent one in the last 128 s looks for one in an ACK.
 */
#define EDU_COOKIE_VALID	(128 * HZ)

static bool edu_accept_queue_full(struct sock *sk)
{
	struct edu_sock *les = edu_sk(sk);
	bool full;

	spin_lock_bh(&les->queue_lock);
	full = les->accept_qlen > READ_ONCE(sk->sk_max_ack_backlog);
	spin_unlock_bh(&les->queue_lock);
	return full;
}

static void edu_listen_overflow(struct net *net, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct in6_addr saddr, daddr;

	edu_inc(net, EDU_MIB_DROP_LISTENOVERFLOW);
	edu_inc(net, EDU_MIB_INERRS);
	if (!trace_edu_tcp_drop_enabled())
		return;
	edu_skb_addrs(skb, &saddr, &daddr);
	trace_edu_tcp_drop(&saddr, th->source, &daddr, th->dest,
			   "listen_overflow");
}

/* ---- request records ---- */

static void edu_request_trace(const struct edu_request *req, int old, int new)
{
	trace_edu_tcp_state(&req->saddr, req->sport, &req->daddr, req->dport,
			    old, new);
}

/* RFC 6298 2.1 and 5.5: 1 s, doubled for each repetition. */
static unsigned long edu_request_rto(const struct edu_request *req)
{
	u64 ms = (u64)EDU_RTO_INIT_MS << min_t(u8, req->retries, 20);

	return msecs_to_jiffies(min_t(u64, ms, EDU_RTO_MAX_MS));
}

static struct edu_request *edu_request_find(struct edu_net *en,
					    const struct in6_addr *laddr,
					    __be16 lport,
					    const struct in6_addr *raddr,
					    __be16 rport)
{
	struct edu_request *req;

	hlist_for_each_entry(req, edu_req_bucket(en, laddr, lport, raddr, rport),
			     hash_node)
		if (ipv6_addr_equal(&req->saddr, laddr) && req->sport == lport &&
		    ipv6_addr_equal(&req->daddr, raddr) && req->dport == rport)
			return req;
	return NULL;
}

/* The request a received segment belongs to; en->lock held. */
static struct edu_request *edu_request_of(struct edu_net *en,
					  const struct sk_buff *skb)
{
	struct in6_addr saddr, daddr;

	edu_skb_addrs(skb, &saddr, &daddr);
	return edu_request_find(en, &daddr, tcp_hdr(skb)->dest, &saddr,
				tcp_hdr(skb)->source);
}

/* Take a hashed request out of the tables; en->lock held.  Returns true
 * if the caller now owns it and frees it; false if its timer callback is
 * already running, which finds it unhashed and frees it.
 */
static bool edu_request_unlink(struct edu_request *req)
{
	hlist_del_init(&req->hash_node);
	list_del_init(&req->listen_node);
	edu_sk(req->listener)->req_qlen--;
	return edu_timer_cancel(&req->timer);
}

/* The request's timer: repeat the SYN-ACK, or give up after
 * synack_retries repetitions (RFC 9293 3.8.3, R2 for a SYN).  Nothing
 * else arms it, so only an unlink can overtake it, and that one leaves
 * the record to this callback.
 */
static void edu_request_expire(struct edu_timer *t)
{
	struct edu_request *req = container_of(t, struct edu_request, timer);
	struct edu_net *en = edu_pernet(req->net);
	struct edu_request copy;
	bool give_up = false;

	spin_lock(&en->lock);
	if (hlist_unhashed(&req->hash_node)) {
		spin_unlock(&en->lock);
		kfree(req);
		return;
	}
	if (req->retries >= READ_ONCE(edu_synack_retries)) {
		hlist_del_init(&req->hash_node);
		list_del_init(&req->listen_node);
		edu_sk(req->listener)->req_qlen--;
		give_up = true;
	} else {
		req->retries++;
		edu_timer_arm(&req->timer, edu_request_rto(req));
	}
	copy = *req;
	spin_unlock(&en->lock);

	if (give_up) {
		edu_request_trace(&copy, EDU_TCP_SYN_RCVD, EDU_TCP_CLOSED);
		kfree(req);
		return;
	}
	edu_inc(copy.net, EDU_MIB_RETRANSSEGS);
	edu_inc(copy.net, EDU_MIB_SYNACKRETRANS);
	edu_send_synack(&copy, EDU_TCP_SYN_RCVD);
}

/* A record for a SYN, filled from it and from the listener. */
static struct edu_request *edu_request_new(struct sock *sk,
					   struct sk_buff *skb)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct edu_request *req;

	req = kzalloc(sizeof(*req), GFP_ATOMIC);
	if (!req)
		return NULL;
	INIT_HLIST_NODE(&req->hash_node);
	INIT_LIST_HEAD(&req->listen_node);
	edu_timer_init(&req->timer, edu_request_expire);
	req->net = sock_net(sk);
	req->listener = sk;
	edu_skb_addrs(skb, &req->daddr, &req->saddr);
	req->sport = th->dest;
	req->dport = th->source;
	req->irs = cb->seq;
	/* a SYN that reopened TIME-WAIT (timewait.c) brings its ISN */
	req->iss = cb->tw_reopen ? cb->tw_isn :
		   edu_isn(&req->saddr, &req->daddr, th->dest, th->source);
	req->peer_mss = cb->mss;
	req->peer_window = cb->window;
	/* RFC 7323 1.3: scaling only if both SYNs carry the option */
	req->wscale_ok = cb->has_wscale;
	req->snd_wscale = cb->has_wscale ? cb->wscale : 0;
	req->rcv_wscale = cb->has_wscale ? edu_sk(sk)->rcv_wscale : 0;
	/* RFC 7323 2.2: a SYN's window is never scaled; the child starts
	 * with the listener's buffers, empty
	 */
	req->adv_mss = edu_user_mss_clamp(sk, edu_request_route_mss(req));
	req->rcv_window = edu_pressure_window(sk, min_t(u32, edu_rcv_space(sk),
							0xffff), req->adv_mss);
	return req;
}

/* Put a new request in the tables and start its timer, unless the
 * listener stopped, the 4-tuple is taken (a second SYN raced the first
 * on another CPU), or the queue is full (-ENOBUFS).  @copy gets the
 * record as hashed: from then on another CPU may free it.
 */
static int edu_request_hash(struct sock *sk, struct edu_request *req,
			    struct edu_request *copy)
{
	struct edu_net *en = edu_pernet(sock_net(sk));
	struct edu_sock *les = edu_sk(sk);
	int err = 0;

	spin_lock_bh(&en->lock);
	if (hlist_unhashed(&les->listen_node))
		err = -ENOENT;		/* edu_listen_stop() ran */
	else if (edu_tuple_taken(en, &req->saddr, req->sport, &req->daddr,
				 req->dport) ||
		 edu_request_find(en, &req->saddr, req->sport, &req->daddr,
				  req->dport))
		err = -EEXIST;
	else if (les->req_qlen > READ_ONCE(sk->sk_max_ack_backlog))
		err = -ENOBUFS;
	if (!err) {
		hlist_add_head(&req->hash_node,
			       edu_req_bucket(en, &req->saddr, req->sport,
					      &req->daddr, req->dport));
		list_add_tail(&req->listen_node, &les->requests);
		les->req_qlen++;
		req->sent_us = div_u64(ktime_get_ns(), NSEC_PER_USEC);
		edu_timer_arm(&req->timer, edu_request_rto(req));
		*copy = *req;
	}
	spin_unlock_bh(&en->lock);
	return err;
}

/* Drop the request a segment belongs to, if it is still there.  Returns
 * false if it is not: gone, or become a connection meanwhile.
 */
static bool edu_request_drop(struct net *net, const struct edu_request *req)
{
	struct edu_net *en = edu_pernet(net);
	struct edu_request *found;
	bool owned = false;

	spin_lock_bh(&en->lock);
	found = edu_request_find(en, &req->saddr, req->sport, &req->daddr,
				 req->dport);
	if (found)
		owned = edu_request_unlink(found);
	spin_unlock_bh(&en->lock);
	if (!found)
		return false;
	edu_request_trace(req, EDU_TCP_SYN_RCVD, EDU_TCP_CLOSED);
	if (owned)
		kfree(found);
	return true;
}

/* ---- child sockets ---- */

/* The child starts as a copy of its listener, as TCP's do
 * (sk_clone_lock): socket options, SO_LINGER time, buffer sizes, IP
 * options such as TTL and PMTU discovery, and the LSM and cgroup labels
 * all carry over.  What edu_tcp keeps past struct inet_sock describes the
 * listener, not a connection, and starts afresh, but for the options a
 * program set on the listener.  Returns the child with one reference, or
 * NULL.
 */
static struct sock *edu_clone_listener(struct sock *sk,
				       const struct edu_request *req)
{
	struct edu_sock *les = edu_sk(sk), *ces;
	struct inet_sock *cinet;
	struct sock *child;

	child = sk_clone_lock(sk, GFP_ATOMIC);
	if (!child)
		return NULL;
	/* sk_clone_lock() returns it locked; nobody can see it until it
	 * is in the tables, and edu_child_from_request() locks it again
	 */
	__acquire(&child->sk_lock.slock);
	bh_unlock_sock(child);
	__sock_put(child);	/* two from sk_clone_lock; the tables take their own */
	/* not hashed anywhere yet: the state is not LISTEN even briefly */
	edu_state_store(child, EDU_TCP_CLOSED);
	ces = edu_sk(child);
	memset((char *)ces + sizeof(ces->inet), 0,
	       sizeof(*ces) - sizeof(ces->inet));
	edu_init_sock_fields(child);
	ces->nodelay = les->nodelay;
	ces->user_mss = les->user_mss;
	ces->keep_idle = les->keep_idle;
	ces->keep_intvl = les->keep_intvl;
	ces->keep_cnt = les->keep_cnt;

	cinet = inet_sk(child);
	/* the listener's IP options and multicast groups stay its own */
	RCU_INIT_POINTER(cinet->inet_opt, NULL);
	cinet->mc_list = NULL;
	if (child->sk_family == AF_INET6)
		edu6_child_init(child);
	atomic_set(&cinet->inet_id, get_random_u16());
	edu_sk_set_laddr(child, &req->saddr);
	edu_sk_set_raddr(child, &req->daddr);
	cinet->inet_num = ntohs(req->sport);
	cinet->inet_sport = req->sport;
	cinet->inet_dport = req->dport;
	child->sk_priority = sk->sk_priority;	/* sk_clone_lock clears it */
	return child;
}

/* What the handshake settled, from the record to the child: the state
 * after our SYN-ACK was sent, with nothing of it left to repeat.
 */
static void edu_child_take_request(struct sock *child,
				   const struct edu_request *req)
{
	struct edu_sock *es = edu_sk(child);
	struct edu_skb_cb syn = {
		.seq = req->irs,
		.end_seq = req->irs + 1,
		.window = req->peer_window,
		.flags = EDU_SYN,
		.mss = req->peer_mss,
		.wscale = req->snd_wscale,
		.has_wscale = req->wscale_ok,
	};

	es->adv_mss = req->adv_mss;
	edu_apply_syn_options(child, &syn);
	if (req->wscale_ok)
		es->rcv_wscale = req->rcv_wscale;
	es->rcv_adv = es->rcv_nxt + req->rcv_window;
	es->iss = req->iss;
	es->snd_una = req->iss;
	es->snd_nxt = req->iss + 1;	/* RFC 9293 3.4: the SYN's number */
	es->snd_max = req->iss + 1;
	es->write_seq = req->iss + 1;
	/* Karn's rule: a repeated SYN-ACK gives no RTT sample */
	if (!req->retries && req->sent_us) {
		es->rtt_timing = true;
		es->rtt_seq = req->iss + 1;
		es->rtt_start_us = req->sent_us;
	}
}

/* The hashed request becomes the child: one lock for both, so a
 * segment on another CPU finds one or the other.  Fails if the request
 * went meanwhile (expired, reset, or its listener closed).
 */
static int edu_request_become(struct sock *child,
			      const struct edu_request *req)
{
	struct edu_net *en = edu_pernet(sock_net(child));
	struct edu_request *found;
	bool owned = false;

	spin_lock_bh(&en->lock);
	found = edu_request_find(en, &req->saddr, req->sport, &req->daddr,
				 req->dport);
	if (found) {
		owned = edu_request_unlink(found);
		edu_insert_child(en, child);
	}
	spin_unlock_bh(&en->lock);
	if (owned)
		kfree(found);
	return found ? 0 : -ENOENT;
}

/* The handshake's last ACK did not make the child ESTABLISHED (its
 * listener is closing): nobody will accept it.
 */
static void edu_refuse_child(struct sock *child)
{
	struct edu_sock *ces = edu_sk(child);
	struct sock *parent = ces->parent;

	ces->parent = NULL;
	edu_send_rst(child);
	sock_set_flag(child, SOCK_DEAD);
	edu_teardown(child, true);
	sock_put(parent);
}

/* A child that never got into the tables goes as a closed orphan. */
static void edu_free_unborn_child(struct sock *child)
{
	sock_set_flag(child, SOCK_DEAD);
	sock_put(child);
}

/* RFC 9293 3.10.7.4, SYN-RECEIVED and an acceptable ACK: the connection
 * is ESTABLISHED, and only now is there a socket for it.  @hashed: the
 * record is in the tables (else it came from a cookie).  Takes the skb.
 */
static void edu_child_from_request(struct sock *sk,
				   const struct edu_request *req,
				   struct sk_buff *skb, bool hashed)
{
	struct net *net = sock_net(sk);
	struct sock *child;
	bool refused;

	/* the listener's own lock is not held (input.c,
	 * edu_listen_rcv()); from a backlog this is process context, and
	 * softirqs must not find the child locked on this CPU
	 */
	local_bh_disable();
	child = edu_clone_listener(sk, req);
	if (!child) {
		edu_inc(net, EDU_MIB_DROP_MEMORY);
		goto drop;
	}
	/* its route and, once in the tables, segments on other CPUs want
	 * its lock held (__sk_dst_get() checks it)
	 */
	bh_lock_sock(child);
	if (edu_route_socket(child))
		goto unborn;
	edu_child_take_request(child, req);
	edu_state_store(child, EDU_TCP_SYN_RCVD);
	if (hashed ? edu_request_become(child, req) : edu_hash_child(child)) {
		edu_state_store(child, EDU_TCP_CLOSED);
		goto unborn;
	}
	sock_hold(sk);
	edu_sk(child)->parent = sk;
	edu_child_rcv(child, skb);
	refused = child->sk_state == EDU_TCP_SYN_RCVD;
	if (refused)
		edu_refuse_child(child);
	bh_unlock_sock(child);
	local_bh_enable();
	if (refused)
		sock_put(child);
	return;

unborn:
	bh_unlock_sock(child);
	edu_free_unborn_child(child);
drop:
	local_bh_enable();
	kfree_skb(skb);
}

/* ---- segments for a listener ---- */

/* RFC 4987 3.6: the SYN-ACK of a full queue carries the record in its
 * sequence number, and nothing is kept.  No window scale: the cookie has
 * no room for it (RFC 4987 3.6 notes the options lost).
 */
static void edu_send_cookie(struct sock *sk, struct edu_request *req)
{
	req->wscale_ok = false;
	req->snd_wscale = 0;
	req->rcv_wscale = 0;
	req->iss = edu_cookie_isn(req);
	WRITE_ONCE(edu_sk(sk)->cookie_stamp, jiffies);
	edu_inc(req->net, EDU_MIB_SYNCOOKIESSENT);
	edu_send_synack(req, EDU_TCP_LISTEN);
}

/* RFC 9293 3.10.7.2 third: a SYN at a listener gets a request record
 * and a SYN-ACK, or a cookie when the queue is full.  The listener is
 * not locked (input.c, edu_listen_rcv()): a listener that stopped shows
 * in edu_request_hash() and edu_child_established(), under their locks.
 */
void edu_listen_syn(struct sock *sk, struct sk_buff *skb)
{
	unsigned int cookies = READ_ONCE(edu_syncookies);
	struct net *net = sock_net(sk);
	struct edu_request *req, copy;
	int err;

	/* as TCP: with no room to accept, a new SYN is not answered */
	if (edu_accept_queue_full(sk)) {
		edu_listen_overflow(net, skb);
		return;
	}
	req = edu_request_new(sk, skb);
	if (!req || !req->adv_mss) {
		kfree(req);
		edu_inc(net, EDU_MIB_DROP_MEMORY);
		return;
	}
	err = cookies == 2 ? -ENOBUFS : edu_request_hash(sk, req, &copy);
	if (err == -ENOBUFS && cookies) {
		edu_send_cookie(sk, req);
		kfree(req);
		return;
	}
	if (err) {
		if (err == -ENOBUFS)
			edu_listen_overflow(net, skb);
		kfree(req);
		return;
	}
	/* RFC 1213 tcpPassiveOpens: LISTEN -> SYN-RCVD */
	edu_inc(net, EDU_MIB_PASSIVEOPENS);
	edu_request_trace(&copy, EDU_TCP_LISTEN, EDU_TCP_SYN_RCVD);
	edu_send_synack(&copy, EDU_TCP_SYN_RCVD);
}

static bool edu_cookies_recent(struct sock *sk)
{
	unsigned long stamp = READ_ONCE(edu_sk(sk)->cookie_stamp);

	return stamp && time_before(jiffies, stamp + EDU_COOKIE_VALID);
}

/* RFC 9293 3.10.7.2 second: an ACK at a listener is bad and gets
 * <SEQ=SEG.ACK><CTL=RST>, unless it carries a cookie we sent (RFC 4987).
 * Takes the skb.
 */
void edu_listen_ack(struct sock *sk, struct sk_buff *skb)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct net *net = sock_net(sk);
	struct edu_request req = {
		.net = net,
		.listener = sk,
		.sport = th->dest,
		.dport = th->source,
		.irs = cb->seq - 1,
		.iss = cb->ack - 1,
		.peer_window = cb->window,
		.retries = 1,	/* the send time is unknown: no RTT sample */
	};

	edu_skb_addrs(skb, &req.daddr, &req.saddr);
	if ((cb->flags & EDU_SYN) || !edu_cookies_recent(sk))
		goto reset;
	req.peer_mss = edu_cookie_check(&req);
	if (!req.peer_mss) {
		edu_inc(net, EDU_MIB_SYNCOOKIESFAILED);
		goto reset;
	}
	edu_inc(net, EDU_MIB_SYNCOOKIESRECV);
	if (edu_accept_queue_full(sk)) {
		edu_listen_overflow(net, skb);
		kfree_skb(skb);
		return;
	}
	req.adv_mss = edu_user_mss_clamp(sk, edu_request_route_mss(&req));
	req.rcv_window = edu_pressure_window(sk, min_t(u32, edu_rcv_space(sk),
						       0xffff), req.adv_mss);
	edu_child_from_request(sk, &req, skb, false);
	return;
reset:
	edu_send_reset_reply(net, skb);
	kfree_skb(skb);
}

/* RFC 9293 3.10.7.4 first: the sequence test of SYN-RECEIVED, with our
 * SYN-ACK's window.
 */
static bool edu_request_seq_ok(const struct edu_request *req,
			       const struct edu_skb_cb *cb)
{
	u32 nxt = req->irs + 1, end = nxt + req->rcv_window;

	if (cb->end_seq == cb->seq || !req->rcv_window)
		return req->rcv_window ? !seq_before(cb->seq, nxt) &&
					 seq_before(cb->seq, end) :
					 cb->seq == nxt;
	return (!seq_before(cb->seq, nxt) && seq_before(cb->seq, end)) ||
	       (seq_after(cb->end_seq, nxt) && !seq_after(cb->end_seq, end));
}

/* The ACK a request answers with: <SEQ=ISS+1><ACK=IRS+1>. */
static void edu_request_ack(const struct edu_request *req)
{
	edu_send_request_ctl(req, EDU_ACK);
}

/* RFC 9293 3.10.7.4 for a passive open's SYN-RECEIVED.  Takes the skb. */
static void edu_request_segment(struct sock *sk, const struct edu_request *req,
				struct sk_buff *skb)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct net *net = sock_net(sk);

	/* a repeated SYN: the SYN-ACK again */
	if ((cb->flags & EDU_SYN) && !(cb->flags & (EDU_ACK | EDU_RST)) &&
	    cb->seq == req->irs) {
		edu_send_synack(req, EDU_TCP_SYN_RCVD);
		goto drop;
	}
	if (!edu_request_seq_ok(req, cb)) {
		/* RFC 5961 7: a record has no clock of its own for these
		 * ACKs; the namespace's budget bounds them
		 */
		if (!(cb->flags & EDU_RST) && edu_challenge_allowed(net))
			edu_request_ack(req);
		edu_inc(net, EDU_MIB_DROP_OUTOFWINDOW);
		goto drop;
	}
	if (cb->flags & EDU_RST) {
		/* RFC 5961 3.2; RFC 9293 3.10.7.4 second: back to LISTEN */
		if (cb->seq == req->irs + 1) {
			/* looked up as a request, the handshake's ACK made it
			 * a connection on another CPU since: the RST is the
			 * connection's now, or it would leave it open for good
			 */
			if (!edu_request_drop(net, req)) {
				edu_rcv_demux(net, skb);
				return;
			}
			edu_inc(net, EDU_MIB_INRSTS);
		} else if (edu_challenge_allowed(net)) {
			edu_request_ack(req);
		}
		goto drop;
	}
	if (cb->flags & EDU_SYN) {		/* RFC 5961 4.2 */
		if (edu_challenge_allowed(net))
			edu_request_ack(req);
		goto drop;
	}
	if (!(cb->flags & EDU_ACK))
		goto drop;
	if (cb->ack != req->iss + 1) {		/* RFC 9293 3.10.7.4 fifth */
		edu_send_reset_reply(net, skb);
		goto drop;
	}
	/* as TCP: no room to accept, so the ACK is lost and the record
	 * stays; its SYN-ACK, repeated, brings the ACK back later
	 */
	if (edu_accept_queue_full(sk)) {
		edu_listen_overflow(net, skb);
		goto drop;
	}
	edu_child_from_request(sk, req, skb, true);
	return;
drop:
	kfree_skb(skb);
}

/* A segment for a half-open request, from the demultiplexer in softirq.
 * Returns false if there is no such request; else the skb is taken.
 */
bool edu_request_rcv(struct net *net, struct sk_buff *skb)
{
	struct edu_net *en = edu_pernet(net);
	struct edu_request *req, copy;
	struct sock *sk = NULL;

	spin_lock(&en->lock);
	req = edu_request_of(en, skb);
	if (req) {
		copy = *req;
		sk = req->listener;
		sock_hold(sk);	/* valid: the request is hashed */
	}
	spin_unlock(&en->lock);
	if (!sk)
		return false;
	edu_trace_seg_in(skb, EDU_TCP_SYN_RCVD, copy.irs, copy.iss);
	edu_request_segment(sk, &copy, skb);
	sock_put(sk);
	return true;
}

/* An ICMP error about a request's SYN-ACK (icmp.c says which ones
 * @drop): believed only if it quotes the request's ISN (RFC 5927 4.1).
 * Returns -ENOENT if there is no such request, -ERANGE if the number is
 * not its own, else 0.  Softirq.
 */
int edu_request_icmp(struct net *net, const struct in6_addr *laddr,
		     __be16 lport, const struct in6_addr *raddr, __be16 rport,
		     u32 seq, bool drop)
{
	struct edu_net *en = edu_pernet(net);
	struct edu_request *req, copy;
	bool owned = false;

	spin_lock(&en->lock);
	req = edu_request_find(en, laddr, lport, raddr, rport);
	if (!req) {
		spin_unlock(&en->lock);
		return -ENOENT;
	}
	if (seq != req->iss) {
		spin_unlock(&en->lock);
		return -ERANGE;
	}
	if (drop) {
		copy = *req;
		owned = edu_request_unlink(req);
	}
	spin_unlock(&en->lock);
	if (!drop)
		return 0;
	edu_request_trace(&copy, EDU_TCP_SYN_RCVD, EDU_TCP_CLOSED);
	if (owned)
		kfree(req);
	return 0;
}

/* ---- the accept queue ---- */

/* The final ACK of the handshake: the child moves to the accept queue.
 * Its room was checked before the child was made (edu_accept_queue_full);
 * ACKs on two CPUs may both have seen the last place free, and both are
 * queued, as TCP's are: refusing the second now would reset a connection
 * its peer already counts as open.  Only a closing listener refuses.
 */
bool edu_child_established(struct sock *child)
{
	struct edu_sock *ces = edu_sk(child);
	struct sock *parent = ces->parent;
	struct edu_sock *pes = edu_sk(parent);
	bool ok = false;

	spin_lock_bh(&pes->queue_lock);
	if (!pes->queues_closed && !ces->queued) {
		list_add_tail(&ces->child_node, &pes->accept_queue);
		pes->accept_qlen++;
		ces->queued = true;
		ok = true;
	}
	spin_unlock_bh(&pes->queue_lock);
	if (ok)
		parent->sk_data_ready(parent);
	return ok;
}

/* A queued child failed before accept() took it (a RST, a timeout).
 * Returns false if it is no longer the listener's to drop.
 */
bool edu_listener_drop_child(struct sock *child)
{
	struct edu_sock *ces = edu_sk(child);
	struct sock *parent = ces->parent;
	struct edu_sock *pes = edu_sk(parent);
	bool mine = false;

	spin_lock_bh(&pes->queue_lock);
	if (!pes->queues_closed && ces->queued) {
		list_del_init(&ces->child_node);
		pes->accept_qlen--;
		ces->queued = false;
		mine = true;
	}
	spin_unlock_bh(&pes->queue_lock);
	if (!mine)
		return false;
	ces->parent = NULL;
	sock_set_flag(child, SOCK_DEAD);
	edu_teardown(child, true);
	sock_put(parent);
	sock_put(child);	/* the reference accept() would have taken */
	return true;
}

struct sock *edu_accept_dequeue(struct sock *sk)
{
	struct edu_sock *les = edu_sk(sk), *ces;

	spin_lock_bh(&les->queue_lock);
	ces = list_first_entry_or_null(&les->accept_queue, struct edu_sock,
				       child_node);
	if (ces) {
		list_del_init(&ces->child_node);
		les->accept_qlen--;
		ces->queued = false;
	}
	spin_unlock_bh(&les->queue_lock);
	return ces ? &ces->inet.sk : NULL;
}

/* accept() blocks here, with the listener owned, for a child. */
int edu_wait_for_child(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	add_wait_queue_exclusive(sk_sleep(sk), &wait);
	while (list_empty(&edu_sk(sk)->accept_queue)) {
		err = -EAGAIN;
		if (!*timeo)
			break;
		release_sock(sk);
		*timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, *timeo);
		lock_sock(sk);
		err = 0;
		if (!list_empty(&edu_sk(sk)->accept_queue))
			break;
		err = -EINVAL;
		if (sk->sk_state != EDU_TCP_LISTEN)
			break;
		err = sock_intr_errno(*timeo);
		if (signal_pending(current))
			break;
		err = -EAGAIN;
		if (!*timeo)
			break;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

/* ---- closing a listener ---- */

/* Its requests go, each with a RST so the peer need not wait. */
static void edu_listen_drop_requests(struct sock *sk)
{
	struct edu_net *en = edu_pernet(sock_net(sk));
	struct edu_sock *les = edu_sk(sk);
	struct edu_request *req, *tmp;
	LIST_HEAD(owned);

	spin_lock_bh(&en->lock);
	hlist_del_init(&les->listen_node);	/* no new requests */
	list_for_each_entry_safe(req, tmp, &les->requests, listen_node) {
		hlist_del_init(&req->hash_node);
		if (edu_timer_cancel(&req->timer))
			list_move_tail(&req->listen_node, &owned);
		else
			list_del_init(&req->listen_node);
	}
	les->req_qlen = 0;
	spin_unlock_bh(&en->lock);

	list_for_each_entry_safe(req, tmp, &owned, listen_node) {
		edu_send_request_ctl(req, EDU_RST | EDU_ACK);
		edu_request_trace(req, EDU_TCP_SYN_RCVD, EDU_TCP_CLOSED);
		kfree(req);
	}
}

/* Close a listener: every request and every child it still holds is
 * reset.  The listener is owned by the caller.
 */
void edu_listen_stop(struct sock *sk)
{
	struct edu_sock *les = edu_sk(sk), *ces, *tmp;
	LIST_HEAD(children);

	edu_listen_drop_requests(sk);
	spin_lock_bh(&les->queue_lock);
	les->queues_closed = true;
	list_splice_init(&les->accept_queue, &children);
	les->accept_qlen = 0;
	spin_unlock_bh(&les->queue_lock);

	list_for_each_entry_safe(ces, tmp, &children, child_node) {
		struct sock *child = &ces->inet.sk;

		list_del_init(&ces->child_node);
		local_bh_disable();
		bh_lock_sock_nested(child);
		ces->queued = false;
		ces->parent = NULL;
		if (child->sk_state != EDU_TCP_CLOSED)
			edu_send_rst(child);
		sock_set_flag(child, SOCK_DEAD);
		edu_teardown(child, true);
		bh_unlock_sock(child);
		local_bh_enable();
		sock_put(sk);
		sock_put(child);
	}
	edu_set_state(sk, EDU_TCP_CLOSED);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
}
