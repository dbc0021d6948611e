// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: the system's policy hooks, run where TCP runs them.
 *
 * A cgroup may carry BPF programs that see every bind() and connect() of
 * its sockets before the address is used: they may refuse the call
 * (EPERM), rewrite the address (a service proxy, say), or let a bind()
 * take a privileged port without CAP_NET_BIND_SERVICE.  inet_bind() and
 * TCP's pre_connect() run them; edu_tcp has system calls of its own, so
 * it runs them here.  (What edu_tcp sends is owned by its socket --
 * output.c edu_ip_xmit() -- so that cgroup egress programs and netfilter's
 * owner matches see it too.)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf-cgroup.h>
#include <linux/in6.h>
#include <net/inet_common.h>
#include <net/ipv6.h>
#include "edu_tcp.h"

/* The bind program of the socket's family, before any other check (as
 * inet_bind()).  @no_cap_needed: the program waived the capability check
 * for a privileged port.
 */
int edu_policy_bind(struct sock *sk, struct sockaddr *uaddr, int addr_len,
		    bool *no_cap_needed)
{
	u32 flags = 0;
	int err;

	if (sk->sk_family == AF_INET6)
		err = edu_bpf_bind(sk, uaddr, &addr_len, CGROUP_INET6_BIND,
				   &flags);
	else
		err = edu_bpf_bind(sk, uaddr, &addr_len, CGROUP_INET4_BIND,
				   &flags);
	*no_cap_needed = flags & BIND_NO_CAP_NET_BIND_SERVICE;
	return err;
}

/* The connect program of the socket's family, the socket locked, before
 * the address is read (as TCP's pre_connect()); an AF_INET6 socket runs
 * its family's program for an IPv4-mapped address too.
 */
int edu_policy_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	if (sk->sk_family == AF_INET6) {
		if (addr_len < SIN6_LEN_RFC2133)
			return -EINVAL;
		return edu_bpf_sock_addr(sk, uaddr, &addr_len,
					 CGROUP_INET6_CONNECT);
	}
	if (addr_len < sizeof(struct sockaddr_in))
		return -EINVAL;
	return edu_bpf_sock_addr(sk, uaddr, &addr_len, CGROUP_INET4_CONNECT);
}
