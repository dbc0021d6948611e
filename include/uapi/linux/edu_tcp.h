/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * edu_tcp: a teaching TCP carried under its own IPv4 protocol number.
 *
 * What user space shares with the module: the protocol number, the socket
 * option level and names, the state numbering and the EDU_TCP_INFO record.
 */
#ifndef _UAPI_LINUX_EDU_TCP_H
#define _UAPI_LINUX_EDU_TCP_H

#include <linux/types.h>

/* RFC 3692 reserves 253 and 254 for experiments; the module's `proto`
 * parameter may pick the other one.
 */
#define IPPROTO_EDU_TCP		253

/* Level for edu_tcp's own socket options.  A constant, whatever protocol
 * number the module was loaded with.
 */
#define SOL_EDU_TCP		253

/* Socket options at SOL_EDU_TCP */
#define EDU_TCP_INFO		1	/* get: struct edu_tcp_info */
#define EDU_TCP_NODELAY		2	/* get/set: int, no Nagle */
#define EDU_TCP_MAXSEG		3	/* get/set: int, the send MSS; set: its bound */
/* Keepalive (with SO_KEEPALIVE on), as TCP_KEEPIDLE/KEEPINTVL/KEEPCNT */
#define EDU_TCP_KEEPIDLE	4	/* get/set: int, idle s before probing */
#define EDU_TCP_KEEPINTVL	5	/* get/set: int, s between probes */
#define EDU_TCP_KEEPCNT		6	/* get/set: int, unanswered probes to fail */

/*
 * The eleven states of RFC 9293 section 3.3.2.  The values are those Linux
 * gives its TCP states, so ss-like tools and sk->sk_state agree.
 */
enum edu_tcp_state {
	EDU_TCP_ESTABLISHED = 1,
	EDU_TCP_SYN_SENT,
	EDU_TCP_SYN_RCVD,
	EDU_TCP_FIN_WAIT1,
	EDU_TCP_FIN_WAIT2,
	EDU_TCP_TIME_WAIT,
	EDU_TCP_CLOSED,
	EDU_TCP_CLOSE_WAIT,
	EDU_TCP_LAST_ACK,
	EDU_TCP_LISTEN,
	EDU_TCP_CLOSING,
	EDU_TCP_MAX_STATES,
};

/* RFC 9293's spelling of each state, indexed by enum edu_tcp_state. */
#define EDU_TCP_STATE_NAMES {			\
	[0]			= "UNKNOWN",	\
	[EDU_TCP_ESTABLISHED]	= "ESTABLISHED",\
	[EDU_TCP_SYN_SENT]	= "SYN-SENT",	\
	[EDU_TCP_SYN_RCVD]	= "SYN-RCVD",	\
	[EDU_TCP_FIN_WAIT1]	= "FIN-WAIT-1",	\
	[EDU_TCP_FIN_WAIT2]	= "FIN-WAIT-2",	\
	[EDU_TCP_TIME_WAIT]	= "TIME-WAIT",	\
	[EDU_TCP_CLOSED]	= "CLOSED",	\
	[EDU_TCP_CLOSE_WAIT]	= "CLOSE-WAIT",	\
	[EDU_TCP_LAST_ACK]	= "LAST-ACK",	\
	[EDU_TCP_LISTEN]	= "LISTEN",	\
	[EDU_TCP_CLOSING]	= "CLOSING",	\
}

/* getsockopt(fd, SOL_EDU_TCP, EDU_TCP_INFO, &info, &len).  Fields are in
 * host byte order; sequence numbers are absolute (subtract iss/irs for the
 * relative numbers Wireshark shows).  A shorter len gets a prefix.
 */
struct edu_tcp_info {
	__u8	state;		/* enum edu_tcp_state */
	__u8	backoff;	/* RTO doublings since the last new ACK */
	__u16	mss;		/* send MSS */
	__u32	iss;		/* our initial sequence number */
	__u32	irs;		/* the peer's initial sequence number */
	__u32	snd_una;
	__u32	snd_nxt;
	__u32	rcv_nxt;
	__u32	snd_wnd;	/* peer's advertised window, bytes */
	__u32	rcv_wnd;	/* our advertised window, bytes */
	__u32	cwnd;		/* congestion window, bytes */
	__u32	ssthresh;	/* bytes */
	__u32	srtt_us;
	__u32	rttvar_us;
	__u32	rto_ms;
	__u32	retransmits;	/* segments retransmitted, total */
	__u32	snd_wscale;	/* shift applied to the peer's window */
	__u32	rcv_wscale;	/* shift we apply to ours */
	__u64	segs_in;
	__u64	segs_out;
	__u64	bytes_in;	/* payload bytes received in order */
	__u64	bytes_out;	/* payload bytes acknowledged by the peer */
};

#endif /* _UAPI_LINUX_EDU_TCP_H */
