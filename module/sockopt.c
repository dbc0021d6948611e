// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: socket options.
 *
 * edu_tcp's own level (SOL_EDU_TCP), the TCP names a program written for
 * TCP uses at IPPROTO_TCP, and IP's level, which is IP's own code.
 *
 * At IPPROTO_TCP an option works only if it means for edu_tcp what it
 * means for TCP; anything else gets TCP's errno for an unknown option,
 * ENOPROTOOPT, both ways, so that a program learns it was not honoured
 * (curl, iperf3 and the like report that and carry on).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/net.h>
#include <linux/tcp.h>
#include <linux/uaccess.h>
#include <net/ip.h>
#include <net/tcp.h>
#include <net/tcp_states.h>
#include "edu_tcp.h"

/* Linux's limits on what keep-alive options may be set to */
#define EDU_KEEP_MAX_S		32767
#define EDU_KEEPCNT_MAX		127

/* Options that exist only at IPPROTO_TCP, numbered past edu_tcp's own */
enum {
	EDU_OPT_KERNEL_INFO = 0x100,	/* TCP_INFO: the kernel's struct tcp_info */
	EDU_OPT_CONGESTION,		/* TCP_CONGESTION */
};

/* The congestion control of RFC 5681 with RFC 6582's recovery: what
 * Linux calls "reno".
 */
static const char edu_ca_name[TCP_CA_NAME_MAX] = "reno";

/* The edu_tcp option a (level, name) pair means: our own level, or the
 * TCP names that programs written for TCP use.  -1 for anything else.
 */
static int edu_opt(int level, int optname)
{
	if (level == SOL_EDU_TCP)
		return optname > 0 && optname < EDU_OPT_KERNEL_INFO ? optname : -1;
	if (level != SOL_TCP)
		return -1;
	switch (optname) {
	case TCP_NODELAY:
		return EDU_TCP_NODELAY;
	case TCP_MAXSEG:
		return EDU_TCP_MAXSEG;
	case TCP_KEEPIDLE:
		return EDU_TCP_KEEPIDLE;
	case TCP_KEEPINTVL:
		return EDU_TCP_KEEPINTVL;
	case TCP_KEEPCNT:
		return EDU_TCP_KEEPCNT;
	case TCP_INFO:
		return EDU_OPT_KERNEL_INFO;
	case TCP_CONGESTION:
		return EDU_OPT_CONGESTION;
	}
	return -1;
}

/* TCP_MAXSEG set by the user bounds both MSS values of a connection
 * opened afterwards, the one we announce and the one we send with, as
 * TCP's user_mss does.
 */
u16 edu_user_mss_clamp(const struct sock *sk, u16 mss)
{
	u16 user = READ_ONCE(edu_sk(sk)->user_mss);

	return user ? min(mss, user) : mss;
}

/* A new idle time takes effect at once, as it does for TCP. */
static void edu_set_keepidle(struct sock *sk, int val)
{
	edu_sk(sk)->keep_idle = val;
	if (sock_flag(sk, SOCK_KEEPOPEN) &&
	    ((1 << sk->sk_state) & ((1 << EDU_TCP_ESTABLISHED) |
				    (1 << EDU_TCP_CLOSE_WAIT))))
		edu_keepalive_reset(sk);
}

/* Only the one algorithm edu_tcp has can be chosen; TCP answers a name
 * it does not know with ENOENT.
 */
static int edu_set_congestion(sockptr_t optval, unsigned int optlen)
{
	char name[TCP_CA_NAME_MAX];

	if (optlen < 1)
		return -EINVAL;
	optlen = min_t(unsigned int, optlen, sizeof(name) - 1);
	if (copy_from_sockptr(name, optval, optlen))
		return -EFAULT;
	name[optlen] = 0;
	return strcmp(name, edu_ca_name) ? -ENOENT : 0;
}

