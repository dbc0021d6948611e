// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: per-network-namespace tables.
 *
 *   bind_hash     sockets holding a local port, by port (bind, listen)
 *   conn_hash     connections by their 4-tuple (each holds a reference)
 *   twait_hash       TIME-WAIT remainders by 4-tuple
 *   twait_bind_hash  the same remainders by local port, so that bind() sees
 *                 a port still in TIME-WAIT as TCP's bind() does
 *   req_hash      half-open requests by 4-tuple (listen.c)
 *   listen_hash   listeners by port, for the segments no connection takes
 *
 * One spinlock per namespace covers them all: edu_tcp is a model to read,
 * not a contender for the fastest lookup.  Keys are IPv6 addresses, IPv4
 * ones in their mapped form (edu_tcp.h), so both families share them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jhash.h>
#include <linux/hash.h>
#include <linux/random.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/ip.h>
#include <linux/tcp.h>
#include "edu_tcp.h"
#include "trace.h"

static unsigned int edu_net_id __read_mostly;
static u32 edu_hash_seed __read_mostly;

struct edu_net *edu_pernet(const struct net *net)
{
	return net_generic(net, edu_net_id);
}

static struct hlist_head *conn_bucket(struct hlist_head *table,
				      const struct in6_addr *laddr, __be16 lport,
				      const struct in6_addr *raddr, __be16 rport)
{
	u32 h = jhash_3words(__ipv6_addr_jhash(laddr, edu_hash_seed),
			     __ipv6_addr_jhash(raddr, edu_hash_seed),
			     ((__force u32)lport << 16) | (__force u32)rport,
			     edu_hash_seed);

	return &table[h & ((1 << EDU_CONN_HASH_BITS) - 1)];
}

struct hlist_head *edu_req_bucket(struct edu_net *en,
				  const struct in6_addr *laddr, __be16 lport,
				  const struct in6_addr *raddr, __be16 rport)
{
	return conn_bucket(en->req_hash, laddr, lport, raddr, rport);
}

/* The socket's own address fields, from the tables' form: an AF_INET6
 * socket keeps both (the IPv4 ones matter when its peer is IPv4-mapped).
 */
void edu_sk_set_laddr(struct sock *sk, const struct in6_addr *addr)
{
	__be32 v4 = edu_addr_is_v4(addr) ? edu_addr_v4(addr) : htonl(INADDR_ANY);

	inet_sk(sk)->inet_rcv_saddr = v4;
	inet_sk(sk)->inet_saddr = v4;
	if (sk->sk_family == AF_INET6) {
		sk->sk_v6_rcv_saddr = *addr;
		inet6_sk(sk)->saddr = *addr;
	}
}

void edu_sk_set_raddr(struct sock *sk, const struct in6_addr *addr)
{
	inet_sk(sk)->inet_daddr = edu_addr_is_v4(addr) ? edu_addr_v4(addr) :
							 htonl(INADDR_ANY);
	if (sk->sk_family == AF_INET6)
		sk->sk_v6_daddr = *addr;
}

static struct hlist_head *bind_bucket(struct hlist_head *table, u16 port)
{
	return &table[hash_32(port, EDU_BIND_HASH_BITS)];
}

/* Can two bound addresses take the same segment?  Within a family, if
 * they are equal or one is the wildcard; across families only through a
 * dual-stack :: (one without IPV6_V6ONLY), which takes IPv4 too, as TCP's.
 */
static bool addr_overlap(const struct in6_addr *a, bool a_v6only,
			 const struct in6_addr *b, bool b_v6only)
{
	if (edu_addr_is_v4(a) != edu_addr_is_v4(b)) {
		const struct in6_addr *v6 = edu_addr_is_v4(a) ? b : a;
		bool only = edu_addr_is_v4(a) ? b_v6only : a_v6only;

		return ipv6_addr_any(v6) && !only;
	}
	return edu_addr_any(a) || edu_addr_any(b) || ipv6_addr_equal(a, b);
}

static bool sk_addr_overlap(const struct sock *sk, const struct in6_addr *addr,
			    bool v6only)
{
	struct in6_addr own;

	edu_sk_laddr(sk, &own);
	return addr_overlap(&own, sk->sk_ipv6only, addr, v6only);
}

/* TCP's rule: two sockets may share a port and address only if both set
 * SO_REUSEADDR and neither listens; a TIME-WAIT remainder counts as a
 * socket that does not listen.
 */
