// SPDX-License-Identifier: GPL-2.0
/*
 * socket_api6: edu_tcp's AF_INET6 socket surface over loopback (::1, and
 * 127.0.0.1 for the dual-stack cases).
 *
 * As socket_api does for AF_INET, each test states one piece of TCP's
 * behaviour on an AF_INET6 stream socket -- names, errno values, IPv4-
 * mapped addresses on a dual-stack socket, IPV6_V6ONLY -- and checks
 * edu_tcp does the same.  Run with EDU_PROTO=6 to check the test itself
 * against the kernel's TCP; the /proc/edu_tcp test SKIPs then.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "edu_common.h"

#define WAIT_MS 2000

static int sock6(int flags)
{
	return socket(AF_INET6, SOCK_STREAM | flags, edu_proto());
}

static void addr6(struct sockaddr_in6 *sin6, const struct in6_addr *a,
		  unsigned short port)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = *a;
	sin6->sin6_port = htons(port);
}

static void mapped6(struct sockaddr_in6 *sin6, const char *v4,
		    unsigned short port)
{
	struct in6_addr a;
	char buf[64];

	snprintf(buf, sizeof(buf), "::ffff:%s", v4);
	inet_pton(AF_INET6, buf, &a);
	addr6(sin6, &a, port);
}

static int set_v6only(int fd, int on)
{
	return setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
}

/* A listener bound to @a (port chosen by the kernel, returned in @out). */
static int listener6(const struct in6_addr *a, int v6only,
		     struct sockaddr_in6 *out)
{
	socklen_t len = sizeof(*out);
	int fd = sock6(0);

	if (fd < 0)
		return -1;
	addr6(out, a, 0);
	if ((v6only >= 0 && set_v6only(fd, v6only)) ||
	    bind(fd, (struct sockaddr *)out, sizeof(*out)) ||
	    listen(fd, 4) || getsockname(fd, (struct sockaddr *)out, &len)) {
		close(fd);
		return -1;
	}
	return fd;
}

static unsigned short port6(int fd, bool peer)
{
	struct sockaddr_in6 sin6;
	socklen_t len = sizeof(sin6);

	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&sin6, &len))
		return 0;
	return ntohs(sin6.sin6_port);
}

/* Both ways, so a lost direction shows. */
static int ping_pong(int a, int b)
{
	char buf[4];

	if (send(a, "ping", 4, 0) != 4 || recv(b, buf, 4, MSG_WAITALL) != 4 ||
	    memcmp(buf, "ping", 4))
		return -1;
	if (send(b, "pong", 4, 0) != 4 || recv(a, buf, 4, MSG_WAITALL) != 4 ||
	    memcmp(buf, "pong", 4))
		return -1;
	return 0;
}

TEST(socket6_stream)
{
	socklen_t len = sizeof(int);
	int fd, val;

	fd = sock6(0);
	ASSERT_LE(0, fd) TH_LOG("socket(AF_INET6, SOCK_STREAM, %d): %s",
				edu_proto(), strerror(errno));
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &val, &len));
	EXPECT_EQ(edu_proto(), val);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &val, &len));
	EXPECT_EQ(AF_INET6, val);
	close(fd);
}

TEST(loopback6_names_and_data)
{
	struct sockaddr_in6 la, a, b;
	socklen_t len = sizeof(a);
	int lfd, cli, srv;

	lfd = listener6(&in6addr_loopback, -1, &la);
	ASSERT_LE(0, lfd);
	cli = sock6(0);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, connect(cli, (struct sockaddr *)&la, sizeof(la)))
		TH_LOG("connect [::1]: %s", strerror(errno));
	srv = accept(lfd, (struct sockaddr *)&b, &len);
	ASSERT_LE(0, srv);
	EXPECT_EQ(AF_INET6, b.sin6_family);
	EXPECT_EQ(0, memcmp(&b.sin6_addr, &in6addr_loopback, 16));
	ASSERT_EQ(0, ping_pong(cli, srv));

	/* each end's name is the other's peer name */
	len = sizeof(a);
	ASSERT_EQ(0, getsockname(cli, (struct sockaddr *)&a, &len));
	EXPECT_EQ(sizeof(a), len);
	ASSERT_EQ(0, getpeername(srv, (struct sockaddr *)&b, &len));
	EXPECT_EQ(0, memcmp(&a.sin6_addr, &b.sin6_addr, 16));
	EXPECT_EQ(a.sin6_port, b.sin6_port);
	ASSERT_EQ(0, getpeername(cli, (struct sockaddr *)&a, &len));
	ASSERT_EQ(0, getsockname(srv, (struct sockaddr *)&b, &len));
	EXPECT_EQ(0, memcmp(&a.sin6_addr, &in6addr_loopback, 16));
	EXPECT_EQ(0, memcmp(&b.sin6_addr, &in6addr_loopback, 16));
	EXPECT_EQ(la.sin6_port, a.sin6_port);
	EXPECT_EQ(la.sin6_port, b.sin6_port);

	/* an orderly close is end-of-file at the other end */
	close(cli);
	EXPECT_EQ(0, recv(srv, &len, 1, 0));
	close(srv);
	close(lfd);
}

