// SPDX-License-Identifier: GPL-2.0
/*
 * socket_api: the socket-call surface of edu_tcp over loopback.
 *
 * Each test states one piece of TCP's behaviour as seen from user space
 * (return values, errno, readiness) and checks edu_tcp does the same.  The
 * protocol comes from $EDU_PROTO; run with EDU_PROTO=6 to check the test
 * itself against the kernel's TCP.  Tests that look at /proc/edu_tcp or
 * edu_tcp's counters SKIP under EDU_PROTO=6.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <linux/tcp.h>

#include "kselftest_harness.h"
#include "edu_common.h"

/* Everything here must be quick; a TCG guest is ~50x slower than native. */
#define WAIT_MS 2000

static void ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

/* ---- socket() --------------------------------------------------------- */

TEST(walking_skeleton)
{
	char buf[8] = {};
	int cli, srv;

	ASSERT_EQ(0, edu_pair(&cli, &srv));
	ASSERT_EQ(4, send(cli, "ping", 4, 0));
	ASSERT_EQ(4, recv(srv, buf, 4, MSG_WAITALL));
	ASSERT_EQ(0, memcmp(buf, "ping", 4));
	ASSERT_EQ(4, send(srv, "pong", 4, 0));
	ASSERT_EQ(4, recv(cli, buf, 4, MSG_WAITALL));
	ASSERT_EQ(0, memcmp(buf, "pong", 4));
	close(cli);
	/* The orderly close reaches the other side as end-of-file. */
	ASSERT_EQ(0, recv(srv, buf, sizeof(buf), 0));
	close(srv);
}

TEST(socket_stream)
{
	socklen_t len = sizeof(int);
	int fd, val;

	fd = edu_socket(0);
	ASSERT_LE(0, fd) TH_LOG("socket(AF_INET, SOCK_STREAM, %d): %s",
				edu_proto(), strerror(errno));
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &val, &len));
	EXPECT_EQ(edu_proto(), val);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &val, &len));
	EXPECT_EQ(SOCK_STREAM, val);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &val, &len));
	EXPECT_EQ(AF_INET, val);
	close(fd);

	/* The type flags are the socket layer's job, but must still work. */
	fd = edu_socket(SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

/*
 * inet_create() answers EPROTONOSUPPORT when the type has registered
 * protocols but not this one (SOCK_DGRAM has UDP), ESOCKTNOSUPPORT when
 * the type has none at all (SOCK_SEQPACKET).  SOCK_DGRAM+IPPROTO_TCP shows
 * the same, so edu_tcp registering only SOCK_STREAM gives these for free.
 */
TEST(socket_dgram_refused)
{
	int fd = socket(AF_INET, SOCK_DGRAM, edu_proto());

	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	if (fd >= 0)
		close(fd);
}

TEST(socket_seqpacket_refused)
{
	int fd = socket(AF_INET, SOCK_SEQPACKET, edu_proto());

	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ESOCKTNOSUPPORT, errno);
	if (fd >= 0)
		close(fd);
}

/* A fresh socket is CLOSED: TCP reports POLLOUT|POLLHUP for it. */
TEST(poll_fresh_socket)
{
	int fd = edu_socket(0);
	short ev;

	ASSERT_LE(0, fd);
	ev = edu_poll(fd, POLLIN | POLLOUT | POLLPRI | POLLRDHUP, 0);
	EXPECT_EQ(POLLOUT | POLLHUP, ev & (POLLIN | POLLOUT | POLLHUP | POLLERR | POLLRDHUP | POLLPRI));
	close(fd);
}