static bool bind_conflict(struct edu_net *en, struct sock *sk,
			  const struct in6_addr *addr, u16 port)
{
	bool reuse = sk->sk_reuse != SK_NO_REUSE;
	struct edu_sock *other;
	struct edu_tw *tw;

	hlist_for_each_entry(other, bind_bucket(en->bind_hash, port), bind_node) {
		struct sock *osk = &other->inet.sk;

		if (osk == sk || osk->sk_num != port ||
		    !sk_addr_overlap(osk, addr, sk->sk_ipv6only))
			continue;
		if (!reuse || osk->sk_reuse == SK_NO_REUSE ||
		    osk->sk_state == EDU_TCP_LISTEN)
			return true;
	}
	hlist_for_each_entry(tw, bind_bucket(en->twait_bind_hash, port), bind_node) {
		if (ntohs(tw->sport) == port &&
		    addr_overlap(addr, sk->sk_ipv6only, &tw->saddr, false) &&
		    !(reuse && tw->reuse))
			return true;
	}
	return false;
}

static bool port_in_use(struct edu_net *en, u16 port)
{
	struct edu_sock *other;
	struct edu_tw *tw;

	hlist_for_each_entry(other, bind_bucket(en->bind_hash, port), bind_node)
		if (other->inet.sk.sk_num == port)
			return true;
	hlist_for_each_entry(tw, bind_bucket(en->twait_bind_hash, port), bind_node)
		if (ntohs(tw->sport) == port)
			return true;
	return false;
}

static void bind_insert(struct edu_net *en, struct sock *sk,
			const struct in6_addr *addr, u16 port)
{
	struct inet_sock *inet = inet_sk(sk);

	edu_sk_set_laddr(sk, addr);
	inet->inet_num = port;
	inet->inet_sport = htons(port);
	hlist_add_head(&edu_sk(sk)->bind_node, bind_bucket(en->bind_hash, port));
	edu_sk(sk)->bound = true;
}

static void conn_insert(struct edu_net *en, struct sock *sk);
static int edu_autobind_addr(struct sock *sk, const struct in6_addr *addr);

/* Explicit bind(); port 0 asks for an ephemeral port. */
int edu_bind_port(struct sock *sk, const struct in6_addr *addr, u16 port)
{
	struct edu_net *en = edu_pernet(sock_net(sk));
	int err = 0;

	if (!port)
		return edu_autobind_addr(sk, addr);
	spin_lock_bh(&en->lock);
	if (bind_conflict(en, sk, addr, port))
		err = -EADDRINUSE;
	else
		bind_insert(en, sk, addr, port);
	spin_unlock_bh(&en->lock);
	return err;
}

/* Under en->lock: take @port for @sk if it may have it; true if it did. */
typedef bool (*edu_port_taker)(struct edu_net *en, struct sock *sk,
			       const struct in6_addr *addr, u16 port);

/* An ephemeral port from the namespace's ip_local_port_range, starting at
 * a random place so that port numbers do not betray connection counts.
 */
static int edu_search_port(struct sock *sk, const struct in6_addr *addr,
			   edu_port_taker take)
{
	struct edu_net *en = edu_pernet(sock_net(sk));
	int low, high, i, range, err = -EADDRNOTAVAIL;
	u32 start;

	inet_get_local_port_range(sock_net(sk), &low, &high);
	range = high - low + 1;
	if (range <= 0)
		return -EADDRNOTAVAIL;
	start = get_random_u32_below(range);
	/* one port a lock hold: a nearly full range costs this caller a
	 * long search, never the namespace's segments a long wait
	 */
	for (i = 0; i < range && err; i++) {
		u16 port = low + (start + i) % range;

		if (inet_is_local_reserved_port(sock_net(sk), port))
			continue;
		spin_lock_bh(&en->lock);
		if (take(en, sk, addr, port))
			err = 0;
		spin_unlock_bh(&en->lock);
		if (!(i % 1024))
			cond_resched();
	}
	return err;
}

/* bind() to port 0 and listen() without bind(): a port nobody holds */
static bool take_free_port(struct edu_net *en, struct sock *sk,
			   const struct in6_addr *addr, u16 port)
{
	if (port_in_use(en, port))
		return false;
	bind_insert(en, sk, addr, port);
	return true;
}

static int edu_autobind_addr(struct sock *sk, const struct in6_addr *addr)
{
	return edu_search_port(sk, addr, take_free_port);
}