TEST(getname6_unconnected)
{
	struct sockaddr_in6 sin6;
	socklen_t len = sizeof(sin6);
	int fd = sock6(0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, getpeername(fd, (struct sockaddr *)&sin6, &len));
	EXPECT_EQ(ENOTCONN, errno);
	memset(&sin6, 0xff, sizeof(sin6));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&sin6, &len));
	EXPECT_EQ(AF_INET6, sin6.sin6_family);
	EXPECT_EQ(0, memcmp(&sin6.sin6_addr, &in6addr_any, 16));
	EXPECT_EQ(0, sin6.sin6_port);
	close(fd);
}

/* The errno values TCP's inet6_bind() gives. */
TEST(bind6_errors)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	struct in6_addr a;
	int fd = sock6(0);

	ASSERT_LE(0, fd);
	/* shorter than an RFC 2133 sockaddr_in6 */
	addr6(&sin6, &in6addr_loopback, 0);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin6, 8));
	EXPECT_EQ(EINVAL, errno);
	/* an IPv4 address on an IPv6 socket */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EINVAL, errno);	/* too short for sockaddr_in6, first */
	sin6.sin6_family = AF_INET;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	/* RFC 3849's documentation prefix: no interface has it */
	inet_pton(AF_INET6, "2001:db8::1", &a);
	addr6(&sin6, &a, 0);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	/* a stream has no group to bind to */
	inet_pton(AF_INET6, "ff02::1", &a);
	addr6(&sin6, &a, 0);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(EINVAL, errno);
	/* a mapped address on an IPv6-only socket */
	ASSERT_EQ(0, set_v6only(fd, 1));
	mapped6(&sin6, "127.0.0.1", 0);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(EINVAL, errno);
	/* and after all that, a good one */
	addr6(&sin6, &in6addr_loopback, 0);
	EXPECT_EQ(0, bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	close(fd);
}

TEST(connect6_errors)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	struct in6_addr a;
	int fd = sock6(0);

	ASSERT_LE(0, fd);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(9);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EINVAL, errno);
	addr6(&sin6, &in6addr_loopback, 9);
	sin6.sin6_family = AF_INET;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	inet_pton(AF_INET6, "ff02::1", &a);
	addr6(&sin6, &a, 9);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(ENETUNREACH, errno);
	/* IPv6-only: an IPv4-mapped peer cannot be reached */
	ASSERT_EQ(0, set_v6only(fd, 1));
	mapped6(&sin6, "127.0.0.1", 9);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(ENETUNREACH, errno);
	close(fd);
}

TEST(connect6_refused)
{
	struct sockaddr_in6 sin6;
	socklen_t len = sizeof(sin6);
	int hold = sock6(0), fd = sock6(0);

	ASSERT_LE(0, hold);
	ASSERT_LE(0, fd);
	/* a bound port that does not listen answers a SYN with RST */
	addr6(&sin6, &in6addr_loopback, 0);
	ASSERT_EQ(0, bind(hold, (struct sockaddr *)&sin6, sizeof(sin6)));
	ASSERT_EQ(0, getsockname(hold, (struct sockaddr *)&sin6, &len));
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(fd);
	close(hold);
}

/* A dual-stack listener (IPV6_V6ONLY off) accepts an IPv4 client, whose
 * address it sees IPv4-mapped.
 */
TEST(dualstack_accepts_v4)
{
	struct sockaddr_in6 la, peer, me;
	struct sockaddr_in sin;
	socklen_t len = sizeof(peer);
	struct in6_addr want;
	int lfd, cli, srv;

	lfd = listener6(&in6addr_any, 0, &la);
	ASSERT_LE(0, lfd);
	edu_loopback(&sin, ntohs(la.sin6_port));
	cli = edu_socket(0);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, connect(cli, (struct sockaddr *)&sin, sizeof(sin)))
		TH_LOG("IPv4 connect to a dual-stack listener: %s", strerror(errno));
	srv = accept(lfd, (struct sockaddr *)&peer, &len);
	ASSERT_LE(0, srv);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &want);
	EXPECT_EQ(AF_INET6, peer.sin6_family);
	EXPECT_EQ(0, memcmp(&peer.sin6_addr, &want, 16));
	EXPECT_EQ(htons(edu_port_of(cli, false)), peer.sin6_port);
	len = sizeof(me);
	ASSERT_EQ(0, getsockname(srv, (struct sockaddr *)&me, &len));
	EXPECT_EQ(0, memcmp(&me.sin6_addr, &want, 16));
	ASSERT_EQ(0, ping_pong(cli, srv));
	close(cli);
	close(srv);
	close(lfd);
}

