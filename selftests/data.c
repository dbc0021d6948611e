// SPDX-License-Identifier: GPL-2.0
/*
 * data: the reliable byte stream over loopback - bulk integrity in both
 * directions at once, the recv/send flags, timeouts, flow control against a
 * reader that stops, urgent data, and (edu_tcp only) EDU_TCP_INFO.
 *
 * $EDU_PROTO picks the protocol (default 253); EDU_PROTO=6 validates the
 * tests against the kernel's TCP.  $EDU_DATA_BYTES sizes the bulk test
 * (default 4 MiB each way).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "edu_common.h"

#define WAIT_MS 2000

FIXTURE(pair) {
	int cli;
	int srv;
};

FIXTURE_SETUP(pair)
{
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, edu_pair(&self->cli, &self->srv));
}

FIXTURE_TEARDOWN(pair)
{
	if (self->cli >= 0)
		close(self->cli);
	if (self->srv >= 0)
		close(self->srv);
}

/* ---- bulk ------------------------------------------------------------ */

struct stream_job {
	int fd;
	unsigned int seed;
	size_t bytes;		/* to send, or expected */
	size_t done;		/* sent, or received */
	long bad_at;		/* first wrong offset received, or -1 */
	int err;
};

static void *writer(void *arg)
{
	struct stream_job *j = arg;
	static __thread unsigned char buf[32768];

	while (j->done < j->bytes) {
		size_t n = j->bytes - j->done < sizeof(buf) ? j->bytes - j->done : sizeof(buf);
		ssize_t r;

		edu_fill(buf, n, j->seed, j->done);
		r = send(j->fd, buf, n, MSG_NOSIGNAL);
		if (r < 0) {
			j->err = errno;
			return NULL;
		}
		/* A short send is legal: regenerate from the new offset. */
		j->done += r;
	}
	if (shutdown(j->fd, SHUT_WR))
		j->err = errno;
	return NULL;
}

static void *reader(void *arg)
{
	struct stream_job *j = arg;
	static __thread unsigned char buf[50000];	/* not a power of two */
	ssize_t r;

	j->bad_at = -1;
	while ((r = recv(j->fd, buf, sizeof(buf), 0)) > 0) {
		long bad = edu_check(buf, r, j->seed, j->done);

		if (bad >= 0 && j->bad_at < 0)
			j->bad_at = j->done + bad;
		j->done += r;
	}
	if (r < 0)
		j->err = errno;
	return NULL;
}

static size_t bulk_bytes(void)
{
	const char *s = getenv("EDU_DATA_BYTES");

	return s && *s ? strtoul(s, NULL, 0) : 4 << 20;
}

FIXTURE(bulk) {
	int cli;
	int srv;
};

FIXTURE_SETUP(bulk)
{
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, edu_pair(&self->cli, &self->srv));
}

FIXTURE_TEARDOWN(bulk)
{
	close(self->cli);
	close(self->srv);
}

/* Full duplex: both ends write and read at the same time, then both FIN. */
TEST_F_TIMEOUT(bulk, both_ways, 120)
{
	size_t n = bulk_bytes();
	struct stream_job w1 = { .fd = self->cli, .seed = 11, .bytes = n };
	struct stream_job r1 = { .fd = self->srv, .seed = 11, .bytes = n };
	struct stream_job w2 = { .fd = self->srv, .seed = 22, .bytes = n };
	struct stream_job r2 = { .fd = self->cli, .seed = 22, .bytes = n };
	pthread_t t[4];

	ASSERT_EQ(0, pthread_create(&t[0], NULL, writer, &w1));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, reader, &r1));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, writer, &w2));
	ASSERT_EQ(0, pthread_create(&t[3], NULL, reader, &r2));
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ(0, w1.err);
	EXPECT_EQ(0, w2.err);
	EXPECT_EQ(0, r1.err);
	EXPECT_EQ(0, r2.err);
	EXPECT_EQ(n, r1.done);
	EXPECT_EQ(n, r2.done);
	EXPECT_EQ(-1, r1.bad_at);
	EXPECT_EQ(-1, r2.bad_at);
}

