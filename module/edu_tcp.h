/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu_tcp internals: the socket, the segment control block, the per-netns
 * tables and counters, and the interfaces between the files.
 *
 * One concern per file:
 *   main.c    module parameters, registration and unwinding
 *   socket.c  struct proto / struct proto_ops: what system calls do
 *   sockopt.c socket options: SOL_EDU_TCP, IPPROTO_TCP's names, TCP_INFO
 *   input.c   validating and processing received segments (RFC 9293 3.10.7)
 *   output.c  building and sending segments, retransmission
 *   offload.c cutting super-segments into wire segments (GSO)
 *   state.c   the one place that changes a connection's state
 *   listen.c  the listener: half-open requests, the accept queue, children
 *   syncookies.c  SYN cookies (RFC 4987)
 *   timewait.c  TIME-WAIT: its records, their segments and expiry
 *   timer.c   the module's hashed timer wheel and what each timer does
 *   table.c   per-netns port, connection, request and TIME-WAIT tables
 *   memory.c  memory accounting as TCP's, and orphans
 *   mib.c     the counters of /proc/net/edu_tcp_stat
 *   isn.c     initial sequence numbers (RFC 6528)
 *   icmp.c    ICMP errors about our segments: PMTUD, unreachables
 *   proc.c    /proc/edu_tcp and /proc/net/edu_tcp_stat
 *   ipv6.c    AF_INET6: registration, bind, connect, routing, input, ICMPv6
 */
#ifndef _EDU_TCP_H
#define _EDU_TCP_H

#include <linux/types.h>
#include <linux/skbuff.h>
#include <linux/list.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <linux/poll.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <uapi/linux/edu_tcp.h>
#include "compat.h"

/* ---- module parameters (main.c) ---- */
extern int edu_proto;
extern unsigned int edu_msl_ms;
extern unsigned int edu_syn_retries;
extern unsigned int edu_synack_retries;
extern unsigned int edu_rto_min_ms;
extern unsigned int edu_retries;
extern unsigned int edu_orphan_retries;
extern bool edu_offload;
extern unsigned int edu_syncookies;
/* bounds on what closed connections may hold (main.c says why) */
extern int edu_max_orphans;
extern int edu_max_tw_buckets;
extern long edu_sysctl_mem[3];	/* pages: tcp_mem's three thresholds */

extern struct proto edu_prot;
extern const struct proto_ops edu_stream_ops;

#if !IS_ENABLED(CONFIG_IPV6)
#error "edu_tcp speaks IPv4 and IPv6: it needs a kernel with CONFIG_IPV6"
#endif

/* ---- addresses of either family ----
 *
 * The tables, request and TIME-WAIT records keep every address as a
 * struct in6_addr; an IPv4 address is kept in its IPv4-mapped form
 * ::ffff:a.b.c.d (RFC 4291 2.5.5.2).  One key type then serves both
 * families, and a dual-stack AF_INET6 socket talking to an IPv4 peer
 * (whose sk_v6_* addresses are mapped, as TCP's are) matches the IPv4
 * segments of its connection without a second table.
 */
static inline bool edu_addr_is_v4(const struct in6_addr *a)
{
	return ipv6_addr_v4mapped(a);
}

static inline __be32 edu_addr_v4(const struct in6_addr *a)
{
	return a->s6_addr32[3];
}

/* The wildcard of its family: :: or ::ffff:0.0.0.0 (INADDR_ANY). */
static inline bool edu_addr_any(const struct in6_addr *a)
{
	return ipv6_addr_any(a) ||
	       (edu_addr_is_v4(a) && edu_addr_v4(a) == htonl(INADDR_ANY));
}

/* A socket's local and remote address, in the tables' form. */
static inline void edu_sk_laddr(const struct sock *sk, struct in6_addr *a)
{
	if (sk->sk_family == AF_INET6)
		*a = sk->sk_v6_rcv_saddr;
	else
		ipv6_addr_set_v4mapped(sk->sk_rcv_saddr, a);
}

static inline void edu_sk_raddr(const struct sock *sk, struct in6_addr *a)
{
	if (sk->sk_family == AF_INET6)
		*a = sk->sk_v6_daddr;
	else
		ipv6_addr_set_v4mapped(sk->sk_daddr, a);
}

/* The socket's segments go out over IPv6 (else IPv4: an AF_INET socket,
 * or an AF_INET6 one connected to an IPv4-mapped address).
 */