TEST(v6only_listener_refuses_v4)
{
	struct sockaddr_in6 la;
	struct sockaddr_in sin;
	int lfd, cli;

	lfd = listener6(&in6addr_any, 1, &la);
	ASSERT_LE(0, lfd);
	edu_loopback(&sin, ntohs(la.sin6_port));
	cli = edu_socket(0);
	ASSERT_LE(0, cli);
	EXPECT_EQ(-1, connect(cli, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(cli);
	close(lfd);
}

/* An AF_INET6 client reaches an IPv4 listener through a mapped address. */
TEST(mapped_client_to_v4_listener)
{
	struct sockaddr_in la;
	struct sockaddr_in6 to, me;
	socklen_t len = sizeof(me);
	struct in6_addr want;
	int lfd, cli, srv;

	lfd = edu_listener(&la, 4);
	ASSERT_LE(0, lfd);
	mapped6(&to, "127.0.0.1", ntohs(la.sin_port));
	cli = sock6(0);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, connect(cli, (struct sockaddr *)&to, sizeof(to)))
		TH_LOG("connect ::ffff:127.0.0.1: %s", strerror(errno));
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, getsockname(cli, (struct sockaddr *)&me, &len));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &want);
	EXPECT_EQ(0, memcmp(&me.sin6_addr, &want, 16));
	EXPECT_EQ(htons(edu_port_of(srv, true)), me.sin6_port);
	ASSERT_EQ(0, ping_pong(cli, srv));
	close(cli);
	close(srv);
	close(lfd);
}

/* The families share the port space as TCP's: a dual-stack :: takes the
 * IPv4 wildcard's port, an IPv6-only one does not.
 */
TEST(bind_port_shared_across_families)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	socklen_t len = sizeof(sin);
	int v4 = edu_socket(0), dual = sock6(0), only = sock6(0);

	ASSERT_LE(0, v4);
	ASSERT_LE(0, dual);
	ASSERT_LE(0, only);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	ASSERT_EQ(0, bind(v4, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, getsockname(v4, (struct sockaddr *)&sin, &len));
	addr6(&sin6, &in6addr_any, ntohs(sin.sin_port));
	ASSERT_EQ(0, set_v6only(dual, 0));
	EXPECT_EQ(-1, bind(dual, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(EADDRINUSE, errno);
	ASSERT_EQ(0, set_v6only(only, 1));
	EXPECT_EQ(0, bind(only, (struct sockaddr *)&sin6, sizeof(sin6)))
		TH_LOG("IPv6-only :: beside IPv4's 0.0.0.0: %s", strerror(errno));
	close(v4);
	close(dual);
	close(only);
}

static int wait_row(const char *laddr, unsigned short lport, const char *raddr,
		    unsigned short rport, const char *want)
{
	long long end = edu_now_ms() + WAIT_MS;
	char got[32];
	int ret;

	do {
		got[0] = '\0';
		ret = edu_proc_state(laddr, lport, raddr, rport, got, sizeof(got));
		if (ret < 0 || (ret == 1 && !strcmp(got, want)))
			return ret;
		edu_sleep_ms(10);
	} while (edu_now_ms() < end);
	return 0;
}

TEST(proc6_rows)
{
	struct sockaddr_in6 la;
	unsigned short lport, cport;
	int lfd, cli, srv;

	EDU_ONLY(EDU_PROC_SOCKS);
	lfd = listener6(&in6addr_any, 1, &la);
	ASSERT_LE(0, lfd);
	lport = ntohs(la.sin6_port);
	EXPECT_EQ(1, wait_row("[::]", lport, "[::]", 0, "LISTEN"));
	la.sin6_addr = in6addr_loopback;
	cli = sock6(0);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, connect(cli, (struct sockaddr *)&la, sizeof(la)));
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	cport = port6(cli, false);
	EXPECT_EQ(1, wait_row("[::1]", cport, "[::1]", lport, "ESTABLISHED"));
	EXPECT_EQ(1, wait_row("[::1]", lport, "[::1]", cport, "ESTABLISHED"));
	close(srv);
	close(cli);
	/* the server closed first: its side waits in TIME-WAIT, a record */
	EXPECT_EQ(1, wait_row("[::1]", lport, "[::1]", cport, "TIME-WAIT"));
	close(lfd);
}

TEST_HARNESS_MAIN
