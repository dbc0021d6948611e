/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu_tcp: every difference between the kernels edu_tcp builds for, in one
 * place.  module/Kbuild force-includes this file and defines EDU_HAVE_*
 * from what it finds in the target kernel's headers, so nothing here
 * compares version numbers.
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
#else
#define edu_freebind(sk)	(inet_sk(sk)->freebind)
#endif

#endif /* _EDU_TCP_COMPAT_H */
