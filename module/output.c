// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: building and sending segments.
 *
 * A segment is an RFC 9293 section 3.1 header, byte for byte, carried under
 * edu_tcp's own IP protocol number.  Its checksum is TCP's, with 6 in the
 * pseudo-header's protocol field rather than our number: that way any TCP
 * decoder (Wireshark's "Decode As... TCP", a TCP codec) validates our
 * segments unchanged.
 *
 * With the offload parameter on (the default) and a device that can sum
 * any protocol's packets (NETIF_F_HW_CSUM: loopback, veth, many NICs), the
 * checksum is left to the device as kernel TCP leaves it, and a data skb
 * may hold many MSS worth: a super-segment, cut up by the device or by
 * offload.c.  Otherwise each checksum is computed here and each skb is one
 * segment, which is also what a capture then shows byte for byte.
 *
 * The write queue holds every segment not yet acknowledged: SYN, data and
 * FIN alike, so one retransmission path serves them all.  Data lives in
 * page fragments, so an skb can be cut (edu_split) or trimmed after a
 * partial ACK (edu_trim_acked) without copying any payload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/tcp.h>
#include <linux/random.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/checksum.h>
#include "edu_tcp.h"
#include "trace.h"

/* RFC 9293 3.2 option kinds */
#define EDU_OPT_EOL	0
#define EDU_OPT_NOP	1
#define EDU_OPT_MSS	2
#define EDU_OPT_WSCALE	3	/* RFC 7323 2.2 */

/* RFC 5961 section 7: limit challenge ACKs.  Per namespace, at least this
 * many a second, plus a random share of up to half as many again, drawn
 * each second (Linux's budget was 1000, randomised the same way after
 * CVE-2016-5696); a classroom needs far fewer.
 */
#define EDU_CHALLENGE_ACK_LIMIT	100
/* Per socket, one ACK answering an invalid segment (challenge or out of
 * window) per this interval, as Linux's tcp_invalid_ratelimit (500 ms).
 */
#define EDU_INVALID_ACK_INTERVAL_MS	500

static void edu_trace_seg_out(const struct tcphdr *th,
			      const struct in6_addr *saddr,
			      const struct in6_addr *daddr, u32 len, int state,
			      u32 iss, u32 irs, u16 mss, s8 wscale)
{
	struct edu_seg_info si;

	if (!trace_edu_tcp_seg_out_enabled())
		return;
	si.saddr = *saddr;
	si.daddr = *daddr;
	si.sport = th->source;
	si.dport = th->dest;
	si.seq = ntohl(th->seq);
	si.ack = ntohl(th->ack_seq);
	si.rseq = si.seq - iss;
	si.rack = th->ack ? si.ack - irs : 0;
	si.len = len;
	si.win = ntohs(th->window);
	si.mss = mss;
	si.wscale = wscale;
	si.flags = EDU_FLAG_BYTE(th);
	si.state = state;
	trace_edu_tcp_seg_out(&si);
}

/* How much more we can take, from the free receive buffer.  skbs cost
 * about twice their payload in memory (headers, alignment), so only half
 * the free space is offered; the peer can then never make us exceed
 * sk_rcvbuf by much.
 */
u32 edu_rcv_space(struct sock *sk)
{
	/* Out-of-order data lies inside the window already offered, so it
	 * must not close the window: else the segment that fills the hole
	 * would find no room.
	 */
	int space = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc) +
		    (int)READ_ONCE(edu_sk(sk)->ooo_truesize);
	u32 max = 0xffffU << edu_sk(sk)->rcv_wscale;

	if (space <= 0)
		return 0;
	return min_t(u32, space / 2, max);
}

/* The window to offer: the room, within memory pressure's limit. */
u32 edu_rcv_window(struct sock *sk)
{
	return edu_pressure_window(sk, edu_rcv_space(sk), edu_sk(sk)->adv_mss);
}

/* Under memory pressure (memory.c) a window offers a few segments at
 * most, as TCP's clamps itself to four of them: the right edge then stays
 * where it is (it never moves back) while the data in flight drains.
 */
u32 edu_pressure_window(const struct sock *sk, u32 win, u16 mss)
{
	if (sk_under_memory_pressure(sk))
		win = min_t(u32, win, 4U * mss);
	return win;
}

/* RFC 9293 3.8.6.2.2 (receiver silly-window avoidance): the right edge
 * moves by at least min(Fr * RCV.BUFF, Eff.snd.MSS), Fr = 1/2.  The
 * buffer as the peer sees it is the largest window we offer, half of
 * sk_rcvbuf (edu_rcv_space()): with half of sk_rcvbuf itself, a buffer
 * below two MSS would only ever open the window from zero to all of it,
 * and what a partial read freed would wait for the peer's persist timer.
 */
u32 edu_rcv_sws_step(const struct sock *sk)
{
	return min_t(u32, READ_ONCE(sk->sk_rcvbuf) / 4, edu_sk(sk)->adv_mss);
}

/* The window field of a non-SYN segment: move the right edge only by
 * edu_rcv_sws_step() at least, and (3.8.6) never move it back.
 */
static u16 edu_select_window(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	u32 win = edu_rcv_window(sk);
	u32 cur = seq_after(es->rcv_adv, es->rcv_nxt) ? es->rcv_adv - es->rcv_nxt : 0;
	u32 unit = 1U << es->rcv_wscale;
	u32 field;

	if (win > cur && win - cur < edu_rcv_sws_step(sk))
		win = cur;
	if (win < cur)
		win = cur;
	field = min_t(u32, DIV_ROUND_UP(win, unit), 0xffff);
	es->rcv_adv = es->rcv_nxt + field * unit;
	return field;
}

