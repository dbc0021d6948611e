// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: cutting super-segments into wire segments (software GSO).
 *
 * Per-packet work, not per-byte work, is what a transport pays for most:
 * so when the route's device allows it, output.c hands IPv4 one skb of up
 * to 64 KiB with gso_size set to the MSS, and the segments are cut as late
 * as possible.  Loopback, veth and bridges carry such a super-segment
 * whole: the receiver gets one skb, and answers it with one ACK, just as
 * it would for kernel TCP's TSO/GSO packets.
 *
 * Any device that cannot carry it whole calls edu_gso_segment() through
 * inet_offloads[] to cut it into MSS-sized segments that are what we would
 * have sent without offload: consecutive sequence numbers, PSH and FIN
 * only on the last one, and each checksum computed here, in software
 * (skb_segment() sums each payload as it cuts; we add the header and the
 * pseudo-header).
 *
 * EDU_GSO_TYPE (edu_tcp.h) carries two bits.  SKB_GSO_TCPV4 because our
 * header has TCP's layout, so the stack sizes our headers right when it
 * checks a super-segment against the MTU or a qdisc's rate.  SKB_GSO_SCTP
 * because it is the one GSO type no NIC's hardware claims: only software
 * devices announce it (NETIF_F_GSO_SOFTWARE).  A hardware TSO engine, which
 * would treat protocol 253 as whatever it guesses, is thereby never handed
 * one of our super-segments; they come here first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/tcp.h>
#include <net/ip.h>
#include <net/protocol.h>
#include <net/checksum.h>
#include "edu_tcp.h"

/* One wire segment cut from a super-segment that began at @first_seq:
 * number it, keep PSH and FIN for the last, move the urgent pointer
 * (RFC 9293 3.1: it counts from this segment's own sequence number) and
 * checksum it.
 */
static void edu_gso_fix_segment(struct sk_buff *seg, __be32 saddr,
				__be32 daddr, u32 first_seq, u32 seq,
				u8 flags, u16 urg_ptr)
{
	struct tcphdr *th = tcp_hdr(seg);
	unsigned int len = seg->len - skb_transport_offset(seg);
	u32 off = seq - first_seq;

	th->seq = htonl(seq);
	if (seg->next)
		flags &= ~(EDU_FIN | EDU_PSH);
	if ((flags & EDU_URG) && urg_ptr > off) {
		th->urg_ptr = htons(urg_ptr - off);
	} else {
		flags &= ~EDU_URG;
		th->urg_ptr = 0;
	}
	EDU_FLAG_BYTE(th) = flags;
	th->check = 0;
	th->check = csum_tcpudp_magic(saddr, daddr, len, IPPROTO_TCP,
				      csum_partial(th, th->doff * 4,
						   SKB_GSO_CB(seg)->csum));
	seg->ip_summed = CHECKSUM_NONE;
}

/* Called by inet_gso_segment() with the IP header pulled. */
static struct sk_buff *edu_gso_segment(struct sk_buff *skb,
				       netdev_features_t features)
{
	const struct iphdr *iph = ip_hdr(skb);
	__be32 saddr = iph->saddr, daddr = iph->daddr;
	struct sk_buff *segs, *seg;
	const struct tcphdr *th;
	unsigned int thlen;
	u32 seq, first_seq;
	u16 urg_ptr;
	u8 flags;

	if ((skb_shinfo(skb)->gso_type & EDU_GSO_TYPE) != EDU_GSO_TYPE ||
	    !skb_shinfo(skb)->gso_size)
		return ERR_PTR(-EINVAL);
	if (!pskb_may_pull(skb, sizeof(*th)))
		return ERR_PTR(-EINVAL);
	thlen = tcp_hdr(skb)->doff * 4;
	if (thlen < sizeof(*th) || !pskb_may_pull(skb, thlen))
		return ERR_PTR(-EINVAL);
	th = tcp_hdr(skb);
	first_seq = ntohl(th->seq);
	flags = EDU_FLAG_BYTE(th);
	urg_ptr = ntohs(th->urg_ptr);

	__skb_pull(skb, thlen);
	/* no checksum offload: skb_segment() then sums each payload */
	segs = skb_segment(skb, features & ~(NETIF_F_CSUM_MASK |
					     NETIF_F_GSO_PARTIAL));
	if (IS_ERR_OR_NULL(segs))
		return segs;

	seq = first_seq;
	for (seg = segs; seg; seg = seg->next) {
		edu_gso_fix_segment(seg, saddr, daddr, first_seq, seq, flags,
				    urg_ptr);
		seq += seg->len - skb_transport_offset(seg) - thlen;
	}
	if (skb->dev)
		edu_inc(dev_net(skb->dev), EDU_MIB_GSOSEGMENTED);
	return segs;
}

static const struct net_offload edu_net_offload = {
	.callbacks = {
		.gso_segment	= edu_gso_segment,
	},
};

int edu_offload_init(void)
{
	return inet_add_offload(&edu_net_offload, edu_proto) ? -EBUSY : 0;
}

void edu_offload_exit(void)
{
	inet_del_offload(&edu_net_offload, edu_proto);
	/* a device may be cutting one of our super-segments right now */
	synchronize_net();
}
