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
#include <net/checksum.h>
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
	const struct iphdr *iph = ip_hdr(skb);
	__be16 sport = 0, dport = 0;

	if (skb_transport_offset(skb) + 4 <= (int)skb_headlen(skb) &&
	    why != EDU_DROP_SHORT) {
		sport = tcp_hdr(skb)->source;
		dport = tcp_hdr(skb)->dest;
	}
	edu_inc(net, (enum edu_mib)why);
	if (why != EDU_DROP_NOSOCKET && why != EDU_DROP_OUTOFWINDOW)
		edu_inc(net, EDU_MIB_INERRS);
	trace_edu_tcp_drop(iph->saddr, sport, iph->daddr, dport,
			   edu_drop_names[why]);
}

void edu_trace_seg_in(const struct sk_buff *skb, int state, u32 peer_isn,
		      u32 our_isn)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_seg_info si;

	if (!trace_edu_tcp_seg_in_enabled())
		return;
	si.saddr = ip_hdr(skb)->saddr;
	si.daddr = ip_hdr(skb)->daddr;
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
	if (skb->ip_summed != CHECKSUM_PARTIAL &&
	    (skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo) ||
	     skb_checksum_complete(skb)))
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

int edu_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct iphdr *iph;
	const struct tcphdr *th;
	struct sock *sk;
	int why;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;
	edu_add(net, EDU_MIB_INSEGS, edu_skb_segs(skb));
	why = edu_validate(skb);
	if (why) {
		edu_drop(net, skb, why);
		goto discard;
	}
	iph = ip_hdr(skb);
	th = tcp_hdr(skb);
	sk = edu_lookup(net, iph->saddr, th->source, iph->daddr, th->dest);
	if (!sk) {
		if (edu_tw_handle(net, skb))
			goto discard;
		sk = edu_lookup_listener(net, iph->daddr, th->dest);
	}
	if (!sk) {
		edu_trace_seg_in(skb, 0, 0, 0);
		edu_drop(net, skb, EDU_DROP_NOSOCKET);
		edu_send_reset_reply(net, skb);
		goto discard;
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

/* ICMP errors: edu_tcp ignores them, as RFC 5927 allows for the soft ones;
 * the retransmission timer copes with the rest.
 */
int edu_v4_err(struct sk_buff *skb, u32 info)
{
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
		edu_send_ack(sk);
		return false;
	}
	/* RFC 5961 5.2: an ACK far behind what was ever sent is forged */
	if (seq_before(ack, es->snd_una - es->max_snd_wnd)) {
		edu_send_challenge_ack(sk);
		return false;
	}
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

static bool edu_rmem_ok(struct sock *sk, struct sk_buff *skb)
{
	return atomic_read(&sk->sk_rmem_alloc) + skb->truesize <=
	       (unsigned int)READ_ONCE(sk->sk_rcvbuf);
}

/* In-order data must never wait behind data that arrived early: give up
 * the out-of-order queue (the peer will send it again) to make room.
 */
static void edu_ofo_prune(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	__skb_queue_purge(&es->ooo_queue);
	es->ooo_bytes = 0;
	es->ooo_truesize = 0;
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
	skb_dst_drop(skb);
	skb_set_owner_r(skb, sk);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
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
	case EDU_TCP_SYN_RCVD:
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

/* Segments that arrived early become deliverable once the hole fills. */
static void edu_ofo_drain(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_peek(&es->ooo_queue)) &&
	       !seq_after(EDU_SKB_CB(skb)->seq, es->rcv_nxt) &&
	       (1 << sk->sk_state) & ((1 << EDU_TCP_ESTABLISHED) |
				      (1 << EDU_TCP_FIN_WAIT1) |
				      (1 << EDU_TCP_FIN_WAIT2))) {
		__skb_unlink(skb, &es->ooo_queue);
		es->ooo_bytes -= skb->len;
		es->ooo_truesize -= skb->truesize;
		skb_orphan(skb);
		if (!seq_after(EDU_SKB_CB(skb)->end_seq, es->rcv_nxt)) {
			kfree_skb(skb);
			continue;
		}
		if (edu_trim_front(sk, skb))
			edu_deliver(sk, skb);
	}
}

/* Keep an early segment, sorted by sequence number; the window bounds
 * how much can wait here.
 */
static void edu_ofo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct edu_sock *es = edu_sk(sk);
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct sk_buff *pos;

	skb_queue_walk(&es->ooo_queue, pos) {
		struct edu_skb_cb *pcb = EDU_SKB_CB(pos);

		if (!seq_before(cb->seq, pcb->seq) &&
		    !seq_after(cb->end_seq, pcb->end_seq)) {
			kfree_skb(skb);		/* a duplicate */
			return;
		}
		if (seq_before(cb->seq, pcb->seq)) {
			__skb_queue_before(&es->ooo_queue, pos, skb);
			goto queued;
		}
	}
	__skb_queue_tail(&es->ooo_queue, skb);