static unsigned int edu_write_syn_options(struct sock *sk, u8 *opt, bool ws)
{
	struct edu_sock *es = edu_sk(sk);

	opt[0] = EDU_OPT_MSS;
	opt[1] = 4;
	opt[2] = es->adv_mss >> 8;
	opt[3] = es->adv_mss & 0xff;
	if (!ws)
		return 4;
	opt[4] = EDU_OPT_NOP;
	opt[5] = EDU_OPT_WSCALE;
	opt[6] = 3;
	opt[7] = es->rcv_wscale;
	return 8;
}

/* The device may finish our checksum only where nothing in the stack
 * can take it for TCP's.  A device that checksums TCP and UDP alone
 * (NETIF_F_IP_CSUM) is handed a CHECKSUM_PARTIAL packet whenever its
 * csum_offset is TCP's or UDP's (skb_csum_hwoffload_help()), and then
 * guesses: some drivers WARN, some send a wrong checksum.  Such packets
 * reach one through forwarding from a veth, or through a bond.
 *
 * So the sum starts 4 bytes early, at the last word of a 20-byte IPv4
 * header, the destination address: csum_offset is 20, which is neither
 * TCP's 16 nor UDP's 6, and any device that is not fully generic gets
 * the software checksum.  The pseudo-header's seed leaves the destination
 * address out, since the device adds it from the header itself.
 */
#define EDU_CSUM_LEAD	4	/* iphdr.daddr, the header's last word */

static bool edu_csum_offload_ok(struct sock *sk)
{
	/* IP options would put other bytes in front of our header */
	return edu_sk(sk)->csum_offload &&
	       !rcu_access_pointer(inet_sk(sk)->inet_opt);
}

/* TCP's checksum with 6 in the pseudo-header: the device finishes it
 * (see above), or we do.
 *
 * A super-segment (@gso) is the exception to the early start: no device
 * is handed one whole but a software one (EDU_GSO_TYPE), and whoever cuts
 * it checksums each piece in software -- edu_gso_segment(), or, once a
 * gateway has rewritten the protocol byte to 6, TCP's own segmentation,
 * which accepts only TCP's layout (the sum starts at the transport
 * header, the seed holds both addresses) and drops anything else.
 */
static void edu_set_checksum(struct sock *sk, struct sk_buff *skb, bool gso)
{
	struct inet_sock *inet = inet_sk(sk);
	struct tcphdr *th = tcp_hdr(skb);
	unsigned int lead = gso ? 0 : EDU_CSUM_LEAD;

	if (edu_sk_v6(sk)) {
		edu6_set_checksum(sk, skb);
		return;
	}
	if (edu_csum_offload_ok(sk)) {
		th->check = ~csum_tcpudp_magic(inet->inet_saddr,
					       gso ? inet->inet_daddr : 0,
					       skb->len, IPPROTO_TCP, 0);
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_transport_header(skb) - skb->head - lead;
		skb->csum_offset = lead + offsetof(struct tcphdr, check);
		return;
	}
	th->check = 0;
	th->check = csum_tcpudp_magic(inet->inet_saddr, inet->inet_daddr,
				      skb->len, IPPROTO_TCP,
				      skb_checksum(skb, 0, skb->len, 0));
	skb->ip_summed = CHECKSUM_NONE;
}

/* The wire segments a payload of @len makes: one, or an MSS each. */
static u32 edu_wire_segs(const struct edu_sock *es, u32 len)
{
	return len > es->mss ? DIV_ROUND_UP(len, es->mss) : 1;
}

/* Mark a payload longer than the MSS as a super-segment, and return how
 * many segments it stands for on the wire.
 */
static u32 edu_set_gso(struct sock *sk, struct sk_buff *skb, u32 payload)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);
	u32 segs = edu_wire_segs(edu_sk(sk), payload);

	if (segs == 1) {
		shinfo->gso_size = 0;
		shinfo->gso_type = 0;
		shinfo->gso_segs = 0;
		return 1;
	}
	shinfo->gso_size = edu_sk(sk)->mss;
	shinfo->gso_type = EDU_GSO_TYPE;
	shinfo->gso_segs = segs;
	edu_inc(sock_net(sk), EDU_MIB_OUTGSOSKBS);
	return segs;
}

/* Hand a segment to the socket's IP: IPv6 (ipv6.c), or IPv4.  The
 * segment is the socket's (skb->sk, its truesize in sk_wmem_alloc until it
 * is freed), as TCP's are: a cgroup's egress program runs only for an skb
 * of the socket it is sent for, and netfilter's owner matches (nft's meta
 * skuid, iptables' -m owner) and fq's pacing look at skb->sk.
 */
static int edu_ip_xmit(struct sock *sk, struct sk_buff *skb)
{
	skb_set_owner_w(skb, sk);
	if (edu_sk_v6(sk))
		return edu6_xmit(sk, skb);
	skb->protocol = htons(ETH_P_IP);
	/* skb->cb is IP's from here on (IPCB): a clone still carries our
	 * edu_skb_cb, whose bits IP would read as options and flags
	 */
	memset(skb->cb, 0, sizeof(struct inet_skb_parm));
	return ip_queue_xmit(sk, skb, &inet_sk(sk)->cork.fl);
}

static void edu_trace_sk_seg_out(struct sock *sk, const struct tcphdr *th,
				 u32 payload, u16 mss, s8 wscale)
{
	struct edu_sock *es = edu_sk(sk);
	struct in6_addr l, r;

	if (!trace_edu_tcp_seg_out_enabled())
		return;
	edu_sk_laddr(sk, &l);
	edu_sk_raddr(sk, &r);
	edu_trace_seg_out(th, &l, &r, payload, sk->sk_state, es->iss, es->irs,
			  mss, wscale);
}

