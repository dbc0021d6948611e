/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu_tcp: every difference between the kernels edu_tcp builds for, in one
 * place.  module/Kbuild defines EDU_HAVE_* from what it finds in the
 * target kernel's headers, so nothing here compares version numbers;
 * edu_tcp.h includes this file, after the kernel headers it needs.
 */
#ifndef _EDU_TCP_COMPAT_H
#define _EDU_TCP_COMPAT_H

/* From 6.10, proto_ops->accept takes a struct proto_accept_arg. */
#ifdef EDU_HAVE_PROTO_ACCEPT_ARG
#define EDU_ACCEPT_ARGS \
	struct socket *sock, struct socket *newsock, struct proto_accept_arg *arg
#define EDU_ACCEPT_FLAGS	(arg->flags)
#else
#define EDU_ACCEPT_ARGS \
	struct socket *sock, struct socket *newsock, int flags, bool kern
#define EDU_ACCEPT_FLAGS	(flags)
#endif

/* From 6.6, inet_sock's flag bits live in inet_flags. */
#ifdef EDU_HAVE_INET_TEST_BIT
#define edu_freebind(sk)	inet_test_bit(FREEBIND, sk)
#define edu_recverr(sk)		inet_test_bit(RECVERR, sk)
#else
#define edu_freebind(sk)	(inet_sk(sk)->freebind)
#define edu_recverr(sk)		(inet_sk(sk)->recverr)
#endif

/* From 6.0, a protocol that accounts memory batches its charges per CPU
 * (struct proto's per_cpu_fw_alloc) before they reach memory_allocated.
 */
#ifdef EDU_HAVE_PER_CPU_FW_ALLOC
#define EDU_SET_FW_ALLOC(prot, var)	((prot)->per_cpu_fw_alloc = (var))
#else
#define EDU_SET_FW_ALLOC(prot, var)	do { } while (0)
#endif

/* From 6.8, struct tcp_info reports the receive window too. */
#ifdef EDU_HAVE_TCPI_RCV_WND
#define edu_tcpi_set_rcv_wnd(ti, v)	((ti)->tcpi_rcv_wnd = (v))
#else
#define edu_tcpi_set_rcv_wnd(ti, v)	((void)(v))
#endif

/* IPv6 (ipv6.c).  From 6.5, inet6_create() finds a socket's ipv6_pinfo
 * at struct proto's ipv6_pinfo_offset; before, at the end of the object.
 */
#ifdef EDU_HAVE_PINFO_OFFSET
#define EDU_SET_PINFO_OFFSET(prot, off)	((prot)->ipv6_pinfo_offset = (off))
#else
#define EDU_SET_PINFO_OFFSET(prot, off)	do { } while (0)
#endif

/* ip6_dst_store()'s last argument: a source address, later a bool. */
#ifdef EDU_HAVE_DST_STORE_BOOL
#define edu_ip6_dst_store(sk, dst)	ip6_dst_store(sk, dst, NULL, false)
#else
#define edu_ip6_dst_store(sk, dst)	ip6_dst_store(sk, dst, NULL, NULL)
#endif

/* A socket's flow label list moved from ipv6_pinfo to inet_sock. */
#ifdef EDU_HAVE_INET_FL_LIST
#define edu_ipv6_fl_list(sk)	(inet_sk(sk)->ipv6_fl_list)
#else
#define edu_ipv6_fl_list(sk)	(inet6_sk(sk)->ipv6_fl_list)
#endif

/* IPV6_RECVERR became a bit of inet_flags. */
#ifdef EDU_HAVE_INET6_TEST_BIT
#define edu_ipv6_recverr(sk)	inet6_test_bit(RECVERR6, sk)
#else
#define edu_ipv6_recverr(sk)	(inet6_sk(sk)->recverr)
#endif

/* From 6.7, the cgroup BPF hooks of bind() and connect() (policy.c) are
 * handed the address's length too: a program may rewrite the address.
 */
#ifdef EDU_HAVE_SA_PROG_UADDRLEN
#define edu_bpf_bind(sk, uaddr, lenp, atype, flags) \
	BPF_CGROUP_RUN_PROG_INET_BIND_LOCK(sk, uaddr, lenp, atype, flags)
#define edu_bpf_sock_addr(sk, uaddr, lenp, atype) \
	BPF_CGROUP_RUN_SA_PROG(sk, uaddr, lenp, atype)
#else
#define edu_bpf_bind(sk, uaddr, lenp, atype, flags) \
	BPF_CGROUP_RUN_PROG_INET_BIND_LOCK(sk, uaddr, atype, flags)
#define edu_bpf_sock_addr(sk, uaddr, lenp, atype) \
	BPF_CGROUP_RUN_SA_PROG(sk, uaddr, atype)
#endif

/* Headers that moved. */
/* Newer kernels (6.12 among them) keep skb_frag_unref() apart... */
#ifdef EDU_HAVE_SKBUFF_REF_H
#include <linux/skbuff_ref.h>
#endif
/* ...and a protocol's memory accounting (sk_memory_allocated() and
 * pressure) in a header of its own...
 */
#ifdef EDU_HAVE_PROTO_MEMORY_H
#include <net/proto_memory.h>
#endif
/* ...and SKB_GSO_CB() with the other GSO helpers. */
#ifdef EDU_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

#endif /* _EDU_TCP_COMPAT_H */
