// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: receiving segments.
 *
 * edu_v4_rcv() validates a segment before anything trusts it (length, data
 * offset, checksum, options: a bad one is dropped and counted), finds its
 * connection and processes it in the order RFC 9293 section 3.10.7 gives:
 * LISTEN (3.10.7.2), SYN-SENT (3.10.7.3), then for the synchronized states
 * (3.10.7.4) sequence number, RST, SYN, ACK, URG, text and FIN in turn.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/tcp.h>
#include <net/ip.h>
#include <net/icmp.h>
#include <net/ip6_checksum.h>
#include <net/checksum.h>
#include <net/xfrm.h>
#include "edu_tcp.h"
#include "trace.h"

static const char *const edu_drop_names[EDU_MIB_MAX] = {
	[EDU_DROP_SHORT]		= "short",
	[EDU_DROP_BADOFFSET]		= "bad_offset",
	[EDU_DROP_BADCSUM]		= "bad_csum",
	[EDU_DROP_BADOPTION]		= "bad_option",
	[EDU_DROP_NOSOCKET]		= "no_socket",
	[EDU_DROP_OUTOFWINDOW]		= "out_of_window",
	[EDU_DROP_LISTENOVERFLOW]	= "listen_overflow",
	[EDU_DROP_MEMORY]		= "memory",
};

/* Count and trace a dropped segment; the caller frees it. */
static void edu_drop(struct net *net, struct sk_buff *skb, enum edu_drop why)
{
	struct in6_addr saddr, daddr;
	__be16 sport = 0, dport = 0;

	if (skb_transport_offset(skb) + 4 <= (int)skb_headlen(skb) &&
	    why != EDU_DROP_SHORT) {
		sport = tcp_hdr(skb)->source;
		dport = tcp_hdr(skb)->dest;
	}
	edu_inc(net, (enum edu_mib)why);
	if (why != EDU_DROP_NOSOCKET && why != EDU_DROP_OUTOFWINDOW)
		edu_inc(net, EDU_MIB_INERRS);
	if (!trace_edu_tcp_drop_enabled())
		return;
	edu_skb_addrs(skb, &saddr, &daddr);
	trace_edu_tcp_drop(&saddr, sport, &daddr, dport, edu_drop_names[why]);
}

void edu_trace_seg_in(const struct sk_buff *skb, int state, u32 peer_isn,
		      u32 our_isn)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_seg_info si;

	if (!trace_edu_tcp_seg_in_enabled())
		return;
	edu_skb_addrs(skb, &si.saddr, &si.daddr);
	si.sport = tcp_hdr(skb)->source;
	si.dport = tcp_hdr(skb)->dest;
	si.seq = cb->seq;
	si.ack = cb->ack;
	si.rseq = cb->seq - peer_isn;
	si.rack = (cb->flags & EDU_ACK) ? cb->ack - our_isn : 0;
	si.len = skb->len - cb->doff;
	si.win = cb->window;
	si.mss = cb->mss;
	si.wscale = cb->has_wscale ? cb->wscale : -1;
	si.flags = cb->flags;
	si.state = state;
	trace_edu_tcp_seg_in(&si);
}

/* RFC 9293 3.2: walk the options; a length that runs past the header or
 * is shorter than two bytes makes the whole segment untrustworthy.
 */
static int edu_parse_options(const struct tcphdr *th, struct edu_skb_cb *cb)
{
	const u8 *p = (const u8 *)(th + 1);
	int len = th->doff * 4 - sizeof(*th);
	int i = 0;

	while (i < len) {
		u8 kind = p[i], olen;

		if (kind == 0)		/* end of option list */
			break;
		if (kind == 1) {	/* no-operation */
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL;
		olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return -EINVAL;
		if (kind == 2) {	/* MSS, RFC 9293 3.2 */
			if (olen != 4)
				return -EINVAL;
			if (th->syn)
				cb->mss = (p[i + 2] << 8) | p[i + 3];
		} else if (kind == 3) {	/* window scale, RFC 7323 2.2 */
			if (olen != 3)
				return -EINVAL;
			if (th->syn) {
				cb->has_wscale = 1;
				cb->wscale = min_t(u8, p[i + 2], EDU_MAX_WSCALE);
			}
		}
		i += olen;
	}
	return 0;
}

/* The pseudo-header is IPv4's (RFC 9293 3.1) or IPv6's (RFC 8200 8.1),
 * with TCP's protocol or next-header value 6 either way.
 */
static bool edu_csum_ok(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IPV6))
		return !skb_checksum_init(skb, IPPROTO_TCP, ip6_compute_pseudo) &&
		       !skb_checksum_complete(skb);
	return !skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo) &&
	       !skb_checksum_complete(skb);
}

static int edu_validate(struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	const struct tcphdr *th;
	unsigned int doff;

	if (!pskb_may_pull(skb, sizeof(struct tcphdr)))
		return EDU_DROP_SHORT;
	th = tcp_hdr(skb);
	doff = th->doff * 4;
	if (doff < sizeof(struct tcphdr) || doff > skb->len)
		return EDU_DROP_BADOFFSET;
	if (!pskb_may_pull(skb, doff))
		return EDU_DROP_BADOFFSET;
	th = tcp_hdr(skb);

	/* TCP's checksum, protocol 6 in the pseudo-header (see output.c).
	 * A segment that never left this machine (loopback, veth) may come
	 * with its checksum still to be filled in: nothing to check there.
	 * (Ours start 4 bytes before the header, see output.c, which the
	 * kernel's skb_csum_unnecessary() does not take for local.)  A NIC
	 * that summed the whole packet (CHECKSUM_COMPLETE) leaves only the
	 * pseudo-header to add; anything else is summed here.
	 */
	if (skb->ip_summed != CHECKSUM_PARTIAL && !edu_csum_ok(skb))
		return EDU_DROP_BADCSUM;

	memset(cb, 0, sizeof(*cb));
	cb->seq = ntohl(th->seq);
	cb->ack = ntohl(th->ack_seq);
	cb->flags = ((const u8 *)th)[13];
	cb->window = ntohs(th->window);
	cb->urg_ptr = ntohs(th->urg_ptr);
	cb->doff = doff;
	/* RFC 9293 3.4: SYN and FIN each occupy one sequence number */
	cb->end_seq = cb->seq + skb->len - doff + th->syn + th->fin;
	if (edu_parse_options(th, cb))
		return EDU_DROP_BADOPTION;
	return 0;
}