queued:
	es->ooo_bytes += skb->len;
	es->ooo_truesize += skb->truesize;
	skb_dst_drop(skb);
	skb_set_owner_r(skb, sk);
	edu_inc(sock_net(sk), EDU_MIB_OUTOFORDERQUEUED);
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
	if (now || !skb_queue_empty(&es->ooo_queue) || es->ack_pending >= 2)
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
	/* RFC 1122 4.2.2.13: new data for a socket whose user will never
	 * read again is answered with RST, so the sender learns it is lost
	 */
	if ((sk->sk_shutdown & RCV_SHUTDOWN) && skb->len &&
	    seq_after(cb->seq + skb->len, es->rcv_nxt)) {
		kfree_skb(skb);
		edu_send_rst(sk);
		edu_reset(sk, ECONNRESET);
		return;
	}
	if (!seq_after(cb->seq, es->rcv_nxt) && !edu_rmem_ok(sk, skb))
		edu_ofo_prune(sk);
	if (!edu_rmem_ok(sk, skb)) {
		edu_drop(sock_net(sk), skb, EDU_DROP_MEMORY);
		kfree_skb(skb);
		edu_send_ack(sk);
		return;
	}
	if (seq_before(cb->seq, es->rcv_nxt)) {
		if (!seq_after(cb->end_seq, es->rcv_nxt)) {
			kfree_skb(skb);		/* all of it is old */
			edu_send_ack(sk);
			return;
		}
		if (!edu_trim_front(sk, skb))
			return;
	}
	if (cb->seq != es->rcv_nxt) {
		edu_ofo_insert(sk, skb);
		edu_send_ack(sk);		/* a duplicate ACK */
		return;
	}
	/* a segment that fills a hole is acknowledged at once (RFC 5681 4.2) */
	had_ooo = !skb_queue_empty(&es->ooo_queue);
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
		/* passive: back to LISTEN, i.e. the listener forgets this
		 * child; active (simultaneous open): refused
		 */
		edu_reset(sk, ECONNREFUSED);
		break;
	case EDU_TCP_CLOSE_WAIT:
		edu_reset(sk, EPIPE);
		break;
	case EDU_TCP_CLOSING:
	case EDU_TCP_LAST_ACK:
		edu_done(sk);
		break;
	default:
		edu_reset(sk, ECONNRESET);
	}
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
		if (!(cb->flags & EDU_RST))
			edu_send_ack(sk);
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

	if (sk->sk_state == EDU_TCP_SYN_RCVD) {
		if (!seq_after(cb->ack, es->snd_una) ||
		    seq_after(cb->ack, es->snd_max)) {
			edu_send_reset_reply(net, skb);
			goto drop;
		}
		if (es->parent && !edu_child_established(sk)) {
			edu_drop(net, skb, EDU_DROP_LISTENOVERFLOW);
			goto drop;	/* accept queue full: try again later */
		}
		edu_set_state(sk, EDU_TCP_ESTABLISHED);
		es->snd_wl1 = cb->seq - 1;	/* take this segment's window */
		if (!es->parent && !sock_flag(sk, SOCK_DEAD))
			sk->sk_state_change(sk);
	}
	if (!edu_process_ack(sk, skb))
		goto drop;

	switch (sk->sk_state) {
	case EDU_TCP_FIN_WAIT1:
		if (es->fin_queued && es->snd_una == es->write_seq) {
			edu_set_state(sk, EDU_TCP_FIN_WAIT2);
			/* an orphan must not wait forever for the peer's FIN */
			if (sock_flag(sk, SOCK_DEAD))
				edu_reset_rtx_timer(sk, EDU_TIMER_TIMEWAIT,
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

void edu_apply_syn_options(struct sock *sk, const struct edu_skb_cb *cb)
{
	struct edu_sock *es = edu_sk(sk);
	u16 peer_mss = cb->mss ? cb->mss : EDU_DEFAULT_MSS;

	es->mss = min(peer_mss, edu_route_mss(sk));
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
			edu_reset(sk, ECONNREFUSED);
		}
		goto drop;
	}
	if (!(cb->flags & EDU_SYN))
		goto drop;

	edu_apply_syn_options(sk, cb);
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

/* RFC 9293 3.10.7.2 */
static void edu_rcv_listen(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);

	if (cb->flags & EDU_RST)
		goto drop;
	if (cb->flags & EDU_ACK) {
		edu_send_reset_reply(sock_net(sk), skb);
		goto drop;
	}
	if (cb->flags & EDU_SYN)
		edu_new_child(sk, skb);
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

	if (!edu_tw_handle(net, skb)) {
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

int edu_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct edu_sock *es = edu_sk(sk);

	es->segs_in += edu_skb_segs(skb);
	/* the peer is alive: keep-alive starts counting again */
	es->rcv_tstamp = jiffies;
	es->probes_out = 0;
	edu_trace_rcv(sk, skb);

	switch (sk->sk_state) {
	case EDU_TCP_LISTEN:
		edu_rcv_listen(sk, skb);
		break;
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