int edu_autobind(struct sock *sk)
{
	struct in6_addr addr;

	edu_sk_laddr(sk, &addr);
	return edu_autobind_addr(sk, &addr);
}

/* May connect() take @port for a new connection?  As TCP's
 * __inet_hash_connect(): only if every socket and TIME-WAIT record on
 * the port got it the same way, from connect() (none bound it with
 * bind(), none listens); then connections to different peers share it.
 * en->lock held.
 */
static bool port_shared_by_connect(struct edu_net *en, u16 port)
{
	struct edu_sock *other;
	struct edu_tw *tw;

	hlist_for_each_entry(other, bind_bucket(en->bind_hash, port), bind_node)
		if (other->inet.sk.sk_num == port && !other->connect_bound)
			return false;
	hlist_for_each_entry(tw, bind_bucket(en->twait_bind_hash, port), bind_node)
		if (ntohs(tw->sport) == port && !tw->connect_bound)
			return false;
	return true;
}

static bool connect_port_usable(struct edu_net *en, struct sock *sk,
				const struct in6_addr *laddr, u16 port)
{
	struct in6_addr r;

	edu_sk_raddr(sk, &r);
	return port_shared_by_connect(en, port) &&
	       !edu_tuple_taken(en, laddr, htons(port), &r, sk->sk_dport);
}

/* connect() on an unbound socket: an ephemeral port whose 4-tuple with
 * this peer is free (live or TIME-WAIT: RFC 9293 3.6), shared with other
 * connect()s to other peers, so that a client closing first runs out of
 * ports per peer, not per namespace.  The port and the connection are
 * taken under one lock hold, so two connect()s cannot take one tuple.
 */
static bool take_connect_port(struct edu_net *en, struct sock *sk,
			      const struct in6_addr *addr, u16 port)
{
	if (!connect_port_usable(en, sk, addr, port))
		return false;
	bind_insert(en, sk, addr, port);
	edu_sk(sk)->connect_bound = true;
	conn_insert(en, sk);
	return true;
}

int edu_autobind_connect(struct sock *sk)
{
	struct in6_addr laddr;

	edu_sk_laddr(sk, &laddr);
	return edu_search_port(sk, &laddr, take_connect_port);
}

/* Does connection @sk have this 4-tuple (seen from our side)? */
static bool sk_has_tuple(const struct sock *sk, const struct in6_addr *laddr,
			 __be16 lport, const struct in6_addr *raddr,
			 __be16 rport)
{
	struct in6_addr l, r;

	if (inet_sk(sk)->inet_sport != lport || sk->sk_dport != rport)
		return false;
	edu_sk_laddr(sk, &l);
	edu_sk_raddr(sk, &r);
	return ipv6_addr_equal(&l, laddr) && ipv6_addr_equal(&r, raddr);
}

/* Is this 4-tuple live or in TIME-WAIT (RFC 9293 3.6)?  en->lock held. */
bool edu_tuple_taken(struct edu_net *en, const struct in6_addr *laddr,
		     __be16 lport, const struct in6_addr *raddr, __be16 rport)
{
	struct edu_sock *es;
	struct edu_tw *tw;

	hlist_for_each_entry(es, conn_bucket(en->conn_hash, laddr, lport,
					     raddr, rport), conn_node) {
		if (sk_has_tuple(&es->inet.sk, laddr, lport, raddr, rport))
			return true;
	}
	hlist_for_each_entry(tw, conn_bucket(en->twait_hash, laddr, lport,
					     raddr, rport), conn_node) {
		if (ipv6_addr_equal(&tw->saddr, laddr) && tw->sport == lport &&
		    ipv6_addr_equal(&tw->daddr, raddr) && tw->dport == rport)
			return true;
	}
	return false;
}

static void conn_insert(struct edu_net *en, struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct in6_addr l, r;

	edu_sk_laddr(sk, &l);
	edu_sk_raddr(sk, &r);
	sock_hold(sk);
	hlist_add_head(&edu_sk(sk)->conn_node,
		       conn_bucket(en->conn_hash, &l, inet->inet_sport, &r,
				   inet->inet_dport));
	edu_sk(sk)->hashed = true;
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, 1);
}

static bool sk_tuple_taken(struct edu_net *en, struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct in6_addr l, r;

	edu_sk_laddr(sk, &l);
	edu_sk_raddr(sk, &r);
	return edu_tuple_taken(en, &l, inet->inet_sport, &r, inet->inet_dport);
}