/* Data calls on a socket that never connected. */
TEST(io_unconnected)
{
	char c = 0;
	int fd = edu_socket(0);

	ASSERT_LE(0, fd);
	ignore_sigpipe();
	EXPECT_EQ(-1, recv(fd, &c, 1, 0));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, send(fd, &c, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	close(fd);
}

/* ---- bind() ------------------------------------------------------------ */

TEST(bind_ephemeral_in_range)
{
	struct sockaddr_in sin;
	int lo = 0, hi = 0, fd;
	FILE *f;

	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(2, fscanf(f, "%d %d", &lo, &hi));
	fclose(f);

	for (int i = 0; i < 5; i++) {
		fd = edu_socket(0);
		ASSERT_LE(0, fd);
		edu_loopback(&sin, 0);
		ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
		EXPECT_LE(lo, edu_port_of(fd, false));
		EXPECT_GE(hi, edu_port_of(fd, false));
		close(fd);
	}
}

TEST(bind_eaddrinuse)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int a = edu_socket(0), b = edu_socket(0), c;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	edu_loopback(&sin, 0);
	ASSERT_EQ(0, bind(a, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, getsockname(a, (struct sockaddr *)&sin, &len));
	/* Bound, not even listening, and the port is already taken ... */
	EXPECT_EQ(-1, bind(b, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRINUSE, errno);
	/* ... also for the wildcard address, which overlaps 127.0.0.1. */
	c = edu_socket(0);
	ASSERT_LE(0, c);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	EXPECT_EQ(-1, bind(c, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRINUSE, errno);
	close(a);
	/* Closing a never-connected socket frees the port at once. */
	EXPECT_EQ(0, bind(c, (struct sockaddr *)&sin, sizeof(sin)));
	close(b);
	close(c);
}

TEST(bind_twice_einval)
{
	struct sockaddr_in sin;
	int fd = edu_socket(0);

	ASSERT_LE(0, fd);
	edu_loopback(&sin, 0);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(bind_bad_address)
{
	struct sockaddr_in sin;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = edu_socket(0);

	ASSERT_LE(0, fd);
	edu_loopback(&sin, 0);
	/* Too short for a sockaddr_in. */
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin) - 8));
	EXPECT_EQ(EINVAL, errno);
	/* Right length, wrong family. */
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sun, sizeof(sin)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	/* An address no interface has (TEST-NET-1). */
	sin.sin_addr.s_addr = htonl(0xc0000201);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	/* None of the failures left the socket bound. */
	edu_loopback(&sin, 0);
	EXPECT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	close(fd);
}

/*
 * SO_REUSEADDR lets two non-listening sockets share a port, but never a
 * port somebody listens on.
 */
TEST(bind_reuseaddr)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int one = 1, a, b, c;

	a = edu_socket(0);
	b = edu_socket(0);
	c = edu_socket(0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	ASSERT_EQ(0, setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	edu_loopback(&sin, 0);
	ASSERT_EQ(0, bind(a, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, getsockname(a, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(0, bind(b, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(a, 1));
	/* Only one of the sharers may listen ... */
	EXPECT_EQ(-1, listen(b, 1));
	EXPECT_EQ(EADDRINUSE, errno);
	/* ... and nobody may join a port that has a listener. */
	EXPECT_EQ(-1, bind(c, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRINUSE, errno);
	close(a);
	close(b);
	close(c);
}

/*
 * After the server closes first its port is held by a TIME-WAIT socket.
 * Rebinding it needs SO_REUSEADDR on the new socket and on the old one
 * (the accepted socket inherits the listener's setting and TIME-WAIT keeps
 * it); this is the classic "restart a server" case.
 */
static void time_wait_on_server_port(struct __test_metadata *_metadata,
				     int reuse_old, unsigned short *port)
{
	struct sockaddr_in addr;
	char c;
	int lfd, cli, srv;

	lfd = edu_socket(0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &reuse_old,
				sizeof(reuse_old)));
	edu_loopback(&addr, 0);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&addr, sizeof(addr)));
	ASSERT_EQ(0, listen(lfd, 1));
	*port = edu_port_of(lfd, false);
	addr.sin_port = htons(*port);
	cli = edu_connect(&addr, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	close(lfd);
	close(srv);			/* active close: server side TIME-WAIT */
	ASSERT_EQ(0, recv(cli, &c, 1, 0));
	close(cli);
	/* Let the final ACK land so the server is really in TIME-WAIT. */
	edu_sleep_ms(50);
}

TEST(bind_reuseaddr_time_wait)
{
	struct sockaddr_in sin;
	unsigned short port;
	int one = 1, fd;

	time_wait_on_server_port(_metadata, 1, &port);
	edu_loopback(&sin, port);

	fd = edu_socket(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd);

	fd = edu_socket(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	EXPECT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(0, listen(fd, 1));
	close(fd);
}

TEST(bind_time_wait_without_old_reuseaddr)
{
	struct sockaddr_in sin;
	unsigned short port;
	int one = 1, fd;

	time_wait_on_server_port(_metadata, 0, &port);
	edu_loopback(&sin, port);
	fd = edu_socket(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd);
}

/* ---- listen() / accept() ---------------------------------------------- */

/* listen() on an unbound socket picks an ephemeral port, like TCP. */
TEST(listen_autobind)
{
	int fd = edu_socket(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, listen(fd, 1));
	EXPECT_NE(0, edu_port_of(fd, false));
	/* Calling it again only changes the backlog. */
	EXPECT_EQ(0, listen(fd, 8));
	close(fd);
}

TEST(listen_on_connected_einval)
{
	int cli, srv;

	ASSERT_EQ(0, edu_pair(&cli, &srv));
	EXPECT_EQ(-1, listen(cli, 1));
	EXPECT_EQ(EINVAL, errno);
	close(cli);
	close(srv);
}

TEST(accept_not_listening_einval)
{
	struct sockaddr_in sin;
	int fd = edu_socket(0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, accept(fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	edu_loopback(&sin, 0);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(-1, accept(fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(accept_nonblock_eagain)
{
	struct sockaddr_in addr;
	int lfd;

	lfd = edu_socket(SOCK_NONBLOCK);
	ASSERT_LE(0, lfd);
	edu_loopback(&addr, 0);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&addr, sizeof(addr)));
	ASSERT_EQ(0, listen(lfd, 1));
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	close(lfd);
}

TEST(accept4_flags)
{
	struct sockaddr_in addr, peer;
	socklen_t len = sizeof(peer);
	int lfd, cli, srv;

	lfd = edu_listener(&addr, 4);
	ASSERT_LE(0, lfd);

	cli = edu_connect(&addr, 0);
	ASSERT_LE(0, cli);
	srv = accept4(lfd, (struct sockaddr *)&peer, &len,
		      SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, srv);
	EXPECT_TRUE(fcntl(srv, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(srv, F_GETFD) & FD_CLOEXEC);
	/* accept reports the client's own address. */
	EXPECT_EQ(sizeof(peer), len);
	EXPECT_EQ(AF_INET, peer.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), peer.sin_addr.s_addr);
	EXPECT_EQ(edu_port_of(cli, false), ntohs(peer.sin_port));
	close(cli);
	close(srv);

	/* Without flags nothing is inherited, even from a non-blocking listener. */
	ASSERT_EQ(0, fcntl(lfd, F_SETFL, O_NONBLOCK));
	cli = edu_connect(&addr, 0);
	ASSERT_LE(0, cli);
	ASSERT_EQ(POLLIN, edu_poll(lfd, POLLIN, WAIT_MS));
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	EXPECT_FALSE(fcntl(srv, F_GETFL) & O_NONBLOCK);
	EXPECT_FALSE(fcntl(srv, F_GETFD) & FD_CLOEXEC);
	close(cli);
	close(srv);
	close(lfd);
}

/* ---- connect() ---------------------------------------------------------- */

TEST(connect_names)
{
	struct sockaddr_in a, b;
	socklen_t len = sizeof(a);
	int cli, srv;

	ASSERT_EQ(0, edu_pair(&cli, &srv));
	ASSERT_EQ(0, getsockname(cli, (struct sockaddr *)&a, &len));
	ASSERT_EQ(0, getpeername(srv, (struct sockaddr *)&b, &len));
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
	ASSERT_EQ(0, getpeername(cli, (struct sockaddr *)&a, &len));
	ASSERT_EQ(0, getsockname(srv, (struct sockaddr *)&b, &len));
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
	EXPECT_NE(0, a.sin_port);
	close(cli);
	close(srv);
}

TEST(getname_unconnected)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = edu_socket(0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, getpeername(fd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(ENOTCONN, errno);
	/* Unbound: the wildcard address and port 0. */
	memset(&sin, 0xff, sizeof(sin));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&sin, &len));
	EXPECT_EQ(AF_INET, sin.sin_family);
	EXPECT_EQ(0u, sin.sin_addr.s_addr);
	EXPECT_EQ(0, sin.sin_port);
	close(fd);
}

TEST(connect_refused)
{
	struct sockaddr_in addr;
	int hold = edu_reserve_port(&addr), fd;

	ASSERT_LE(0, hold);
	fd = edu_socket(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(ECONNREFUSED, errno);
	/* The error was returned, not left pending. */
	EXPECT_EQ(0, edu_so_error(fd));
	close(fd);
	close(hold);
}

TEST(connect_refused_nonblocking)
{
	struct sockaddr_in addr;
	int hold = edu_reserve_port(&addr), fd;
	short ev;

	ASSERT_LE(0, hold);
	fd = edu_socket(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(EINPROGRESS, errno);
	ev = edu_poll(fd, POLLOUT, WAIT_MS);
	EXPECT_TRUE(ev & POLLERR);
	EXPECT_TRUE(ev & POLLHUP);
	/* SO_ERROR reports the failure once, then clears it. */
	EXPECT_EQ(ECONNREFUSED, edu_so_error(fd));
	EXPECT_EQ(0, edu_so_error(fd));
	close(fd);
	close(hold);
}

/*
 * A non-blocking connect always says EINPROGRESS, even on loopback where the
 * handshake could finish at once.  Once POLLOUT is seen, the next connect()
 * returns 0 (it collects the result), and only the one after says EISCONN.
 */
TEST(connect_nonblocking)
{
	struct sockaddr_in addr;
	int lfd, fd, srv;

	lfd = edu_listener(&addr, 1);
	ASSERT_LE(0, lfd);
	fd = edu_socket(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
	ASSERT_EQ(EINPROGRESS, errno);
	EXPECT_EQ(POLLOUT, edu_poll(fd, POLLOUT, WAIT_MS));
	EXPECT_EQ(0, edu_so_error(fd));
	EXPECT_EQ(0, connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(EISCONN, errno);
	srv = accept(lfd, NULL, NULL);
	EXPECT_LE(0, srv);
	close(srv);
	close(fd);
	close(lfd);
}

TEST(connect_twice_eisconn)
{
	struct sockaddr_in addr;
	int cli, srv;
	socklen_t len = sizeof(addr);

	ASSERT_EQ(0, edu_pair(&cli, &srv));
	ASSERT_EQ(0, getpeername(cli, (struct sockaddr *)&addr, &len));
	EXPECT_EQ(-1, connect(cli, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(EISCONN, errno);
	close(cli);
	close(srv);
}

TEST(connect_on_listener_eisconn)
{
	struct sockaddr_in addr;
	int lfd = edu_listener(&addr, 1);

	ASSERT_LE(0, lfd);
	EXPECT_EQ(-1, connect(lfd, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(EISCONN, errno);
	close(lfd);
}

/*
 * listen(fd, 0) still queues one connection (the queue is full only when it
 * holds more than the backlog).  A second SYN is dropped while the queue is
 * full, which parks the second client in SYN-SENT: a second connect() on it
 * says EALREADY.  Once the queue drains, its retransmitted SYN gets in.
 */
TEST(connect_ealready)
{
	struct sockaddr_in addr;
	int lfd, first, second, srv;

	lfd = edu_listener(&addr, 0);
	ASSERT_LE(0, lfd);
	first = edu_connect(&addr, 0);
	ASSERT_LE(0, first);
	second = edu_socket(SOCK_NONBLOCK);
	ASSERT_LE(0, second);
	ASSERT_EQ(-1, connect(second, (struct sockaddr *)&addr, sizeof(addr)));
	ASSERT_EQ(EINPROGRESS, errno);
	edu_sleep_ms(100);
	EXPECT_EQ(-1, connect(second, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(EALREADY, errno);
	EXPECT_FALSE(edu_poll(second, POLLOUT, 0) & POLLOUT);

	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	close(srv);
	/* SYN retransmission: 1 s, 3 s, 7 s after the first one. */
	EXPECT_EQ(POLLOUT, edu_poll(second, POLLOUT, 10000));
	EXPECT_EQ(0, edu_so_error(second));
	srv = accept(lfd, NULL, NULL);
	EXPECT_LE(0, srv);
	close(srv);
	close(first);
	close(second);
	close(lfd);
}

/*
 * Many clients against listen(fd, 1): at most backlog+1 are queued, the
 * rest have their SYN dropped (not refused), and they get in later by
 * retransmitting once the queue has room.
 */
#define OVERFLOW_CLIENTS 8
TEST(backlog_overflow)
{
	struct sockaddr_in addr;
	int cli[OVERFLOW_CLIENTS], lfd, fd, first = 0, later = 0, refused = 0;
	long long end;

	lfd = edu_listener(&addr, 1);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, fcntl(lfd, F_SETFL, O_NONBLOCK));
	for (int i = 0; i < OVERFLOW_CLIENTS; i++) {
		cli[i] = edu_connect(&addr, SOCK_NONBLOCK);
		ASSERT_LE(0, cli[i]);
	}
	edu_sleep_ms(300);
	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		first++;
		close(fd);
	}
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(1, first);
	EXPECT_GE(2, first);

	/* Nobody was refused: a full queue drops, it does not reset. */
	for (int i = 0; i < OVERFLOW_CLIENTS; i++)
		if (edu_so_error(cli[i]) == ECONNREFUSED)
			refused++;
	EXPECT_EQ(0, refused);

	end = edu_now_ms() + 10000;
	while (!later && edu_now_ms() < end) {
		if (edu_poll(lfd, POLLIN, 200) & POLLIN) {
			while ((fd = accept(lfd, NULL, NULL)) >= 0) {
				later++;
				close(fd);
			}
		}
	}
	EXPECT_LE(1, later) TH_LOG("no dropped client got in by retransmitting its SYN");
	for (int i = 0; i < OVERFLOW_CLIENTS; i++)
		close(cli[i]);
	close(lfd);
}

/*
 * Simultaneous open, the deterministic way: a socket connecting to its own
 * address receives its own SYN while in SYN-SENT, goes to SYN-RCVD, and
 * completes on its own SYN-ACK (RFC 9293 figure 7 with both ends the same).
 * The two-host version with crossing SYNs is in netns_lifecycle.sh.
 */
TEST(simultaneous_open_self)
{
	struct sockaddr_in addr, peer;
	socklen_t len = sizeof(peer);
	char buf[4];
	int fd;

	fd = edu_reserve_port(&addr);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		TH_LOG("self-connect: %s", strerror(errno));
	ASSERT_EQ(0, getpeername(fd, (struct sockaddr *)&peer, &len));
	EXPECT_EQ(addr.sin_port, peer.sin_port);
	ASSERT_EQ(3, send(fd, "abc", 3, 0));
	ASSERT_EQ(3, recv(fd, buf, 3, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	close(fd);
}

/* ---- shutdown() and close() -------------------------------------------- */

TEST(shutdown_unconnected)
{
	int fd = edu_socket(0), cli, srv;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, shutdown(fd, SHUT_WR));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, shutdown(fd, SHUT_RDWR));
	EXPECT_EQ(ENOTCONN, errno);
	close(fd);

	ASSERT_EQ(0, edu_pair(&cli, &srv));
	EXPECT_EQ(-1, shutdown(cli, 3));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, shutdown(cli, -1));
	EXPECT_EQ(EINVAL, errno);
	close(cli);
	close(srv);
}

/* shutdown(SHUT_RD) on a listener stops it: accept() then says EINVAL. */
TEST(shutdown_listener)
{
	struct sockaddr_in addr;
	int lfd = edu_listener(&addr, 1), fd;

	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, shutdown(lfd, SHUT_RD));
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* Nobody listens on the port any more. */
	fd = edu_socket(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(fd);
	close(lfd);
}

FIXTURE(pair) {
	int cli;
	int srv;
};

FIXTURE_SETUP(pair)
{
	ignore_sigpipe();
	ASSERT_EQ(0, edu_pair(&self->cli, &self->srv));
}

FIXTURE_TEARDOWN(pair)
{
	if (self->cli >= 0)
		close(self->cli);
	if (self->srv >= 0)
		close(self->srv);
}

TEST_F(pair, shut_wr_peer_eof)
{
	char buf[16];

	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	EXPECT_EQ(0, recv(self->srv, buf, sizeof(buf), 0));
	/* EOF is sticky. */
	EXPECT_EQ(0, recv(self->srv, buf, sizeof(buf), 0));
	EXPECT_EQ(-1, send(self->cli, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	/* Shutting down again is harmless. */
	EXPECT_EQ(0, shutdown(self->cli, SHUT_WR));
}

TEST_F(pair, shut_rd)
{
	char buf[16];

	ASSERT_EQ(0, shutdown(self->srv, SHUT_RD));
	/* With nothing queued a read returns EOF at once instead of blocking. */
	EXPECT_EQ(0, recv(self->srv, buf, sizeof(buf), 0));
	/* The write direction is untouched. */
	EXPECT_EQ(5, send(self->srv, "hello", 5, 0));
	EXPECT_EQ(5, recv(self->cli, buf, 5, MSG_WAITALL));
	/* And the peer still may send: SHUT_RD sends nothing on the wire. */
	EXPECT_EQ(3, send(self->cli, "abc", 3, MSG_NOSIGNAL));
}

/* Half-close: data still flows the other way after one side's FIN. */
TEST_F(pair, half_close)
{
	static unsigned char big[65536], got[65536];
	ssize_t n;

	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	ASSERT_EQ(0, recv(self->srv, got, 1, 0));
	edu_fill(big, sizeof(big), 7, 0);
	ASSERT_EQ((ssize_t)sizeof(big), send(self->srv, big, sizeof(big), 0));
	n = recv(self->cli, got, sizeof(got), MSG_WAITALL);
	ASSERT_EQ((ssize_t)sizeof(got), n);
	EXPECT_EQ(-1, edu_check(got, sizeof(got), 7, 0));
	close(self->srv);
	self->srv = -1;
	EXPECT_EQ(0, recv(self->cli, got, 1, 0));
}

static void close_one_side(struct __test_metadata *_metadata, int *closer,
			   int other)
{
	char c;
	int i, ret = 0;

	close(*closer);
	*closer = -1;
	EXPECT_EQ(0, recv(other, &c, 1, 0));
	/*
	 * The first send after the peer closed is accepted locally; the
	 * peer answers it with RST, after which sends fail with EPIPE
	 * (RST in CLOSE-WAIT is reported as EPIPE, not ECONNRESET).
	 */
	for (i = 0; i < 100; i++) {
		ret = send(other, "x", 1, MSG_NOSIGNAL);
		if (ret < 0)
			break;
		edu_sleep_ms(20);
	}
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EPIPE, errno);
}

TEST_F(pair, close_client_first)
{
	close_one_side(_metadata, &self->cli, self->srv);
}

TEST_F(pair, close_server_first)
{
	close_one_side(_metadata, &self->srv, self->cli);
}

/* SO_LINGER {1, 0}: close() aborts with RST; the peer sees ECONNRESET. */
TEST_F(pair, linger_zero_rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char c;
	short ev;

	ASSERT_EQ(0, setsockopt(self->cli, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(self->cli);
	self->cli = -1;
	ev = edu_poll(self->srv, POLLIN, WAIT_MS);
	EXPECT_TRUE(ev & POLLERR);
	EXPECT_TRUE(ev & POLLHUP);
	EXPECT_EQ(-1, recv(self->srv, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	/* The error is reported once; afterwards the socket is just closed. */
	EXPECT_EQ(0, recv(self->srv, &c, 1, 0));
	EXPECT_EQ(-1, send(self->srv, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
}

/* RFC 2525 / RFC 9293 3.6: closing with unread data aborts with RST. */
TEST_F(pair, close_with_unread_data_resets)
{
	char c;

	ASSERT_EQ(3, send(self->cli, "abc", 3, 0));
	/* Make sure the data sits in the server's receive queue. */
	ASSERT_TRUE(edu_poll(self->srv, POLLIN, WAIT_MS) & POLLIN);
	close(self->srv);
	self->srv = -1;
	EXPECT_TRUE(edu_poll(self->cli, POLLIN, WAIT_MS) & POLLERR);
	EXPECT_EQ(-1, recv(self->cli, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
}

/* ---- what a child takes from its listener ------------------------------ */

/* A child is a copy of its listener, as in TCP (sk_clone_lock): the
 * SO_LINGER time comes with the flag.  With the flag alone, close() of an
 * accepted socket was taken for SO_LINGER {1, 0} and aborted with RST.
 */
TEST(listener_linger_inherited)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 5 }, got;
	socklen_t len = sizeof(got);
	struct sockaddr_in addr;
	int lfd, cli, srv;
	char buf[8];

	lfd = edu_listener(&addr, 4);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	cli = edu_connect(&addr, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, getsockopt(srv, SOL_SOCKET, SO_LINGER, &got, &len));
	EXPECT_EQ(1, got.l_onoff);
	EXPECT_EQ(5, got.l_linger);
	ASSERT_EQ(3, send(srv, "abc", 3, 0));
	close(srv);		/* lingers until "abc" is acknowledged */
	EXPECT_EQ(3, recv(cli, buf, sizeof(buf), MSG_WAITALL));
	EXPECT_EQ(0, recv(cli, buf, sizeof(buf), 0));	/* FIN, not RST */
	close(cli);
	close(lfd);
}

/* IP-level options set on the listener hold for its connections: TTL,
 * PMTU discovery (review K2: a child once sent without DF), TOS.
 */
TEST(listener_ip_options_inherited)
{
	struct sockaddr_in addr;
	int lfd, cli, srv, ttl = 33, pmtu = IP_PMTUDISC_DO, tos = 0x10, got = 0;
	socklen_t len = sizeof(got);

	lfd = edu_listener(&addr, 4);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setsockopt(lfd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)));
	ASSERT_EQ(0, setsockopt(lfd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)));
	ASSERT_EQ(0, setsockopt(lfd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)));
	cli = edu_connect(&addr, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, getsockopt(srv, IPPROTO_IP, IP_TTL, &got, &len));
	EXPECT_EQ(33, got);
	ASSERT_EQ(0, getsockopt(srv, IPPROTO_IP, IP_MTU_DISCOVER, &got, &len));
	EXPECT_EQ(IP_PMTUDISC_DO, got);
	ASSERT_EQ(0, getsockopt(srv, IPPROTO_IP, IP_TOS, &got, &len));
	EXPECT_EQ(0x10, got);
	close(srv);
	close(cli);
	close(lfd);
}

/* Socket-level and TCP options of the listener, as sk_clone_lock() gives
 * them to TCP's children (review K2): timeouts, low-water mark,
 * keep-alive and Nagle.  The receive timeout also acts.
 */
TEST(listener_socket_options_inherited)
{
	struct timeval rto = { 0, 300000 }, sto = { 2, 0 }, tv;
	int lfd, cli, srv, one = 1, lowat = 7, idle = 99, got;
	struct sockaddr_in addr;
	socklen_t len;
	long long t0, ms;
	char c;

	lfd = edu_listener(&addr, 4);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &rto, sizeof(rto)));
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_SNDTIMEO, &sto, sizeof(sto)));
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat)));
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
	ASSERT_EQ(0, setsockopt(lfd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)));
	ASSERT_EQ(0, setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	cli = edu_connect(&addr, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);

	len = sizeof(tv);
	ASSERT_EQ(0, getsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &tv, &len));
	EXPECT_EQ(0, tv.tv_sec);
	EXPECT_EQ(300000, tv.tv_usec);
	len = sizeof(tv);
	ASSERT_EQ(0, getsockopt(srv, SOL_SOCKET, SO_SNDTIMEO, &tv, &len));
	EXPECT_EQ(2, tv.tv_sec);
	len = sizeof(got);
	ASSERT_EQ(0, getsockopt(srv, SOL_SOCKET, SO_RCVLOWAT, &got, &len));
	EXPECT_EQ(7, got);
	ASSERT_EQ(0, getsockopt(srv, SOL_SOCKET, SO_KEEPALIVE, &got, &len));
	EXPECT_EQ(1, got);
	ASSERT_EQ(0, getsockopt(srv, IPPROTO_TCP, TCP_KEEPIDLE, &got, &len));
	EXPECT_EQ(99, got);
	ASSERT_EQ(0, getsockopt(srv, IPPROTO_TCP, TCP_NODELAY, &got, &len));
	EXPECT_EQ(1, got);

	t0 = edu_now_ms();
	EXPECT_EQ(-1, recv(srv, &c, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	ms = edu_now_ms() - t0;
	/* loosely: a loaded TCG guest's jiffies and its monotonic clock
	 * drift apart (the kernel's TCP took 182 ms on the debug guest)
	 */
	EXPECT_LE(100, ms);
	EXPECT_GT(WAIT_MS, ms);
	close(srv);
	close(cli);
	close(lfd);
}

/* The "sockets" column of /proc/net/protocols for our protocol. */
static int protocols_in_use(void)
{
	const char *name = edu_is_kernel_tcp() ? "TCP " : "EDU_TCP ";
	char line[512];
	int n = -1;
	FILE *f = fopen("/proc/net/protocols", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, strlen(name)))
			sscanf(line + strlen(name), "%*d %d", &n);
	fclose(f);
	return n;
}

/* Listeners and connections count as in use, as TCP's do. */
TEST(proc_net_protocols_counts)
{
	int before, during, cli, srv;

	before = protocols_in_use();
	ASSERT_LE(0, before);
	ASSERT_EQ(0, edu_pair(&cli, &srv));
	during = protocols_in_use();
	EXPECT_LE(before + 2, during);
	close(cli);
	close(srv);
}

/* ---- epoll readiness ---------------------------------------------------- */

static int epoll_once(int fd, uint32_t events, int timeout_ms)
{
	struct epoll_event ev = { .events = events }, out = {};
	int ep = epoll_create1(EPOLL_CLOEXEC), n;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		if (ep >= 0)
			close(ep);
		return -1;
	}
	n = epoll_wait(ep, &out, 1, timeout_ms);
	close(ep);
	return n == 1 ? (int)out.events : 0;
}

TEST(epoll_accept)
{
	struct sockaddr_in addr;
	int lfd = edu_listener(&addr, 4), cli, srv;

	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, epoll_once(lfd, EPOLLIN, 0));
	cli = edu_connect(&addr, 0);
	ASSERT_LE(0, cli);
	EXPECT_EQ(EPOLLIN, epoll_once(lfd, EPOLLIN | EPOLLOUT, WAIT_MS));
	srv = accept(lfd, NULL, NULL);
	EXPECT_LE(0, srv);
	EXPECT_EQ(0, epoll_once(lfd, EPOLLIN, 0));
	close(srv);
	close(cli);
	close(lfd);
}

TEST(epoll_connect)
{
	struct sockaddr_in addr;
	int lfd = edu_listener(&addr, 4), fd;

	ASSERT_LE(0, lfd);
	fd = edu_connect(&addr, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	/* Writable, nothing to read, no error, no hang-up. */
	EXPECT_EQ(EPOLLOUT, epoll_once(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, WAIT_MS));
	close(fd);
	close(lfd);
}

TEST(epoll_connect_refused)
{
	struct sockaddr_in addr;
	int hold = edu_reserve_port(&addr), fd;
	int ev;

	ASSERT_LE(0, hold);
	fd = edu_connect(&addr, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ev = epoll_once(fd, EPOLLOUT, WAIT_MS);
	EXPECT_TRUE(ev & EPOLLERR);
	EXPECT_TRUE(ev & EPOLLHUP);
	EXPECT_EQ(ECONNREFUSED, edu_so_error(fd));
	close(fd);
	close(hold);
}

TEST_F(pair, epoll_rdhup)
{
	int ev;

	EXPECT_EQ(0, epoll_once(self->srv, EPOLLIN | EPOLLRDHUP, 0));
	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	ev = epoll_once(self->srv, EPOLLIN | EPOLLRDHUP, WAIT_MS);
	EXPECT_EQ(EPOLLIN | EPOLLRDHUP, ev);
	/* Half-closed is not hung up ... */
	EXPECT_FALSE(epoll_once(self->srv, EPOLLIN, 0) & EPOLLHUP);
	/* ... until our direction is shut as well. */
	ASSERT_EQ(0, shutdown(self->srv, SHUT_WR));
	EXPECT_TRUE(epoll_once(self->srv, EPOLLIN, WAIT_MS) & EPOLLHUP);
	/* The client saw our FIN after its own: both directions done. */
	ev = epoll_once(self->cli, EPOLLIN | EPOLLRDHUP, WAIT_MS);
	EXPECT_EQ(EPOLLIN | EPOLLRDHUP | EPOLLHUP, ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP));
}

TEST_F(pair, epoll_rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int ev;

	ASSERT_EQ(0, setsockopt(self->cli, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(self->cli);
	self->cli = -1;
	ev = epoll_once(self->srv, EPOLLIN | EPOLLRDHUP, WAIT_MS);
	EXPECT_TRUE(ev & EPOLLERR);
	EXPECT_TRUE(ev & EPOLLHUP);
	EXPECT_TRUE(ev & EPOLLIN);
	EXPECT_TRUE(ev & EPOLLRDHUP);
}

/* ---- /proc/edu_tcp (edu_tcp only) ----------------------------------------- */

/* Wait for a row to show @want; the state may lag the syscall a little. */
static int wait_proc_state(unsigned short lport, unsigned short rport,
			   const char *raddr, const char *want, char *got,
			   size_t len)
{
	long long end = edu_now_ms() + WAIT_MS;
	int ret;

	do {
		got[0] = '\0';
		ret = edu_proc_state("127.0.0.1", lport, raddr, rport, got, len);
		if (ret < 0 || (ret == 1 && !strcmp(got, want)))
			return ret;
		edu_sleep_ms(10);
	} while (edu_now_ms() < end);
	if (ret == 0)
		snprintf(got, len, "(no row)");
	return 0;
}

TEST(proc_states)
{
	struct sockaddr_in addr;
	unsigned short lport, cport, c2port;
	char st[32];
	int lfd, cli, cli2, srv;

	EDU_ONLY(EDU_PROC_SOCKS);

	lfd = edu_listener(&addr, 0);
	ASSERT_LE(0, lfd);
	lport = ntohs(addr.sin_port);
	ASSERT_EQ(1, wait_proc_state(lport, 0, "0.0.0.0", "LISTEN", st, sizeof(st)))
		TH_LOG("listener: %s", st);

	cli = edu_connect(&addr, 0);
	ASSERT_LE(0, cli);
	cport = edu_port_of(cli, false);
	ASSERT_EQ(1, wait_proc_state(cport, lport, "127.0.0.1", "ESTABLISHED", st, sizeof(st)))
		TH_LOG("client: %s", st);
	/* Not yet accepted, but already ESTABLISHED on the server side. */
	ASSERT_EQ(1, wait_proc_state(lport, cport, "127.0.0.1", "ESTABLISHED", st, sizeof(st)))
		TH_LOG("queued child: %s", st);

	/* The queue (backlog 0) is full: the next SYN is dropped. */
	cli2 = edu_connect(&addr, SOCK_NONBLOCK);
	ASSERT_LE(0, cli2);
	c2port = edu_port_of(cli2, false);
	ASSERT_EQ(1, wait_proc_state(c2port, lport, "127.0.0.1", "SYN-SENT", st, sizeof(st)))
		TH_LOG("blocked client: %s", st);
	close(cli2);

	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, shutdown(cli, SHUT_WR));
	ASSERT_EQ(1, wait_proc_state(cport, lport, "127.0.0.1", "FIN-WAIT-2", st, sizeof(st)))
		TH_LOG("after client FIN: %s", st);
	ASSERT_EQ(1, wait_proc_state(lport, cport, "127.0.0.1", "CLOSE-WAIT", st, sizeof(st)))
		TH_LOG("server after client FIN: %s", st);
	close(srv);
	ASSERT_EQ(1, wait_proc_state(cport, lport, "127.0.0.1", "TIME-WAIT", st, sizeof(st)))
		TH_LOG("after both FINs: %s", st);
	/* The server side is gone once its FIN is acknowledged. */
	EXPECT_EQ(0, edu_proc_state("127.0.0.1", lport, "127.0.0.1", cport, st, sizeof(st)))
		TH_LOG("server row still there: %s", st);
	close(cli);
	close(lfd);
}

/* /proc/edu_tcp is read a buffer at a time, the table lock taken for each
 * (review D7): many rows, read in small pieces, still list every socket
 * exactly once.
 */
#define PROC_MANY	150

TEST(proc_many_rows)
{
	int cli[PROC_MANY], srv[PROC_MANY], lfd, fd, rows = 0, mine = 0;
	size_t cap = 1 << 20, len = 0;
	struct sockaddr_in addr;
	char *buf, *line, *save;
	ssize_t n;

	EDU_ONLY(EDU_PROC_SOCKS);

	lfd = edu_listener(&addr, PROC_MANY);
	ASSERT_LE(0, lfd);
	for (int i = 0; i < PROC_MANY; i++) {
		cli[i] = edu_connect(&addr, 0);
		ASSERT_LE(0, cli[i]);
		srv[i] = accept(lfd, NULL, NULL);
		ASSERT_LE(0, srv[i]);
	}
	buf = malloc(cap);
	ASSERT_NE(NULL, buf);
	fd = open("/proc/edu_tcp", O_RDONLY);
	ASSERT_LE(0, fd);
	while ((n = read(fd, buf + len, 97)) > 0 && len + 97 < cap)
		len += n;
	ASSERT_EQ(0, n);
	close(fd);
	buf[len] = 0;
	/* every row once: one listener, and both ends of each connection */
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char port[16];

		if (!rows++)
			continue;	/* the header */
		snprintf(port, sizeof(port), ":%u ", ntohs(addr.sin_port));
		if (strstr(line, port))
			mine++;
	}
	EXPECT_EQ(1 + 2 * PROC_MANY, mine);
	for (int i = 0; i < PROC_MANY; i++) {
		close(cli[i]);
		close(srv[i]);
	}
	close(lfd);
	free(buf);
}

/* ---- TCP's own options at IPPROTO_TCP ---------------------------------- */

/* net/tcp_states.h and net/tcp.h, which user space does not get */
#define KTCP_ESTABLISHED	1
#define TCP_CA_NAME_MAX		16

/* An established pair of protocol @proto over loopback. */
static int proto_pair(int proto, int *cli, int *srv)
{
	struct sockaddr_in addr;
	socklen_t alen = sizeof(addr);
	int lfd = socket(AF_INET, SOCK_STREAM, proto);

	*cli = *srv = -1;
	if (lfd < 0)
		return -1;
	edu_loopback(&addr, 0);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 4) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &alen))
		goto out;
	*cli = socket(AF_INET, SOCK_STREAM, proto);
	if (*cli >= 0 && !connect(*cli, (struct sockaddr *)&addr, sizeof(addr)))
		*srv = accept(lfd, NULL, NULL);
out:
	close(lfd);
	if (*srv < 0) {
		if (*cli >= 0)
			close(*cli);
		*cli = -1;
		return -1;
	}
	return 0;
}

/* Room for a struct tcp_info of any kernel: it grows at the end. */
union tcp_info_buf {
	struct tcp_info ti;
	char room[1024];
};

static int tcp_info_of(int fd, union tcp_info_buf *b, socklen_t *len)
{
	memset(b, 0, sizeof(*b));
	*len = sizeof(*b);
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, b, len);
}

/* Wait until nothing sent is unacknowledged (SIOCOUTQ, as for TCP). */
static int wait_outq_empty(int fd)
{
	long long end = edu_now_ms() + WAIT_MS;
	int outq;

	do {
		if (ioctl(fd, SIOCOUTQ, &outq))
			return -1;
		if (!outq)
			return 0;
		edu_sleep_ms(5);
	} while (edu_now_ms() < end);
	return -1;
}

#define INFO_BYTES	200000

/* Send INFO_BYTES one way over a pair and read them all. */
static void transfer_one_way(struct __test_metadata *_metadata, int cli, int srv)
{
	static unsigned char buf[INFO_BYTES], got[INFO_BYTES];

	edu_fill(buf, sizeof(buf), 3, 0);
	ASSERT_EQ((ssize_t)sizeof(buf), send(cli, buf, sizeof(buf), 0));
	ASSERT_EQ((ssize_t)sizeof(got), recv(srv, got, sizeof(got), MSG_WAITALL));
	EXPECT_EQ(-1, edu_check(got, sizeof(got), 3, 0));
	ASSERT_EQ(0, wait_outq_empty(cli));
}

/*
 * getsockopt(IPPROTO_TCP, TCP_INFO) gives the running kernel's struct
 * tcp_info, as long as the kernel TCP's (6.12's is longer than 6.1's),
 * filled with what the connection did: 200 000 bytes one way, all of
 * them acknowledged, none lost on loopback.
 */
TEST(tcp_info_after_transfer)
{
	union tcp_info_buf c, s, k;
	socklen_t clen, slen, klen;
	int cli, srv, kcli, ksrv, mss = 0;
	socklen_t mlen = sizeof(mss);

	ASSERT_EQ(0, edu_pair(&cli, &srv));
	transfer_one_way(_metadata, cli, srv);
	ASSERT_EQ(0, tcp_info_of(cli, &c, &clen));
	ASSERT_EQ(0, tcp_info_of(srv, &s, &slen));
	ASSERT_EQ(0, getsockopt(cli, IPPROTO_TCP, TCP_MAXSEG, &mss, &mlen));

	/* the same length as the kernel's TCP writes back */
	ASSERT_EQ(0, proto_pair(IPPROTO_TCP, &kcli, &ksrv));
	ASSERT_EQ(0, tcp_info_of(kcli, &k, &klen));
	EXPECT_EQ(klen, clen);
	EXPECT_EQ(klen, slen);
	EXPECT_LE(sizeof(struct tcp_info), clen);
	close(kcli);
	close(ksrv);

	EXPECT_EQ(KTCP_ESTABLISHED, c.ti.tcpi_state);
	EXPECT_EQ(KTCP_ESTABLISHED, s.ti.tcpi_state);
	EXPECT_EQ(0, c.ti.tcpi_ca_state);		/* TCP_CA_Open */
	EXPECT_EQ((unsigned int)mss, c.ti.tcpi_snd_mss);
	EXPECT_LT(500U, c.ti.tcpi_snd_mss);
	EXPECT_LT(0U, c.ti.tcpi_snd_cwnd);
	EXPECT_NE(0U, c.ti.tcpi_snd_ssthresh);
	EXPECT_LT(0U, c.ti.tcpi_rto);
	EXPECT_LT(0U, c.ti.tcpi_rtt);
	EXPECT_LT(0U, c.ti.tcpi_advmss);
	EXPECT_EQ(65535U, c.ti.tcpi_pmtu);	/* loopback's, within IP_MAX_MTU */
	EXPECT_EQ(0U, c.ti.tcpi_unacked);
	EXPECT_EQ(0U, c.ti.tcpi_total_retrans);
	EXPECT_EQ(0U, c.ti.tcpi_retransmits);
	EXPECT_EQ(0U, c.ti.tcpi_bytes_retrans);
	EXPECT_EQ(0U, c.ti.tcpi_notsent_bytes);
	/* the kernel's TCP counts its SYN too; edu_tcp the data only */
	EXPECT_LE((__u64)INFO_BYTES, c.ti.tcpi_bytes_acked);
	EXPECT_GE((__u64)INFO_BYTES + 1, c.ti.tcpi_bytes_acked);
	EXPECT_EQ((__u64)INFO_BYTES, c.ti.tcpi_bytes_sent);
	EXPECT_EQ((__u64)INFO_BYTES, s.ti.tcpi_bytes_received);
	EXPECT_EQ(0U, s.ti.tcpi_bytes_acked);
	EXPECT_LE(1U, c.ti.tcpi_data_segs_out);
	EXPECT_LE(c.ti.tcpi_data_segs_out, c.ti.tcpi_segs_out);
	EXPECT_LE(1U, s.ti.tcpi_data_segs_in);
	EXPECT_LE(s.ti.tcpi_data_segs_in, s.ti.tcpi_segs_in);
	EXPECT_EQ(0U, c.ti.tcpi_data_segs_in);
	/* both ends scale their windows on loopback */
	EXPECT_TRUE(c.ti.tcpi_options & TCPI_OPT_WSCALE);
	EXPECT_LT(0U, c.ti.tcpi_snd_wnd);
	/* the receiver saw segments as large as it allows */
	EXPECT_LT(500U, s.ti.tcpi_rcv_mss);
	EXPECT_GE(s.ti.tcpi_advmss, s.ti.tcpi_rcv_mss);
	close(cli);
	close(srv);
}

/* A short buffer gets a prefix, and its length is written back. */
TEST(tcp_info_short_len_prefix)
{
	union tcp_info_buf b;
	socklen_t len = 8;
	int cli, srv;

	ASSERT_EQ(0, edu_pair(&cli, &srv));
	memset(&b, 0xa5, sizeof(b));
	ASSERT_EQ(0, getsockopt(cli, IPPROTO_TCP, TCP_INFO, &b, &len));
	EXPECT_EQ(8U, len);
	EXPECT_EQ(KTCP_ESTABLISHED, b.ti.tcpi_state);
	EXPECT_EQ(0xa5, (unsigned char)b.room[8]);	/* nothing past it */
	len = 0;
	EXPECT_EQ(0, getsockopt(cli, IPPROTO_TCP, TCP_INFO, &b, &len));
	EXPECT_EQ(0U, len);
	close(cli);
	close(srv);
}

static void expect_enoprotoopt(struct __test_metadata *_metadata, int fd,
			       int name)
{
	int val = 1;
	socklen_t len = sizeof(val);

	errno = 0;
	EXPECT_EQ(-1, setsockopt(fd, IPPROTO_TCP, name, &val, sizeof(val)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	errno = 0;
	EXPECT_EQ(-1, getsockopt(fd, IPPROTO_TCP, name, &val, &len));
	EXPECT_EQ(ENOPROTOOPT, errno);
}

/* An option TCP does not know fails with ENOPROTOOPT both ways, for the
 * kernel's TCP and for us alike.
 */
TEST(tcp_unknown_option_enoprotoopt)
{
	int fd = edu_socket(0), kfd = socket(AF_INET, SOCK_STREAM, 0);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, kfd);
	expect_enoprotoopt(_metadata, kfd, 9999);
	expect_enoprotoopt(_metadata, fd, 9999);
	close(kfd);
	close(fd);
}

/* TCP options edu_tcp cannot honour are refused, never taken in silence. */
TEST(tcp_unhonoured_options_refused)
{
	static const int names[] = {
		TCP_CORK, TCP_QUICKACK, TCP_USER_TIMEOUT, TCP_DEFER_ACCEPT,
		TCP_FASTOPEN, TCP_NOTSENT_LOWAT, TCP_WINDOW_CLAMP, TCP_ULP,
	};
	unsigned int i;
	int fd;

	if (edu_is_kernel_tcp())
		SKIP(return, "EDU_PROTO=6: the kernel's TCP honours them");
	fd = edu_socket(0);
	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		expect_enoprotoopt(_metadata, fd, names[i]);
	close(fd);
}

/* TCP_MAXSEG: TCP's bounds, read back before a connection, and a bound
 * on the MSS of both ends of a connection made afterwards.
 */
TEST(tcp_maxseg_set)
{
	struct sockaddr_in addr;
	int lfd, cli, srv, val;
	socklen_t len = sizeof(val);

	lfd = edu_socket(0);
	ASSERT_LE(0, lfd);
	val = 87;
	EXPECT_EQ(-1, setsockopt(lfd, IPPROTO_TCP, TCP_MAXSEG, &val, sizeof(val)));
	EXPECT_EQ(EINVAL, errno);
	val = 32768;
	EXPECT_EQ(-1, setsockopt(lfd, IPPROTO_TCP, TCP_MAXSEG, &val, sizeof(val)));
	EXPECT_EQ(EINVAL, errno);
	val = 1000;
	ASSERT_EQ(0, setsockopt(lfd, IPPROTO_TCP, TCP_MAXSEG, &val, sizeof(val)));
	val = 0;
	ASSERT_EQ(0, getsockopt(lfd, IPPROTO_TCP, TCP_MAXSEG, &val, &len));
	EXPECT_EQ(1000, val);
	edu_loopback(&addr, 0);
	len = sizeof(addr);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&addr, sizeof(addr)));
	ASSERT_EQ(0, listen(lfd, 4));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&addr, &len));

	/* the listener's bound: its SYN-ACK announces it */
	cli = edu_connect(&addr, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(cli, IPPROTO_TCP, TCP_MAXSEG, &val, &len));
	EXPECT_GE(1000, val);
	EXPECT_LT(900, val);
	ASSERT_EQ(0, getsockopt(srv, IPPROTO_TCP, TCP_MAXSEG, &val, &len));
	EXPECT_GE(1000, val);
	EXPECT_LT(900, val);
	close(srv);
	close(cli);

	/* the connecting side's bound: its SYN announces it */
	cli = edu_socket(0);
	ASSERT_LE(0, cli);
	val = 700;
	ASSERT_EQ(0, setsockopt(cli, IPPROTO_TCP, TCP_MAXSEG, &val, sizeof(val)));
	ASSERT_EQ(0, connect(cli, (struct sockaddr *)&addr, sizeof(addr)));
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, getsockopt(cli, IPPROTO_TCP, TCP_MAXSEG, &val, &len));
	EXPECT_GE(700, val);
	EXPECT_LT(600, val);
	ASSERT_EQ(0, getsockopt(srv, IPPROTO_TCP, TCP_MAXSEG, &val, &len));
	EXPECT_GE(700, val);
	EXPECT_LT(600, val);
	close(srv);
	close(cli);
	close(lfd);
}

/* iperf3 reads TCP_CONGESTION and gives up if it cannot: edu_tcp's is
 * reno; an algorithm nobody has is ENOENT, as TCP answers.
 */
TEST(tcp_congestion_reno)
{
	char name[TCP_CA_NAME_MAX + 1] = "";
	socklen_t len = TCP_CA_NAME_MAX;
	int fd = edu_socket(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len));
	EXPECT_EQ(TCP_CA_NAME_MAX, (int)len);
	if (!edu_is_kernel_tcp())
		EXPECT_STREQ("reno", name);
	EXPECT_EQ(0, setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
	EXPECT_EQ(-1, setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "no-such-cc", 10));
	EXPECT_EQ(ENOENT, errno);
	close(fd);
}

/* What the peer of a SHUT_RD socket sees when it sends: nothing special,
 * the data is taken, acknowledged and can be read.
 */
static void shut_rd_then_data(struct __test_metadata *_metadata, int proto)
{
	int cli, srv, err = -1;
	socklen_t len = sizeof(err);
	char buf[8];

	ASSERT_EQ(0, proto_pair(proto, &cli, &srv));
	ASSERT_EQ(0, shutdown(srv, SHUT_RD));
	ASSERT_EQ(3, send(cli, "abc", 3, MSG_NOSIGNAL));
	ASSERT_EQ(0, wait_outq_empty(cli));		/* acknowledged */
	EXPECT_FALSE(edu_poll(cli, POLLIN, 100) & (POLLERR | POLLHUP));
	EXPECT_EQ(0, getsockopt(cli, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(0, err);
	/* queued, and recv() hands it out before the EOF SHUT_RD gives */
	EXPECT_EQ(3, recv(srv, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(0, recv(srv, buf, sizeof(buf), MSG_DONTWAIT));
	/* and the connection lives on, both ways */
	EXPECT_EQ(2, send(cli, "de", 2, MSG_NOSIGNAL));
	ASSERT_EQ(0, wait_outq_empty(cli));
	EXPECT_EQ(2, send(srv, "fg", 2, MSG_NOSIGNAL));
	EXPECT_EQ(2, recv(cli, buf, 2, MSG_WAITALL));
	EXPECT_EQ(0, getsockopt(srv, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(0, err);
	close(cli);
	close(srv);
}

/* Data after shutdown(SHUT_RD) is accepted as Linux does (review K7):
 * no RST, no ECONNRESET; the kernel's TCP in the same test.
 */
TEST(shut_rd_then_data_accepted)
{
	ignore_sigpipe();
	shut_rd_then_data(_metadata, IPPROTO_TCP);
	shut_rd_then_data(_metadata, edu_proto());
}

/* A client socket of @proto bound to 127.0.0.1:@port with SO_REUSEADDR. */
static int bound_client(int proto, unsigned short port)
{
	struct sockaddr_in sin;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, proto);

	if (fd < 0)
		return -1;
	edu_loopback(&sin, port);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The server closes first and keeps TIME-WAIT; the client connects again
 * at once from the same port.  Returns the milliseconds connect() took;
 * *old_nxt and *new_iss: the server's SND.NXT before and ISS after, from
 * EDU_TCP_INFO when @proto is ours.
 */
static long long reconnect_over_time_wait(struct __test_metadata *_metadata,
					  int proto, unsigned int *old_nxt,
					  unsigned int *new_iss)
{
	struct sockaddr_in addr;
	socklen_t alen = sizeof(addr);
	struct edu_tcp_info info;
	int lfd, cli, srv;
	unsigned short cport;
	long long t0, ms;
	char c;

	lfd = socket(AF_INET, SOCK_STREAM, proto);
	edu_loopback(&addr, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, 4) || getsockname(lfd, (struct sockaddr *)&addr, &alen))
		return -1;
	cli = bound_client(proto, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&addr, sizeof(addr)))
		return -1;
	cport = edu_port_of(cli, false);
	srv = accept(lfd, NULL, NULL);
	if (srv < 0)
		return -1;
	if (proto != IPPROTO_TCP && !edu_info(srv, &info))
		*old_nxt = info.snd_nxt + 1;	/* and the FIN */
	close(srv);			/* active close: server side TIME-WAIT */
	EXPECT_EQ(0, recv(cli, &c, 1, 0));
	close(cli);
	edu_sleep_ms(100);		/* the last ACK lands */

	cli = bound_client(proto, cport);
	if (cli < 0)
		return -1;
	t0 = edu_now_ms();
	if (connect(cli, (struct sockaddr *)&addr, sizeof(addr)))
		return -1;
	ms = edu_now_ms() - t0;
	srv = accept(lfd, NULL, NULL);
	if (srv < 0)
		return -1;
	if (proto != IPPROTO_TCP && !edu_info(srv, &info))
		*new_iss = info.iss;
	close(cli);
	close(srv);
	close(lfd);
	return ms;
}

/* RFC 9293 3.10.7.4, RFC 6191 (review K5): a SYN above the TIME-WAIT
 * record's RCV.NXT reopens the tuple at once, with an ISN above the old
 * SND.NXT, as the kernel's TCP does: no ACK, RST and a SYN again 1 s
 * (one RTO) later.
 */
TEST(syn_reopens_time_wait)
{
	unsigned int old_nxt = 0, new_iss = 0;
	long long ms;

	ms = reconnect_over_time_wait(_metadata, IPPROTO_TCP, &old_nxt, &new_iss);
	ASSERT_LE(0, ms);
	EXPECT_GT(700, ms);
	ms = reconnect_over_time_wait(_metadata, edu_proto(), &old_nxt, &new_iss);
	ASSERT_LE(0, ms);
	EXPECT_GT(700, ms);
	if (!edu_is_kernel_tcp())
		EXPECT_LT(0, (int)(new_iss - old_nxt));
}

/* ---- ephemeral ports shared across peers (review K4) ------------------ */

#define NARROW_LOW	40000
#define NARROW_PORTS	10

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(s, f) < 0;
	return fclose(f) || ret ? -1 : 0;
}

/* A namespace of our own, loopback up, NARROW_PORTS ephemeral ports, and
 * no TIME-WAIT reuse by the kernel's TCP (its loopback default), so that
 * both protocols play by RFC 9293 3.6 alone.
 */
static int narrow_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	char range[32];
	int fd, ret;

	if (unshare(CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	ret = ret ? ret : ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	snprintf(range, sizeof(range), "%d %d", NARROW_LOW,
		 NARROW_LOW + NARROW_PORTS - 1);
	if (ret || write_file("/proc/sys/net/ipv4/ip_local_port_range", range) ||
	    write_file("/proc/sys/net/ipv4/tcp_tw_reuse", "0"))
		return -1;
	return 0;
}

/* One connection to @port that the client closes first (its side keeps
 * TIME-WAIT).  0, or the errno of connect().
 */
static int connect_close_first(int proto, int lfd, unsigned short port)
{
	struct sockaddr_in addr;
	int cli, srv, err = 0;
	char c;

	edu_loopback(&addr, port);
	cli = socket(AF_INET, SOCK_STREAM, proto);
	if (cli < 0)
		return errno;
	if (connect(cli, (struct sockaddr *)&addr, sizeof(addr))) {
		err = errno;
		close(cli);
		return err;
	}
	srv = accept(lfd, NULL, NULL);
	close(cli);
	if (srv >= 0) {
		if (recv(srv, &c, 1, 0) != 0)
			err = EPROTO;
		close(srv);
	} else {
		err = EPROTO;
	}
	return err;
}

/* How many connections to three peers, then to the first alone, before
 * EADDRNOTAVAIL: counts[0..2] per server port; -1 on a setup failure.
 */
static int count_connections(int proto, int counts[3])
{
	unsigned short ports[3] = { 5001, 5002, 5003 };
	int lfd[3], i, err, ret = 0;
	struct sockaddr_in addr;

	for (i = 0; i < 3; i++) {
		counts[i] = 0;
		lfd[i] = socket(AF_INET, SOCK_STREAM, proto);
		edu_loopback(&addr, ports[i]);
		if (lfd[i] < 0 || bind(lfd[i], (struct sockaddr *)&addr, sizeof(addr)) ||
		    listen(lfd[i], 4))
			return -1;
	}
	/* round robin over the three: 3 * NARROW_PORTS tuples in all */
	for (i = 0; i < 3 * NARROW_PORTS - 5; i++) {
		err = connect_close_first(proto, lfd[i % 3], ports[i % 3]);
		if (err) {
			ret = err == EADDRNOTAVAIL ? 0 : -1;
			break;
		}
		counts[i % 3]++;
	}
	/* then the first peer until its tuples run out */
	while (!ret && counts[0] <= NARROW_PORTS) {
		err = connect_close_first(proto, lfd[0], ports[0]);
		if (err) {
			ret = err == EADDRNOTAVAIL ? 0 : -1;
			break;
		}
		counts[0]++;
	}
	for (i = 0; i < 3; i++)
		close(lfd[i]);
	return ret;
}

/* A client that closes first keeps TIME-WAIT on each tuple it used; a
 * local port still serves other peers (TCP's __inet_hash_connect), so
 * with 10 ephemeral ports it reaches three servers 25 times, and one
 * server gets EADDRNOTAVAIL only when its 10 tuples are all taken, as
 * the kernel's TCP does.
 */
TEST(connect_port_shared_across_peers)
{
	int kcounts[3], counts[3];

	if (narrow_netns())
		SKIP(return, "no network namespace of our own (needs root)");
	ASSERT_EQ(0, count_connections(IPPROTO_TCP, kcounts));
	/* 25 round robin: 9, 8, 8; then the first peer up to its 10 */
	EXPECT_EQ(NARROW_PORTS, kcounts[0]);
	EXPECT_EQ(8, kcounts[1]);
	EXPECT_EQ(8, kcounts[2]);
	if (edu_is_kernel_tcp())
		return;		/* its tuples are all in TIME-WAIT now */
	ASSERT_EQ(0, count_connections(edu_proto(), counts));
	EXPECT_EQ(kcounts[0], counts[0]);
	EXPECT_EQ(kcounts[1], counts[1]);
	EXPECT_EQ(kcounts[2], counts[2]);
}

TEST_HARNESS_MAIN