/* The first steps of a segment of either family: it is for this host,
 * counted, and valid.  Returns false if the caller must free it.
 */
bool edu_rcv_check(struct net *net, struct sk_buff *skb)
{
	int why;

	if (skb->pkt_type != PACKET_HOST)
		return false;
	edu_add(net, EDU_MIB_INSEGS, edu_skb_segs(skb));
	why = edu_validate(skb);
	if (why) {
		edu_drop(net, skb, why);
		return false;
	}
	return true;
}

int edu_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);

	/* .no_policy in our net_protocol: IPsec's inbound policy and the
	 * end of conntrack's interest are ours to see to, as TCP's are
	 */
	if (!edu_rcv_check(net, skb) ||
	    !xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb)) {
		kfree_skb(skb);
		return 0;
	}
	nf_reset_ct(skb);
	return edu_rcv_demux(net, skb);
}

/* A valid segment of either family finds its socket.  Takes the skb. */
int edu_rcv_demux(struct net *net, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct in6_addr saddr, daddr;
	struct sock *sk;

	/* RFC 9293 3.10.7: a connection, a TIME-WAIT remainder, a
	 * half-open request, a listener, in that order
	 */
	edu_skb_addrs(skb, &saddr, &daddr);
	sk = edu_lookup(net, &saddr, th->source, &daddr, th->dest);
	if (!sk) {
		if (edu_tw_handle(net, skb))
			goto discard;
		if (edu_request_rcv(net, skb))
			return 0;
		sk = edu_lookup_listener(net, &daddr, th->dest);
	}
	if (!sk) {
		edu_trace_seg_in(skb, 0, 0, 0);
		edu_drop(net, skb, EDU_DROP_NOSOCKET);
		edu_send_reset_reply(net, skb);
		goto discard;
	}

	if (READ_ONCE(sk->sk_state) == EDU_TCP_LISTEN) {
		edu_listen_rcv(sk, skb);
		sock_put(sk);
		return 0;
	}
	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk)) {
		edu_do_rcv(sk, skb);
	} else if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) +
				  READ_ONCE(sk->sk_sndbuf))) {
		bh_unlock_sock(sk);
		edu_drop(net, skb, EDU_DROP_MEMORY);
		sock_put(sk);
		goto discard;
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;

discard:
	kfree_skb(skb);
	return 0;
}

/* ---- round-trip time, RFC 6298 section 2 ---- */

void edu_rtt_sample(struct sock *sk, u32 r)
{
	struct edu_sock *es = edu_sk(sk);
	u32 g = jiffies_to_usecs(1);	/* clock granularity G */
	u32 rto_us;

	r = max(r, 1U);
	if (!es->srtt_us) {		/* 2.2: the first measurement */
		es->srtt_us = r;
		es->rttvar_us = r / 2;
	} else {			/* 2.3: beta = 1/4, alpha = 1/8 */
		u32 delta = es->srtt_us > r ? es->srtt_us - r : r - es->srtt_us;

		es->rttvar_us = (3 * es->rttvar_us + delta) / 4;
		es->srtt_us = (7 * es->srtt_us + r) / 8;
	}
	rto_us = es->srtt_us + max(g, 4 * es->rttvar_us);
	es->rto_ms = clamp_t(u32, DIV_ROUND_UP(rto_us, 1000),
			     READ_ONCE(edu_rto_min_ms), 120000);
}

/* ---- congestion control, RFC 5681 and NewReno (RFC 6582) ---- */

static void edu_cong_on_ack(struct sock *sk, u32 acked)
{
	struct edu_sock *es = edu_sk(sk);

	if (es->in_recovery) {
		if (!seq_before(es->snd_una, es->recover)) {
			/* RFC 6582 3.2 step 3: full acknowledgment */
			es->cwnd = min(es->ssthresh,
				       max(es->snd_max - es->snd_una, es->mss) + es->mss);
			es->in_recovery = false;
			es->dupacks = 0;
		} else {
			/* step 4: partial ACK - the next hole is lost too */
			edu_retransmit_head(sk);
			es->cwnd = es->cwnd > acked ? es->cwnd - acked : 0;
			if (acked >= es->mss)
				es->cwnd += es->mss;
			es->cwnd = max_t(u32, es->cwnd, es->mss);
		}
		return;
	}
	es->dupacks = 0;
	if (es->cwnd < es->ssthresh) {
		/* slow start.  RFC 3465 2.2 caps each ACK's growth at
		 * 2*SMSS against bursts after stretched ACKs, but a peer
		 * receiving super-segments (offload.c) sends one ACK per
		 * 64 KiB by design: count, as Linux does, what each ACK
		 * newly covers.
		 */
		es->cwnd += acked;
	} else {
		/* congestion avoidance: one SMSS per window's worth acked */
		es->bytes_acked += acked;
		if (es->bytes_acked >= es->cwnd) {
			es->bytes_acked -= es->cwnd;
			es->cwnd += es->mss;
		}
	}
	/* no window is larger (RFC 7323 2.3), so cwnd need not be */
	es->cwnd = min_t(u32, es->cwnd, 0xffffU << EDU_MAX_WSCALE);
}