static inline bool edu_sk_v6(const struct sock *sk)
{
	return sk->sk_family == AF_INET6 &&
	       !ipv6_addr_v4mapped(&sk->sk_v6_daddr);
}

/* A received segment's source and destination, in the tables' form. */
static inline void edu_skb_addrs(const struct sk_buff *skb,
				 struct in6_addr *saddr, struct in6_addr *daddr)
{
	if (skb->protocol == htons(ETH_P_IPV6)) {
		*saddr = ipv6_hdr(skb)->saddr;
		*daddr = ipv6_hdr(skb)->daddr;
	} else {
		ipv6_addr_set_v4mapped(ip_hdr(skb)->saddr, saddr);
		ipv6_addr_set_v4mapped(ip_hdr(skb)->daddr, daddr);
	}
}

/* ---- sequence arithmetic, RFC 9293 3.4: compare modulo 2^32 ---- */
static inline bool seq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

static inline bool seq_after(u32 a, u32 b)
{
	return seq_before(b, a);
}

static inline bool seq_between(u32 lo, u32 x, u32 hi)	/* lo <= x <= hi */
{
	return !seq_before(x, lo) && !seq_after(x, hi);
}

/* ---- header flags, in the order of the 13th/14th header bytes ---- */
#define EDU_FIN	0x01
#define EDU_SYN	0x02
#define EDU_RST	0x04
#define EDU_PSH	0x08
#define EDU_ACK	0x10
#define EDU_URG	0x20
#define EDU_ECE	0x40
#define EDU_CWR	0x80

/* The header byte that holds the eight flags (RFC 9293 3.1). */
#define EDU_FLAG_BYTE(th)	(((u8 *)(th))[13])

/* RFC 9293 3.1: options fill the header up to 60 bytes */
#define EDU_HDR_MAX	60
/* Room to build the IP and our header in front of a segment's data:
 * IPv6's fixed header is the larger of the two (RFC 8200 3)
 */
#define EDU_HEADROOM	(MAX_HEADER + sizeof(struct ipv6hdr) + EDU_HDR_MAX)

/* RFC 9293 3.7.1: the default send MSS when the peer sends no option */
#define EDU_DEFAULT_MSS	536
/* RFC 6298 2.1: the RTO before any measurement; 2.5: a maximum of at
 * least 60 s may be placed on it (Linux's TCP_RTO_MAX)
 */
#define EDU_RTO_INIT_MS	1000
#define EDU_RTO_MAX_MS	120000
/* RFC 7323 2.3: the largest window shift */
#define EDU_MAX_WSCALE	14

/* Per-skb state, kept in skb->cb for segments in any queue. */
struct edu_skb_cb {
	u32	seq;		/* first sequence number */
	u32	end_seq;	/* seq + len + SYN + FIN */
	u32	ack;
	u16	window;		/* raw header value */
	u16	urg_ptr;
	u8	flags;		/* EDU_* header flags */
	u8	doff;		/* header length in bytes */
	u8	wscale;		/* received window-scale option, if has_wscale */
	u8	has_wscale:1;
	u8	tw_reopen:1;	/* a SYN that ended a TIME-WAIT record */
	u16	mss;		/* received MSS option, 0 when absent */
	u32	tw_isn;		/* if tw_reopen: the ISN to answer it with */
};

#define EDU_SKB_CB(skb)	((struct edu_skb_cb *)&((skb)->cb[0]))

/* The wire segments a received skb stands for: a super-segment (see
 * offload.c) counts as the segments it holds.
 */
static inline u16 edu_skb_segs(const struct sk_buff *skb)
{
	return max_t(u16, skb_shinfo(skb)->gso_segs, 1);
}

/* ---- the timer wheel (timer.c) ---- */
struct edu_timer {
	struct hlist_node	node;
	unsigned long		expires;	/* jiffies */
	void			(*fn)(struct edu_timer *t);
	bool			armed;
	/* Every arm and cancel counts in gen; the wheel notes the count
	 * in fired_gen when it takes the timer off to run it.  A callback
	 * that had to wait for a lock compares them: if they differ, its
	 * expiry was overtaken by a re-arm or a cancel on another CPU.
	 */
	u32			gen;
	u32			fired_gen;
};

void edu_timer_init(struct edu_timer *t, void (*fn)(struct edu_timer *t));
/* Returns true if the timer was idle (the caller's reference now belongs
 * to the wheel), false if it was re-armed in place.
 */