static int edu_set_int(struct sock *sk, int opt, int val)
{
	struct edu_sock *es = edu_sk(sk);

	switch (opt) {
	case EDU_TCP_NODELAY:
		es->nodelay = !!val;
		if (val)
			edu_push(sk, true);
		return 0;
	case EDU_TCP_MAXSEG:
		/* TCP's bounds; 0 goes back to the route's MSS */
		if (val && (val < TCP_MIN_MSS || val > MAX_TCP_WINDOW))
			return -EINVAL;
		WRITE_ONCE(es->user_mss, val);
		return 0;
	case EDU_TCP_KEEPIDLE:
		if (val < 1 || val > EDU_KEEP_MAX_S)
			return -EINVAL;
		edu_set_keepidle(sk, val);
		return 0;
	case EDU_TCP_KEEPINTVL:
		if (val < 1 || val > EDU_KEEP_MAX_S)
			return -EINVAL;
		es->keep_intvl = val;
		return 0;
	case EDU_TCP_KEEPCNT:
		if (val < 1 || val > EDU_KEEPCNT_MAX)
			return -EINVAL;
		es->keep_cnt = val;
		return 0;
	}
	return -ENOPROTOOPT;
}

int edu_setsockopt(struct socket *sock, int level, int optname,
		   sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	int opt = edu_opt(level, optname);
	int val, err;

	if (level == SOL_IP)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	if (opt == EDU_OPT_CONGESTION)
		return edu_set_congestion(optval, optlen);
	if (opt != EDU_TCP_NODELAY && opt != EDU_TCP_MAXSEG &&
	    opt != EDU_TCP_KEEPIDLE && opt != EDU_TCP_KEEPINTVL &&
	    opt != EDU_TCP_KEEPCNT)
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	lock_sock(sk);
	err = edu_set_int(sk, opt, val);
	release_sock(sk);
	return err;
}

static void edu_fill_info(struct sock *sk, struct edu_tcp_info *info)
{
	struct edu_sock *es = edu_sk(sk);

	memset(info, 0, sizeof(*info));
	info->state = sk->sk_state;
	info->backoff = es->backoff;
	info->mss = es->mss;
	info->iss = es->iss;
	info->irs = es->irs;
	info->snd_una = es->snd_una;
	info->snd_nxt = es->snd_nxt;
	info->rcv_nxt = es->rcv_nxt;
	info->snd_wnd = es->snd_wnd;
	info->rcv_wnd = seq_after(es->rcv_adv, es->rcv_nxt) ?
			es->rcv_adv - es->rcv_nxt : 0;
	info->cwnd = es->cwnd;
	info->ssthresh = es->ssthresh;
	info->srtt_us = es->srtt_us;
	info->rttvar_us = es->rttvar_us;
	info->rto_ms = es->rto_ms;
	info->retransmits = es->total_retrans;
	info->snd_wscale = es->snd_wscale;
	info->rcv_wscale = es->rcv_wscale;
	info->segs_in = es->segs_in;
	info->segs_out = es->segs_out;
	info->bytes_in = es->bytes_in;
	info->bytes_out = es->bytes_out;
}

/* ---- struct tcp_info, for programs written for TCP ---- */

/* Our states in the kernel's TCP_* numbering (net/tcp_states.h).  The
 * two agree today (uapi/linux/edu_tcp.h), but the table keeps the promise
 * TCP_INFO makes whatever edu_tcp's numbering becomes.
 */
static u8 edu_tcpi_state(int state)
{
	static const u8 map[EDU_TCP_MAX_STATES] = {
		[EDU_TCP_ESTABLISHED]	= TCP_ESTABLISHED,
		[EDU_TCP_SYN_SENT]	= TCP_SYN_SENT,
		[EDU_TCP_SYN_RCVD]	= TCP_SYN_RECV,
		[EDU_TCP_FIN_WAIT1]	= TCP_FIN_WAIT1,
		[EDU_TCP_FIN_WAIT2]	= TCP_FIN_WAIT2,
		[EDU_TCP_TIME_WAIT]	= TCP_TIME_WAIT,
		[EDU_TCP_CLOSED]	= TCP_CLOSE,
		[EDU_TCP_CLOSE_WAIT]	= TCP_CLOSE_WAIT,
		[EDU_TCP_LAST_ACK]	= TCP_LAST_ACK,
		[EDU_TCP_LISTEN]	= TCP_LISTEN,
		[EDU_TCP_CLOSING]	= TCP_CLOSING,
	};

	return state > 0 && state < EDU_TCP_MAX_STATES ? map[state] : TCP_CLOSE;
}