/* RFC 5681 3.2: the third duplicate ACK means a segment was lost. */
static void edu_on_dupack(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (es->in_recovery) {
		es->cwnd += es->mss;	/* each one means a segment left */
		edu_push(sk, false);
		return;
	}
	if (++es->dupacks < 3)
		return;
	es->ssthresh = max((es->snd_max - es->snd_una) / 2, 2U * es->mss);
	es->cwnd = es->ssthresh + 3 * es->mss;
	es->recover = es->snd_max;
	es->in_recovery = true;
	edu_inc(sock_net(sk), EDU_MIB_FASTRETRANS);
	edu_retransmit_head(sk);
}

static void edu_clean_acked(struct sock *sk, u32 ack)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_peek(&sk->sk_write_queue))) {
		struct edu_skb_cb *cb = EDU_SKB_CB(skb);

		if (seq_after(cb->end_seq, ack)) {
			/* a partly acknowledged skb keeps only its tail */
			if (seq_after(ack, cb->seq) && !(cb->flags & EDU_SYN)) {
				u32 n = min(ack - cb->seq, skb->len);

				if (!edu_trim_acked(sk, skb, n))
					es->bytes_out += n;
			}
			break;
		}
		__skb_unlink(skb, &sk->sk_write_queue);
		edu_wmem_uncharge(sk, skb->truesize);
		es->bytes_out += skb->len;
		consume_skb(skb);
	}
	if (es->rtt_timing && !seq_before(ack, es->rtt_seq)) {
		u64 now = div_u64(ktime_get_ns(), NSEC_PER_USEC);

		edu_rtt_sample(sk, (u32)min_t(u64, now - es->rtt_start_us, U32_MAX));
		es->rtt_timing = false;
	}
	es->snd_una = ack;
	if (seq_before(es->snd_nxt, ack))
		es->snd_nxt = ack;
	if (es->urg_pending && !seq_before(ack, es->snd_up))
		es->urg_pending = 0;
}

/* The peer is alive: keep-alive (RFC 1122 4.2.3.6) starts counting again.
 * Only a segment that passed the sequence check and carries an acceptable
 * ACK may say so; anyone can send junk to a known 4-tuple, and junk must
 * not keep a dead peer's connection open (as Linux, which notes rcv_tstamp
 * in tcp_ack()).
 */
static void edu_peer_alive(struct edu_sock *es)
{
	es->rcv_tstamp = jiffies;
	es->probes_out = 0;
}

/* RFC 9293 3.10.7.4, fifth: the ACK field.  Returns false if processing
 * of the segment must stop.
 */
static bool edu_process_ack(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);
	u32 ack = cb->ack;
	u32 wnd = (u32)cb->window << es->snd_wscale;
	bool window_changed = false;

	if (seq_after(ack, es->snd_max)) {	/* acks something not sent */
		edu_send_invalid_ack(sk, cb);
		return false;
	}
	/* RFC 5961 5.2: an ACK far behind what was ever sent is forged */
	if (seq_before(ack, es->snd_una - es->max_snd_wnd)) {
		edu_send_challenge_ack(sk);
		return false;
	}
	if (!seq_before(ack, es->snd_una))
		edu_peer_alive(es);
	if (!seq_before(ack, es->snd_una) &&
	    (seq_before(es->snd_wl1, cb->seq) ||
	     (es->snd_wl1 == cb->seq && !seq_before(ack, es->snd_wl2)))) {
		window_changed = wnd != es->snd_wnd;
		es->snd_wnd = wnd;
		es->max_snd_wnd = max(es->max_snd_wnd, wnd);
		es->snd_wl1 = cb->seq;
		es->snd_wl2 = ack;
	}
	if (seq_after(ack, es->snd_una)) {
		/* the SYN took a sequence number but no window */
		u32 acked = ack - es->snd_una - (es->snd_una == es->iss);

		edu_clean_acked(sk, ack);
		es->retries = 0;
		es->backoff = 0;
		edu_cong_on_ack(sk, acked);
		edu_rearm_rtx(sk);
		sk->sk_write_space(sk);
	} else if (ack == es->snd_una && es->snd_una != es->snd_max &&
		   cb->end_seq == cb->seq && !window_changed) {
		edu_on_dupack(sk);
	}
	if (window_changed && es->rtx_kind == EDU_TIMER_PERSIST && wnd) {
		es->backoff = 0;
		edu_stop_rtx_timer(sk);
	}
	edu_push(sk, false);
	return true;
}

/* ---- text and FIN, RFC 9293 3.10.7.4 seventh and eighth ---- */

/* ---- the out-of-order queue ----
 *
 * Segments that arrived early wait in an rbtree keyed by sequence number,
 * as Linux's: a segment finds its place in O(log n), however many wait
 * (a linear list lets a peer make each segment cost the whole queue, the
 * SegmentSmack shape, CVE-2018-5390).  No queued segment wholly covers
 * another: a new one that a queued one covers is dropped, queued ones
 * that a new one covers are removed.  So in sequence order the segments'
 * ends rise as well, which is what lets the insertion look at its path
 * alone.  Partial overlaps stay; delivery trims them.  Their memory counts
 * in sk_rmem_alloc like the receive queue's.
 */