bool edu_timer_arm(struct edu_timer *t, unsigned long delay);
/* Moves an armed timer's expiry; a timer that is idle, or already taken
 * off by the wheel to run, is left alone.  Returns true if it moved.
 */
bool edu_timer_postpone(struct edu_timer *t, unsigned long delay);
/* The expiry a callback is running for was overtaken (see gen above);
 * read under the lock that serialises the timer's arm and cancel.
 */
static inline bool edu_timer_overtaken(const struct edu_timer *t)
{
	return READ_ONCE(t->gen) != t->fired_gen;
}

/* Returns true if the timer was armed and is now stopped. */
bool edu_timer_cancel(struct edu_timer *t);
int edu_wheel_init(void);
void edu_wheel_exit(void);
void edu_wheel_barrier(void);

enum {
	EDU_DEFER_RTX,
	EDU_DEFER_DELACK,
	EDU_DEFER_KEEPALIVE,
	EDU_DEFER_MTU,		/* icmp.c: a PMTU to apply */
	EDU_DEFER_SYN_ERR,	/* icmp.c: a hard error for our SYN */
};

/* What the retransmission timer is timing, for /proc and traces. */
enum edu_rtx_kind {
	EDU_TIMER_OFF,
	EDU_TIMER_RETRANS,	/* SYN, SYN-ACK, data or FIN unacknowledged */
	EDU_TIMER_PERSIST,	/* zero window: probe it */
	EDU_TIMER_DELACK,
	EDU_TIMER_KEEPALIVE,	/* its own timer: /proc and traces only */
	EDU_TIMER_TIMEWAIT,	/* 2*MSL, and FIN-WAIT-2 of an orphan */
};

/* ---- the socket ---- */
struct edu_sock {
	struct inet_sock	inet;	/* first: struct sock lives here */

	/* RFC 9293 3.3.1 send sequence variables */
	u32	iss;
	u32	snd_una;
	u32	snd_nxt;	/* next to send; rewinds on RTO */
	u32	snd_max;	/* highest ever sent + 1 */
	u32	snd_wnd;	/* bytes, already scaled */
	u32	max_snd_wnd;
	u32	snd_wl1;
	u32	snd_wl2;
	u32	snd_up;		/* byte after the urgent byte, if urg_pending */
	u32	write_seq;	/* next sequence number to queue */

	/* RFC 9293 3.3.1 receive sequence variables */
	u32	irs;
	u32	rcv_nxt;
	u32	rcv_adv;	/* right edge of the last advertised window */
	u32	copied_seq;	/* next byte recvmsg() hands out */
	u32	urg_seq;	/* sequence number of the urgent byte */

	u16	mss;		/* send MSS; a lower path MTU lowers it (icmp.c) */
	u16	adv_mss;	/* what we announced */
	u16	user_mss;	/* TCP_MAXSEG's bound on both, 0: none */
	u16	rcv_mss;	/* largest payload of one segment in */
	u32	mtu_info;	/* a fragmentation-needed's MTU, for icmp.c */
	/* set when the route is chosen (output.c, edu_route_socket) */
	bool	csum_offload;	/* the device checksums our segments */
	u32	gso_limit;	/* largest super-segment payload, 0: none */
	u8	snd_wscale;
	u8	rcv_wscale;
	bool	wscale_ok;
	bool	nodelay;
	bool	urg_pending;	/* we have urgent data to announce */
	bool	urg_have;	/* urg_seq is valid (peer announced one) */
	bool	urg_read;	/* that byte was taken by MSG_OOB */
	bool	urg_valid;	/* urg_byte holds it */
	bool	fin_queued;
	bool	fin_rcvd;	/* the peer's FIN is in, rcv_nxt counts it */
	bool	ever_connected;
	u8	urg_byte;

	/* RFC 6298 round-trip estimation */
	u32	srtt_us;
	u32	rttvar_us;
	u32	rto_ms;
	u8	backoff;
	u8	retries;	/* consecutive expiries, for the limit */
	u32	rtt_seq;	/* the segment being timed ends here */
	u64	rtt_start_us;
	bool	rtt_timing;

	/* RFC 5681 / RFC 6582 congestion control */
	u32	cwnd;		/* bytes */
	u32	ssthresh;
	u32	bytes_acked;	/* congestion avoidance accumulator */
	u32	dupacks;
	u32	recover;
	bool	in_recovery;

	/* queues: sk->sk_write_queue holds unacked and unsent segments */
	struct rb_root		ooo_root;	/* early segments, by seq (input.c) */
	u32			ooo_bytes;
	u32			ooo_truesize;	/* memory the ooo queue holds */

