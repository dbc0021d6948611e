/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the edu_tcp C selftests.
 *
 * Every test opens its sockets with the protocol number from $EDU_PROTO
 * (default 253).  With EDU_PROTO=6 the same tests run against the kernel's
 * own TCP, which is how the tests themselves are validated: whatever passes
 * against TCP encodes TCP's semantics, which edu_tcp has to match.
 *
 * Include this after kselftest_harness.h: EDU_ONLY() uses its SKIP().
 */
#ifndef EDU_COMMON_H
#define EDU_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/edu_tcp.h>

#ifndef EDU_PROC_SOCKS
#define EDU_PROC_SOCKS	"/proc/edu_tcp"
#endif
#ifndef EDU_PROC_STAT
#define EDU_PROC_STAT	"/proc/net/edu_tcp_stat"
#endif

static inline int edu_proto(void)
{
	const char *s = getenv("EDU_PROTO");

	return s && *s ? atoi(s) : IPPROTO_EDU_TCP;
}

/* True when the tests are being validated against the kernel's TCP. */
static inline bool edu_is_kernel_tcp(void)
{
	return edu_proto() == IPPROTO_TCP;
}

/*
 * Skip (never pass) a check that only edu_tcp can answer.  @file may be
 * NULL when the check needs no /proc file, only edu_tcp's socket options.
 */
static inline bool edu_missing(const char *file)
{
	return file && access(file, R_OK);
}

#define EDU_ONLY(file) do {						\
	if (edu_is_kernel_tcp())					\
		SKIP(return, "EDU_PROTO=6: kernel TCP has no edu_tcp introspection"); \
	if (edu_missing(file))						\
		SKIP(return, "%s not present", (const char *)(file));	\
} while (0)

static inline long long edu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline void edu_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline int edu_socket(int flags)
{
	return socket(AF_INET, SOCK_STREAM | flags, edu_proto());
}

static inline void edu_loopback(struct sockaddr_in *sin, unsigned short port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(port);
}

/* A listener on 127.0.0.1 and a kernel-chosen port, returned in @addr. */
static inline int edu_listener(struct sockaddr_in *addr, int backlog)
{
	socklen_t len = sizeof(*addr);
	int fd = edu_socket(0);

	if (fd < 0)
		return -1;
	edu_loopback(addr, 0);
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) ||
	    listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)addr, &len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A port bound on 127.0.0.1 but not listening (a SYN to it gets a RST),
 * in @addr; the socket holding it is returned.
 */
static inline int edu_reserve_port(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = edu_socket(0);

	edu_loopback(addr, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) ||
	    getsockname(fd, (struct sockaddr *)addr, &len))
		return -1;
	return fd;
}

static inline int edu_connect(const struct sockaddr_in *addr, int flags)
{
	int fd = edu_socket(flags);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) &&
	    errno != EINPROGRESS) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* An established pair over loopback; the listener is closed again. */
static inline int edu_pair(int *cli, int *srv)
{
	struct sockaddr_in addr;
	int lfd = edu_listener(&addr, 4);

	*cli = *srv = -1;
	if (lfd < 0)
		return -1;
	*cli = edu_connect(&addr, 0);
	if (*cli >= 0)
		*srv = accept(lfd, NULL, NULL);
	close(lfd);
	if (*cli < 0 || *srv < 0) {
		if (*cli >= 0)
			close(*cli);
		*cli = *srv = -1;
		return -1;
	}
	return 0;
}

/* Wait for any of @events; returns revents (0 on timeout). */
static inline short edu_poll(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	return pfd.revents;
}

static inline int edu_so_error(int fd)
{
	socklen_t len = sizeof(int);
	int err = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -errno;
	return err;
}

static inline unsigned short edu_port_of(int fd, bool peer)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int ret;

	ret = peer ? getpeername(fd, (struct sockaddr *)&sin, &len) :
		     getsockname(fd, (struct sockaddr *)&sin, &len);
	return ret ? 0 : ntohs(sin.sin_port);
}

