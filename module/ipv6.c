// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp over IPv6: socket(AF_INET6, SOCK_STREAM, 253).
 *
 * Everything that differs from IPv4 is here: the AF_INET6 socket (its
 * struct proto carries a struct ipv6_pinfo after the edu_sock, as TCP's
 * tcp6_sock does), bind() and connect() with struct sockaddr_in6, the
 * route (ip6_dst_lookup_flow), the IPv6 output (inet6_csk_xmit for a
 * socket, ip6_local_out for a segment without one), the checksum with
 * IPv6's pseudo-header, the receive hook of inet6_add_protocol() and a
 * minimal ICMPv6 error handler.  The rest of edu_tcp is shared: the
 * tables key on IPv6 addresses, IPv4 ones mapped (edu_tcp.h).
 *
 * The next header of our segments is edu_tcp's number (253), but their
 * checksum is TCP's, the pseudo-header of RFC 8200 section 8.1 with next
 * header 6, so a capture decoded as TCP checks it unchanged, as on IPv4.
 *
 * Dual stack, as TCP: an AF_INET6 socket without IPV6_V6ONLY connects to
 * and accepts from IPv4 peers under IPv4-mapped addresses (RFC 4291
 * 2.5.5.2); its segments then go out over IPv4 (edu_sk_v6() is false).
 *
 * IPv6 segments are checksummed here and never cut by the device: no
 * checksum or segmentation offload (offload.c knows IPv4 only).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/tcp.h>
#include <linux/icmpv6.h>
#include <net/ipv6.h>
#include <net/ip6_route.h>
#include <net/ip6_checksum.h>
#include <net/inet_common.h>
#include <net/inet6_connection_sock.h>
#include <net/addrconf.h>
#include <net/protocol.h>
#include <net/transp_v6.h>
#include <net/xfrm.h>
#include "edu_tcp.h"

/* An AF_INET6 socket: the IPv6 part follows, as inet6_create() expects. */
struct edu6_sock {
	struct edu_sock		es;
	struct ipv6_pinfo	inet6;
};

static struct proto edu6_prot;
static const struct proto_ops edu6_stream_ops;

static struct ipv6_pinfo *edu6_pinfo(struct sock *sk)
{
	return &((struct edu6_sock *)sk)->inet6;
}

/* ---- the socket ---- */

static void edu6_sock_destruct(struct sock *sk)
{
	inet6_cleanup_sock(sk);		/* IPv6 options and packets kept */
	edu_sock_destruct(sk);
}

static int edu6_init_sock(struct sock *sk)
{
	int err = edu_init_sock(sk);

	sk->sk_destruct = edu6_sock_destruct;
	return err;
}

/* A child is a copy of its listener (sk_clone_lock()): its pinet6 still
 * points at the listener's ipv6_pinfo, and the listener's lists and
 * options are not the child's to free.
 */
void edu6_child_init(struct sock *child)
{
	struct ipv6_pinfo *np = edu6_pinfo(child);

	inet_sk(child)->pinet6 = np;
	RCU_INIT_POINTER(np->opt, NULL);
	RCU_INIT_POINTER(np->ipv6_mc_list, NULL);
	np->ipv6_ac_list = NULL;
	RCU_INIT_POINTER(edu_ipv6_fl_list(child), NULL);
	np->pktoptions = NULL;
	np->rxpmtu = NULL;
}

/* ---- bind ---- */

/* A link-local address means nothing without its interface (RFC 4007
 * 6): the scope id names it, or the socket is bound to one already.
 */
static int edu6_scope(struct sock *sk, const struct sockaddr_in6 *sin6,
		      int addr_len)
{
	if (!(ipv6_addr_type(&sin6->sin6_addr) & IPV6_ADDR_LINKLOCAL))
		return 0;
	if (addr_len >= sizeof(*sin6) && sin6->sin6_scope_id) {
		if (sk->sk_bound_dev_if &&
		    sk->sk_bound_dev_if != sin6->sin6_scope_id)
			return -EINVAL;
		WRITE_ONCE(sk->sk_bound_dev_if, sin6->sin6_scope_id);
	}
	return sk->sk_bound_dev_if ? 0 : -EINVAL;
}