/* Take @skb out of the tree; the caller frees or delivers it. */
static void edu_ofo_unlink(struct sock *sk, struct sk_buff *skb)
{
	struct edu_sock *es = edu_sk(sk);

	rb_erase(&skb->rbnode, &es->ooo_root);
	es->ooo_bytes -= skb->len;
	es->ooo_truesize -= skb->truesize;
}

/* Free the whole queue (the kernel's skb_rbtree_purge() is not exported
 * to modules).
 */
void edu_ofo_purge(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_rb_first(&es->ooo_root))) {
		edu_ofo_unlink(sk, skb);
		kfree_skb(skb);
	}
}

/* A segment that holds nothing another does not: the peer sent it twice,
 * or a router duplicated it.
 */
static void edu_ofo_covered(struct sock *sk, struct sk_buff *skb)
{
	edu_inc(sock_net(sk), EDU_MIB_OFOCOVERED);
	kfree_skb(skb);
}

/* ---- receive memory ----
 *
 * A segment is charged once, as it enters the receive or the out-of-order
 * queue, and stays charged until it is freed, wherever it moves in
 * between: sk_rmem_schedule() asks the protocol's memory accounting
 * (memory_allocated against sysctl_mem, and the memory cgroup) for room,
 * skb_set_owner_r() charges it to sk_rmem_alloc and the socket's forward
 * allocation, and freeing the skb gives both back.  Without accounting in
 * struct proto the schedule always succeeds; sk_rcvbuf still bounds each
 * socket.
 */
static bool edu_rmem_schedule(struct sock *sk, struct sk_buff *skb)
{
	/* While the buffer is not full, a segment the window let in is
	 * taken whatever its truesize, as TCP's is (it compares the buffer
	 * with what is charged before adding): with a buffer of a few KiB
	 * (SO_RCVBUF), each skb's overhead is as large as the payload the
	 * window offers, and a second segment of that window would be
	 * dropped again on every retransmission.  The overshoot is one skb.
	 */
	return atomic_read(&sk->sk_rmem_alloc) < READ_ONCE(sk->sk_rcvbuf) &&
	       sk_rmem_schedule(sk, skb, skb->truesize);
}

/* No room: give up early segments, the highest first -- they are the
 * furthest from being any use, and the peer sends them again.  Only those
 * beyond @skb go: data nearer RCV.NXT is worth more (in-order data above
 * all, which must never wait behind data that arrived early).  Returns
 * whether @skb now fits.
 */
static bool edu_ofo_prune(struct sock *sk, struct sk_buff *skb)
{
	struct edu_sock *es = edu_sk(sk);
	u32 seq = EDU_SKB_CB(skb)->seq;
	struct sk_buff *last;

	do {
		last = skb_rb_last(&es->ooo_root);
		if (!last || !seq_after(EDU_SKB_CB(last)->seq, seq))
			return false;
		edu_ofo_unlink(sk, last);
		edu_inc(sock_net(sk), EDU_MIB_OFOPRUNED);
		kfree_skb(last);
	} while (!edu_rmem_schedule(sk, skb));
	return true;
}

/* Charge a segment to the socket before it is queued; without room even
 * after pruning, it is dropped and counted (the peer sends it again).
 */
static bool edu_rmem_charge(struct sock *sk, struct sk_buff *skb)
{
	if (!edu_rmem_schedule(sk, skb) && !edu_ofo_prune(sk, skb)) {
		edu_drop(sock_net(sk), skb, EDU_DROP_MEMORY);
		kfree_skb(skb);
		return false;
	}
	edu_memory_settle();	/* socket.c: the limits see it at once */
	skb_dst_drop(skb);
	skb_set_owner_r(skb, sk);
	return true;
}

/* Note an urgent byte when it has arrived (RFC 6093: the pointer marks
 * the byte after it, as BSD and Linux read it).
 */
static void edu_urg_arrived(struct sock *sk, struct sk_buff *skb)
{
	struct edu_sock *es = edu_sk(sk);
	u32 seq = EDU_SKB_CB(skb)->seq;

	if (!es->urg_have || es->urg_valid)
		return;
	if (seq_before(es->urg_seq, seq) || !seq_before(es->urg_seq, seq + skb->len))
		return;
	if (skb_copy_bits(skb, es->urg_seq - seq, &es->urg_byte, 1))
		return;
	es->urg_valid = 1;
	sk->sk_data_ready(sk);
}

static void edu_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct edu_sock *es = edu_sk(sk);

	es->rcv_nxt += skb->len;
	es->bytes_in += skb->len;
	if (!skb->len) {
		kfree_skb(skb);
		return;
	}
	edu_urg_arrived(sk, skb);
	__skb_queue_tail(&sk->sk_receive_queue, skb);	/* charged already */
}

/* The peer's FIN, in order: it takes one sequence number (RFC 9293 3.4). */
static void edu_fin_received(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	bool our_fin_acked = es->fin_queued && es->snd_una == es->write_seq;

	es->rcv_nxt++;
	es->fin_rcvd = true;
	sk->sk_shutdown |= RCV_SHUTDOWN;
	sock_set_flag(sk, SOCK_DONE);
	edu_send_ack(sk);
	switch (sk->sk_state) {
	case EDU_TCP_ESTABLISHED:
		edu_set_state(sk, EDU_TCP_CLOSE_WAIT);
		break;
	case EDU_TCP_FIN_WAIT1:
		if (our_fin_acked)
			edu_enter_time_wait(sk);
		else
			edu_set_state(sk, EDU_TCP_CLOSING);	/* simultaneous close */
		break;
	case EDU_TCP_FIN_WAIT2:
		edu_enter_time_wait(sk);
		break;
	}
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk->sk_data_ready(sk);
	}
}