/* One send() of 1 MiB through a 4 KiB send buffer still sends it all. */
TEST_F_TIMEOUT(bulk, large_write_small_sndbuf, 60)
{
	const size_t n = 1 << 20;
	struct stream_job r = { .fd = self->srv, .seed = 33, .bytes = n };
	unsigned char *big = malloc(n);
	int sz = 4096;
	pthread_t t;

	ASSERT_NE(NULL, big);
	ASSERT_EQ(0, setsockopt(self->cli, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)));
	edu_fill(big, n, 33, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, reader, &r));
	EXPECT_EQ((ssize_t)n, send(self->cli, big, n, 0));
	shutdown(self->cli, SHUT_WR);
	pthread_join(t, NULL);
	EXPECT_EQ(n, r.done);
	EXPECT_EQ(-1, r.bad_at);
	free(big);
}

/*
 * A reader that stops: the sender fills the peer's receive buffer and its
 * own send buffer, then gets EAGAIN (and no POLLOUT) - flow control, not
 * loss.  Once the reader drains, the sender may write again, and every
 * byte arrives in order.
 */
TEST_F_TIMEOUT(bulk, stalled_reader, 60)
{
	static unsigned char buf[16384];
	size_t queued = 0, got = 0;
	long bad = -1;
	ssize_t r;

	ASSERT_EQ(0, fcntl(self->cli, F_SETFL, O_NONBLOCK));
	for (;;) {
		edu_fill(buf, sizeof(buf), 44, queued);
		r = send(self->cli, buf, sizeof(buf), 0);
		if (r < 0)
			break;
		queued += r;
		ASSERT_GT(64u << 20, queued) TH_LOG("sender never blocked");
	}
	ASSERT_EQ(EAGAIN, errno);
	TH_LOG("%zu bytes in flight when the sender blocked", queued);
	/* Still blocked a little later: nothing was lost, nothing moved. */
	edu_sleep_ms(200);
	EXPECT_FALSE(edu_poll(self->cli, POLLOUT, 0) & POLLOUT);

	/* Drain what is there; the sender becomes writable again. */
	while (got < queued) {
		ASSERT_TRUE(edu_poll(self->srv, POLLIN, WAIT_MS) & POLLIN);
		r = recv(self->srv, buf, sizeof(buf), 0);
		ASSERT_LT(0, r);
		if (bad < 0 && edu_check(buf, r, 44, got) >= 0)
			bad = got + edu_check(buf, r, 44, got);
		got += r;
	}
	EXPECT_EQ(-1, bad);
	EXPECT_TRUE(edu_poll(self->cli, POLLOUT, WAIT_MS) & POLLOUT);
	edu_fill(buf, sizeof(buf), 44, queued);
	r = send(self->cli, buf, sizeof(buf), 0);
	ASSERT_LT(0, r);
	queued += r;
	while (got < queued) {
		ASSERT_TRUE(edu_poll(self->srv, POLLIN, WAIT_MS) & POLLIN);
		r = recv(self->srv, buf, sizeof(buf), 0);
		ASSERT_LT(0, r);
		EXPECT_EQ(-1, edu_check(buf, r, 44, got));
		got += r;
	}
}

/* ---- recv/send flags ------------------------------------------------- */