	/* timers, on the module's wheel; each armed one holds a reference */
	struct edu_timer	rtx_timer;
	enum edu_rtx_kind	rtx_kind;
	struct edu_timer	delack_timer;
	u8			ack_pending;	/* segments unacked by us */
	/* EDU_DEFER_* bits: timers that fired while a system call held
	 * the socket (timer.c), each holding a reference; under the
	 * socket's spinlock
	 */
	unsigned long		deferred;

	/* RFC 1122 4.2.3.6 keep-alive, with SO_KEEPALIVE (timer.c) */
	struct edu_timer	keepalive_timer;
	unsigned long		rcv_tstamp;	/* jiffies of the last segment in */
	u16			keep_idle;	/* seconds */
	u16			keep_intvl;	/* seconds */
	u8			keep_cnt;
	u8			probes_out;	/* unanswered keep-alives */

	/* listener (listen.c): half-open requests, under the namespace's
	 * table lock; children waiting for accept(), under queue_lock
	 */
	struct list_head	requests;	/* oldest first */
	u32			req_qlen;
	unsigned long		cookie_stamp;	/* jiffies of the last cookie */
	struct hlist_node	listen_node;	/* en->listen_hash */
	spinlock_t		queue_lock;
	struct list_head	accept_queue;
	u32			accept_qlen;
	bool			queues_closed;	/* the listener is closing */
	/* child: its place in the accept queue (under queue_lock) */
	struct list_head	child_node;
	struct sock		*parent;	/* holds a reference */
	bool			queued;

	/* table membership (table.c) */
	struct hlist_node	bind_node;
	struct hlist_node	conn_node;
	bool			bound;
	bool			connect_bound;	/* the port came from connect() */
	bool			hashed;

	/* counters for EDU_TCP_INFO */
	u64	segs_in;
	u64	segs_out;
	u64	bytes_in;
	u64	bytes_out;
	u32	total_retrans;
	/* and for TCP_INFO (sockopt.c) */
	u64	bytes_sent;	/* payload sent, retransmissions included */
	u64	bytes_retrans;	/* payload sent again */
	u32	data_segs_in;	/* segments that carried data */
	u32	data_segs_out;

	/* receive-side hardening (input.c; output.c's challenge ACKs):
	 * jiffies of the last ACK that answered an invalid segment (a
	 * challenge ACK, or one for an out-of-window segment), 0: none yet
	 */
	unsigned long	invalid_ack_stamp;
	/* bounded orphans and memory (socket.c): this socket is counted in
	 * edu_prot.orphan_count, from close() until it is freed
	 */
	bool	orphan_counted;
};

static inline struct edu_sock *edu_sk(const struct sock *sk)
{
	return (struct edu_sock *)sk;
}

static inline void edu_state_store(struct sock *sk, int state)
{
	/* poll() reads sk_state without the socket lock: publish every
	 * field set before the state together with it
	 */
	smp_store_release(&sk->sk_state, state);
}

/* Bytes received and not yet read; the FIN took a number but is no data. */
static inline u32 edu_readable(const struct edu_sock *es)
{
	return READ_ONCE(es->rcv_nxt) - READ_ONCE(es->copied_seq) -
	       READ_ONCE(es->fin_rcvd);
}

/* A closed connection's small remainder, RFC 9293 3.6 TIME-WAIT. */
struct edu_tw {
	struct hlist_node	conn_node;
	struct hlist_node	bind_node;
	struct edu_timer	timer;
	struct net		*net;
	struct in6_addr		saddr, daddr;	/* local, remote */
	__be16			sport, dport;
	u32			snd_nxt;
	u32			rcv_nxt;
	u32			iss, irs;
	u16			window;	/* header value for its ACKs */
	bool			reuse;
	bool			connect_bound;	/* as its socket's (table.c) */
};

/* A half-open connection at a listener, RFC 9293 3.10.7.2: what the
 * SYN told us and what our SYN-ACK said, and nothing more.  The full
 * socket is made only when the handshake's last ACK arrives (listen.c),
 * so a flood of SYNs costs one of these each, not a socket each.
 */