/* Put a header in front of @skb's payload and hand it to IP. */
static int edu_transmit(struct sock *sk, struct sk_buff *skb, u8 flags, u32 seq)
{
	struct inet_sock *inet = inet_sk(sk);
	struct edu_sock *es = edu_sk(sk);
	/* a SYN-ACK offers window scaling only if the SYN did (RFC 7323 1.3) */
	bool ws = (flags & EDU_SYN) && (!(flags & EDU_ACK) || es->wscale_ok);
	unsigned int optlen = (flags & EDU_SYN) ? (ws ? 8 : 4) : 0;
	unsigned int hlen = sizeof(struct tcphdr) + optlen;
	u32 payload = skb->len;
	struct tcphdr *th;
	u32 win, segs;

	th = skb_push(skb, hlen);
	skb_reset_transport_header(skb);
	memset(th, 0, hlen);
	th->source = inet->inet_sport;
	th->dest = inet->inet_dport;
	th->seq = htonl(seq);
	if (flags & EDU_ACK)
		th->ack_seq = htonl(es->rcv_nxt);
	th->doff = hlen / 4;
	EDU_FLAG_BYTE(th) = flags;
	if (flags & EDU_SYN) {
		/* RFC 7323 2.2: the window of a SYN is never scaled */
		win = min_t(u32, edu_rcv_window(sk), 0xffff);
		es->rcv_adv = es->rcv_nxt + win;
		edu_write_syn_options(sk, (u8 *)(th + 1), ws);
	} else {
		win = edu_select_window(sk);
	}
	th->window = htons(win);
	if (flags & EDU_URG)
		th->urg_ptr = htons(min_t(u32, es->snd_up - seq, 0xffff));
	segs = edu_set_gso(sk, skb, payload);
	edu_set_checksum(sk, skb, segs > 1);

	if (flags & EDU_ACK) {
		es->ack_pending = 0;
		edu_stop_delack(sk);
	}
	es->segs_out += segs;
	if (payload) {
		es->data_segs_out += segs;
		es->bytes_sent += payload;
	}
	edu_add(sock_net(sk), EDU_MIB_OUTSEGS, segs);
	if (flags & EDU_RST)
		edu_inc(sock_net(sk), EDU_MIB_OUTRSTS);
	edu_trace_sk_seg_out(sk, th, payload,
			     (flags & EDU_SYN) ? es->adv_mss : 0,
			     ws ? es->rcv_wscale : -1);
	return edu_ip_xmit(sk, skb);
}

/* ACKs and RSTs go out from softirq, from timers, from release_cb()
 * under the socket's spinlock, and from system calls that may sleep.
 */
static struct sk_buff *edu_alloc_ctl_skb(void)
{
	struct sk_buff *skb = alloc_skb(EDU_HEADROOM, gfp_any());

	if (skb)
		skb_reserve(skb, EDU_HEADROOM);
	return skb;
}

static int edu_send_ctl(struct sock *sk, u8 flags, u32 seq)
{
	struct sk_buff *skb = edu_alloc_ctl_skb();

	if (!skb)
		return -ENOBUFS;
	return edu_transmit(sk, skb, flags, seq);
}

/* The sequence number of a segment without data.  After a timeout
 * snd_nxt goes back to snd_una (go-back-N), but the peer may already hold
 * everything up to snd_max: an ACK numbered below its RCV.NXT would fail
 * its acceptability test and be lost.  So use the highest number sent,
 * kept inside the peer's window (as Linux's tcp_acceptable_seq does).
 */
static u32 edu_ctl_seq(const struct edu_sock *es)
{
	u32 wnd_end = es->snd_una + es->snd_wnd;

	return seq_after(es->snd_max, wnd_end) ? wnd_end : es->snd_max;
}

int edu_send_ack(struct sock *sk)
{
	return edu_send_ctl(sk, EDU_ACK, edu_ctl_seq(edu_sk(sk)));
}

/* RFC 5961 section 7: ACKs that answer invalid segments are what a blind
 * attacker provokes, so a socket sends at most one per interval.  Returns
 * true (and counts @skipped) if this one must not go.  Under the socket's
 * lock, as all of input is.
 */
static bool edu_invalid_ack_limited(struct sock *sk, enum edu_mib skipped)
{
	struct edu_sock *es = edu_sk(sk);
	unsigned long now = jiffies;

	if (es->invalid_ack_stamp && now - es->invalid_ack_stamp <
	    msecs_to_jiffies(EDU_INVALID_ACK_INTERVAL_MS)) {
		edu_inc(sock_net(sk), skipped);
		return true;
	}
	es->invalid_ack_stamp = now ?: 1;	/* 0 means none yet */
	return false;
}

/* The namespace's budget of challenge ACKs (RFC 5961 section 7).  A fixed
 * one is a side channel (CVE-2016-5696, Cao et al., USENIX Security 2016):
 * an off-path attacker spends part of it with spoofed segments and counts
 * what is left on a connection of its own, and so learns whether a 4-tuple
 * exists and where its window is.  So its size is drawn anew each second,
 * and each socket is limited too (above), so one connection can barely
 * move it.  TIME-WAIT remainders have no socket and use only this.
 */
bool edu_challenge_allowed(struct net *net)
{
	struct edu_net *en = edu_pernet(net);
	unsigned long now = jiffies;
	bool allowed;

	spin_lock_bh(&en->challenge_lock);
	/* unsigned: correct across jiffies' wrap and before the first stamp */
	if (!en->challenge_stamp || now - en->challenge_stamp >= HZ) {
		en->challenge_stamp = now ?: 1;
		en->challenge_left = EDU_CHALLENGE_ACK_LIMIT +
			get_random_u32_below(EDU_CHALLENGE_ACK_LIMIT / 2 + 1);
	}
	allowed = en->challenge_left > 0;
	if (allowed)
		en->challenge_left--;
	spin_unlock_bh(&en->challenge_lock);
	edu_inc(net, allowed ? EDU_MIB_CHALLENGEACKS :
			       EDU_MIB_CHALLENGEACKSKIPPED);
	return allowed;
}