/* Deliver one in-order segment (payload only, cb->seq == rcv_nxt). */
static void edu_deliver(struct sock *sk, struct sk_buff *skb)
{
	bool fin = EDU_SKB_CB(skb)->flags & EDU_FIN;

	edu_queue_rcv(sk, skb);
	if (fin)
		edu_fin_received(sk);
}

/* Trim what we already have from the front of a payload-only segment.
 * Its payload may lie in page fragments, and pulling those may need
 * memory: without it the segment is dropped and counted (the peer sends
 * it again) and false returned.
 */
static bool edu_trim_front(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	u32 n = edu_sk(sk)->rcv_nxt - cb->seq;

	if (n > skb->len)	/* only the FIN is new */
		n = skb->len;
	if (!pskb_pull(skb, n)) {
		edu_drop(sock_net(sk), skb, EDU_DROP_MEMORY);
		kfree_skb(skb);
		return false;
	}
	cb->seq += n;
	return true;
}

/* Segments that arrived early become deliverable once the hole fills:
 * the lowest ones, in order, as long as they start at or before RCV.NXT.
 */
static void edu_ofo_drain(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_rb_first(&es->ooo_root)) &&
	       !seq_after(EDU_SKB_CB(skb)->seq, es->rcv_nxt) &&
	       (1 << sk->sk_state) & ((1 << EDU_TCP_ESTABLISHED) |
				      (1 << EDU_TCP_FIN_WAIT1) |
				      (1 << EDU_TCP_FIN_WAIT2))) {
		edu_ofo_unlink(sk, skb);	/* it stays charged */
		if (!seq_after(EDU_SKB_CB(skb)->end_seq, es->rcv_nxt)) {
			kfree_skb(skb);
			continue;
		}
		if (edu_trim_front(sk, skb))
			edu_deliver(sk, skb);
	}
}

/* The queued segments that follow @skb and end within it are wholly
 * covered by it; the first that ends beyond it, and all after it, are not
 * (their ends rise).
 */
static void edu_ofo_remove_covered(struct sock *sk, struct sk_buff *skb)
{
	u32 end_seq = EDU_SKB_CB(skb)->end_seq;
	struct sk_buff *next;

	while ((next = skb_rb_next(skb)) &&
	       !seq_after(EDU_SKB_CB(next)->end_seq, end_seq)) {
		edu_ofo_unlink(sk, next);
		edu_ofo_covered(sk, next);
	}
}

/* Keep an early segment.  Walking down the tree passes the queued segment
 * that starts where it does, if any, and the last one before it: the only
 * ones that can cover it (see above).
 */
static void edu_ofo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct edu_sock *es = edu_sk(sk);
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct rb_node **link = &es->ooo_root.rb_node, *parent = NULL;

	while (*link) {
		struct edu_skb_cb *qcb;

		parent = *link;
		qcb = EDU_SKB_CB(rb_to_skb(parent));
		if (!seq_before(cb->seq, qcb->seq) &&
		    !seq_after(cb->end_seq, qcb->end_seq)) {
			edu_ofo_covered(sk, skb);
			return;
		}
		/* one starting at the same place is covered: it goes after */
		if (seq_after(cb->seq, qcb->seq))
			link = &parent->rb_right;
		else
			link = &parent->rb_left;
	}
	rb_link_node(&skb->rbnode, parent, link);
	rb_insert_color(&skb->rbnode, &es->ooo_root);
	es->ooo_bytes += skb->len;
	es->ooo_truesize += skb->truesize;
	edu_inc(sock_net(sk), EDU_MIB_OUTOFORDERQUEUED);
	edu_ofo_remove_covered(sk, skb);
}

/* RFC 9293 3.8.6.3: acknowledge at least every second full segment and
 * within 0.5 s; at once for PSH (the writer is waiting for an answer),
 * the FIN, and out-of-order or duplicate data (fast retransmit needs the
 * duplicate ACKs).
 */
static void edu_ack_policy(struct sock *sk, bool now, u16 segs)
{
	struct edu_sock *es = edu_sk(sk);

	es->ack_pending += min_t(u16, segs, 2);
	if (now || !RB_EMPTY_ROOT(&es->ooo_root) || es->ack_pending >= 2)
		edu_send_ack(sk);
	else
		edu_schedule_delack(sk);
}

static void edu_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);
	bool psh = cb->flags & EDU_PSH;
	u16 segs = edu_skb_segs(skb);
	bool had_ooo, fin_before;

	__skb_pull(skb, cb->doff);
	if (!skb->len && !(cb->flags & EDU_FIN)) {
		kfree_skb(skb);		/* a pure ACK */
		return;
	}
	/* RFC 1122 4.2.2.13: new data for a socket whose user closed it
	 * (or shut both ways) is answered with RST, so the sender learns
	 * it is lost.  shutdown(SHUT_RD) alone is no close: as on Linux,
	 * data still comes in and is queued (and recv() hands it out).
	 */
	if ((sk->sk_shutdown & RCV_SHUTDOWN) && skb->len &&
	    ((1 << sk->sk_state) & ((1 << EDU_TCP_FIN_WAIT1) |
				    (1 << EDU_TCP_FIN_WAIT2))) &&
	    seq_after(cb->seq + skb->len, es->rcv_nxt)) {
		kfree_skb(skb);
		edu_send_rst(sk);
		edu_abort(sk, ECONNRESET);
		return;
	}
	if (!seq_after(cb->end_seq, es->rcv_nxt)) {
		kfree_skb(skb);		/* all of it is old */
		edu_send_ack(sk);
		return;
	}
	/* charged before the trim: a charged skb keeps its truesize */
	if (!edu_rmem_charge(sk, skb)) {
		edu_send_ack(sk);
		return;
	}
	if (seq_before(cb->seq, es->rcv_nxt) && !edu_trim_front(sk, skb))
		return;
	if (cb->seq != es->rcv_nxt) {
		edu_ofo_insert(sk, skb);
		edu_send_ack(sk);		/* a duplicate ACK */
		return;
	}
	/* a segment that fills a hole is acknowledged at once (RFC 5681 4.2) */
	had_ooo = !RB_EMPTY_ROOT(&es->ooo_root);
	fin_before = sock_flag(sk, SOCK_DONE);
	edu_deliver(sk, skb);
	edu_ofo_drain(sk);
	if (sk->sk_state == EDU_TCP_CLOSED)	/* now a TIME-WAIT remainder */
		return;
	/* the FIN's own ACK covered everything before it */
	if (fin_before == sock_flag(sk, SOCK_DONE))
		edu_ack_policy(sk, psh || had_ooo, segs);
	sk->sk_data_ready(sk);
}