TEST_F(pair, msg_peek)
{
	char buf[64] = {};

	ASSERT_EQ(11, send(self->cli, "hello world", 11, 0));
	ASSERT_TRUE(edu_poll(self->srv, POLLIN, WAIT_MS) & POLLIN);
	EXPECT_EQ(5, recv(self->srv, buf, 5, MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	/* Peeking again sees the same bytes: nothing was consumed. */
	EXPECT_EQ(11, recv(self->srv, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "hello world", 11));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(11, recv(self->srv, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "hello world", 11));
	EXPECT_EQ(-1, recv(self->srv, buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK));
	EXPECT_EQ(EAGAIN, errno);
}

struct dribble {
	int fd;
	int chunks;
	int delay_ms;
	bool shut;
};

/* Send 1000-byte pattern chunks with pauses, so a reader sees them apart. */
static void *dribbler(void *arg)
{
	struct dribble *d = arg;
	unsigned char buf[1000];

	for (int i = 0; i < d->chunks; i++) {
		edu_sleep_ms(d->delay_ms);
		edu_fill(buf, sizeof(buf), 55, i * sizeof(buf));
		if (send(d->fd, buf, sizeof(buf), MSG_NOSIGNAL) != sizeof(buf))
			break;
	}
	if (d->shut)
		shutdown(d->fd, SHUT_WR);
	return NULL;
}

TEST_F(pair, msg_waitall)
{
	struct dribble d = { self->cli, 3, 50, false };
	unsigned char buf[3000];
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, dribbler, &d));
	EXPECT_EQ(3000, recv(self->srv, buf, sizeof(buf), MSG_WAITALL));
	EXPECT_EQ(-1, edu_check(buf, sizeof(buf), 55, 0));
	pthread_join(t, NULL);
}

/* MSG_WAITALL stops short at end-of-file. */
TEST_F(pair, msg_waitall_eof)
{
	struct dribble d = { self->cli, 2, 20, true };
	unsigned char buf[5000];
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, dribbler, &d));
	EXPECT_EQ(2000, recv(self->srv, buf, sizeof(buf), MSG_WAITALL));
	pthread_join(t, NULL);
	EXPECT_EQ(0, recv(self->srv, buf, sizeof(buf), MSG_WAITALL));
}