/* RFC 5961 3.2, 4.2 and 5.2: answer a suspicious RST, SYN or ACK with an
 * ACK that a genuine peer will turn into an exact RST (or ignore), and a
 * blind attacker cannot see.  Limited per socket, then per namespace.
 */
void edu_send_challenge_ack(struct sock *sk)
{
	if (edu_invalid_ack_limited(sk, EDU_MIB_CHALLENGEACKSKIPPED))
		return;
	if (edu_challenge_allowed(sock_net(sk)))
		edu_send_ack(sk);
}

/* RFC 9293 3.10.7.4: an unacceptable segment (outside the window, or
 * acknowledging data never sent) is answered with an ACK.  RFC 5961
 * section 7 allows limiting these, as Linux does (tcp_oow_rate_limited):
 * a flood of forged pure ACKs draws one answer per interval.  A segment
 * that occupies sequence space is always answered: a repeated data
 * segment or FIN means the peer lost our ACK and waits for it.
 */
void edu_send_invalid_ack(struct sock *sk, const struct edu_skb_cb *cb)
{
	if (cb->end_seq == cb->seq &&
	    edu_invalid_ack_limited(sk, EDU_MIB_INVALIDACKSKIPPED))
		return;
	edu_send_ack(sk);
}

/* RFC 9293 3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST>, with ACK as Linux sends. */
int edu_send_rst(struct sock *sk)
{
	return edu_send_ctl(sk, EDU_RST | EDU_ACK, edu_ctl_seq(edu_sk(sk)));
}

/* A segment with no socket behind it: a reset for a connection that does
 * not exist, an ACK from a TIME-WAIT remainder, or a request's SYN-ACK.
 * The trace fields say which connection it belongs to.
 */
struct edu_bare {
	struct in6_addr	saddr, daddr;	/* ours, the peer's (IPv4 mapped) */
	__be16	sport, dport;
	u32	seq, ack;
	u8	flags;
	u16	win;
	u16	mss;			/* a SYN-ACK's options; 0: none */
	s8	wscale;			/* -1: none */
	int	state;			/* for the trace */
	u32	iss, irs;
};

static unsigned int edu_bare_optlen(const struct edu_bare *b)
{
	if (!b->mss)
		return 0;
	return b->wscale < 0 ? 4 : 8;
}

static void edu_write_bare_options(const struct edu_bare *b, u8 *opt)
{
	if (!b->mss)
		return;
	opt[0] = EDU_OPT_MSS;
	opt[1] = 4;
	opt[2] = b->mss >> 8;
	opt[3] = b->mss & 0xff;
	if (b->wscale < 0)
		return;
	opt[4] = EDU_OPT_NOP;
	opt[5] = EDU_OPT_WSCALE;
	opt[6] = 3;
	opt[7] = b->wscale;
}

/* The route of a segment without a socket, either family. */
static struct dst_entry *edu_bare_route(struct net *net,
					const struct edu_bare *b)
{
	struct flowi4 fl4;
	struct rtable *rt;

	if (!edu_addr_is_v4(&b->daddr))
		return edu6_bare_route(net, &b->saddr, &b->daddr, b->sport,
				       b->dport);
	rt = ip_route_output_ports(net, &fl4, NULL, edu_addr_v4(&b->daddr),
				   edu_addr_v4(&b->saddr), b->dport, b->sport,
				   edu_proto, 0, 0);
	return IS_ERR(rt) ? ERR_CAST(rt) : &rt->dst;
}

/* TCP's checksum of a whole segment, with the pseudo-header of its
 * family (RFC 9293 3.1, RFC 8200 8.1).
 */
static __sum16 edu_bare_csum(const struct edu_bare *b, u32 len, __wsum sum)
{
	if (!edu_addr_is_v4(&b->daddr))
		return edu6_csum(&b->saddr, &b->daddr, len, sum);
	return csum_tcpudp_magic(edu_addr_v4(&b->saddr), edu_addr_v4(&b->daddr),
				 len, IPPROTO_TCP, sum);
}

static void edu_bare_xmit4(struct net *net, struct sk_buff *skb,
			   const struct edu_bare *b, struct dst_entry *dst)
{
	struct iphdr *iph;

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = 0;
	iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(dst);
	iph->protocol = edu_proto;
	iph->saddr = edu_addr_v4(&b->saddr);
	iph->daddr = edu_addr_v4(&b->daddr);
	skb->protocol = htons(ETH_P_IP);
	skb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(skb, dst);
	ip_select_ident(net, skb, NULL);
	ip_local_out(net, NULL, skb);
}

static void edu_send_bare(struct net *net, const struct edu_bare *b)
{
	unsigned int hlen = sizeof(struct tcphdr) + edu_bare_optlen(b);
	struct dst_entry *dst;
	struct sk_buff *skb;
	struct tcphdr *th;

	dst = edu_bare_route(net, b);
	if (IS_ERR(dst))
		return;
	skb = edu_alloc_ctl_skb();
	if (!skb) {
		dst_release(dst);
		return;
	}
	th = skb_push(skb, hlen);
	skb_reset_transport_header(skb);
	memset(th, 0, hlen);
	edu_write_bare_options(b, (u8 *)(th + 1));
	th->source = b->sport;
	th->dest = b->dport;
	th->seq = htonl(b->seq);
	th->ack_seq = htonl(b->ack);
	th->doff = hlen / 4;
	EDU_FLAG_BYTE(th) = b->flags;
	th->window = htons(b->win);
	th->check = edu_bare_csum(b, hlen, csum_partial(th, hlen, 0));

	edu_inc(net, EDU_MIB_OUTSEGS);
	if (b->flags & EDU_RST)
		edu_inc(net, EDU_MIB_OUTRSTS);
	edu_trace_seg_out(th, &b->saddr, &b->daddr, 0, b->state, b->iss,
			  b->irs, b->mss, b->wscale);
	if (edu_addr_is_v4(&b->daddr))
		edu_bare_xmit4(net, skb, b, dst);
	else
		edu6_bare_xmit(net, skb, &b->saddr, &b->daddr, dst);
}