/* Is @addr one of this host's (on the bound interface, if any)? */
static int edu6_addr_local(struct sock *sk, const struct sockaddr_in6 *sin6,
			   int addr_len)
{
	struct net *net = sock_net(sk);
	struct net_device *dev = NULL;
	int err = edu6_scope(sk, sin6, addr_len);

	if (err)
		return err;
	rcu_read_lock();
	if (sk->sk_bound_dev_if) {
		dev = dev_get_by_index_rcu(net, sk->sk_bound_dev_if);
		if (!dev)
			err = -ENODEV;
	}
	if (!err && !edu_freebind(sk) &&
	    !ipv6_chk_addr(net, &sin6->sin6_addr, dev, 0))
		err = -EADDRNOTAVAIL;
	rcu_read_unlock();
	return err;
}

/* An IPv4-mapped address: the socket will speak IPv4 from it. */
static int edu6_addr_local_v4(struct sock *sk, const struct in6_addr *addr)
{
	__be32 v4 = edu_addr_v4(addr);

	if (sk->sk_ipv6only)
		return -EINVAL;
	if (v4 != htonl(INADDR_ANY) &&
	    inet_addr_type(sock_net(sk), v4) != RTN_LOCAL && !edu_freebind(sk))
		return -EADDRNOTAVAIL;
	return 0;
}

static int edu6_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)uaddr;
	struct sock *sk = sock->sk;
	bool no_cap_needed;
	int type, err;

	if (addr_len < SIN6_LEN_RFC2133)
		return -EINVAL;
	err = edu_policy_bind(sk, uaddr, addr_len, &no_cap_needed);
	if (err)
		return err;
	if (sin6->sin6_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!no_cap_needed &&
	    edu_bind_denied(sock_net(sk), ntohs(sin6->sin6_port)))
		return -EACCES;
	type = ipv6_addr_type(&sin6->sin6_addr);
	if (type & IPV6_ADDR_MULTICAST)		/* no stream to a group */
		return -EINVAL;
	if (type == IPV6_ADDR_MAPPED)
		err = edu6_addr_local_v4(sk, &sin6->sin6_addr);
	else if (type != IPV6_ADDR_ANY)
		err = edu6_addr_local(sk, sin6, addr_len);
	if (err)
		return err;
	err = edu_bind_addr(sk, &sin6->sin6_addr, ntohs(sin6->sin6_port));
	/* as TCP: a socket bound to an IPv6 address cannot take IPv4 */
	if (!err && type != IPV6_ADDR_ANY && type != IPV6_ADDR_MAPPED)
		sk->sk_ipv6only = 1;
	return err;
}

/* ---- connect ---- */

static int edu6_connect_start(struct sock *sk, struct sockaddr *uaddr,
			      int addr_len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)uaddr;
	struct sockaddr_in6 peer;
	int type, err;

	if (addr_len < SIN6_LEN_RFC2133)
		return -EINVAL;
	if (sin6->sin6_family != AF_INET6)
		return -EAFNOSUPPORT;
	memset(&peer, 0, sizeof(peer));
	memcpy(&peer, sin6, min_t(int, addr_len, sizeof(peer)));
	/* as TCP: :: stands for this host */
	if (ipv6_addr_any(&peer.sin6_addr)) {
		if (ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr))
			ipv6_addr_set_v4mapped(htonl(INADDR_LOOPBACK),
					       &peer.sin6_addr);
		else
			peer.sin6_addr = in6addr_loopback;
	}
	type = ipv6_addr_type(&peer.sin6_addr);
	if (type & IPV6_ADDR_MULTICAST)
		return -ENETUNREACH;
	if (type == IPV6_ADDR_MAPPED && sk->sk_ipv6only)
		return -ENETUNREACH;
	if (type != IPV6_ADDR_MAPPED &&
	    ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr))
		return -EAFNOSUPPORT;	/* bound to an IPv4 address */
	err = type == IPV6_ADDR_MAPPED ? 0 : edu6_scope(sk, &peer, sizeof(peer));
	if (err)
		return err;
	edu_sk_set_raddr(sk, &peer.sin6_addr);
	inet_sk(sk)->inet_dport = peer.sin6_port;
	return edu_connect_start(sk);
}