struct edu_request {
	struct hlist_node	hash_node;	/* en->req_hash, by 4-tuple */
	struct list_head	listen_node;	/* its listener's requests */
	struct edu_timer	timer;		/* SYN-ACK retransmission */
	struct net		*net;
	struct sock		*listener;	/* valid while hashed */
	struct in6_addr		saddr, daddr;	/* local, remote */
	__be16			sport, dport;
	u32			iss, irs;
	u16			peer_mss;	/* the SYN's MSS option, 0: none */
	u16			peer_window;	/* the SYN's, never scaled */
	u16			adv_mss;	/* ours, in the SYN-ACK */
	u16			rcv_window;	/* our SYN-ACK's window */
	u8			snd_wscale;
	u8			rcv_wscale;
	bool			wscale_ok;	/* both SYNs carried the option */
	u8			retries;	/* SYN-ACKs repeated so far */
	u64			sent_us;	/* first SYN-ACK, for an RTT sample */
};

/* ---- per-netns counters ---- */
enum edu_mib {
	EDU_MIB_INSEGS,
	EDU_MIB_OUTSEGS,
	EDU_MIB_RETRANSSEGS,
	EDU_MIB_INERRS,
	EDU_MIB_DROP_SHORT,
	EDU_MIB_DROP_BADOFFSET,
	EDU_MIB_DROP_BADCSUM,
	EDU_MIB_DROP_BADOPTION,
	EDU_MIB_DROP_NOSOCKET,
	EDU_MIB_DROP_OUTOFWINDOW,
	EDU_MIB_DROP_LISTENOVERFLOW,
	EDU_MIB_DROP_MEMORY,
	EDU_MIB_OUTRSTS,
	EDU_MIB_INRSTS,
	EDU_MIB_CHALLENGEACKS,
	EDU_MIB_ACTIVEOPENS,
	EDU_MIB_PASSIVEOPENS,
	EDU_MIB_ATTEMPTFAILS,
	EDU_MIB_ESTABRESETS,
	EDU_MIB_SYNRETRANS,
	EDU_MIB_SYNACKRETRANS,
	EDU_MIB_FINRETRANS,
	EDU_MIB_TIMEWAITCREATED,
	EDU_MIB_TIMEWAITEXPIRED,
	EDU_MIB_DELAYEDACKS,
	EDU_MIB_FASTRETRANS,
	EDU_MIB_RTOEXPIRED,
	EDU_MIB_PERSISTPROBES,
	EDU_MIB_OUTOFORDERQUEUED,
	EDU_MIB_OUTGSOSKBS,
	EDU_MIB_GSOSEGMENTED,
	EDU_MIB_KEEPALIVEPROBES,
	EDU_MIB_KEEPALIVETIMEOUTS,
	EDU_MIB_SYNCOOKIESSENT,
	EDU_MIB_SYNCOOKIESRECV,
	EDU_MIB_SYNCOOKIESFAILED,
	/* receive-side hardening (input.c): what a hostile peer costs */
	EDU_MIB_PEERMSSCLAMPED,		/* a peer's MSS raised to the floor */
	EDU_MIB_CHALLENGEACKSKIPPED,	/* RFC 5961 7: over a limit, not sent */
	EDU_MIB_INVALIDACKSKIPPED,	/* ACK for a bad segment rate-limited */
	EDU_MIB_OFOCOVERED,		/* early segment wholly covered, freed */
	EDU_MIB_OFOPRUNED,		/* early segment freed to make room */
	/* orphans, TIME-WAIT and memory bounded (timer.c, timewait.c, socket.c) */
	EDU_MIB_PERSISTABORTS,
	EDU_MIB_TIMEWAITOVERFLOW,
	EDU_MIB_ABORTONMEMORY,
	EDU_MIB_MEMORYPRESSURES,
	/* ICMP errors (icmp.c) */
	EDU_MIB_ICMPIN,			/* about segments of ours */
	EDU_MIB_ICMPNOSOCKET,		/* ... of no connection or request */
	EDU_MIB_ICMPOUTOFWINDOW,	/* quoted sequence number not in flight */
	EDU_MIB_ICMPCONNABORTS,		/* a hard error ended a SYN's connect() */
	EDU_MIB_ICMPSOFTERRORS,		/* noted (sk_err_soft) or reported */
	EDU_MIB_PMTUUPDATES,		/* fragmentation needed lowered the MSS */
	EDU_MIB_MAX
};