/* RFC 9293 3.10.7.1: a segment for no connection.  Never answer a RST; an
 * ACK is answered <SEQ=SEG.ACK><CTL=RST>, anything else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.  This is also how the seed
 * notes' stale SYN-ACK is refused: the client has no such connection.
 */
void edu_send_reset_reply(struct net *net, struct sk_buff *skb)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct edu_bare b = {
		.sport = th->dest, .dport = th->source,
		.wscale = -1,
	};

	if (cb->flags & EDU_RST)
		return;
	edu_skb_addrs(skb, &b.daddr, &b.saddr);
	if (cb->flags & EDU_ACK) {
		b.seq = cb->ack;
		b.flags = EDU_RST;
		b.iss = cb->ack;
	} else {
		b.ack = cb->end_seq;
		b.flags = EDU_RST | EDU_ACK;
		b.irs = cb->seq;
	}
	edu_send_bare(net, &b);
}

void edu_send_tw_ack(struct net *net, const struct edu_tw *tw)
{
	struct edu_bare b = {
		.saddr = tw->saddr, .daddr = tw->daddr,
		.sport = tw->sport, .dport = tw->dport,
		.seq = tw->snd_nxt, .ack = tw->rcv_nxt,
		.flags = EDU_ACK, .win = tw->window, .wscale = -1,
		.state = EDU_TCP_TIME_WAIT, .iss = tw->iss, .irs = tw->irs,
	};

	edu_send_bare(net, &b);
}

static void edu_request_bare(const struct edu_request *req,
			     struct edu_bare *b)
{
	memset(b, 0, sizeof(*b));
	b->saddr = req->saddr;
	b->daddr = req->daddr;
	b->sport = req->sport;
	b->dport = req->dport;
	b->ack = req->irs + 1;
	b->win = req->rcv_window;	/* RFC 7323 2.2: never scaled here */
	b->wscale = -1;
	b->state = EDU_TCP_SYN_RCVD;
	b->iss = req->iss;
	b->irs = req->irs;
}

/* A request's SYN-ACK, RFC 9293 3.10.7.2: <SEQ=ISS><ACK=RCV.NXT>
 * <CTL=SYN,ACK> with our MSS, and a window scale if the SYN offered one
 * (RFC 7323 1.3).  @state is the one traced: LISTEN for a cookie's.
 */
void edu_send_synack(const struct edu_request *req, int state)
{
	struct edu_bare b;

	edu_request_bare(req, &b);
	b.seq = req->iss;
	b.flags = EDU_SYN | EDU_ACK;
	b.mss = req->adv_mss;
	if (req->wscale_ok)
		b.wscale = req->rcv_wscale;
	b.state = state;
	edu_send_bare(req->net, &b);
}

/* An ACK or a RST from a request: <SEQ=ISS+1><ACK=RCV.NXT>. */
void edu_send_request_ctl(const struct edu_request *req, u8 flags)
{
	struct edu_bare b;

	edu_request_bare(req, &b);
	b.seq = req->iss + 1;
	b.flags = flags;
	edu_send_bare(req->net, &b);
}

/* The MSS a request announces (RFC 9293 3.7.1), from the route its
 * SYN-ACK takes; 0 if there is none.
 */
/* The IP header in front of ours: IPv4's without options, or IPv6's. */
static u32 edu_ip_hdr_len(const struct in6_addr *daddr)
{
	return edu_addr_is_v4(daddr) ? sizeof(struct iphdr) :
				       sizeof(struct ipv6hdr);
}

u16 edu_request_route_mss(const struct edu_request *req)
{
	struct edu_bare b = {
		.saddr = req->saddr, .daddr = req->daddr,
		.sport = req->sport, .dport = req->dport,
	};
	struct dst_entry *dst;
	u32 mtu;

	dst = edu_bare_route(req->net, &b);
	if (IS_ERR(dst))
		return 0;
	mtu = min_t(u32, dst_mtu(dst), IP_MAX_MTU);
	dst_release(dst);
	return max_t(u32, mtu - edu_ip_hdr_len(&req->daddr) -
			  sizeof(struct tcphdr), EDU_DEFAULT_MSS);
}

/* ---- the write queue ---- */

/* What the write queue holds counts twice, as in TCP: in sk_wmem_queued
 * against this socket's sk_sndbuf, and in sk_forward_alloc against all of
 * edu_tcp's memory (socket.c).  Every change in a queued skb's truesize
 * goes through these two, so that both return to 0 when the queue does.
 * A negative @size gives bytes back without freeing pages (a truesize that
 * shrank while the skb stays queued).
 */
void edu_wmem_charge(struct sock *sk, int size)
{
	sk_wmem_queued_add(sk, size);
	sk_mem_charge(sk, size);
}

/* Bytes leave the queue: give them back, and whole free pages with them. */
void edu_wmem_uncharge(struct sock *sk, int size)
{
	sk_wmem_queued_add(sk, -size);
	sk_mem_uncharge(sk, size);
	edu_memory_settle();
}

static u8 edu_data_flags(struct sock *sk, const struct edu_skb_cb *cb)
{
	u8 flags = cb->flags;

	/* everything after our SYN acknowledges the peer (RFC 9293 3.10.7.3) */
	if (sk->sk_state != EDU_TCP_SYN_SENT)
		flags |= EDU_ACK;
	return flags;
}

/* Send one queued segment; a copy goes out, the original stays queued
 * until it is acknowledged.
 */
