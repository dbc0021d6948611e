// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: ICMP errors about the segments we sent (RFC 1122 4.2.3.9,
 * RFC 1191, RFC 5927).
 *
 * IPv4 hands an ICMP error to the protocol named in the IP header it
 * quotes (struct net_protocol's err_handler): that header and at least
 * the first 8 bytes of our header, which hold both ports and the sequence
 * number.  The ports find the connection.  Anyone can send an ICMP
 * message, so before anything is believed the quoted sequence number must
 * be one we sent and the peer has not yet acknowledged (RFC 5927 4.1):
 * [SND.UNA, SND.MAX], the highest number sent.  Then:
 *
 *   fragmentation needed (RFC 1191)  the route's PMTU and our MSS go
 *       down, and what was in flight goes again in smaller segments;
 *   a hard error (protocol or port unreachable, ... icmp_err_convert[])
 *       for a SYN ends connect() at once with TCP's errno;
 *   anything else, and any error once connected, is soft: it is noted
 *       in sk_err_soft, which a timeout then reports instead of ETIMEDOUT
 *       (and SO_ERROR reads), or with IP_RECVERR reported at once.
 *
 * This is what Linux's TCP does (tcp_v4_err()).  A half-open request is
 * dropped for a hard error about its own SYN-ACK (listen.c); a TIME-WAIT
 * remainder ignores ICMP, as TCP's does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/errqueue.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/inet_connection_sock.h>
#include "edu_tcp.h"

/* The first 8 bytes of our header: all that ICMP is sure to quote
 * (RFC 792), and all we read.
 */
struct edu_quoted {
	__be16	source;
	__be16	dest;
	__be32	seq;
};

/* RFC 9293 3.7.1: the MSS is the MTU less the IP and our fixed header;
 * RFC 1191 5: a path MTU below 68 (RFC 791's minimum) is not believed.
 */
#define EDU_MIN_PMTU	68

static bool edu_synchronized(const struct sock *sk)
{
	return (1 << sk->sk_state) & ((1 << EDU_TCP_ESTABLISHED) |
				      (1 << EDU_TCP_CLOSE_WAIT) |
				      (1 << EDU_TCP_FIN_WAIT1) |
				      (1 << EDU_TCP_CLOSING) |
				      (1 << EDU_TCP_LAST_ACK));
}

/* Everything in flight was sent in segments too large for the path, so
 * the path lost it: send it again now, cut to the new MSS (go-back-N
 * from SND.UNA, as after a timeout), without the congestion response a
 * loss would earn -- the network did not drop it for congestion (as
 * Linux's tcp_simple_retransmit()).
 */
void edu_retransmit_smaller(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (!edu_synchronized(sk) || es->snd_una == es->snd_max)
		return;
	es->snd_nxt = es->snd_una;
	edu_retransmit_head(sk);
	edu_rearm_rtx(sk);
	edu_push(sk, false);
}

/* RFC 1191 6.1: lower the route's PMTU to what the router reported, and
 * our MSS with it.  The PMTU is the kernel's, kept with the route (a
 * next-hop exception), so every socket to that destination learns it;
 * inet_csk_update_pmtu() asks IPv4 for it and re-routes the socket
 * (it needs nothing of inet_connection_sock but inet_sock's flow, which
 * edu_tcp fills as TCP does).  Socket's spinlock held, not owned.
 */
void edu_mtu_reduced(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	u32 mtu = READ_ONCE(es->mtu_info);
	struct dst_entry *dst;
	u32 mss;

	if (edu_sk_v6(sk)) {
		edu6_mtu_reduced(sk);
		return;
	}
	if (sk->sk_state == EDU_TCP_CLOSED || sk->sk_state == EDU_TCP_LISTEN ||
	    mtu < EDU_MIN_PMTU)
		return;
	dst = inet_csk_update_pmtu(sk, mtu);
	if (!dst)
		return;
	/* as TCP: should this never recover, the timeout says why */
	if (mtu < dst_mtu(dst) && ip_dont_fragment(sk, dst))
		WRITE_ONCE(sk->sk_err_soft, EMSGSIZE);
	mtu = dst_mtu(dst);
	if (READ_ONCE(inet_sk(sk)->pmtudisc) == IP_PMTUDISC_DONT ||
	    !ip_sk_accept_pmtu(sk) ||
	    mtu <= sizeof(struct iphdr) + sizeof(struct tcphdr))
		return;
	mss = mtu - sizeof(struct iphdr) - sizeof(struct tcphdr);
	if (mss >= es->mss)
		return;
	es->mss = mss;
	edu_inc(sock_net(sk), EDU_MIB_PMTUUPDATES);
	edu_retransmit_smaller(sk);
}

/* The socket is owned by a system call: edu_release_cb() (timer.c) runs
 * edu_mtu_reduced() when it lets go, with the reference taken here.
 */
void edu_mtu_defer(struct sock *sk)
{
	if (!__test_and_set_bit(EDU_DEFER_MTU, &edu_sk(sk)->deferred))
		sock_hold(sk);
}

/* IP_RECVERR's error queue entry, as IPv4's ip_icmp_error() builds it
 * (that one is exported to modules only from 6.12 on): a copy of the ICMP
 * message from our header on, with where it came from and what it said.
 */
static void edu_queue_icmp_error(struct sock *sk, struct sk_buff *skb,
				 int err, u32 info, const u8 *payload)
{
	const struct edu_quoted *q = (const struct edu_quoted *)payload;
	struct sock_exterr_skb *serr;
	struct sk_buff *copy;

	copy = skb_clone(skb, GFP_ATOMIC);
	if (!copy)
		return;
	/* in front of ee, IP's control block of the ICMP message stays */
	serr = SKB_EXT_ERR(copy);
	memset(&serr->ee, 0, sizeof(serr->ee));
	serr->ee.ee_errno = err;
	serr->ee.ee_origin = SO_EE_ORIGIN_ICMP;
	serr->ee.ee_type = icmp_hdr(copy)->type;
	serr->ee.ee_code = icmp_hdr(copy)->code;
	serr->ee.ee_info = info;
	/* the address the error is about: the quoted header's destination */
	serr->addr_offset = (u8 *)&((struct iphdr *)(icmp_hdr(copy) + 1))->daddr -
			    skb_network_header(copy);
	serr->port = q->dest;
	if (skb_pull(copy, payload - skb->data)) {
		skb_reset_transport_header(copy);
		if (!sock_queue_err_skb(sk, copy))
			return;
	}
	kfree_skb(copy);
}

/* An ICMP redirect (RFC 1122 3.2.2.2): the route's next hop changes. */
static void edu_redirect(struct sock *sk, struct sk_buff *skb)
{
	struct dst_entry *dst = __sk_dst_check(sk, 0);

	if (dst)
		dst->ops->redirect(dst, sk, skb);
}

/* The errno an error means, negative, or 0 if it is not one to report;
 * @hard: RFC 1122 4.2.3.9's "hard" errors, which end a SYN's connect().
 */
static int edu_icmp_errno(int type, int code, bool *hard)
{
	*hard = false;
	switch (type) {
	case ICMP_PARAMETERPROB:
		return -EPROTO;
	case ICMP_TIME_EXCEEDED:
		return -EHOSTUNREACH;
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			return 0;
		*hard = icmp_err_convert[code].fatal;
		return -icmp_err_convert[code].errno;
	}
	return 0;	/* source quench (RFC 6633), echo replies, ... */
}

/* A soft error, or any error once connected.  TCP keeps trying until it
 * times out (RFC 1122 4.2.3.9, routing heals); the error is what the
 * timeout then reports.  With IP_RECVERR the user hears of it at once,
 * through the next call's errno, and the connection carries on.
 */
static void edu_icmp_soft(struct sock *sk, int err, bool recverr)
{
	edu_inc(sock_net(sk), EDU_MIB_ICMPSOFTERRORS);
	if (!sock_owned_by_user(sk) && recverr) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
}

static void edu_syn_abort(struct sock *sk, int err)
{
	edu_inc(sock_net(sk), EDU_MIB_ICMPCONNABORTS);
	edu_inc(sock_net(sk), EDU_MIB_ATTEMPTFAILS);
	edu_abort(sk, err);
}

/* Our SYN was refused by the network (RFC 1122 4.2.3.9): connect() ends
 * with TCP's errno (ECONNREFUSED for a port unreachable, ENOPROTOOPT for
 * a protocol unreachable, icmp_err_convert[]).  On a short path the error
 * is often back before connect() has let go of the socket: the state is
 * the caller's then, and edu_release_cb() ends the connection as the
 * call lets go (TCP only notes it, and waits for its SYN's timeout).
 */
static void edu_icmp_syn_error(struct sock *sk, int err)
{
	if (!sock_owned_by_user(sk)) {
		edu_syn_abort(sk, err);
		return;
	}
	WRITE_ONCE(sk->sk_err_soft, err);
	if (!__test_and_set_bit(EDU_DEFER_SYN_ERR, &edu_sk(sk)->deferred))
		sock_hold(sk);
}

/* Either family, once the sequence check believed an error: @hard ends a
 * handshake (RFC 1122 4.2.3.9), anything else is soft.  @recverr: the
 * user asked for errors at once (IP_RECVERR or IPV6_RECVERR).  Spinlock
 * held.
 */
void edu_icmp_error(struct sock *sk, int err, bool hard, bool recverr)
{
	if (hard && (sk->sk_state == EDU_TCP_SYN_SENT ||
		     sk->sk_state == EDU_TCP_SYN_RCVD))
		edu_icmp_syn_error(sk, err);
	else
		edu_icmp_soft(sk, err, recverr);
}

/* Either family: an error for no connection went to the half-open
 * requests (edu_request_icmp()), which said @ret; counted, and the
 * err_handler's return value made of it.
 */
int edu_icmp_request_counted(struct net *net, int ret)
{
	if (ret == -ENOENT)
		edu_inc(net, EDU_MIB_ICMPNOSOCKET);
	else if (ret == -ERANGE)
		edu_inc(net, EDU_MIB_ICMPOUTOFWINDOW);
	return ret == -ENOENT ? ret : 0;
}

/* What the sequence check makes of an error about @seq on @sk (RFC 5927
 * 4.1: only one about data in flight is believed), counted: true if it is
 * to be acted on.  Spinlock held.
 */
bool edu_icmp_believed(struct sock *sk, u32 seq)
{
	const struct edu_sock *es = edu_sk(sk);

	if (sk->sk_state == EDU_TCP_CLOSED || sk->sk_state == EDU_TCP_LISTEN) {
		edu_inc(sock_net(sk), EDU_MIB_ICMPNOSOCKET);
		return false;
	}
	if (!seq_between(es->snd_una, seq, es->snd_max)) {
		edu_inc(sock_net(sk), EDU_MIB_ICMPOUTOFWINDOW);
		return false;
	}
	return true;
}

/* edu_release_cb(): the error edu_icmp_syn_error() left, if the SYN is
 * still unanswered.
 */
void edu_syn_error_deferred(struct sock *sk)
{
	int err = READ_ONCE(sk->sk_err_soft);

	if (err && (sk->sk_state == EDU_TCP_SYN_SENT ||
		    sk->sk_state == EDU_TCP_SYN_RCVD))
		edu_syn_abort(sk, err);
}

/* Act on an error the sequence check believed; spinlock held. */
static void edu_icmp_sock(struct sock *sk, struct sk_buff *skb, u32 info,
			  const u8 *payload)
{
	int type = icmp_hdr(skb)->type, code = icmp_hdr(skb)->code;
	bool hard;
	int err;

	if (type == ICMP_REDIRECT) {
		if (!sock_owned_by_user(sk))
			edu_redirect(sk, skb);
		return;
	}
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED) {
		WRITE_ONCE(edu_sk(sk)->mtu_info, info);
		if (sock_owned_by_user(sk))
			edu_mtu_defer(sk);
		else
			edu_mtu_reduced(sk);
		return;
	}
	err = -edu_icmp_errno(type, code, &hard);
	if (!err)
		return;
	if (hard && (sk->sk_state == EDU_TCP_SYN_SENT ||
		     sk->sk_state == EDU_TCP_SYN_RCVD))
		edu_queue_icmp_error(sk, skb, err, info, payload);
	edu_icmp_error(sk, err, hard, edu_recverr(sk));
}