TEST_F(pair, msg_dontwait)
{
	char c;

	EXPECT_EQ(-1, recv(self->srv, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	/* The flag is per call: the socket itself stays blocking. */
	EXPECT_FALSE(fcntl(self->srv, F_GETFL) & O_NONBLOCK);
	ASSERT_EQ(1, send(self->cli, "z", 1, MSG_DONTWAIT));
	ASSERT_TRUE(edu_poll(self->srv, POLLIN, WAIT_MS) & POLLIN);
	EXPECT_EQ(1, recv(self->srv, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ('z', c);
}

TEST_F(pair, nonblocking_recv)
{
	char c;

	ASSERT_EQ(0, fcntl(self->srv, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, recv(self->srv, &c, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
}

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

TEST_F(pair, msg_nosignal)
{
	signal(SIGPIPE, on_sigpipe);
	sigpipes = 0;
	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	EXPECT_EQ(-1, send(self->cli, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, sigpipes);
	/* Without the flag the same error also raises SIGPIPE. */
	EXPECT_EQ(-1, send(self->cli, "x", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	/* write() is send() without flags. */
	EXPECT_EQ(-1, write(self->cli, "x", 1));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(2, sigpipes);
}

/* The same after the peer is gone: RST answers our data, then EPIPE. */
TEST_F(pair, sigpipe_after_peer_close)
{
	int i, ret = 0;

	signal(SIGPIPE, on_sigpipe);
	sigpipes = 0;
	close(self->srv);
	self->srv = -1;
	for (i = 0; i < 100; i++) {
		ret = send(self->cli, "x", 1, 0);
		if (ret < 0)
			break;
		edu_sleep_ms(20);
	}
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
}

/* ---- timeouts ------------------------------------------------------------ */

TEST_F(pair, so_rcvtimeo)
{
	struct timeval tv = { .tv_usec = 200000 }, got;
	socklen_t len = sizeof(got);
	long long t0, el;
	char c;

	ASSERT_EQ(0, setsockopt(self->srv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0, getsockopt(self->srv, SOL_SOCKET, SO_RCVTIMEO, &got, &len));
	EXPECT_EQ(0, got.tv_sec);
	EXPECT_LE(190000, got.tv_usec);
	EXPECT_GE(210000, got.tv_usec);
	t0 = edu_now_ms();
	EXPECT_EQ(-1, recv(self->srv, &c, 1, 0));
	el = edu_now_ms() - t0;
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(180, el);
	EXPECT_GE(3000, el);
	/* Data that arrives in time is returned normally. */
	ASSERT_EQ(1, send(self->cli, "q", 1, 0));
	EXPECT_EQ(1, recv(self->srv, &c, 1, 0));
}

TEST_F(pair, so_sndtimeo)
{
	struct timeval tv = { .tv_usec = 200000 };
	static char buf[65536];
	int sz = 4096;
	long long t0, el;
	ssize_t r;

	ASSERT_EQ(0, setsockopt(self->cli, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)));
	/*
	 * Fill everything while the server does not read, until the sender
	 * stays unwritable: ACKs may still be opening room for a moment.
	 */
	for (int i = 0; i < 100; i++) {
		while (send(self->cli, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		ASSERT_EQ(EAGAIN, errno);
		if (!(edu_poll(self->cli, POLLOUT, 300) & POLLOUT))
			break;
	}
	ASSERT_FALSE(edu_poll(self->cli, POLLOUT, 0) & POLLOUT);
	ASSERT_EQ(0, setsockopt(self->cli, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	/*
	 * Unwritable for poll() still leaves a little room for send(): it
	 * copies what fits, waits out the timeout for the rest and returns
	 * the partial count - or EAGAIN when nothing at all fitted.
	 */
	t0 = edu_now_ms();
	r = send(self->cli, buf, sizeof(buf), 0);
	el = edu_now_ms() - t0;
	if (r < 0)
		EXPECT_EQ(EAGAIN, errno);
	EXPECT_GT((ssize_t)sizeof(buf), r);
	EXPECT_LE(180, el);
	EXPECT_GE(3000, el);
	/* Now truly full: nothing fits, and the timeout says EAGAIN. */
	t0 = edu_now_ms();
	r = send(self->cli, buf, sizeof(buf), 0);
	el = edu_now_ms() - t0;
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(180, el);
	EXPECT_GE(3000, el);
}

/* ---- urgent data ------------------------------------------------------------ */

/*
 * Linux TCP semantics: the last byte of a MSG_OOB send is the urgent byte.
 * Without SO_OOBINLINE it is taken out of the stream and read with MSG_OOB
 * (once); a normal read stops at the mark, where SIOCATMARK becomes 1.
 */
static void send_urgent(struct __test_metadata *_metadata, int cli, int srv)
{
	ASSERT_EQ(3, send(cli, "abc", 3, 0));
	ASSERT_EQ(2, send(cli, "XY", 2, MSG_OOB));
	ASSERT_EQ(3, send(cli, "def", 3, 0));
	ASSERT_TRUE(edu_poll(srv, POLLPRI, WAIT_MS) & POLLPRI);
	/* Let "def" arrive behind the urgent segment. */
	edu_sleep_ms(50);
}

static int atmark(int fd)
{
	int mark = -1;

	if (ioctl(fd, SIOCATMARK, &mark))
		return -errno;
	return mark;
}

TEST_F(pair, oob_none)
{
	char c;

	EXPECT_EQ(-1, recv(self->srv, &c, 1, MSG_OOB));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, atmark(self->srv));
}

TEST_F(pair, oob_out_of_line)
{
	char buf[16] = {};

	send_urgent(_metadata, self->cli, self->srv);
	EXPECT_EQ(0, atmark(self->srv));
	EXPECT_EQ(1, recv(self->srv, buf, 1, MSG_OOB | MSG_PEEK));
	EXPECT_EQ('Y', buf[0]);
	EXPECT_EQ(1, recv(self->srv, buf, 1, MSG_OOB));
	EXPECT_EQ('Y', buf[0]);
	/* Only once. */
	EXPECT_EQ(-1, recv(self->srv, buf, 1, MSG_OOB));
	EXPECT_EQ(EINVAL, errno);
	/* The normal read stops at the mark ... */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, recv(self->srv, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "abcX", 4));
	EXPECT_EQ(1, atmark(self->srv));
	/* ... and continues past it without the urgent byte. */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(3, recv(self->srv, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "def", 3));
	EXPECT_EQ(0, atmark(self->srv));
}

TEST_F(pair, oob_inline)
{
	char buf[16] = {};
	int one = 1;

	ASSERT_EQ(0, setsockopt(self->srv, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)));
	send_urgent(_metadata, self->cli, self->srv);
	EXPECT_EQ(-1, recv(self->srv, buf, 1, MSG_OOB));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(4, recv(self->srv, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "abcX", 4));
	EXPECT_EQ(1, atmark(self->srv));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, recv(self->srv, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "Ydef", 4));
	EXPECT_EQ(0, atmark(self->srv));
}

/* ---- EDU_TCP_INFO and edu_tcp socket options (edu_tcp only) --------------- */

TEST_F(pair, edu_tcp_info)
{
	struct edu_tcp_info c, s;
	static unsigned char buf[10000];
	socklen_t len;
	int val;

	EDU_ONLY(NULL);
	ASSERT_EQ(0, edu_info(self->cli, &c));
	ASSERT_EQ(0, edu_info(self->srv, &s));
	EXPECT_EQ(EDU_TCP_ESTABLISHED, c.state);
	EXPECT_EQ(EDU_TCP_ESTABLISHED, s.state);
	/* The handshake: each SYN took one sequence number. */
	EXPECT_EQ(c.iss + 1, c.snd_nxt);
	EXPECT_EQ(c.irs + 1, c.rcv_nxt);
	EXPECT_EQ(c.iss, s.irs);
	EXPECT_EQ(s.iss, c.irs);
	EXPECT_LE(536, c.mss);
	EXPECT_GE(65495, c.mss);
	EXPECT_LE(200u, c.rto_ms);		/* rto_min_ms default */
	EXPECT_LT(0u, c.snd_wnd);
	EXPECT_LT(0u, c.rcv_wnd);

	edu_fill(buf, sizeof(buf), 66, 0);
	ASSERT_EQ((ssize_t)sizeof(buf), send(self->cli, buf, sizeof(buf), 0));
	ASSERT_EQ((ssize_t)sizeof(buf), recv(self->srv, buf, sizeof(buf), MSG_WAITALL));
	ASSERT_EQ(0, edu_wait_acked(self->cli, WAIT_MS));
	ASSERT_EQ(0, edu_info(self->cli, &c));
	ASSERT_EQ(0, edu_info(self->srv, &s));
	EXPECT_EQ(c.iss + 1 + sizeof(buf), c.snd_nxt);
	EXPECT_EQ(c.snd_nxt, c.snd_una);
	EXPECT_EQ(c.snd_nxt, s.rcv_nxt);
	EXPECT_EQ(sizeof(buf), c.bytes_out);
	EXPECT_EQ(sizeof(buf), s.bytes_in);
	EXPECT_LE(1u, c.segs_out);
	EXPECT_LE(1u, s.segs_in);
	EXPECT_EQ(0u, c.retransmits);	/* loopback loses nothing */

	/* A short buffer gets a prefix of the record. */
	memset(&c, 0xff, sizeof(c));
	len = 4;
	ASSERT_EQ(0, getsockopt(self->cli, SOL_EDU_TCP, EDU_TCP_INFO, &c, &len));
	EXPECT_EQ(4u, len);
	EXPECT_EQ(EDU_TCP_ESTABLISHED, c.state);
	EXPECT_EQ(0xffffffffu, c.iss);	/* untouched */

	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(self->cli, SOL_EDU_TCP, EDU_TCP_MAXSEG, &val, &len));
	ASSERT_EQ(0, edu_info(self->cli, &c));
	EXPECT_EQ(c.mss, val);
	val = 1;
	ASSERT_EQ(0, setsockopt(self->cli, SOL_EDU_TCP, EDU_TCP_NODELAY, &val, sizeof(val)));
	val = 0;
	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(self->cli, SOL_EDU_TCP, EDU_TCP_NODELAY, &val, &len));
	EXPECT_EQ(1, val);
}

TEST(edu_tcp_info_listener)
{
	struct sockaddr_in addr;
	struct edu_tcp_info info;
	int lfd;

	EDU_ONLY(NULL);
	lfd = edu_listener(&addr, 1);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, edu_info(lfd, &info));
	EXPECT_EQ(EDU_TCP_LISTEN, info.state);
	close(lfd);
}

TEST_HARNESS_MAIN