static int edu_send_skb(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);
	struct net *net = sock_net(sk);
	struct sk_buff *copy;
	u8 flags = edu_data_flags(sk, cb);

	/* the previous copy may still sit in a device queue with our header
	 * in the shared head: then write this one's into a private copy
	 */
	if (skb_cloned(skb))
		copy = pskb_copy(skb, GFP_ATOMIC);
	else
		copy = skb_clone(skb, GFP_ATOMIC);
	if (!copy)
		return -ENOBUFS;

	if (seq_before(cb->seq, es->snd_max)) {
		/* like OutSegs, count the wire segments it stands for */
		u32 segs = edu_wire_segs(es, skb->len);

		es->total_retrans += segs;
		es->bytes_retrans += skb->len;
		edu_add(net, EDU_MIB_RETRANSSEGS, segs);
		if (cb->flags & EDU_SYN)
			edu_inc(net, (cb->flags & EDU_ACK) ?
				EDU_MIB_SYNACKRETRANS : EDU_MIB_SYNRETRANS);
		if (cb->flags & EDU_FIN)
			edu_inc(net, EDU_MIB_FINRETRANS);
		/* Karn's algorithm: a retransmitted segment gives no sample */
		if (es->rtt_timing && seq_before(cb->seq, es->rtt_seq))
			es->rtt_timing = false;
		trace_edu_tcp_retransmit(sk, cb, skb->len);
	} else if (!es->rtt_timing) {	/* time this one (RFC 6298 3) */
		es->rtt_timing = true;
		es->rtt_seq = cb->end_seq;
		es->rtt_start_us = div_u64(ktime_get_ns(), NSEC_PER_USEC);
	}
	if (es->urg_pending && seq_before(cb->seq, es->snd_up))
		flags |= EDU_URG;
	return edu_transmit(sk, copy, flags, cb->seq);
}

static void edu_sent(struct sock *sk, struct sk_buff *skb)
{
	struct edu_sock *es = edu_sk(sk);
	u32 end = EDU_SKB_CB(skb)->end_seq;

	if (seq_after(end, es->snd_nxt))
		es->snd_nxt = end;
	if (seq_after(end, es->snd_max))
		es->snd_max = end;
}

static u32 edu_rto_jiffies(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	u64 ms = (u64)es->rto_ms << es->backoff;

	return msecs_to_jiffies(min_t(u64, ms, EDU_RTO_MAX_MS));
}

/* RFC 6298 5.1-5.3: the timer runs while data is outstanding.  With
 * nothing outstanding and data waiting, the persist timer runs instead,
 * whatever the window: a zero window is probed (RFC 9293 3.8.6.1), and a
 * window too small for the sender's rule (edu_push()) is filled by the
 * override timeout of RFC 9293 3.8.6.2.1.  Either way no ACK is coming
 * that would start anything, so without the timer the connection would
 * wait for good (Linux arms its probe timer the same way,
 * tcp_check_probe_timer()).
 */
void edu_rearm_rtx(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (es->snd_una != es->snd_max) {
		edu_arm_rtx_timer(sk, EDU_TIMER_RETRANS, edu_rto_jiffies(sk));
	} else if (!skb_queue_empty(&sk->sk_write_queue)) {
		if (es->rtx_kind != EDU_TIMER_PERSIST)
			edu_arm_rtx_timer(sk, EDU_TIMER_PERSIST,
					  edu_rto_jiffies(sk));
	} else if (es->rtx_kind == EDU_TIMER_RETRANS ||
		   es->rtx_kind == EDU_TIMER_PERSIST) {
		edu_stop_rtx_timer(sk);
	}
}

/* An skb about to change must not share its fragment list with a copy
 * still queued at a device; a private one costs only the head.
 */
static int edu_unclone(struct sock *sk, struct sk_buff *skb)
{
	unsigned int before = skb->truesize;

	if (skb_unclone(skb, GFP_ATOMIC))
		return -ENOMEM;
	edu_wmem_charge(sk, (int)skb->truesize - (int)before);
	return 0;
}

/* Cut a queued data skb after @len bytes; the rest becomes the next skb
 * of the write queue, and only it keeps PSH and FIN.  For a window or a
 * retransmission that wants just the front of a super-segment.
 */
static int edu_split(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb), *rcb;
	u32 moved = skb->len - len;
	struct sk_buff *rest;

	if (edu_unclone(sk, skb))
		return -ENOMEM;
	rest = alloc_skb_fclone(EDU_HEADROOM, GFP_ATOMIC);
	if (!rest)
		return -ENOBUFS;
	skb_reserve(rest, EDU_HEADROOM);
	edu_wmem_charge(sk, rest->truesize);
	skb_split(skb, rest, len);
	skb->truesize -= moved;
	rest->truesize += moved;

	rcb = EDU_SKB_CB(rest);
	*rcb = *cb;
	rcb->seq = cb->seq + len;
	cb->end_seq = rcb->seq;
	cb->flags &= ~(EDU_FIN | EDU_PSH);
	__skb_queue_after(&sk->sk_write_queue, skb, rest);
	return 0;
}

/* Drop @len acknowledged bytes from the front of a queued data skb, and
 * give their memory back to the writer.  Payload is in page fragments
 * (socket.c), so this only moves fragment offsets.
 */
int edu_trim_acked(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct skb_shared_info *shinfo;
	u32 head = min_t(u32, len, skb_headlen(skb));
	u32 eat = len - head;
	int i, kept = 0;

	if (edu_unclone(sk, skb))
		return -ENOMEM;
	__skb_pull(skb, head);
	shinfo = skb_shinfo(skb);
	for (i = 0; i < shinfo->nr_frags; i++) {
		u32 size = skb_frag_size(&shinfo->frags[i]);

		if (eat >= size) {
			skb_frag_unref(skb, i);
			eat -= size;
			continue;
		}
		shinfo->frags[kept] = shinfo->frags[i];
		if (eat) {
			skb_frag_off_add(&shinfo->frags[kept], eat);
			skb_frag_size_sub(&shinfo->frags[kept], eat);
			eat = 0;
		}
		kept++;
	}
	shinfo->nr_frags = kept;
	eat = len - head;
	skb->data_len -= eat;
	skb->len -= eat;
	skb->truesize -= eat;
	edu_wmem_uncharge(sk, eat);
	EDU_SKB_CB(skb)->seq += len;
	return 0;
}