static int edu6_connect(struct socket *sock, struct sockaddr *uaddr,
			int addr_len, int flags)
{
	return edu_stream_connect(sock, uaddr, addr_len, flags,
				  edu6_connect_start);
}

/* ---- routing and output ---- */

static void edu6_flow(const struct sock *sk, struct flowi6 *fl6)
{
	memset(fl6, 0, sizeof(*fl6));
	fl6->flowi6_proto = sk->sk_protocol;
	fl6->daddr = sk->sk_v6_daddr;
	fl6->saddr = inet6_sk(sk)->saddr;
	fl6->flowi6_oif = sk->sk_bound_dev_if;
	fl6->flowi6_mark = sk->sk_mark;
	fl6->fl6_sport = inet_sk(sk)->inet_sport;
	fl6->fl6_dport = inet_sk(sk)->inet_dport;
	fl6->flowi6_uid = sk->sk_uid;
}

/* Route a connecting socket (or a child) and fix its source address. */
int edu6_route_socket(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct dst_entry *dst;
	struct flowi6 fl6;

	edu6_flow(sk, &fl6);
	dst = ip6_dst_lookup_flow(sock_net(sk), sk, &fl6, NULL);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	if (ipv6_addr_any(&inet6_sk(sk)->saddr))
		edu_sk_set_laddr(sk, &fl6.saddr);
	edu_ip6_dst_store(sk, dst);	/* inet6_csk_xmit() finds it there */
	/* see the top of this file: checksummed here, never cut */
	es->csum_offload = false;
	es->gso_limit = 0;
	return 0;
}

/* TCP's checksum with IPv6's pseudo-header, RFC 8200 8.1: both addresses,
 * the upper-layer length, and next header 6 -- TCP's, not ours.
 */
__sum16 edu6_csum(const struct in6_addr *saddr, const struct in6_addr *daddr,
		  u32 len, __wsum sum)
{
	return csum_ipv6_magic(saddr, daddr, len, IPPROTO_TCP, sum);
}

void edu6_set_checksum(struct sock *sk, struct sk_buff *skb)
{
	struct tcphdr *th = tcp_hdr(skb);

	th->check = 0;
	th->check = edu6_csum(&inet6_sk(sk)->saddr, &sk->sk_v6_daddr, skb->len,
			      skb_checksum(skb, 0, skb->len, 0));
	skb->ip_summed = CHECKSUM_NONE;
}

int edu6_xmit(struct sock *sk, struct sk_buff *skb)
{
	skb->protocol = htons(ETH_P_IPV6);
	/* skb->cb is IPv6's from here on (IP6CB), see edu_ip_xmit() */
	memset(skb->cb, 0, sizeof(struct inet6_skb_parm));
	return inet6_csk_xmit(sk, skb, NULL);
}

/* The route of a segment without a socket (a RST, a SYN-ACK, ...). */
struct dst_entry *edu6_bare_route(struct net *net,
				  const struct in6_addr *saddr,
				  const struct in6_addr *daddr,
				  __be16 sport, __be16 dport)
{
	struct flowi6 fl6 = {
		.flowi6_proto = edu_proto,
		.daddr = *daddr,
		.saddr = *saddr,
		.fl6_sport = sport,
		.fl6_dport = dport,
	};

	return ip6_dst_lookup_flow(net, NULL, &fl6, NULL);
}

/* Its IPv6 header (RFC 8200 3) and out; the checksum is already in. */
void edu6_bare_xmit(struct net *net, struct sk_buff *skb,
		    const struct in6_addr *saddr, const struct in6_addr *daddr,
		    struct dst_entry *dst)
{
	struct ipv6hdr *hdr;

	hdr = skb_push(skb, sizeof(*hdr));
	skb_reset_network_header(skb);
	ip6_flow_hdr(hdr, 0, 0);
	hdr->nexthdr = edu_proto;
	hdr->hop_limit = ip6_dst_hoplimit(dst);
	hdr->saddr = *saddr;
	hdr->daddr = *daddr;
	skb->protocol = htons(ETH_P_IPV6);
	skb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(skb, dst);
	ip6_local_out(net, NULL, skb);	/* it fills in the payload length */
}

/* ---- input ---- */