/* Why a received segment was dropped; each reason is also a counter. */
enum edu_drop {
	EDU_DROP_SHORT = EDU_MIB_DROP_SHORT,
	EDU_DROP_BADOFFSET = EDU_MIB_DROP_BADOFFSET,
	EDU_DROP_BADCSUM = EDU_MIB_DROP_BADCSUM,
	EDU_DROP_BADOPTION = EDU_MIB_DROP_BADOPTION,
	EDU_DROP_NOSOCKET = EDU_MIB_DROP_NOSOCKET,
	EDU_DROP_OUTOFWINDOW = EDU_MIB_DROP_OUTOFWINDOW,
	EDU_DROP_LISTENOVERFLOW = EDU_MIB_DROP_LISTENOVERFLOW,
	EDU_DROP_MEMORY = EDU_MIB_DROP_MEMORY,
};

struct edu_mib_cpu {
	unsigned long	v[EDU_MIB_MAX];
};

#define EDU_CONN_HASH_BITS	10
#define EDU_BIND_HASH_BITS	8

struct edu_net {
	spinlock_t		lock;	/* all the tables */
	struct hlist_head	conn_hash[1 << EDU_CONN_HASH_BITS];
	struct hlist_head	twait_hash[1 << EDU_CONN_HASH_BITS];
	struct hlist_head	bind_hash[1 << EDU_BIND_HASH_BITS];
	struct hlist_head	twait_bind_hash[1 << EDU_BIND_HASH_BITS];
	struct hlist_head	req_hash[1 << EDU_CONN_HASH_BITS];
	struct hlist_head	listen_hash[1 << EDU_BIND_HASH_BITS];
	struct edu_mib_cpu __percpu *mib;	/* per CPU: no shared cache line */
	/* RFC 5961 section 7: a namespace-wide challenge ACK budget, drawn
	 * anew each second (output.c, edu_challenge_allowed())
	 */
	spinlock_t		challenge_lock;
	unsigned long		challenge_stamp;	/* jiffies; 0: never */
	u32			challenge_left;
	/* TIME-WAIT records in the tables, against max_tw_buckets
	 * (timewait.c)
	 */
	atomic_t		tw_count;
};

struct edu_net *edu_pernet(const struct net *net);
extern const char *const edu_mib_names[EDU_MIB_MAX];

static inline void edu_inc(const struct net *net, enum edu_mib m)
{
	this_cpu_inc(edu_pernet(net)->mib->v[m]);
}

static inline void edu_add(const struct net *net, enum edu_mib m,
			   unsigned long n)
{
	this_cpu_add(edu_pernet(net)->mib->v[m], n);
}

unsigned long edu_mib_read(const struct net *net, enum edu_mib m);

/* ---- table.c ---- */
int edu_table_init(void);
void edu_table_exit(void);
void edu_sk_set_laddr(struct sock *sk, const struct in6_addr *addr);
void edu_sk_set_raddr(struct sock *sk, const struct in6_addr *addr);
int edu_bind_port(struct sock *sk, const struct in6_addr *addr, u16 port);
int edu_autobind(struct sock *sk);
int edu_autobind_connect(struct sock *sk);
int edu_start_listen(struct sock *sk);
void edu_unbind(struct sock *sk);
int edu_hash_conn(struct sock *sk);
int edu_hash_child(struct sock *child);
void edu_unhash_conn(struct sock *sk);
struct sock *edu_lookup(struct net *net, const struct in6_addr *saddr,
			__be16 sport, const struct in6_addr *daddr,
			__be16 dport);
struct sock *edu_lookup_skb(struct net *net, const struct sk_buff *skb);
struct sock *edu_lookup_listener(struct net *net, const struct in6_addr *daddr,
				 __be16 dport);
struct hlist_head *edu_req_bucket(struct edu_net *en,
				  const struct in6_addr *laddr, __be16 lport,
				  const struct in6_addr *raddr, __be16 rport);
bool edu_tuple_taken(struct edu_net *en, const struct in6_addr *laddr,
		     __be16 lport, const struct in6_addr *raddr, __be16 rport);
void edu_insert_child(struct edu_net *en, struct sock *child);
bool edu_tw_handle(struct net *net, struct sk_buff *skb);
void edu_tw_insert(struct net *net, struct edu_tw *tw);
/* the TIME-WAIT tables' buckets, for timewait.c */
struct hlist_head *edu_tw_bucket(struct edu_net *en,
				 const struct in6_addr *laddr, __be16 lport,
				 const struct in6_addr *raddr, __be16 rport);
struct hlist_head *edu_tw_bind_bucket(struct edu_net *en, u16 port);

/* ---- isn.c ---- */
void edu_isn_init(void);
u32 edu_isn(const struct in6_addr *saddr, const struct in6_addr *daddr,
	    __be16 sport, __be16 dport);