/* A retransmission repeats one segment, the oldest: the receiver has
 * shown it is missing, and a whole super-segment would mostly repeat
 * what arrived.
 */
void edu_retransmit_head(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (!skb)
		return;
	if (skb->len > edu_sk(sk)->mss)
		edu_split(sk, skb, edu_sk(sk)->mss);
	if (!edu_send_skb(sk, skb))
		edu_sent(sk, skb);
}

static bool edu_can_send_state(int state)
{
	switch (state) {
	case EDU_TCP_SYN_SENT:
	case EDU_TCP_SYN_RCVD:
	case EDU_TCP_ESTABLISHED:
	case EDU_TCP_CLOSE_WAIT:
	case EDU_TCP_FIN_WAIT1:
	case EDU_TCP_CLOSING:
	case EDU_TCP_LAST_ACK:
		return true;
	}
	return false;
}

/* How much of a segment starting at @seq may leave now: what the send
 * and congestion windows leave open, and no more than one skb may carry.
 */
static u32 edu_send_room(struct sock *sk, u32 seq)
{
	struct edu_sock *es = edu_sk(sk);
	u32 end = es->snd_una + min(es->snd_wnd, es->cwnd);

	if (!seq_after(end, seq))
		return 0;
	return min(end - seq, edu_size_goal(sk));
}

/* RFC 9293 3.8.6.2.1 (sender silly-window avoidance): of an skb larger
 * than the room @fit, send a front of whole segments if one fits, else a
 * shorter front only if it is at least Fs = 1/2 of the largest window the
 * peer ever offered: a receiver whose whole buffer is smaller than one
 * MSS never offers more.  Otherwise wait: for an ACK, or for the override
 * timeout (the persist timer, edu_send_window()).  Returns how many bytes
 * to cut the front at, 0 to wait.
 */
static u32 edu_front_to_send(const struct edu_sock *es, u32 fit)
{
	if (fit >= es->mss)
		return rounddown(fit, es->mss);
	if (fit && fit >= es->max_snd_wnd / 2)
		return fit;
	return 0;
}

/* Send what the windows allow.  RFC 9293 3.7.4 (Nagle): while data is
 * unacknowledged, hold back a segment shorter than the MSS unless the
 * user asked for no delay or it carries the FIN.
 */
void edu_push(struct sock *sk, bool force)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb;
	bool sent = false;

	if (!edu_can_send_state(sk->sk_state))
		return;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct edu_skb_cb *cb = EDU_SKB_CB(skb);

		if (!seq_after(cb->end_seq, es->snd_nxt))
			continue;
		if (!(cb->flags & EDU_SYN)) {
			u32 fit = edu_send_room(sk, cb->seq);
			u32 front;

			if (skb->len > fit) {
				front = edu_front_to_send(es, fit);
				if (!front || edu_split(sk, skb, front))
					break;
			}
			if (skb->len < es->mss && !(cb->flags & EDU_FIN) &&
			    !es->nodelay && !force && es->snd_nxt != es->snd_una &&
			    skb_queue_is_last(&sk->sk_write_queue, skb))
				break;
		}
		if (edu_send_skb(sk, skb))
			break;
		edu_sent(sk, skb);
		sent = true;
	}
	if (sent && es->rtx_kind != EDU_TIMER_RETRANS)
		edu_rearm_rtx(sk);
	else if (!sent && es->snd_una == es->snd_max)
		edu_rearm_rtx(sk);
}

/* An ACK whose sequence number the peer has already acknowledged: it
 * carries nothing, and the peer must answer it with an ACK of its own
 * (RFC 9293 3.10.7.4, an unacceptable segment).  Zero-window probes and
 * keep-alives are made of it, as Linux makes them.
 */
int edu_send_old_ack(struct sock *sk)
{
	return edu_send_ctl(sk, EDU_ACK, edu_sk(sk)->snd_una - 1);
}

/* RFC 9293 3.8.6.2.1's override timeout: the window is open but too
 * small for edu_push()'s rule, and nothing is in flight.  Send what the
 * window allows now, however little (as Linux's tcp_write_wakeup()).
 */
static void edu_send_window(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct edu_skb_cb *cb = EDU_SKB_CB(skb);
		u32 fit;

		if (!seq_after(cb->end_seq, es->snd_nxt))
			continue;
		if (!(cb->flags & EDU_SYN)) {	/* a SYN needs no window */
			fit = edu_send_room(sk, cb->seq);
			if (!fit || (skb->len > fit && edu_split(sk, skb, fit)))
				break;
		}
		if (!edu_send_skb(sk, skb))
			edu_sent(sk, skb);
		break;
	}
	edu_rearm_rtx(sk);
}

/* RFC 9293 3.8.6.1: probe a zero window.  Like Linux, the probe is an ACK
 * carrying an old sequence number, which the receiver must answer with
 * its current window.  Each probe counts against a budget (timer.c,
 * edu_probes_spent()): a stalled connection is not kept forever.
 */
void edu_send_probe(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (!edu_can_send_state(sk->sk_state))
		return;
	if (skb_queue_empty(&sk->sk_write_queue) || es->snd_una != es->snd_max) {
		edu_push(sk, false);
		edu_rearm_rtx(sk);
		return;
	}
	if (es->snd_wnd) {
		edu_send_window(sk);
		return;
	}
	if (edu_probes_spent(sk)) {
		edu_persist_give_up(sk);
		return;
	}
	if (sock_flag(sk, SOCK_DEAD) && edu_orphan_oom(sk)) {
		edu_orphan_abort(sk);
		return;
	}
	edu_inc(sock_net(sk), EDU_MIB_PERSISTPROBES);
	edu_send_old_ack(sk);
	/* probes_out: unanswered (any segment in clears it, input.c);
	 * backoff: probes since the window closed (it opening clears it)
	 */
	es->probes_out++;
	es->backoff = min_t(u8, es->backoff + 1, 30);
	edu_arm_rtx_timer(sk, EDU_TIMER_PERSIST, edu_rto_jiffies(sk));
}