/* Bytes as whole segments of the send MSS, as TCP counts its windows. */
static u32 edu_in_segs(const struct edu_sock *es, u32 bytes)
{
	return DIV_ROUND_UP(bytes, max_t(u32, es->mss, 1));
}

/* Where congestion control stands, in TCP's terms (RFC 5681, 6582): fast
 * recovery; after a timeout, go-back-N re-sending what was in flight (the
 * "loss" state); duplicate ACKs below the threshold; or open.  lost and
 * retrans count segments as TCP does: those taken for lost, and those of
 * them sent again and not yet acknowledged.
 */
static void edu_tcpi_recovery(const struct edu_sock *es, struct tcp_info *ti)
{
	u32 unacked = edu_in_segs(es, es->snd_max - es->snd_una);

	if (es->in_recovery) {
		ti->tcpi_ca_state = TCP_CA_Recovery;
		ti->tcpi_lost = 1;	/* RFC 5681 3.2: the head segment */
		ti->tcpi_retrans = 1;
	} else if (es->retries && seq_before(es->snd_nxt, es->snd_max)) {
		ti->tcpi_ca_state = TCP_CA_Loss;
		ti->tcpi_lost = unacked;
		ti->tcpi_retrans = edu_in_segs(es, es->snd_nxt - es->snd_una);
	} else if (es->dupacks) {
		ti->tcpi_ca_state = TCP_CA_Disorder;
	} else {
		ti->tcpi_ca_state = TCP_CA_Open;
	}
}

static void edu_tcpi_windows(const struct sock *sk, struct tcp_info *ti)
{
	const struct edu_sock *es = edu_sk(sk);
	u32 mss = max_t(u32, es->mss, 1);

	ti->tcpi_snd_cwnd = max_t(u32, es->cwnd / mss, es->cwnd ? 1 : 0);
	ti->tcpi_snd_ssthresh = es->ssthresh >= TCP_INFINITE_SSTHRESH ?
				TCP_INFINITE_SSTHRESH : es->ssthresh / mss;
	ti->tcpi_snd_wnd = es->snd_wnd;
	edu_tcpi_set_rcv_wnd(ti, seq_after(es->rcv_adv, es->rcv_nxt) ?
				 es->rcv_adv - es->rcv_nxt : 0);
	if (es->wscale_ok) {
		ti->tcpi_options |= TCPI_OPT_WSCALE;
		ti->tcpi_snd_wscale = es->snd_wscale;
		ti->tcpi_rcv_wscale = es->rcv_wscale;
	}
}

static void edu_tcpi_counters(const struct edu_sock *es, struct tcp_info *ti)
{
	ti->tcpi_total_retrans = es->total_retrans;
	ti->tcpi_bytes_acked = es->bytes_out;
	ti->tcpi_bytes_received = es->bytes_in;
	ti->tcpi_segs_in = es->segs_in;
	ti->tcpi_segs_out = es->segs_out;
	ti->tcpi_data_segs_in = es->data_segs_in;
	ti->tcpi_data_segs_out = es->data_segs_out;
	ti->tcpi_bytes_sent = es->bytes_sent;
	ti->tcpi_bytes_retrans = es->bytes_retrans;
	ti->tcpi_notsent_bytes = seq_after(es->write_seq, es->snd_max) ?
				 es->write_seq - es->snd_max : 0;
}

/* Fill what edu_tcp has of the target kernel's struct tcp_info; what it
 * does not keep (SACK, timestamps, pacing, delivery rate) stays 0.
 */