/* RFC 9293 3.10.7.4 sixth: remember where the urgent byte is. */
static void edu_process_urg(struct sock *sk, const struct edu_skb_cb *cb)
{
	struct edu_sock *es = edu_sk(sk);
	u32 useq;

	if (!(cb->flags & EDU_URG) || !cb->urg_ptr)
		return;
	useq = cb->seq + cb->urg_ptr - 1;
	if (seq_before(useq, es->copied_seq))
		return;
	if (es->urg_have && !seq_after(useq, es->urg_seq))
		return;
	es->urg_have = 1;
	es->urg_seq = useq;
	es->urg_valid = 0;
	es->urg_read = 0;
	sk_send_sigurg(sk);
}

/* RFC 9293 3.10.7.4 first: the four cases of the acceptability test. */
static bool edu_seq_acceptable(struct edu_sock *es, struct edu_skb_cb *cb)
{
	u32 len = cb->end_seq - cb->seq;
	u32 wnd = seq_after(es->rcv_adv, es->rcv_nxt) ? es->rcv_adv - es->rcv_nxt : 0;

	if (!len) {
		if (!wnd)
			return cb->seq == es->rcv_nxt;
		return seq_between(es->rcv_nxt, cb->seq, es->rcv_nxt + wnd - 1);
	}
	if (!wnd)
		return false;
	return seq_between(es->rcv_nxt, cb->seq, es->rcv_nxt + wnd - 1) ||
	       seq_between(es->rcv_nxt, cb->end_seq - 1, es->rcv_nxt + wnd - 1);
}

static void edu_rcv_rst(struct sock *sk)
{
	edu_inc(sock_net(sk), EDU_MIB_INRSTS);
	switch (sk->sk_state) {
	case EDU_TCP_SYN_RCVD:
		/* a simultaneous open, refused (a passive open's SYN-RCVD is
		 * a request record, listen.c)
		 */
		edu_abort(sk, ECONNREFUSED);
		break;
	case EDU_TCP_CLOSE_WAIT:
		edu_abort(sk, EPIPE);
		break;
	case EDU_TCP_CLOSING:
	case EDU_TCP_LAST_ACK:
		edu_done(sk);
		break;
	default:
		edu_abort(sk, ECONNRESET);
	}
}

/* RFC 9293 3.10.7.4 fifth, SYN-RECEIVED: an ACK inside (SND.UNA, SND.MAX]
 * completes the handshake; any other gets a RST.  A listener's child then
 * joins the accept queue, or is refused (listen.c) if that is full.
 * Returns false if processing of the segment must stop.
 */
static bool edu_rcv_handshake_ack(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);
	struct net *net = sock_net(sk);

	if (!seq_after(cb->ack, es->snd_una) || seq_after(cb->ack, es->snd_max)) {
		edu_send_reset_reply(net, skb);
		return false;
	}
	if (es->parent && !edu_child_established(sk)) {
		edu_drop(net, skb, EDU_DROP_LISTENOVERFLOW);
		return false;
	}
	edu_set_state(sk, EDU_TCP_ESTABLISHED);
	es->snd_wl1 = cb->seq - 1;	/* take this segment's window */
	if (!es->parent && !sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	return true;
}