/* ---- state.c ---- */
const char *edu_state_name(int state);
void edu_set_state(struct sock *sk, int state);
void edu_done(struct sock *sk);
/* leave the tables, stop the timers; traced false: TIME-WAIT takes over */
void edu_teardown(struct sock *sk, bool traced);
void edu_abort(struct sock *sk, int err);

/* ---- timewait.c ---- */
void edu_enter_time_wait(struct sock *sk);
void edu_tw_insert(struct net *net, struct edu_tw *tw);
bool edu_tw_handle(struct net *net, struct sk_buff *skb);
void edu_tw_net_exit(struct net *net);

/* ---- output.c ---- */
int edu_send_syn(struct sock *sk, gfp_t gfp);
int edu_send_ack(struct sock *sk);
void edu_send_challenge_ack(struct sock *sk);
bool edu_challenge_allowed(struct net *net);
void edu_send_invalid_ack(struct sock *sk, const struct edu_skb_cb *cb);
int edu_send_rst(struct sock *sk);
void edu_send_reset_reply(struct net *net, struct sk_buff *skb);
void edu_send_tw_ack(struct net *net, const struct edu_tw *tw);
void edu_send_synack(const struct edu_request *req, int state);
void edu_send_request_ctl(const struct edu_request *req, u8 flags);
u16 edu_request_route_mss(const struct edu_request *req);
void edu_push(struct sock *sk, bool force_push);
void edu_queue_fin(struct sock *sk);
void edu_retransmit_head(struct sock *sk);
int edu_trim_acked(struct sock *sk, struct sk_buff *skb, u32 len);
void edu_wmem_charge(struct sock *sk, int size);
void edu_wmem_uncharge(struct sock *sk, int size);
void edu_send_probe(struct sock *sk);
int edu_send_old_ack(struct sock *sk);
u32 edu_rcv_space(struct sock *sk);
u32 edu_rcv_window(struct sock *sk);
u32 edu_rcv_sws_step(const struct sock *sk);
u32 edu_pressure_window(const struct sock *sk, u32 win, u16 mss);
void edu_rearm_rtx(struct sock *sk);
u16 edu_route_mss(struct sock *sk);
u32 edu_size_goal(const struct sock *sk);
int edu_route_socket(struct sock *sk);

/* ---- offload.c ---- */
/* The GSO type of our super-segments; offload.c says why these bits. */
#define EDU_GSO_TYPE	(SKB_GSO_TCPV4 | SKB_GSO_SCTP)
int edu_offload_init(void);
void edu_offload_exit(void);

/* ---- input.c ---- */
int edu_v4_rcv(struct sk_buff *skb);
bool edu_rcv_check(struct net *net, struct sk_buff *skb);
int edu_rcv_demux(struct net *net, struct sk_buff *skb);
int edu_do_rcv(struct sock *sk, struct sk_buff *skb);
void edu_listen_rcv(struct sock *sk, struct sk_buff *skb);
void edu_child_rcv(struct sock *child, struct sk_buff *skb);
void edu_apply_syn_options(struct sock *sk, const struct edu_skb_cb *cb);
void edu_trace_seg_in(const struct sk_buff *skb, int state, u32 peer_isn,
		      u32 our_isn);
void edu_rtt_sample(struct sock *sk, u32 rtt_us);
void edu_ofo_purge(struct sock *sk);

/* ---- icmp.c ---- */
int edu_v4_err(struct sk_buff *skb, u32 info);
void edu_mtu_reduced(struct sock *sk);
void edu_mtu_defer(struct sock *sk);
void edu_retransmit_smaller(struct sock *sk);
void edu_syn_error_deferred(struct sock *sk);
bool edu_icmp_believed(struct sock *sk, u32 seq);
int edu_icmp_request_counted(struct net *net, int ret);
void edu_icmp_error(struct sock *sk, int err, bool hard, bool recverr);

/* ---- timer.c (socket timers) ---- */
void edu_sock_timers_init(struct sock *sk);
void edu_arm_rtx_timer(struct sock *sk, enum edu_rtx_kind kind,
		       unsigned long delay);
void edu_stop_rtx_timer(struct sock *sk);
/* the ACK delay (timer.c says why); TCP_INFO reports it */
#define EDU_DELACK_MS	40
void edu_schedule_delack(struct sock *sk);
void edu_stop_delack(struct sock *sk);
void edu_stop_timers(struct sock *sk);
void edu_release_cb(struct sock *sk);
void edu_keepalive_reset(struct sock *sk);
void edu_keepalive(struct sock *sk, int on);
bool edu_probes_spent(const struct sock *sk);
void edu_persist_give_up(struct sock *sk);
const char *edu_timer_name(enum edu_rtx_kind kind);
unsigned long edu_msl_jiffies(void);