static void edu_queue_tail(struct sock *sk, struct sk_buff *skb)
{
	__skb_queue_tail(&sk->sk_write_queue, skb);
	/* a SYN or FIN is never refused for memory: TCP forces its charge
	 * (sk_forced_mem_schedule()).  When the reserve cannot grow, the
	 * charge is a debt (sk_forward_alloc below 0) that the next
	 * schedule or uncharge settles.
	 */
	sk_wmem_schedule(sk, skb->truesize);
	edu_memory_settle();
	edu_wmem_charge(sk, skb->truesize);
}

/* Our SYN (or SYN-ACK, for a child) enters the write queue like data, so
 * the retransmission timer repeats it (RFC 9293 3.8.1).
 */
int edu_send_syn(struct sock *sk, gfp_t gfp)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb = alloc_skb(EDU_HEADROOM, gfp);
	struct edu_skb_cb *cb;

	if (!skb)
		return -ENOBUFS;
	skb_reserve(skb, EDU_HEADROOM);
	cb = EDU_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = es->iss;
	cb->end_seq = es->iss + 1;	/* RFC 9293 3.4: SYN takes one number */
	cb->flags = EDU_SYN;
	es->snd_una = es->iss;
	es->snd_nxt = es->iss;
	es->snd_max = es->iss;
	es->write_seq = es->iss + 1;
	edu_queue_tail(sk, skb);
	edu_push(sk, true);
	return 0;
}

/* RFC 9293 3.10.4 CLOSE: queue a FIN behind the data; it takes one
 * sequence number of its own.
 */
void edu_queue_fin(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);
	struct edu_skb_cb *cb;

	if (es->fin_queued)
		return;
	es->fin_queued = 1;
	if (tail && !(EDU_SKB_CB(tail)->flags & EDU_SYN) &&
	    !seq_before(EDU_SKB_CB(tail)->seq, es->snd_max)) {
		cb = EDU_SKB_CB(tail);	/* not sent yet: ride along */
	} else {
		/* close() and shutdown() may sleep here */
		struct sk_buff *skb = alloc_skb(EDU_HEADROOM, sk->sk_allocation);

		if (!skb) {	/* cannot even close politely */
			edu_send_rst(sk);
			edu_abort(sk, ENOMEM);
			return;
		}
		skb_reserve(skb, EDU_HEADROOM);
		cb = EDU_SKB_CB(skb);
		memset(cb, 0, sizeof(*cb));
		cb->seq = es->write_seq;
		cb->end_seq = es->write_seq;
		edu_queue_tail(sk, skb);
	}
	cb->flags |= EDU_FIN;
	cb->end_seq++;
	es->write_seq++;
	edu_push(sk, true);
}

/* RFC 9293 3.7.1: the MSS is the route's MTU minus the IP and our fixed
 * header.  Loopback's MTU is 65536, one more than an IPv4 packet can be.
 */
u16 edu_route_mss(struct sock *sk)
{
	struct dst_entry *dst = __sk_dst_get(sk);
	u32 mtu = dst ? min_t(u32, dst_mtu(dst), IP_MAX_MTU) : 576;
	struct in6_addr r;

	edu_sk_raddr(sk, &r);
	return edu_user_mss_clamp(sk, max_t(u32, mtu - edu_ip_hdr_len(&r) -
					    sizeof(struct tcphdr),
					    EDU_DEFAULT_MSS));
}

/* How much payload one skb of the write queue may hold: one MSS, or a
 * whole super-segment when the route's device takes them.
 */
u32 edu_size_goal(const struct sock *sk)
{
	const struct edu_sock *es = edu_sk(sk);

	if (es->gso_limit <= es->mss)
		return es->mss;
	return rounddown(es->gso_limit, es->mss);
}

/* What the route's device can do for us; see the top of this file.  An
 * IPsec route (header_len) gets neither: its transform would have to cut
 * our super-segments itself.
 */
static void edu_route_offload(struct sock *sk, const struct dst_entry *dst)
{
	struct edu_sock *es = edu_sk(sk);
	netdev_features_t f = dst->dev->features;

	es->csum_offload = READ_ONCE(edu_offload) && (f & NETIF_F_HW_CSUM) &&
			   !dst->header_len;
	es->gso_limit = 0;
	/* sk_setup_caps() left room for all headers in sk_gso_max_size;
	 * IPv4's 16-bit total length bounds it too
	 */
	if (es->csum_offload && (f & NETIF_F_SG) && sk->sk_gso_max_segs > 1)
		es->gso_limit = min_t(u32, READ_ONCE(sk->sk_gso_max_size),
				      IP_MAX_MTU - sizeof(struct iphdr) -
				      EDU_HDR_MAX);
}

/* Route a connecting socket and fix its source address. */
int edu_route_socket(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct flowi4 *fl4 = &inet->cork.fl.u.ip4;
	struct in6_addr saddr;
	struct rtable *rt;

	if (edu_sk_v6(sk))
		return edu6_route_socket(sk);
	rt = ip_route_connect(fl4, inet->inet_daddr, inet->inet_saddr,
			      sk->sk_bound_dev_if, sk->sk_protocol,
			      inet->inet_sport, inet->inet_dport, sk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	if (!inet->inet_saddr) {
		/* an AF_INET6 socket's mapped address follows (edu_tcp.h) */
		ipv6_addr_set_v4mapped(fl4->saddr, &saddr);
		edu_sk_set_laddr(sk, &saddr);
	}
	sk_setup_caps(sk, &rt->dst);
	edu_route_offload(sk, &rt->dst);
	return 0;
}