static void edu_rcv_synchronized(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);
	struct net *net = sock_net(sk);

	/* a repeated SYN while we are half open: repeat the SYN-ACK */
	if (sk->sk_state == EDU_TCP_SYN_RCVD && (cb->flags & EDU_SYN) &&
	    !(cb->flags & (EDU_ACK | EDU_RST)) && cb->seq == es->irs) {
		edu_retransmit_head(sk);
		goto drop;
	}
	/* with a closed window, a segment at RCV.NXT still carries a
	 * valid ACK: keep that, lose the data (RFC 9293 3.10.7.4)
	 */
	if (es->rcv_adv == es->rcv_nxt && cb->seq == es->rcv_nxt &&
	    cb->end_seq != cb->seq && !(cb->flags & (EDU_SYN | EDU_RST))) {
		pskb_trim(skb, cb->doff);
		cb->end_seq = cb->seq;
		cb->flags &= ~EDU_FIN;
		edu_send_ack(sk);
	}
	if (!edu_seq_acceptable(es, cb)) {
		/* a RST is never answered (RFC 9293 3.10.7.4); a SYN gets a
		 * challenge ACK "irrespective of the sequence number" (RFC
		 * 5961 4.2), anything else the ACK an unacceptable segment
		 * earns
		 */
		if (cb->flags & EDU_SYN && !(cb->flags & EDU_RST))
			edu_send_challenge_ack(sk);
		else if (!(cb->flags & EDU_RST))
			edu_send_invalid_ack(sk, cb);
		edu_drop(net, skb, EDU_DROP_OUTOFWINDOW);
		goto drop;
	}
	if (cb->flags & EDU_RST) {
		/* RFC 5961 3.2: only an exact RST is believed */
		if (cb->seq == es->rcv_nxt)
			edu_rcv_rst(sk);
		else
			edu_send_challenge_ack(sk);
		goto drop;
	}
	if (cb->flags & EDU_SYN) {		/* RFC 5961 4.2 */
		edu_send_challenge_ack(sk);
		goto drop;
	}
	if (!(cb->flags & EDU_ACK))
		goto drop;

	if (sk->sk_state == EDU_TCP_SYN_RCVD && !edu_rcv_handshake_ack(sk, skb))
		goto drop;
	if (!edu_process_ack(sk, skb))
		goto drop;

	switch (sk->sk_state) {
	case EDU_TCP_FIN_WAIT1:
		if (es->fin_queued && es->snd_una == es->write_seq) {
			edu_set_state(sk, EDU_TCP_FIN_WAIT2);
			/* an orphan must not wait forever for the peer's FIN */
			if (sock_flag(sk, SOCK_DEAD))
				edu_arm_rtx_timer(sk, EDU_TIMER_TIMEWAIT,
						  2 * edu_msl_jiffies());
			else
				sk->sk_state_change(sk);
		}
		break;
	case EDU_TCP_CLOSING:
		if (es->snd_una == es->write_seq) {
			edu_enter_time_wait(sk);
			goto drop;
		}
		break;
	case EDU_TCP_LAST_ACK:
		if (es->snd_una == es->write_seq) {
			edu_done(sk);
			goto drop;
		}
		break;
	}

	edu_process_urg(sk, cb);

	switch (sk->sk_state) {
	case EDU_TCP_ESTABLISHED:
	case EDU_TCP_FIN_WAIT1:
	case EDU_TCP_FIN_WAIT2:
		edu_data_queue(sk, skb);
		return;
	}
drop:
	kfree_skb(skb);
}

/* RFC 9293 3.7.1 puts no floor under the MSS a peer announces, but one of
 * a few bytes turns every write into one segment (and one skb, or one cut
 * of a super-segment) per byte: CVE-2019-11479.  Linux raises it to
 * tcp_min_snd_mss, 48 by default: room for 40 bytes of options and 8 of
 * data.  edu_tcp does the same, and counts it.
 */
#define EDU_MIN_SND_MSS	48

static u16 edu_peer_mss(struct sock *sk, const struct edu_skb_cb *cb)
{
	if (!cb->mss)
		return EDU_DEFAULT_MSS;
	if (cb->mss < EDU_MIN_SND_MSS) {
		edu_inc(sock_net(sk), EDU_MIB_PEERMSSCLAMPED);
		return EDU_MIN_SND_MSS;
	}
	return cb->mss;
}

void edu_apply_syn_options(struct sock *sk, const struct edu_skb_cb *cb)
{
	struct edu_sock *es = edu_sk(sk);

	es->mss = min(edu_peer_mss(sk, cb), edu_route_mss(sk));
	if (cb->has_wscale) {
		es->wscale_ok = 1;
		es->snd_wscale = cb->wscale;
	} else {
		es->wscale_ok = 0;
		es->snd_wscale = 0;
		es->rcv_wscale = 0;
	}
	es->snd_wnd = cb->window;	/* never scaled in a SYN */
	es->max_snd_wnd = es->snd_wnd;
	es->snd_wl1 = cb->seq;
	es->snd_wl2 = cb->ack;
	es->irs = cb->seq;
	es->rcv_nxt = cb->seq + 1;
	es->rcv_adv = es->rcv_nxt;
	es->copied_seq = es->rcv_nxt;
	edu_conn_init(sk);
}

/* RFC 9293 3.10.7.3 */
static void edu_rcv_syn_sent(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);

	if ((cb->flags & EDU_ACK) &&
	    (!seq_after(cb->ack, es->iss) || seq_after(cb->ack, es->snd_max))) {
		if (!(cb->flags & EDU_RST))
			edu_send_reset_reply(sock_net(sk), skb);
		goto drop;
	}
	if (cb->flags & EDU_RST) {
		if (cb->flags & EDU_ACK) {
			edu_inc(sock_net(sk), EDU_MIB_INRSTS);
			edu_inc(sock_net(sk), EDU_MIB_ATTEMPTFAILS);
			edu_abort(sk, ECONNREFUSED);
		}
		goto drop;
	}
	if (!(cb->flags & EDU_SYN))
		goto drop;

	edu_apply_syn_options(sk, cb);
	edu_peer_alive(es);
	if (cb->flags & EDU_ACK) {
		edu_clean_acked(sk, cb->ack);
		es->snd_wnd = cb->window;
		edu_set_state(sk, EDU_TCP_ESTABLISHED);
		edu_rearm_rtx(sk);
		edu_send_ack(sk);
		sk->sk_state_change(sk);
		sk->sk_write_space(sk);
	} else {
		/* simultaneous open: our SYN goes again, now with an ACK */
		edu_set_state(sk, EDU_TCP_SYN_RCVD);
		es->snd_nxt = es->snd_una;
		edu_retransmit_head(sk);
	}
drop:
	kfree_skb(skb);
}