static int edu_v6_rcv(struct sk_buff *skb)
{
	const struct ipv6hdr *hdr = ipv6_hdr(skb);
	struct net *net = dev_net(skb->dev);

	/* RFC 4291 2.5.5.2: mapped addresses never travel in IPv6 headers;
	 * one that did would pose as an IPv4 connection here
	 */
	if (ipv6_addr_v4mapped(&hdr->saddr) || ipv6_addr_v4mapped(&hdr->daddr))
		goto discard;
	/* INET6_PROTO_NOPOLICY: IPsec's inbound policy is ours to check */
	if (!edu_rcv_check(net, skb) ||
	    !xfrm6_policy_check(NULL, XFRM_POLICY_IN, skb))
		goto discard;
	nf_reset_ct(skb);
	return edu_rcv_demux(net, skb);
discard:
	kfree_skb(skb);
	return 0;
}

/* ---- ICMPv6 errors (RFC 4443 3, RFC 5927, RFC 8201) ----
 *
 * The sequence check, the counters and what a hard or soft error does are
 * icmp.c's, shared with IPv4; what is IPv6's own is here.
 */

/* RFC 8201 4: a Packet Too Big lowers the path MTU, and the MSS with it;
 * the segment that was too big goes again, cut to the new size.  Under
 * the socket's lock: from the ICMP, or from release_cb (timer.c) when a
 * system call held the socket then.
 */
void edu6_mtu_reduced(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	u16 mss;

	if (sk->sk_state == EDU_TCP_LISTEN || sk->sk_state == EDU_TCP_CLOSED)
		return;
	if (!inet6_csk_update_pmtu(sk, es->mtu_info))
		return;
	mss = edu_route_mss(sk);
	if (mss >= es->mss)
		return;
	es->mss = mss;
	edu_inc(sock_net(sk), EDU_MIB_PMTUUPDATES);
	edu_retransmit_smaller(sk);
}

/* ICMPv6 about a SYN-ACK of a half-open request (as icmp.c's for IPv4):
 * its ISN checked, then an error that says the client cannot be reached
 * drops the request.
 */
static int edu6_err_request(struct net *net, const struct ipv6hdr *hdr,
			    const struct tcphdr *th, bool fatal)
{
	return edu_request_icmp(net, &hdr->saddr, th->source, &hdr->daddr,
				th->dest, ntohl(th->seq), fatal);
}

/* What an error the sequence check believed does (spinlock held): a
 * Packet Too Big lowers the path MTU (RFC 8201), now or when the owner
 * lets go; any other error, in a handshake, ends it (RFC 1122 4.2.3.9:
 * TCP's IPv6 takes every ICMPv6 error there as hard), and later is a soft
 * error unless the user asked for hard ones (IPV6_RECVERR).
 */
static void edu6_err_sock(struct sock *sk, u8 type, u8 code, __be32 info)
{
	int err;

	if (type == ICMPV6_PKT_TOOBIG) {
		WRITE_ONCE(edu_sk(sk)->mtu_info, ntohl(info));
		if (!sock_owned_by_user(sk))
			edu6_mtu_reduced(sk);
		else	/* the owner's system call is in the way: at its end */
			edu_mtu_defer(sk);
		return;
	}
	icmpv6_err_convert(type, code, &err);
	edu_icmp_error(sk, err, true, edu_ipv6_recverr(sk));
}

static int edu_v6_err(struct sk_buff *skb, struct inet6_skb_parm *opt,
		      u8 type, u8 code, int offset, __be32 info)
{
	const struct ipv6hdr *hdr = (const struct ipv6hdr *)skb->data;
	/* ICMPv6 quotes at least our ports and sequence number */
	const struct tcphdr *th = (const struct tcphdr *)(skb->data + offset);
	struct net *net = dev_net(skb->dev);
	struct sock *sk;
	bool fatal;
	int err, ret;

	if (type != ICMPV6_PKT_TOOBIG && type != ICMPV6_DEST_UNREACH &&
	    type != ICMPV6_PARAMPROB && type != ICMPV6_TIME_EXCEED)
		return 0;
	edu_inc(net, EDU_MIB_ICMPIN);
	sk = edu_lookup(net, &hdr->daddr, th->dest, &hdr->saddr, th->source);
	if (!sk) {
		fatal = icmpv6_err_convert(type, code, &err);
		ret = edu6_err_request(net, hdr, th,
				       fatal && type != ICMPV6_PKT_TOOBIG);
		return edu_icmp_request_counted(net, ret);
	}
	bh_lock_sock(sk);
	if (edu_icmp_believed(sk, ntohl(th->seq)))
		edu6_err_sock(sk, type, code, info);
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}