/* connect(): the check and the insert under one lock, so that two
 * SO_REUSEADDR sockets on one port cannot both take the same peer.
 */
int edu_hash_conn(struct sock *sk)
{
	struct edu_net *en = edu_pernet(sock_net(sk));
	int err = -EADDRNOTAVAIL;

	spin_lock_bh(&en->lock);
	if (!sk_tuple_taken(en, sk)) {
		conn_insert(en, sk);
		err = 0;
	}
	spin_unlock_bh(&en->lock);
	return err;
}

/* A child takes the listener's port without a bind() of its own;
 * en->lock held.
 */
void edu_insert_child(struct edu_net *en, struct sock *child)
{
	hlist_add_head(&edu_sk(child)->bind_node,
		       bind_bucket(en->bind_hash, child->sk_num));
	edu_sk(child)->bound = true;
	conn_insert(en, child);
}

/* A cookie's child (listen.c): two ACKs for one 4-tuple can both reach
 * the listener (on two CPUs, or both in its backlog): the second finds
 * the first's child here and makes none.
 */
int edu_hash_child(struct sock *child)
{
	struct edu_net *en = edu_pernet(sock_net(child));
	int err = -EEXIST;

	spin_lock_bh(&en->lock);
	if (!sk_tuple_taken(en, child)) {
		edu_insert_child(en, child);
		err = 0;
	}
	spin_unlock_bh(&en->lock);
	return err;
}

/* listen(): two sockets may share a port with SO_REUSEADDR, but only one
 * listens; the check and the move to LISTEN under one lock.
 */
int edu_start_listen(struct sock *sk)
{
	struct edu_net *en = edu_pernet(sock_net(sk));
	struct edu_sock *other;
	struct in6_addr addr;
	int err = 0;

	edu_sk_laddr(sk, &addr);
	spin_lock_bh(&en->lock);
	hlist_for_each_entry(other, bind_bucket(en->listen_hash, sk->sk_num),
			     listen_node) {
		struct sock *osk = &other->inet.sk;

		if (osk->sk_num == sk->sk_num &&
		    sk_addr_overlap(osk, &addr, sk->sk_ipv6only))
			err = -EADDRINUSE;
	}
	if (!err) {
		edu_set_state(sk, EDU_TCP_LISTEN);
		hlist_add_head(&edu_sk(sk)->listen_node,
			       bind_bucket(en->listen_hash, sk->sk_num));
		sock_prot_inuse_add(sock_net(sk), sk->sk_prot, 1);
	}
	spin_unlock_bh(&en->lock);
	return err;
}

void edu_unbind(struct sock *sk)
{
	struct edu_net *en = edu_pernet(sock_net(sk));

	spin_lock_bh(&en->lock);
	if (edu_sk(sk)->bound) {
		hlist_del_init(&edu_sk(sk)->bind_node);
		edu_sk(sk)->bound = false;
		edu_sk(sk)->connect_bound = false;
		/* a port given back is not ours any more; an explicit bind()
		 * keeps its number for the next connect(), as TCP's does
		 */
		if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			inet_sk(sk)->inet_num = 0;
	}
	spin_unlock_bh(&en->lock);
}

void edu_unhash_conn(struct sock *sk)
{
	struct edu_net *en = edu_pernet(sock_net(sk));
	bool was_hashed;

	spin_lock_bh(&en->lock);
	was_hashed = edu_sk(sk)->hashed;
	if (was_hashed) {
		hlist_del_init(&edu_sk(sk)->conn_node);
		edu_sk(sk)->hashed = false;
		sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
	}
	spin_unlock_bh(&en->lock);
	if (was_hashed)
		__sock_put(sk);
}

/* saddr/sport are the segment's source (the peer), daddr/dport ours. */
struct sock *edu_lookup(struct net *net, const struct in6_addr *saddr,
			__be16 sport, const struct in6_addr *daddr,
			__be16 dport)
{
	struct edu_net *en = edu_pernet(net);
	struct edu_sock *es;

	spin_lock(&en->lock);
	hlist_for_each_entry(es, conn_bucket(en->conn_hash, daddr, dport,
					     saddr, sport), conn_node) {
		struct sock *sk = &es->inet.sk;

		if (sk_has_tuple(sk, daddr, dport, saddr, sport)) {
			sock_hold(sk);
			spin_unlock(&en->lock);
			return sk;
		}
	}
	spin_unlock(&en->lock);
	return NULL;
}