/*
 * Read one counter from /proc/net/edu_tcp_stat ("Name value" lines).
 * Returns -1 when the file or the name is missing.
 */
static inline long long edu_stat(const char *name)
{
	char key[64];
	long long val, ret = -1;
	FILE *f = fopen(EDU_PROC_STAT, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &val) == 2) {
		if (!strcmp(key, name)) {
			ret = val;
			break;
		}
	}
	fclose(f);
	return ret;
}

/*
 * Find the /proc/edu_tcp row whose local and remote addresses are
 * 127.0.0.1:@lport and @raddr:@rport (@raddr "0.0.0.0" and @rport 0 for a
 * listener) and copy its state column into @state.  Columns are located by
 * the header line rather than by position so that the file may grow.
 * Returns 1 when found, 0 when not, -1 when the file is unreadable or its
 * header lacks a column we need.
 */
static inline int edu_proc_state(const char *laddr, unsigned short lport,
				 const char *raddr, unsigned short rport,
				 char *state, size_t len)
{
	char line[512], want_l[48], want_r[48];
	int col_l = -1, col_r = -1, col_s = -1, ret = 0;
	FILE *f = fopen(EDU_PROC_SOCKS, "r");

	if (!f)
		return -1;
	snprintf(want_l, sizeof(want_l), "%s:%u", laddr, lport);
	snprintf(want_r, sizeof(want_r), "%s:%u", raddr, rport);
	if (fgets(line, sizeof(line), f)) {
		char *save, *tok = strtok_r(line, " \t\n", &save);

		for (int i = 0; tok; i++, tok = strtok_r(NULL, " \t\n", &save)) {
			if (!strcmp(tok, "local_address"))
				col_l = i;
			else if (!strcmp(tok, "remote_address"))
				col_r = i;
			else if (!strcmp(tok, "state"))
				col_s = i;
		}
	}
	if (col_l < 0 || col_r < 0 || col_s < 0) {
		fclose(f);
		return -1;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		char *save, *tok = strtok_r(line, " \t\n", &save);
		const char *l = NULL, *r = NULL, *s = NULL;

		for (int i = 0; tok; i++, tok = strtok_r(NULL, " \t\n", &save)) {
			if (i == col_l)
				l = tok;
			else if (i == col_r)
				r = tok;
			else if (i == col_s)
				s = tok;
		}
		if (l && r && s && !strcmp(l, want_l) && !strcmp(r, want_r)) {
			snprintf(state, len, "%s", s);
			ret = 1;
		}
	}
	fclose(f);
	return ret;
}

static inline int edu_info(int fd, struct edu_tcp_info *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return getsockopt(fd, SOL_EDU_TCP, EDU_TCP_INFO, info, &len);
}

/* Poll EDU_TCP_INFO until everything sent has been acknowledged. */
static inline int edu_wait_acked(int fd, int timeout_ms)
{
	long long end = edu_now_ms() + timeout_ms;
	struct edu_tcp_info info;

	do {
		if (edu_info(fd, &info))
			return -1;
		if (info.snd_una == info.snd_nxt)
			return 0;
		edu_sleep_ms(5);
	} while (edu_now_ms() < end);
	return -1;
}

/*
 * Deterministic stream contents: byte @off of the stream numbered @seed.
 * Cheap enough to check every byte of a multi-megabyte transfer, and any
 * lost, duplicated or reordered run of bytes lands on the wrong offset.
 */
static inline unsigned char edu_pattern(unsigned int seed, unsigned long long off)
{
	unsigned long long x = (off >> 3) * 0x9e3779b97f4a7c15ULL + seed;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return (unsigned char)(x >> (8 * (off & 7)));
}

static inline void edu_fill(unsigned char *buf, size_t len, unsigned int seed,
			    unsigned long long off)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = edu_pattern(seed, off + i);
}

/* Returns the index of the first wrong byte, or -1 when all match. */
static inline long edu_check(const unsigned char *buf, size_t len,
			     unsigned int seed, unsigned long long off)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != edu_pattern(seed, off + i))
			return (long)i;
	return -1;
}

#endif /* EDU_COMMON_H */
