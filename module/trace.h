/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu_tcp tracepoints: what a student watches.  tools/edu_ladder parses
 * the text these print, so their formats are part of the interface
 * (Documentation/api.rst).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM edu_tcp

#if !defined(_EDU_TCP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _EDU_TCP_TRACE_H

#include <linux/tracepoint.h>
#include "edu_tcp.h"

#ifndef _EDU_TCP_SEG_INFO
#define _EDU_TCP_SEG_INFO
/* One segment as a student sees it; built by input.c and output.c. */
struct edu_seg_info {
	struct in6_addr	saddr, daddr;	/* sender, receiver (IPv4 mapped) */
	__be16	sport, dport;
	u32	seq, ack;
	u32	rseq, rack;	/* relative to the sender's and receiver's ISN */
	u32	len;		/* payload bytes */
	u32	win;		/* header value, unscaled */
	u16	mss;		/* MSS option, 0 if none */
	s8	wscale;		/* window-scale option, -1 if none */
	u8	flags;
	int	state;		/* the local socket's state, 0 if none */
};

void edu_flags_str(u8 flags, char *buf);
/* An endpoint as the events keep it: a struct sockaddr_in for an IPv4
 * (mapped) address, a struct sockaddr_in6 otherwise, which "%pISpc"
 * prints as 10.0.0.1:80 or [fd00::1]:80.
 */
#define EDU_TRACE_ADDR_LEN	sizeof(struct sockaddr_in6)
void edu_trace_addr(u8 *buf, const struct in6_addr *addr, __be16 port);
void edu_trace_sk_addrs(const struct sock *sk, u8 *src, u8 *dst);
void edu_opts_str(u16 mss, s8 wscale, char *buf, size_t size);
#endif

#define EDU_STATE_SYMBOLS					\
	{ 0, "NONE" },						\
	{ EDU_TCP_ESTABLISHED, "ESTABLISHED" },			\
	{ EDU_TCP_SYN_SENT, "SYN-SENT" },			\
	{ EDU_TCP_SYN_RCVD, "SYN-RCVD" },			\
	{ EDU_TCP_FIN_WAIT1, "FIN-WAIT-1" },			\
	{ EDU_TCP_FIN_WAIT2, "FIN-WAIT-2" },			\
	{ EDU_TCP_TIME_WAIT, "TIME-WAIT" },			\
	{ EDU_TCP_CLOSED, "CLOSED" },				\
	{ EDU_TCP_CLOSE_WAIT, "CLOSE-WAIT" },			\
	{ EDU_TCP_LAST_ACK, "LAST-ACK" },			\
	{ EDU_TCP_LISTEN, "LISTEN" },				\
	{ EDU_TCP_CLOSING, "CLOSING" }

TRACE_EVENT(edu_tcp_state,
	TP_PROTO(const struct in6_addr *saddr, __be16 sport,
		 const struct in6_addr *daddr, __be16 dport,
		 int oldstate, int newstate),
	TP_ARGS(saddr, sport, daddr, dport, oldstate, newstate),
	TP_STRUCT__entry(
		__array(u8, src, EDU_TRACE_ADDR_LEN)
		__array(u8, dst, EDU_TRACE_ADDR_LEN)
		__field(int, oldstate)
		__field(int, newstate)
	),
	TP_fast_assign(
		edu_trace_addr(__entry->src, saddr, sport);
		edu_trace_addr(__entry->dst, daddr, dport);
		__entry->oldstate = oldstate;
		__entry->newstate = newstate;
	),
	TP_printk("src=%pISpc dst=%pISpc old=%s new=%s",
		  __entry->src, __entry->dst,
		  __print_symbolic(__entry->oldstate, EDU_STATE_SYMBOLS),
		  __print_symbolic(__entry->newstate, EDU_STATE_SYMBOLS))
);

