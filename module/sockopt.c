// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: socket options.
 *
 * edu_tcp's own level (SOL_EDU_TCP), the TCP names a program written for
 * TCP uses at IPPROTO_TCP, and IP's level, which is IP's own code.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/net.h>
#include <linux/tcp.h>
#include <linux/uaccess.h>
#include <net/ip.h>
#include "edu_tcp.h"

/* Linux's limits on what keep-alive options may be set to */
#define EDU_KEEP_MAX_S		32767
#define EDU_KEEPCNT_MAX		127

/* The edu_tcp option a (level, name) pair means: our own level, or the
 * TCP names that programs written for TCP use.  -1 for anything else.
 */
static int edu_opt(int level, int optname)
{
	if (level == SOL_EDU_TCP)
		return optname;
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
	}
	return -1;
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

int edu_setsockopt(struct socket *sock, int level, int optname,
			  sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct edu_sock *es = edu_sk(sk);
	int opt = edu_opt(level, optname);
	int val, err = 0;

	if (level == SOL_IP)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	if (opt != EDU_TCP_NODELAY && opt != EDU_TCP_KEEPIDLE &&
	    opt != EDU_TCP_KEEPINTVL && opt != EDU_TCP_KEEPCNT)
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	lock_sock(sk);
	switch (opt) {
	case EDU_TCP_NODELAY:
		es->nodelay = !!val;
		if (val)
			edu_push(sk, true);
		break;
	case EDU_TCP_KEEPIDLE:
		if (val < 1 || val > EDU_KEEP_MAX_S)
			err = -EINVAL;
		else
			edu_set_keepidle(sk, val);
		break;
	case EDU_TCP_KEEPINTVL:
		if (val < 1 || val > EDU_KEEP_MAX_S)
			err = -EINVAL;
		else
			es->keep_intvl = val;
		break;
	case EDU_TCP_KEEPCNT:
		if (val < 1 || val > EDU_KEEPCNT_MAX)
			err = -EINVAL;
		else
			es->keep_cnt = val;
		break;
	}
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

int edu_getsockopt(struct socket *sock, int level, int optname,
			  char __user *optval, int __user *optlen)
{
	struct sock *sk = sock->sk;
	struct edu_tcp_info info;
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
	case EDU_TCP_INFO:
		lock_sock(sk);
		edu_fill_info(sk, &info);
		release_sock(sk);
		len = min_t(int, len, sizeof(info));
		if (copy_to_user(optval, &info, len))
			return -EFAULT;
		return put_user(len, optlen);
	case EDU_TCP_NODELAY:
		val = edu_sk(sk)->nodelay;
		break;
	case EDU_TCP_MAXSEG:
		val = edu_sk(sk)->mss;
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