static int edu6_accept(EDU_ACCEPT_ARGS)
{
	return edu_do_accept(sock, newsock, EDU_ACCEPT_FLAGS);
}

/* ---- socket options: IPv6's own level goes to IPv6 ---- */

static int edu6_setsockopt(struct socket *sock, int level, int optname,
			   sockptr_t optval, unsigned int optlen)
{
	if (level == SOL_IPV6)
		return ipv6_setsockopt(sock->sk, level, optname, optval, optlen);
	return edu_stream_ops.setsockopt(sock, level, optname, optval, optlen);
}

static int edu6_getsockopt(struct socket *sock, int level, int optname,
			   char __user *optval, int __user *optlen)
{
	if (level == SOL_IPV6)
		return ipv6_getsockopt(sock->sk, level, optname, optval, optlen);
	return edu_stream_ops.getsockopt(sock, level, optname, optval, optlen);
}

/* ---- registration ---- */

static struct inet_protosw edu6_protosw = {
	.type		= SOCK_STREAM,
	.prot		= &edu6_prot,
	.ops		= &edu6_stream_ops,
};

static const struct inet6_protocol edu6_protocol = {
	.handler	= edu_v6_rcv,
	.err_handler	= edu_v6_err,
	.flags		= INET6_PROTO_NOPOLICY | INET6_PROTO_FINAL,
};

/* IPv4's system calls, but for the addresses and IPv6's options. */
static const struct proto_ops edu6_stream_ops = {
	.family		= PF_INET6,
	.owner		= THIS_MODULE,
	.release	= inet6_release,
	.bind		= edu6_bind,
	.connect	= edu6_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= edu6_accept,
	.getname	= inet6_getname,
	.poll		= edu_poll,
	.ioctl		= edu_ioctl,
	.listen		= edu_listen,
	.shutdown	= edu_shutdown,
	.setsockopt	= edu6_setsockopt,
	.getsockopt	= edu6_getsockopt,
	.sendmsg	= edu_sendmsg,
	.recvmsg	= edu_recvmsg,
	.mmap		= sock_no_mmap,
};

/* The AF_INET6 proto is IPv4's, with the ipv6_pinfo after the socket. */
static void edu6_build(void)
{
	BUILD_BUG_ON(offsetof(struct edu6_sock, inet6) +
		     sizeof(struct ipv6_pinfo) != sizeof(struct edu6_sock));
	edu6_prot = edu_prot;
	strscpy(edu6_prot.name, "EDU_TCPv6", sizeof(edu6_prot.name));
	edu6_prot.init = edu6_init_sock;
	edu6_prot.obj_size = sizeof(struct edu6_sock);
	EDU_SET_PINFO_OFFSET(&edu6_prot, offsetof(struct edu6_sock, inet6));
}

/* After IPv4's registration (main.c), in the same order: the socket
 * switch entry, then the receive hook.
 */
int edu6_init(void)
{
	int err;

	edu6_build();
	edu6_protosw.protocol = edu_proto;
	err = proto_register(&edu6_prot, 1);
	if (err)
		return err;
	err = inet6_register_protosw(&edu6_protosw);
	if (err)
		goto out_proto;
	err = inet6_add_protocol(&edu6_protocol, edu_proto);
	if (err) {
		err = -EBUSY;
		goto out_protosw;
	}
	return 0;

out_protosw:
	inet6_unregister_protosw(&edu6_protosw);
out_proto:
	proto_unregister(&edu6_prot);
	return err;
}

void edu6_exit(void)
{
	inet6_del_protocol(&edu6_protocol, edu_proto);
	synchronize_net();
	inet6_unregister_protosw(&edu6_protosw);
	proto_unregister(&edu6_prot);
}