DECLARE_EVENT_CLASS(edu_tcp_segment,
	TP_PROTO(const struct edu_seg_info *si),
	TP_ARGS(si),
	TP_STRUCT__entry(
		__array(u8, src, EDU_TRACE_ADDR_LEN)
		__array(u8, dst, EDU_TRACE_ADDR_LEN)
		__field(u32, seq)
		__field(u32, ack)
		__field(u32, rseq)
		__field(u32, rack)
		__field(u32, len)
		__field(u32, win)
		__field(int, state)
		__array(char, flags, 12)
		__array(char, opts, 32)
	),
	TP_fast_assign(
		edu_trace_addr(__entry->src, &si->saddr, si->sport);
		edu_trace_addr(__entry->dst, &si->daddr, si->dport);
		__entry->seq = si->seq;
		__entry->ack = si->ack;
		__entry->rseq = si->rseq;
		__entry->rack = si->rack;
		__entry->len = si->len;
		__entry->win = si->win;
		__entry->state = si->state;
		edu_flags_str(si->flags, __entry->flags);
		edu_opts_str(si->mss, si->wscale, __entry->opts,
			     sizeof(__entry->opts));
	),
	TP_printk("src=%pISpc dst=%pISpc flags=%s seq=%u ack=%u rseq=%u rack=%u len=%u win=%u opts=%s state=%s",
		  __entry->src, __entry->dst, __entry->flags, __entry->seq, __entry->ack,
		  __entry->rseq, __entry->rack, __entry->len, __entry->win,
		  __entry->opts,
		  __print_symbolic(__entry->state, EDU_STATE_SYMBOLS))
);

DEFINE_EVENT(edu_tcp_segment, edu_tcp_seg_out,
	TP_PROTO(const struct edu_seg_info *si),
	TP_ARGS(si)
);

DEFINE_EVENT(edu_tcp_segment, edu_tcp_seg_in,
	TP_PROTO(const struct edu_seg_info *si),
	TP_ARGS(si)
);

TRACE_EVENT(edu_tcp_retransmit,
	TP_PROTO(const struct sock *sk, const struct edu_skb_cb *cb, u32 len),
	TP_ARGS(sk, cb, len),
	TP_STRUCT__entry(
		__array(u8, src, EDU_TRACE_ADDR_LEN)
		__array(u8, dst, EDU_TRACE_ADDR_LEN)
		__field(u32, seq)
		__field(u32, rseq)
		__field(u32, len)
		__field(u32, backoff)
		__field(u32, rto_ms)
		__array(char, flags, 12)
	),
	TP_fast_assign(
		const struct edu_sock *es = edu_sk(sk);

		edu_trace_sk_addrs(sk, __entry->src, __entry->dst);
		__entry->seq = cb->seq;
		__entry->rseq = cb->seq - es->iss;
		__entry->len = len;
		__entry->backoff = es->backoff;
		__entry->rto_ms = es->rto_ms;
		edu_flags_str(cb->flags, __entry->flags);
	),
	TP_printk("src=%pISpc dst=%pISpc flags=%s seq=%u rseq=%u len=%u backoff=%u rto_ms=%u",
		  __entry->src, __entry->dst, __entry->flags, __entry->seq, __entry->rseq,
		  __entry->len, __entry->backoff, __entry->rto_ms)
);

TRACE_EVENT(edu_tcp_timer,
	TP_PROTO(const struct sock *sk, const char *kind),
	TP_ARGS(sk, kind),
	TP_STRUCT__entry(
		__array(u8, src, EDU_TRACE_ADDR_LEN)
		__array(u8, dst, EDU_TRACE_ADDR_LEN)
		__array(char, kind, 12)
	),
	TP_fast_assign(
		edu_trace_sk_addrs(sk, __entry->src, __entry->dst);
		strscpy(__entry->kind, kind, sizeof(__entry->kind));
	),
	TP_printk("src=%pISpc dst=%pISpc kind=%s",
		  __entry->src, __entry->dst, __entry->kind)
);

TRACE_EVENT(edu_tcp_drop,
	TP_PROTO(const struct in6_addr *saddr, __be16 sport,
		 const struct in6_addr *daddr, __be16 dport,
		 const char *reason),
	TP_ARGS(saddr, sport, daddr, dport, reason),
	TP_STRUCT__entry(
		__array(u8, src, EDU_TRACE_ADDR_LEN)
		__array(u8, dst, EDU_TRACE_ADDR_LEN)
		__array(char, reason, 20)
	),
	TP_fast_assign(
		edu_trace_addr(__entry->src, saddr, sport);
		edu_trace_addr(__entry->dst, daddr, dport);
		strscpy(__entry->reason, reason, sizeof(__entry->reason));
	),
	TP_printk("src=%pISpc dst=%pISpc reason=%s",
		  __entry->src, __entry->dst, __entry->reason)
);

#endif /* _EDU_TCP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