/* The connection a received segment belongs to, with a reference. */
struct sock *edu_lookup_skb(struct net *net, const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct in6_addr saddr, daddr;

	edu_skb_addrs(skb, &saddr, &daddr);
	return edu_lookup(net, &saddr, th->source, &daddr, th->dest);
}

/* How well a listener takes a segment for @daddr, as TCP scores them:
 * 3 its own address, 2 its family's wildcard, 1 a dual-stack :: taking
 * an IPv4 segment, 0 not at all.
 */
static int listen_score(const struct sock *sk, const struct in6_addr *daddr)
{
	struct in6_addr own;

	edu_sk_laddr(sk, &own);
	if (ipv6_addr_equal(&own, daddr))
		return 3;
	if (!edu_addr_any(&own))
		return 0;
	if (edu_addr_is_v4(&own) == edu_addr_is_v4(daddr))
		return 2;
	return ipv6_addr_any(&own) && !sk->sk_ipv6only ? 1 : 0;
}

struct sock *edu_lookup_listener(struct net *net, const struct in6_addr *daddr,
				 __be16 dport)
{
	struct edu_net *en = edu_pernet(net);
	u16 port = ntohs(dport);
	struct sock *best = NULL;
	int best_score = 0;
	struct edu_sock *es;

	/* listeners only: their children share the port but not this
	 * table, so a stray segment costs no walk past them
	 */
	spin_lock(&en->lock);
	hlist_for_each_entry(es, bind_bucket(en->listen_hash, port), listen_node) {
		struct sock *sk = &es->inet.sk;
		int score;

		if (sk->sk_num != port)
			continue;
		score = listen_score(sk, daddr);
		if (score > best_score) {
			best = sk;
			best_score = score;
		}
	}
	if (best)
		sock_hold(best);
	spin_unlock(&en->lock);
	return best;
}

/* ---- TIME-WAIT remainders: their buckets (timewait.c does the rest) ---- */

struct hlist_head *edu_tw_bucket(struct edu_net *en,
				 const struct in6_addr *laddr, __be16 lport,
				 const struct in6_addr *raddr, __be16 rport)
{
	return conn_bucket(en->twait_hash, laddr, lport, raddr, rport);
}

struct hlist_head *edu_tw_bind_bucket(struct edu_net *en, u16 port)
{
	return bind_bucket(en->twait_bind_hash, port);
}

/* ---- per-netns life ---- */

static int __net_init edu_net_init(struct net *net)
{
	struct edu_net *en = edu_pernet(net);
	int i, err;

	spin_lock_init(&en->lock);
	spin_lock_init(&en->challenge_lock);
	for (i = 0; i < (1 << EDU_CONN_HASH_BITS); i++) {
		INIT_HLIST_HEAD(&en->conn_hash[i]);
		INIT_HLIST_HEAD(&en->twait_hash[i]);
		INIT_HLIST_HEAD(&en->req_hash[i]);
	}
	for (i = 0; i < (1 << EDU_BIND_HASH_BITS); i++) {
		INIT_HLIST_HEAD(&en->bind_hash[i]);
		INIT_HLIST_HEAD(&en->twait_bind_hash[i]);
		INIT_HLIST_HEAD(&en->listen_hash[i]);
	}
	en->mib = alloc_percpu(struct edu_mib_cpu);
	if (!en->mib)
		return -ENOMEM;
	err = edu_proc_net_init(net);
	if (err)
		free_percpu(en->mib);
	return err;
}

/* Sockets pin their namespace, so only TIME-WAIT remainders are left. */
static void __net_exit edu_net_exit(struct net *net)
{
	struct edu_net *en = edu_pernet(net);

	edu_tw_net_exit(net);
	edu_wheel_barrier();
	edu_proc_net_exit(net);
	free_percpu(en->mib);
}

static struct pernet_operations edu_net_ops = {
	.init	= edu_net_init,
	.exit	= edu_net_exit,
	.id	= &edu_net_id,
	.size	= sizeof(struct edu_net),
};

int edu_table_init(void)
{
	edu_hash_seed = get_random_u32();
	return register_pernet_subsys(&edu_net_ops);
}

void edu_table_exit(void)
{
	unregister_pernet_subsys(&edu_net_ops);
}
