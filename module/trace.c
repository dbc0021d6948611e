// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: the tracepoints' definitions (see trace.h), and the helpers
 * that spell a segment's flags and options in them.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"

/* packetdrill's and the ladder's letters: "S." is SYN-ACK, "-" none */
void edu_flags_str(u8 flags, char *buf)
{
	static const struct { u8 bit; char c; } letters[] = {
		{ EDU_FIN, 'F' }, { EDU_SYN, 'S' }, { EDU_RST, 'R' },
		{ EDU_PSH, 'P' }, { EDU_URG, 'U' }, { EDU_ECE, 'E' },
		{ EDU_CWR, 'W' }, { EDU_ACK, '.' },
	};
	int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(letters); i++)
		if (flags & letters[i].bit)
			buf[n++] = letters[i].c;
	if (!n)
		buf[n++] = '-';
	buf[n] = '\0';
}

void edu_trace_addr(u8 *buf, const struct in6_addr *addr, __be16 port)
{
	memset(buf, 0, EDU_TRACE_ADDR_LEN);
	if (edu_addr_is_v4(addr)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)buf;

		sin->sin_family = AF_INET;
		sin->sin_port = port;
		sin->sin_addr.s_addr = edu_addr_v4(addr);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)buf;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		sin6->sin6_addr = *addr;
	}
}

void edu_trace_sk_addrs(const struct sock *sk, u8 *src, u8 *dst)
{
	struct in6_addr l, r;

	edu_sk_laddr(sk, &l);
	edu_sk_raddr(sk, &r);
	edu_trace_addr(src, &l, inet_sk(sk)->inet_sport);
	edu_trace_addr(dst, &r, sk->sk_dport);
}

void edu_opts_str(u16 mss, s8 wscale, char *buf, size_t size)
{
	if (mss && wscale >= 0)
		snprintf(buf, size, "mss=%u,wscale=%d", mss, wscale);
	else if (mss)
		snprintf(buf, size, "mss=%u", mss);
	else if (wscale >= 0)
		snprintf(buf, size, "wscale=%d", wscale);
	else
		strscpy(buf, "-", size);
}