static void edu_fill_tcp_info(struct sock *sk, struct tcp_info *ti)
{
	const struct edu_sock *es = edu_sk(sk);
	const struct dst_entry *dst = __sk_dst_get(sk);

	memset(ti, 0, sizeof(*ti));
	ti->tcpi_state = edu_tcpi_state(sk->sk_state);
	if (sk->sk_state == EDU_TCP_LISTEN) {
		/* as TCP: the accept queue, and its bound */
		ti->tcpi_unacked = READ_ONCE(es->accept_qlen);
		ti->tcpi_sacked = READ_ONCE(sk->sk_max_ack_backlog);
		return;
	}
	edu_tcpi_recovery(es, ti);
	ti->tcpi_retransmits = es->retries;
	ti->tcpi_probes = es->probes_out;
	ti->tcpi_backoff = es->backoff;
	ti->tcpi_rto = es->rto_ms * USEC_PER_MSEC;
	ti->tcpi_ato = EDU_DELACK_MS * USEC_PER_MSEC;
	ti->tcpi_snd_mss = es->mss;
	ti->tcpi_rcv_mss = es->rcv_mss ? : min(es->mss, es->adv_mss);
	ti->tcpi_advmss = es->adv_mss;
	ti->tcpi_unacked = edu_in_segs(es, es->snd_max - es->snd_una);
	ti->tcpi_pmtu = dst ? dst_mtu(dst) : 0;
	ti->tcpi_rtt = es->srtt_us;
	ti->tcpi_rttvar = es->rttvar_us;
	if (es->rcv_tstamp)
		ti->tcpi_last_ack_recv = jiffies_to_msecs(jiffies - es->rcv_tstamp);
	edu_tcpi_windows(sk, ti);
	edu_tcpi_counters(es, ti);
}

/* As TCP: a prefix as long as the caller's buffer, and the length
 * written back, so that a program built against another kernel's
 * struct tcp_info gets what both know.
 */
static int edu_put_prefix(char __user *optval, int __user *optlen, int len,
			  const void *val, size_t size)
{
	len = min_t(int, len, size);
	if (put_user(len, optlen))
		return -EFAULT;
	if (copy_to_user(optval, val, len))
		return -EFAULT;
	return 0;
}

static int edu_get_tcp_info(struct sock *sk, char __user *optval,
			    int __user *optlen, int len)
{
	struct tcp_info ti;

	lock_sock(sk);
	edu_fill_tcp_info(sk, &ti);
	release_sock(sk);
	return edu_put_prefix(optval, optlen, len, &ti, sizeof(ti));
}

static int edu_get_congestion(char __user *optval, int __user *optlen,
			      int len)
{
	return edu_put_prefix(optval, optlen, len, edu_ca_name,
			      sizeof(edu_ca_name));
}

static int edu_get_edu_info(struct sock *sk, char __user *optval,
			    int __user *optlen, int len)
{
	struct edu_tcp_info info;

	lock_sock(sk);
	edu_fill_info(sk, &info);
	release_sock(sk);
	return edu_put_prefix(optval, optlen, len, &info, sizeof(info));
}

/* TCP_MAXSEG reads the MSS in use; before a connection, the one the
 * user asked for, if any (as TCP answers).
 */
static int edu_get_maxseg(const struct sock *sk)
{
	const struct edu_sock *es = edu_sk(sk);

	if (es->user_mss &&
	    ((1 << sk->sk_state) & ((1 << EDU_TCP_CLOSED) |
				    (1 << EDU_TCP_LISTEN))))
		return es->user_mss;
	return es->mss;
}

int edu_getsockopt(struct socket *sock, int level, int optname,
		   char __user *optval, int __user *optlen)
{
	struct sock *sk = sock->sk;
	int len, val;

	if (level == SOL_IP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	optname = edu_opt(level, optname);
	if (optname < 0)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case EDU_OPT_KERNEL_INFO:
		return edu_get_tcp_info(sk, optval, optlen, len);
	case EDU_OPT_CONGESTION:
		return edu_get_congestion(optval, optlen, len);
	case EDU_TCP_INFO:
		return edu_get_edu_info(sk, optval, optlen, len);
	case EDU_TCP_NODELAY:
		val = edu_sk(sk)->nodelay;
		break;
	case EDU_TCP_MAXSEG:
		val = edu_get_maxseg(sk);
		break;
	case EDU_TCP_KEEPIDLE:
		val = edu_sk(sk)->keep_idle;
		break;
	case EDU_TCP_KEEPINTVL:
		val = edu_sk(sk)->keep_intvl;
		break;
	case EDU_TCP_KEEPCNT:
		val = edu_sk(sk)->keep_cnt;
		break;
	default:
		return -ENOPROTOOPT;
	}
	len = min_t(int, len, sizeof(val));
	if (copy_to_user(optval, &val, len))
		return -EFAULT;
	return put_user(len, optlen);
}