/* ---- socket.c ---- */
int edu_prot_register(void);
void edu_prot_unregister(void);
void edu_init_sock_fields(struct sock *sk);
void edu_conn_init(struct sock *sk);
int edu_init_sock(struct sock *sk);
void edu_sock_destruct(struct sock *sk);
bool edu_bind_denied(struct net *net, u16 port);
int edu_bind_addr(struct sock *sk, const struct in6_addr *addr, u16 port);
int edu_connect_start(struct sock *sk);
/* the system calls both families' proto_ops share */
int edu_listen(struct socket *sock, int backlog);
int edu_do_accept(struct socket *sock, struct socket *newsock, int flags);
__poll_t edu_poll(struct file *file, struct socket *sock, poll_table *wait);
int edu_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg);
int edu_shutdown(struct socket *sock, int how);
int edu_sendmsg(struct socket *sock, struct msghdr *msg, size_t size);
int edu_recvmsg(struct socket *sock, struct msghdr *msg, size_t len, int flags);
int edu_stream_connect(struct socket *sock, struct sockaddr *uaddr,
		       int addr_len, int flags,
		       int (*start)(struct sock *sk, struct sockaddr *uaddr,
				    int addr_len));

/* ---- policy.c ---- */
int edu_policy_bind(struct sock *sk, struct sockaddr *uaddr, int addr_len,
		    bool *no_cap_needed);
int edu_policy_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len);

/* ---- ipv6.c ---- */
int edu6_init(void);
void edu6_exit(void);
int edu6_route_socket(struct sock *sk);
int edu6_xmit(struct sock *sk, struct sk_buff *skb);
void edu6_set_checksum(struct sock *sk, struct sk_buff *skb);
__sum16 edu6_csum(const struct in6_addr *saddr, const struct in6_addr *daddr,
		  u32 len, __wsum sum);
struct dst_entry *edu6_bare_route(struct net *net,
				  const struct in6_addr *saddr,
				  const struct in6_addr *daddr,
				  __be16 sport, __be16 dport);
void edu6_bare_xmit(struct net *net, struct sk_buff *skb,
		    const struct in6_addr *saddr, const struct in6_addr *daddr,
		    struct dst_entry *dst);
void edu6_child_init(struct sock *child);
void edu6_mtu_reduced(struct sock *sk);

/* ---- sockopt.c ---- */
int edu_setsockopt(struct socket *sock, int level, int optname,
		   sockptr_t optval, unsigned int optlen);
int edu_getsockopt(struct socket *sock, int level, int optname,
		   char __user *optval, int __user *optlen);
u16 edu_user_mss_clamp(const struct sock *sk, u16 mss);

/* ---- listen.c ---- */
void edu_listen_syn(struct sock *sk, struct sk_buff *skb);
void edu_listen_ack(struct sock *sk, struct sk_buff *skb);
bool edu_request_rcv(struct net *net, struct sk_buff *skb);
int edu_request_icmp(struct net *net, const struct in6_addr *laddr,
		     __be16 lport, const struct in6_addr *raddr, __be16 rport,
		     u32 seq, bool drop);
void edu_listen_stop(struct sock *sk);
/* ---- memory.c ---- */
void edu_prot_memory(struct proto *prot);
void edu_memory_check_empty(void);
void edu_orphan_count_inc(struct sock *sk);
void edu_orphan_uncount(struct sock *sk);
bool edu_orphan_oom(struct sock *sk);
void edu_memory_settle(void);
void edu_memory_stat_show(struct seq_file *m);
void edu_orphan_abort(struct sock *sk);
bool edu_child_established(struct sock *child);
bool edu_listener_drop_child(struct sock *child);
struct sock *edu_accept_dequeue(struct sock *sk);
int edu_wait_for_child(struct sock *sk, long *timeo);

/* ---- syncookies.c ---- */
u32 edu_cookie_isn(const struct edu_request *req);
u16 edu_cookie_check(const struct edu_request *req);

/* ---- proc.c ---- */
int edu_proc_init(void);
void edu_proc_exit(void);
int edu_proc_net_init(struct net *net);
void edu_proc_net_exit(struct net *net);

#endif /* _EDU_TCP_H */