/* A segment that found the listener because its connection did not
 * exist yet: it waited behind a cookie's ACK, in the listener's backlog
 * (a system call held the listener) or on its spinlock (another CPU was
 * handling that ACK).  The ACK has since made the connection, which is
 * the segment's now -- a RST the client sent right after its ACK must
 * reach the child, not the listener, which would ignore it.  A SYN is
 * the listener's either way.  Returns true if the child took it.
 */
static bool edu_listen_redirect(struct sock *sk, struct sk_buff *skb)
{
	struct net *net = sock_net(sk);
	struct sock *child;

	if (EDU_SKB_CB(skb)->flags & EDU_SYN)
		return false;
	/* from the backlog this is process context: the table lock and the
	 * child's spinlock are softirq locks
	 */
	local_bh_disable();
	child = edu_lookup_skb(net, skb);
	if (!child) {
		local_bh_enable();
		return false;
	}
	bh_lock_sock(child);
	if (!sock_owned_by_user(child)) {
		edu_do_rcv(child, skb);
	} else if (sk_add_backlog(child, skb, READ_ONCE(child->sk_rcvbuf) +
				  READ_ONCE(child->sk_sndbuf))) {
		edu_drop(net, skb, EDU_DROP_MEMORY);
		kfree_skb(skb);
	}
	bh_unlock_sock(child);
	local_bh_enable();
	sock_put(child);
	return true;
}

/* RFC 9293 3.10.7.2 */
static void edu_rcv_listen(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);

	if (cb->flags & EDU_RST)
		goto drop;
	if (cb->flags & EDU_ACK) {
		edu_listen_ack(sk, skb);	/* a cookie's, or a RST for it */
		return;
	}
	if (cb->flags & EDU_SYN)
		edu_listen_syn(sk, skb);
drop:
	kfree_skb(skb);
}

/* The segment was looked up, or queued in the backlog, before the
 * socket left the tables (a RST, an abort, or the move to TIME-WAIT on
 * another CPU or earlier in the same backlog).  The socket no longer
 * speaks for the 4-tuple: answer as the tables would now, from the
 * TIME-WAIT record if there is one (RFC 9293 3.10.7.4), else with the
 * RST of a closed port (3.10.7.1).
 */
static void edu_rcv_closed(struct sock *sk, struct sk_buff *skb)
{
	struct net *net = sock_net(sk);

	/* a SYN that reopened a TIME-WAIT tuple here finds no listener
	 * the way it came: dropped, it comes again to one (RFC 9293 3.8.1)
	 */
	if (!edu_tw_handle(net, skb) && !EDU_SKB_CB(skb)->tw_reopen) {
		edu_trace_seg_in(skb, EDU_TCP_CLOSED, 0, 0);
		edu_drop(net, skb, EDU_DROP_NOSOCKET);
		edu_send_reset_reply(net, skb);
	}
	kfree_skb(skb);
}

static void edu_trace_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct edu_sock *es = edu_sk(sk);

	/* before a SYN arrives the peer's ISN is unknown: the SYN's own
	 * sequence number is it
	 */
	switch (sk->sk_state) {
	case EDU_TCP_CLOSED:	/* edu_rcv_closed() traces it */
		break;
	case EDU_TCP_LISTEN:
		edu_trace_seg_in(skb, sk->sk_state, EDU_SKB_CB(skb)->seq, 0);
		break;
	case EDU_TCP_SYN_SENT:
		edu_trace_seg_in(skb, sk->sk_state, EDU_SKB_CB(skb)->seq, es->iss);
		break;
	default:
		edu_trace_seg_in(skb, sk->sk_state, es->irs, es->iss);
	}
}

/* What TCP_INFO counts of a segment in (its header still in front):
 * segments, those with data, and the largest payload of one wire segment.
 */
static void edu_count_in(struct edu_sock *es, const struct sk_buff *skb)
{
	u16 segs = edu_skb_segs(skb);
	u32 payload = skb->len - EDU_SKB_CB(skb)->doff;

	es->segs_in += segs;
	if (!payload)
		return;
	es->data_segs_in += segs;
	es->rcv_mss = max_t(u32, es->rcv_mss,
			    min_t(u32, DIV_ROUND_UP(payload, segs), es->adv_mss));
}

/* A segment for a listener, without the listener's lock, as TCP's are
 * handled: what it changes has locks of its own (the request table, the
 * accept queue; listen.c), and closing the listener is seen under them.
 * Were the lock taken, a listener owned by accept() or setsockopt() on
 * one CPU would queue a flood's SYNs in its backlog and drop what does
 * not fit, and SYN cookies would not keep the listener open.
 */
void edu_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	if (edu_listen_redirect(sk, skb))
		return;
	edu_trace_rcv(sk, skb);
	edu_rcv_listen(sk, skb);
}

int edu_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	if (sk->sk_state == EDU_TCP_LISTEN) {
		edu_listen_rcv(sk, skb);	/* queued before the lockless path */
		return 0;
	}
	edu_count_in(edu_sk(sk), skb);
	edu_trace_rcv(sk, skb);

	switch (sk->sk_state) {
	case EDU_TCP_SYN_SENT:
		edu_rcv_syn_sent(sk, skb);
		break;
	case EDU_TCP_CLOSED:
		edu_rcv_closed(sk, skb);
		break;
	default:
		edu_rcv_synchronized(sk, skb);
	}
	return 0;
}

/* A child made by the handshake's last ACK (listen.c) takes that ACK,
 * already traced at its request, in SYN-RECEIVED.
 */
void edu_child_rcv(struct sock *child, struct sk_buff *skb)
{
	struct edu_sock *es = edu_sk(child);

	edu_count_in(es, skb);
	es->rcv_tstamp = jiffies;
	edu_rcv_synchronized(child, skb);
}