/* ICMP about a SYN-ACK of a half-open request: RFC 5927 4.1 for its ISN,
 * then (as TCP's tcp_req_err()) the errors that say the client cannot be
 * reached drop the request; the rest wait for the SYN-ACK timer.
 */
static int edu_icmp_request(struct net *net, const struct iphdr *iph,
			    const struct edu_quoted *q, int type, int code)
{
	bool drop = type == ICMP_PARAMETERPROB || type == ICMP_TIME_EXCEEDED ||
		    (type == ICMP_DEST_UNREACH && (code == ICMP_NET_UNREACH ||
						   code == ICMP_HOST_UNREACH));
	struct in6_addr laddr, raddr;

	ipv6_addr_set_v4mapped(iph->saddr, &laddr);
	ipv6_addr_set_v4mapped(iph->daddr, &raddr);
	return edu_request_icmp(net, &laddr, q->source, &raddr, q->dest,
				ntohl(q->seq), drop);
}

/* struct net_protocol's err_handler: @skb->data is the IP header we sent,
 * followed by at least 8 bytes of ours (icmp.c in IPv4 checked that);
 * @info is the ICMP message's own field (the next-hop MTU of a
 * fragmentation-needed).  Softirq.
 */
int edu_v4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const u8 *payload = skb->data + iph->ihl * 4;
	const struct edu_quoted *q = (const struct edu_quoted *)payload;
	int type = icmp_hdr(skb)->type, code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	struct in6_addr laddr, raddr;
	struct sock *sk;
	int ret;

	edu_inc(net, EDU_MIB_ICMPIN);
	/* the quoted segment is ours: its source is our end */
	ipv6_addr_set_v4mapped(iph->saddr, &laddr);
	ipv6_addr_set_v4mapped(iph->daddr, &raddr);
	sk = edu_lookup(net, &raddr, q->dest, &laddr, q->source);
	if (!sk) {
		ret = edu_icmp_request(net, iph, q, type, code);
		return edu_icmp_request_counted(net, ret);
	}
	bh_lock_sock(sk);
	if (edu_icmp_believed(sk, ntohl(q->seq)))
		edu_icmp_sock(sk, skb, info, payload);
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}
