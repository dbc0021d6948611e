// SPDX-License-Identifier: GPL-2.0
/*
 * edu_stress: many short connections at once, both ways between two
 * network namespaces, for selftests/stress.sh.  One process; each thread
 * enters the namespace it plays in (setns(2) is per thread), so both ends
 * of every connection are counted here and no start-up handshake is
 * needed: every listener exists before the first client starts.
 *
 *   edu_stress [options] -A NS_A -a ADDR_A -B NS_B -b ADDR_B
 *
 * In each namespace X (the other one is Y), for -t seconds:
 *
 *   echo server   ADDR_X:PORT; a thread per accepted connection echoes
 *                 everything until EOF, then closes.  Keep-alive (idle
 *                 2 s) is on, so a lost RST cannot leave it waiting.
 *   echo clients  -j threads to ADDR_Y:PORT, one connection after the
 *                 other.  Each sends a 12-byte header (magic, variant,
 *                 length) and 1..32 KiB of a seeded pattern; variants,
 *                 in a fixed rotation:
 *                   normal  (60%: a third of them with keep-alive idle
 *                           1 s) shutdown(SHUT_WR), the echo is read to
 *                           EOF and compared byte for byte;
 *                   abort   (20%) some bytes, one echoed byte, close()
 *                           with SO_LINGER {1, 0}: the server must see
 *                           ECONNRESET (or EPIPE);
 *                   unread  (20%) all bytes, shutdown, close() once
 *                           echoed data is readable, without reading it
 *                           (RFC 2525 2.17: a RST).
 *                 An echo server that sees a reset on a normal
 *                 connection is an error, as are refusals, timeouts,
 *                 short or extra or wrong bytes.
 *   keep-alive    one thread: connect, keep-alive idle 1 s / interval
 *   client        1 s, idle 2.5 s, then a normal verified echo.
 *   queue         one thread: listen(backlog 4) on ADDR_X:PORT+1, wait
 *   listener      for a child to be queued, 100 ms more, close() without
 *                 accept(); again.  Two queue clients in Y connect to it,
 *                 send 100 bytes with keep-alive on and must end with
 *                 ECONNREFUSED or ECONNRESET: never data, never EOF,
 *                 never silence.
 *   sink          ADDR_X:PORT+2: a thread per connection reads a random
 *                 0..128 KiB (checked against the pattern), then closes
 *                 with the rest unread or (every other connection)
 *                 aborts with SO_LINGER {1, 0}, while its client in Y
 *                 keeps writing: the client must get ECONNRESET or EPIPE.
 *
 * Every wait is a poll() bounded by -s seconds (a stall is an error).
 * After -t seconds clients finish their current connection; then the
 * servers stop.  Threads that have not finished -s + 20 s after the load
 * ended are named as hung and the exit status is 4.
 *
 * Output: "ERROR side what: detail" lines as things go wrong (the first
 * 50), then "RESULT name side value" for every counter (side A or B is the
 * namespace the counting thread runs in), then "RESULT errors - N".
 * Exit status: 0 ok, 1 errors seen, 2 usage, 3 system error, 4 hung.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/edu_tcp.h>

enum { EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_SYS, EXIT_HUNG };

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAGIC		0x45535452u	/* "ESTR" */
#define HDR_LEN		12
#define MAX_PAYLOAD	32768
#define SINK_MAX_READ	131072
#define QUEUE_BACKLOG	4
#define QUEUE_CLIENTS	2
#define MAX_WORKERS	64

enum variant { V_NORMAL, V_ABORT, V_UNREAD, V_KEEPALIVE };

/* ---- counters ------------------------------------------------------------ */

#define STATS(X)							\
	X(echo_ok)		/* normal connections verified */	\
	X(echo_bytes)		/* their payload bytes */		\
	X(echo_ka)		/* of which with keep-alive on */	\
	X(ka_ok)		/* keep-alive client: verified */	\
	X(abort_done)		/* client SO_LINGER {1,0} closes */	\
	X(unread_done)		/* client closes with data unread */	\
	X(srv_clean)		/* echo server: EOF, all echoed */	\
	X(srv_abort_reset)	/* echo server: reset, abort variant */	\
	X(srv_unread_reset)	/* echo server: reset, unread variant */ \
	X(srv_early_reset)	/* echo server: reset before header */	\
	X(q_listens)		/* queue listener: listen() calls */	\
	X(q_closed_queued)	/* closed with a child queued */	\
	X(q_refused)		/* queue client: ECONNREFUSED */	\
	X(q_reset)		/* queue client: reset once connected */ \
	X(sink_conns)		/* sink client: connections */		\
	X(sink_reset)		/* sink client: ended by reset/EPIPE */	\
	X(sink_close)		/* sink server: close(), data unread */	\
	X(sink_abort)		/* sink server: SO_LINGER {1,0} close */ \
	X(sink_bytes)		/* sink server: bytes read and checked */ \
	X(corrupt)		/* bytes that were not what was sent */	\
	X(stalls)		/* waits that hit -s */

enum counter {
#define X(n) S_##n,
	STATS(X)
#undef X
	S_MAX
};

static const char *const stat_names[] = {
#define X(n) #n,
	STATS(X)
#undef X
};

static unsigned long stats[2][S_MAX];
static unsigned long errors;

static void count(int side, enum counter s, unsigned long n)
{
	__atomic_fetch_add(&stats[side][s], n, __ATOMIC_RELAXED);
}

/* ---- options and shared state ---------------------------------------------- */

static struct {
	int proto;
	double secs;		/* -t: load time */
	double stall;		/* -s: longest wait for any one event */
	int workers;		/* -j: echo clients per side */
	int port;		/* -p: echo; +1 queue listener; +2 sink */
	const char *ns[2];
	struct in_addr addr[2];
} o = { .proto = IPPROTO_EDU_TCP, .secs = 20, .stall = 45, .workers = 3,
	.port = 47000 };

static int ns_fd[2];
static double t_end;		/* clients start no connection after this */
static volatile int servers_stop;
static int live_handlers;	/* connection threads of the servers */
static unsigned int sink_turn[2];	/* the sinks close, abort, close ... */

static const char side_name[2] = { 'A', 'B' };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool load_over(void)
{
	return now() >= t_end;
}

static void die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "edu_stress: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(EXIT_SYS);
}

static void error(int side, const char *fmt, ...)
{
	unsigned long n = __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
	char line[256];
	va_list ap;

	if (n >= 50)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("ERROR %c %s\n", side_name[side], line);
}

static int stall_ms(void)
{
	return (int)(o.stall * 1000);
}

/* xorshift64*, one state per thread */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_seed(void)
{
	static uint64_t n;
	uint64_t s = __atomic_add_fetch(&n, 1, __ATOMIC_RELAXED);

	return (s * 0x9e3779b97f4a7c15ull) ^ (uint64_t)(now() * 1e9) ^ getpid();
}

/* a value in [lo, hi], more often small: log-uniform */
static uint32_t rnd_size(uint64_t *s, uint32_t lo, uint32_t hi)
{
	unsigned int bits = 1 + rnd(s) % 15;
	uint32_t v = lo + (uint32_t)(rnd(s) & ((1u << bits) - 1));

	return v > hi ? hi : v;
}

/* byte OFF of the stream with this seed */
static uint8_t pattern(uint32_t seed, uint64_t off)
{
	uint32_t h = seed ^ (uint32_t)(off >> 2) * 0x9e3779b1u;

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h >> (8 * (off & 3));
}

static void fill_pattern(uint8_t *buf, size_t len, uint32_t seed, uint64_t off)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern(seed, off + i);
}

/* bytes of BUF that are not the pattern at OFF */
static size_t check_pattern(const uint8_t *buf, size_t len, uint32_t seed,
			    uint64_t off)
{
	size_t i, bad = 0;

	for (i = 0; i < len; i++)
		bad += buf[i] != pattern(seed, off + i);
	return bad;
}

static void enter_side(int side)
{
	if (setns(ns_fd[side], CLONE_NEWNET))
		die("setns %s", o.ns[side]);
}

static void set_int(int fd, int level, int name, int val)
{
	setsockopt(fd, level, name, &val, sizeof(val));
}

/* keep-alive on, first probe after IDLE s, then every INTVL s, CNT probes */
static int keepalive(int fd, int idle, int intvl, int cnt)
{
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) ||
	    setsockopt(fd, SOL_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) ||
	    setsockopt(fd, SOL_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)))
		return -1;
	return 0;
}

static void abort_close(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static void nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static bool is_reset(int err)
{
	return err == ECONNRESET || err == EPIPE;
}

/* Its rows of /proc/edu_tcp in both namespaces (the file shows the
 * reading thread's namespace), as "STALL side WHEN in ns: row".
 */
static void stall_rows(int side, const char *when, const char *lb,
		       const char *rb)
{
	char line[256];
	int ns;

	for (ns = 0; ns < 2; ns++) {
		FILE *f;

		if (setns(ns_fd[ns], CLONE_NEWNET))
			continue;
		f = fopen("/proc/edu_tcp", "r");
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, lb) && strstr(line, rb))
				printf("STALL %c %s in %c: %s", side_name[side],
				       when, side_name[ns], line);
		if (f)
			fclose(f);
	}
	enter_side(side);
}

/*
 * A stalled connection, as "STALL" lines: for edu_tcp its rows of
 * /proc/edu_tcp (read without the socket lock), what poll() says now,
 * its EDU_TCP_INFO (under the lock: its release runs the backlog), then
 * poll() and the rows again; for TCP its TCP_INFO.
 */
static void stall_report(int side, int fd)
{
	struct sockaddr_in l = { 0 }, r = { 0 };
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	socklen_t len = sizeof(l);
	struct edu_tcp_info i;
	char lb[32], rb[32];
	int n;

	getsockname(fd, (struct sockaddr *)&l, &len);
	len = sizeof(r);
	getpeername(fd, (struct sockaddr *)&r, &len);
	snprintf(lb, sizeof(lb), "%s:%u", inet_ntoa(l.sin_addr), ntohs(l.sin_port));
	snprintf(rb, sizeof(rb), "%s:%u", inet_ntoa(r.sin_addr), ntohs(r.sin_port));
	if (o.proto == IPPROTO_TCP) {
		struct tcp_info ti;

		len = sizeof(ti);
		if (!getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
			printf("STALL %c %s -> %s: state %u backoff %u rto %u us "
			       "unacked %u retrans %u lost %u snd_cwnd %u\n",
			       side_name[side], lb, rb, ti.tcpi_state, ti.tcpi_backoff,
			       ti.tcpi_rto, ti.tcpi_unacked, ti.tcpi_total_retrans,
			       ti.tcpi_lost, ti.tcpi_snd_cwnd);
		return;
	}
	stall_rows(side, "before", lb, rb);
	n = poll(&p, 1, 0);
	printf("STALL %c %s -> %s: poll now %d revents %#x\n", side_name[side],
	       lb, rb, n, p.revents);
	len = sizeof(i);
	if (!getsockopt(fd, SOL_EDU_TCP, EDU_TCP_INFO, &i, &len))
		printf("STALL %c %s -> %s: state %u backoff %u "
		       "snd_una %u snd_nxt %u rcv_nxt %u snd_wnd %u "
		       "rcv_wnd %u cwnd %u rto_ms %u retransmits %u "
		       "segs_in %llu segs_out %llu\n",
		       side_name[side], lb, rb, i.state, i.backoff,
		       i.snd_una - i.iss, i.snd_nxt - i.iss,
		       i.rcv_nxt - i.irs, i.snd_wnd, i.rcv_wnd, i.cwnd,
		       i.rto_ms, i.retransmits,
		       (unsigned long long)i.segs_in,
		       (unsigned long long)i.segs_out);
	p.revents = 0;
	n = poll(&p, 1, 0);
	printf("STALL %c %s -> %s: poll after the lock %d revents %#x\n",
	       side_name[side], lb, rb, n, p.revents);
	stall_rows(side, "after", lb, rb);
}

/* poll one fd; 0 = stall (timeout), else revents */
static int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&p, 1, ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		die("poll");
	return n ? p.revents : 0;
}

/*
 * Connect a non-blocking socket from SIDE to Y's PORT.  Returns the fd,
 * or -1 with *err set (errno of the failure, ETIME for a stall).
 */
static int dial(int side, int port, int *err)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port),
				   .sin_addr = o.addr[!side] };
	socklen_t len = sizeof(*err);
	int fd, rev;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    o.proto);
	if (fd < 0)
		die("socket(AF_INET, SOCK_STREAM, %d)", o.proto);
	if (!connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return fd;
	if (errno != EINPROGRESS) {
		*err = errno;
		close(fd);
		return -1;
	}
	rev = wait_fd(fd, POLLOUT, stall_ms());
	if (!rev) {
		*err = ETIME;
		stall_report(side, fd);
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len))
		die("getsockopt SO_ERROR");
	if (*err) {
		close(fd);
		return -1;
	}
	return fd;
}

static int make_listener(int side, int port, int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port),
				   .sin_addr = o.addr[side] };
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    o.proto);
	if (fd < 0)
		die("socket(AF_INET, SOCK_STREAM, %d)", o.proto);
	set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, backlog)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static const char *vname(int v)
{
	static const char *const names[] = { "normal", "abort", "unread",
					     "keepalive" };

	return v >= 0 && v < (int)ARRAY_SIZE(names) ? names[v] : "unknown";
}

/* ---- echo client ------------------------------------------------------------ */

struct worker {
	pthread_t tid;
	int side, idx;
	char name[32];
	void *(*fn)(struct worker *w);
	uint64_t rs;
};

/*
 * One echo connection of variant V with PAYLOAD bytes; counts its outcome.
 * KA_IDLE > 0: keep-alive on, and (for V_KEEPALIVE) an idle pause first.
 */
static void echo_conn(struct worker *w, enum variant v, uint32_t payload,
		      int ka_idle)
{
	uint32_t seed = (uint32_t)rnd(&w->rs), total = HDR_LEN + payload;
	uint32_t sent = 0, got = 0, limit = total;
	uint8_t *out, in[16384];
	bool shut = false, paused = v != V_KEEPALIVE;
	int fd, err, side = w->side;

	fd = dial(side, o.port, &err);
	if (fd < 0) {
		error(side, "echo %s connect: %s", vname(v), strerror(err));
		if (err == ETIME)
			count(side, S_stalls, 1);
		return;
	}
	if (ka_idle && keepalive(fd, ka_idle, 1, 5))
		error(side, "echo %s keep-alive options: %s", vname(v),
		      strerror(errno));
	out = malloc(total);
	if (!out)
		die("malloc");
	((uint32_t *)out)[0] = htonl(MAGIC);
	out[4] = v;
	out[5] = out[6] = out[7] = 0;
	((uint32_t *)out)[2] = htonl(payload);
	fill_pattern(out + HDR_LEN, payload, seed, 0);
	if (v == V_ABORT)
		limit = HDR_LEN + 1 + (uint32_t)(rnd(&w->rs) % payload);
	else if (v == V_KEEPALIVE)
		limit = HDR_LEN;	/* the header, then the pause */

	for (;;) {
		/* unread: read nothing, and after the FIN only wait */
		short ev = v == V_UNREAD && !shut ? 0 : POLLIN;
		int rev;
		ssize_t n;

		if (sent < limit)
			ev |= POLLOUT;
		if (!paused && sent == limit && got == limit) {
			/* idle with keep-alive on; only probes cross */
			rev = wait_fd(fd, POLLIN, 2500);
			if (rev) {
				error(side, "echo keepalive: woken while idle (revents %#x)",
				      rev);
				break;
			}
			paused = true;
			limit = total;
			continue;
		}
		if (v == V_ABORT && sent == limit && got > 0) {
			abort_close(fd);
			fd = -1;
			count(side, S_abort_done, 1);
			break;
		}
		if (v != V_ABORT && sent == total && !shut) {
			if (shutdown(fd, SHUT_WR)) {
				error(side, "echo %s shutdown: %s", vname(v),
				      strerror(errno));
				break;
			}
			shut = true;
		}
		rev = wait_fd(fd, ev, stall_ms());
		if (!rev) {
			count(side, S_stalls, 1);
			error(side, "echo %s stalled: sent %u/%u, got %u",
			      vname(v), sent, total, got);
			stall_report(side, fd);
			break;
		}
		if (v == V_UNREAD && (rev & POLLIN) && shut) {
			close(fd);	/* with echoed bytes unread: a RST */
			fd = -1;
			count(side, S_unread_done, 1);
			break;
		}
		if (rev & (POLLIN | POLLERR | POLLHUP)) {
			n = recv(fd, in, sizeof(in), MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN) {
				error(side, "echo %s recv after %u of %u: %s",
				      vname(v), got, total, strerror(errno));
				break;
			}
			if (n == 0) {
				if (got != total || v == V_ABORT) {
					error(side, "echo %s EOF after %u of %u bytes",
					      vname(v), got, total);
					break;
				}
				if (v == V_KEEPALIVE) {
					count(side, S_ka_ok, 1);
				} else {
					count(side, S_echo_ok, 1);
					count(side, S_echo_bytes, payload);
					if (ka_idle)
						count(side, S_echo_ka, 1);
				}
				break;
			}
			if (n > 0) {
				size_t bad;

				if (got + n > sent) {
					error(side, "echo %s: %zd bytes more than sent",
					      vname(v), got + n - sent);
					count(side, S_corrupt, 1);
					break;
				}
				bad = 0;
				for (ssize_t i = 0; i < n; i++)
					bad += in[i] != out[got + i];
				if (bad) {
					error(side, "echo %s: %zu wrong bytes at %u..%u",
					      vname(v), bad, got,
					      (unsigned int)(got + n));
					count(side, S_corrupt, bad);
					break;
				}
				got += n;
			}
		}
		if ((rev & POLLOUT) && sent < limit) {
			n = send(fd, out + sent, limit - sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN) {
				error(side, "echo %s send after %u of %u: %s",
				      vname(v), sent, total, strerror(errno));
				break;
			}
			if (n > 0)
				sent += n;
		}
	}
	if (fd >= 0)
		close(fd);
	free(out);
}

/*
 * Variants in a fixed rotation, each worker starting at its own place:
 * even a slow guest's few connections have every kind.  'K' is normal
 * with keep-alive on.
 */
static void *echo_client(struct worker *w)
{
	static const char rota[] = "NAUKNNAUKN";
	unsigned int i = w->idx;

	while (!load_over()) {
		uint32_t payload = rnd_size(&w->rs, 1, MAX_PAYLOAD);

		switch (rota[i++ % (sizeof(rota) - 1)]) {
		case 'A':
			echo_conn(w, V_ABORT, payload, 0);
			break;
		case 'U':
			echo_conn(w, V_UNREAD, payload, 0);
			break;
		case 'K':
			echo_conn(w, V_NORMAL, payload, 1);
			break;
		default:
			echo_conn(w, V_NORMAL, payload, 0);
		}
	}
	return NULL;
}

static void *ka_client(struct worker *w)
{
	while (!load_over())
		echo_conn(w, V_KEEPALIVE, rnd_size(&w->rs, 1, 4096), 1);
	return NULL;
}

/* ---- echo server -------------------------------------------------------- */

struct conn {
	int fd, side;
	uint64_t rs;
};

static void handler_done(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	__atomic_fetch_sub(&live_handlers, 1, __ATOMIC_RELEASE);
}

static void *echo_handler(void *arg)
{
	struct conn *c = arg;
	uint8_t buf[65536], hdr[HDR_LEN];
	size_t head = 0, fill = 0, hdr_got = 0;
	int side = c->side, v = -1;
	bool eof = false;

	if (keepalive(c->fd, 2, 1, 5))
		error(side, "echo unknown server: keep-alive options: %s",
		      strerror(errno));
	for (;;) {
		short ev = 0;
		int rev;
		ssize_t n;

		if (eof && head == fill) {
			if (v == V_ABORT)
				error(side, "echo abort server: EOF, not a reset");
			else
				count(side, S_srv_clean, 1);
			break;
		}
		if (!eof && fill < sizeof(buf))
			ev |= POLLIN;
		if (head < fill)
			ev |= POLLOUT;
		rev = wait_fd(c->fd, ev, stall_ms());
		if (!rev) {
			count(side, S_stalls, 1);
			error(side, "echo %s server stalled, %zu bytes queued",
			      vname(v), fill - head);
			stall_report(side, c->fd);
			break;
		}
		n = 0;
		if ((ev & POLLIN) && (rev & (POLLIN | POLLERR | POLLHUP))) {
			n = recv(c->fd, buf + fill, sizeof(buf) - fill,
				 MSG_DONTWAIT);
			if (n == 0) {
				eof = true;
			} else if (n > 0) {
				for (ssize_t i = 0; hdr_got < HDR_LEN && i < n; i++)
					hdr[hdr_got++] = buf[fill + i];
				fill += n;
				if (hdr_got == HDR_LEN && v < 0) {
					if (ntohl(*(uint32_t *)hdr) != MAGIC ||
					    hdr[4] > V_KEEPALIVE) {
						error(side, "echo normal server: bad header");
						count(side, S_corrupt, 1);
						break;
					}
					v = hdr[4];
				}
			}
		}
		if (n >= 0 && (rev & (POLLOUT | POLLERR | POLLHUP)) &&
		    head < fill) {
			n = send(c->fd, buf + head, fill - head,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) {
				head += n;
				if (head == fill)
					head = fill = 0;
			}
		}
		if (n < 0 && errno != EAGAIN) {
			int e = errno;

			if (!is_reset(e))
				error(side, "echo %s server: %s", vname(v),
				      strerror(e));
			else if (v == V_ABORT)
				count(side, S_srv_abort_reset, 1);
			else if (v == V_UNREAD)
				count(side, S_srv_unread_reset, 1);
			else if (v < 0)
				count(side, S_srv_early_reset, 1);
			else
				error(side, "echo %s server: unexpected reset",
				      vname(v));
			break;
		}
	}
	handler_done(c);
	return NULL;
}

static void spawn_handler(int side, int fd, void *(*fn)(void *))
{
	struct conn *c = malloc(sizeof(*c));
	pthread_attr_t attr;
	pthread_t t;

	if (!c)
		die("malloc");
	c->fd = fd;
	c->side = side;
	c->rs = rnd_seed();
	nonblock(fd);
	__atomic_fetch_add(&live_handlers, 1, __ATOMIC_ACQUIRE);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	errno = pthread_create(&t, &attr, fn, c);
	if (errno)
		die("pthread_create");
	pthread_attr_destroy(&attr);
}

/* Accept on LFD until the servers stop; a thread per connection. */
static void serve(struct worker *w, const char *what, int lfd,
		  void *(*fn)(void *))
{
	while (!servers_stop) {
		int fd;

		if (!wait_fd(lfd, POLLIN, 100))
			continue;
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno != EAGAIN && errno != ECONNABORTED &&
			    errno != EINTR)
				error(w->side, "%s accept: %s", what,
				      strerror(errno));
			continue;
		}
		spawn_handler(w->side, fd, fn);
	}
	close(lfd);
}

static int listeners[2][2];	/* [side][echo, sink] */

static void *echo_server(struct worker *w)
{
	serve(w, "echo unknown server", listeners[w->side][0],
	      echo_handler);
	return NULL;
}

/* ---- sink: the server closes while data arrives -------------------------- */

static void *sink_handler(void *arg)
{
	struct conn *c = arg;
	uint32_t want = rnd(&c->rs) % (SINK_MAX_READ + 1), seed = 0;
	uint8_t buf[16384];
	uint64_t got = 0;	/* pattern bytes, after the 4-byte seed */
	size_t seed_got = 0;
	int side = c->side;

	while (seed_got < 4 || got < want) {
		size_t room = seed_got < 4 ? 4 - seed_got : want - got;
		ssize_t n;

		if (room > sizeof(buf))
			room = sizeof(buf);
		if (!wait_fd(c->fd, POLLIN, stall_ms())) {
			count(side, S_stalls, 1);
			error(side, "sink server stalled after %llu bytes",
			      (unsigned long long)got);
			stall_report(side, c->fd);
			handler_done(c);
			return NULL;
		}
		n = recv(c->fd, buf, room, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0) {
			error(side, "sink server recv after %llu bytes: %s",
			      (unsigned long long)got,
			      n ? strerror(errno) : "EOF");
			handler_done(c);
			return NULL;
		}
		if (seed_got < 4) {
			memcpy((uint8_t *)&seed + seed_got, buf, n);
			seed_got += n;
			continue;
		}
		if (check_pattern(buf, n, seed, got)) {
			error(side, "sink server: wrong bytes at %llu",
			      (unsigned long long)got);
			count(side, S_corrupt, 1);
			break;
		}
		got += n;
	}
	count(side, S_sink_bytes, got);
	/* in turn, so that two connections see both */
	if (__atomic_fetch_add(&sink_turn[side], 1, __ATOMIC_RELAXED) & 1) {
		close(c->fd);		/* what arrives now is unread: a RST */
		count(side, S_sink_close, 1);
	} else {
		abort_close(c->fd);
		count(side, S_sink_abort, 1);
	}
	c->fd = -1;
	handler_done(c);
	return NULL;
}

static void *sink_server(struct worker *w)
{
	serve(w, "sink server", listeners[w->side][1], sink_handler);
	return NULL;
}

/* Write until the server's close or abort shows as a reset. */
static void *sink_client(struct worker *w)
{
	int side = w->side;
	uint8_t buf[16384];

	while (!load_over()) {
		uint32_t seed = (uint32_t)rnd(&w->rs);
		uint64_t off = 0;
		double give_up;
		int fd, err;

		fd = dial(side, o.port + 2, &err);
		if (fd < 0) {
			error(side, "sink connect: %s", strerror(err));
			if (err == ETIME)
				count(side, S_stalls, 1);
			continue;
		}
		count(side, S_sink_conns, 1);
		if (send(fd, &seed, 4, MSG_NOSIGNAL) != 4) {
			error(side, "sink: the seed did not fit: %s",
			      strerror(errno));
			close(fd);
			continue;
		}
		give_up = now() + o.stall;
		for (;;) {
			int rev = wait_fd(fd, POLLOUT | POLLIN, stall_ms());
			ssize_t n;

			if (!rev || now() > give_up) {
				count(side, S_stalls, 1);
				error(side, "sink: no reset after %llu bytes",
				      (unsigned long long)off);
				stall_report(side, fd);
				break;
			}
			if (rev & (POLLIN | POLLERR | POLLHUP)) {
				n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
				if (n > 0) {
					error(side, "sink: data from the sink");
					break;
				}
				if (n < 0 && is_reset(errno)) {
					count(side, S_sink_reset, 1);
					break;
				}
				if (n < 0 && errno != EAGAIN) {
					error(side, "sink recv: %s",
					      strerror(errno));
					break;
				}
				/* EOF: the server closed; writing on
				 * must be answered with a RST
				 */
				if (n == 0 && !(rev & POLLOUT)) {
					usleep(20000);
					continue;
				}
			}
			if (!(rev & (POLLOUT | POLLERR | POLLHUP)))
				continue;
			fill_pattern(buf, sizeof(buf), seed, off);
			n = send(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) {
				off += n;
			} else if (n < 0 && is_reset(errno)) {
				count(side, S_sink_reset, 1);
				break;
			} else if (n < 0 && errno != EAGAIN) {
				error(side, "sink send: %s", strerror(errno));
				break;
			}
		}
		close(fd);
	}
	return NULL;
}

/* ---- listeners closed with children queued ------------------------------- */

static void *queue_listener(struct worker *w)
{
	int side = w->side;

	while (!load_over()) {
		double busy_until = now() + o.stall;
		int lfd;

		while ((lfd = make_listener(side, o.port + 1, QUEUE_BACKLOG)) < 0) {
			if (errno != EADDRINUSE || now() > busy_until) {
				error(side, "queue listener: %s",
				      strerror(errno));
				return NULL;
			}
			usleep(50000);
		}
		count(side, S_q_listens, 1);
		/* a child in the accept queue makes the listener readable */
		if (wait_fd(lfd, POLLIN, 2000) & POLLIN) {
			usleep(100000);	/* let more complete */
			count(side, S_q_closed_queued, 1);
		}
		close(lfd);
		usleep(20000 + rnd(&w->rs) % 50000);
	}
	return NULL;
}

/* Connect to the other side's queue listener: refused, or reset later. */
static void *queue_client(struct worker *w)
{
	static const char hello[100];
	int side = w->side;

	while (!load_over()) {
		int fd, err, rev;
		ssize_t n;
		char c;

		fd = dial(side, o.port + 1, &err);
		if (fd < 0) {
			if (err == ECONNREFUSED || err == ECONNRESET) {
				count(side, S_q_refused, 1);
				usleep(10000);
			} else {
				error(side, "queue connect: %s", strerror(err));
				if (err == ETIME)
					count(side, S_stalls, 1);
			}
			continue;
		}
		/* a lost RST: the next probe or retransmission meets one */
		if (keepalive(fd, 1, 1, 5))
			error(side, "queue client: keep-alive options: %s",
			      strerror(errno));
		n = send(fd, hello, sizeof(hello), MSG_NOSIGNAL);
		if (n < 0 && is_reset(errno)) {
			count(side, S_q_reset, 1);
			close(fd);
			continue;
		}
		rev = wait_fd(fd, POLLIN, stall_ms());
		n = rev ? recv(fd, &c, 1, MSG_DONTWAIT) : -1;
		if (!rev) {
			count(side, S_stalls, 1);
			error(side, "queue client: no reset from the closed listener");
			stall_report(side, fd);
		} else if (n < 0 && is_reset(errno)) {
			count(side, S_q_reset, 1);
		} else {
			error(side, "queue client: %s instead of a reset",
			      n > 0 ? "data" : n ? strerror(errno) : "EOF");
		}
		close(fd);
	}
	return NULL;
}

/* ---- main ------------------------------------------------------------------ */

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	enter_side(w->side);
	w->rs = rnd_seed();
	w->fn(w);
	return NULL;
}

static struct worker workers[2 * (MAX_WORKERS + 8)];
static int nworkers;

static struct worker *start(int side, const char *name, int i,
			    void *(*fn)(struct worker *))
{
	struct worker *w = &workers[nworkers++];

	w->side = side;
	w->idx = i;
	w->fn = fn;
	snprintf(w->name, sizeof(w->name), "%s.%d@%c", name, i,
		 side_name[side]);
	errno = pthread_create(&w->tid, NULL, worker_main, w);
	if (errno)
		die("pthread_create");
	return w;
}

/* Join W[0..N) by DEADLINE; false (and the names) if some did not end. */
static bool join_all(struct worker *w, int n, double deadline)
{
	bool ok = true;
	int i;

	for (i = 0; i < n; i++) {
		struct timespec ts;
		double left = deadline - now();

		clock_gettime(CLOCK_REALTIME, &ts);
		if (left < 0)
			left = 0;
		ts.tv_sec += (time_t)left;
		ts.tv_nsec += (long)((left - (time_t)left) * 1e9);
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(w[i].tid, NULL, &ts)) {
			printf("HUNG %s\n", w[i].name);
			ok = false;
		}
	}
	return ok;
}

static void report(void)
{
	int side, s;

	for (s = 0; s < S_MAX; s++)
		for (side = 0; side < 2; side++)
			printf("RESULT %s %c %lu\n", stat_names[s],
			       side_name[side], stats[side][s]);
	printf("RESULT errors - %lu\n", errors);
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: edu_stress [options] -A NS -a ADDR -B NS -b ADDR\n"
		"  -A NS, -B NS      the two namespaces (/run/netns/NS or a path)\n"
		"  -a ADDR, -b ADDR  their addresses\n"
		"  -P PROTO          IP protocol: 253 edu_tcp (default), 6 TCP\n"
		"  -t SECS           load time (default 20)\n"
		"  -s SECS           longest wait for any one event, >= 5 (default 45)\n"
		"  -j N              echo clients per side (default 3)\n"
		"  -p PORT           echo port; PORT+1 queue, PORT+2 sink (47000)\n");
	exit(EXIT_USAGE);
}

static double parse_num(const char *s, double min, double max)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || v < min || v > max)
		bad_usage();
	return v;
}

static void parse_args(int argc, char **argv)
{
	const char *addr[2] = { NULL, NULL };
	int c, side;

	while ((c = getopt(argc, argv, "A:a:B:b:P:t:s:j:p:")) != -1) {
		switch (c) {
		case 'A':
			o.ns[0] = optarg;
			break;
		case 'B':
			o.ns[1] = optarg;
			break;
		case 'a':
			addr[0] = optarg;
			break;
		case 'b':
			addr[1] = optarg;
			break;
		case 'P':
			o.proto = parse_num(optarg, 1, 254);
			break;
		case 't':
			o.secs = parse_num(optarg, 0.1, 86400);
			break;
		case 's':
			o.stall = parse_num(optarg, 5, 3600);	/* > the 2.5 s pause */
			break;
		case 'j':
			o.workers = parse_num(optarg, 1, MAX_WORKERS);
			break;
		case 'p':
			o.port = parse_num(optarg, 1, 65533);
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc)
		bad_usage();
	for (side = 0; side < 2; side++) {
		char path[256];

		if (!o.ns[side] || !addr[side] ||
		    inet_pton(AF_INET, addr[side], &o.addr[side]) != 1)
			bad_usage();
		if (strchr(o.ns[side], '/'))
			snprintf(path, sizeof(path), "%s", o.ns[side]);
		else
			snprintf(path, sizeof(path), "/run/netns/%s", o.ns[side]);
		ns_fd[side] = open(path, O_RDONLY | O_CLOEXEC);
		if (ns_fd[side] < 0)
			die("open %s", path);
	}
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 65536, 65536 };
	int side, i, first_server, orig_ns;
	double deadline;
	bool ok;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setrlimit(RLIMIT_NOFILE, &rl);

	/* the listeners first, so that no client ever finds none */
	orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig_ns < 0)
		die("open /proc/self/ns/net");
	for (side = 0; side < 2; side++) {
		enter_side(side);
		listeners[side][0] = make_listener(side, o.port, 128);
		listeners[side][1] = make_listener(side, o.port + 2, 16);
		if (listeners[side][0] < 0 || listeners[side][1] < 0)
			die("listen on %s:%d..%d", inet_ntoa(o.addr[side]),
			    o.port, o.port + 2);
	}
	if (setns(orig_ns, CLONE_NEWNET))
		die("setns back");
	close(orig_ns);

	t_end = now() + o.secs;
	printf("# %d echo clients per side, %.1f s of load, stalls after %.0f s\n",
	       o.workers, o.secs, o.stall);
	for (side = 0; side < 2; side++) {
		for (i = 0; i < o.workers; i++)
			start(side, "echo_client", i, echo_client);
		start(side, "ka_client", 0, ka_client);
		for (i = 0; i < QUEUE_CLIENTS; i++)
			start(side, "queue_client", i, queue_client);
		start(side, "queue_listener", 0, queue_listener);
		start(side, "sink_client", 0, sink_client);
	}
	first_server = nworkers;
	for (side = 0; side < 2; side++) {
		start(side, "echo_server", 0, echo_server);
		start(side, "sink_server", 0, sink_server);
	}

	/* a connection begun just before t_end may take up to -s per wait */
	deadline = t_end + o.stall + 20;
	ok = join_all(workers, first_server, deadline);
	servers_stop = 1;
	ok &= join_all(workers + first_server, nworkers - first_server,
		       deadline + 1);
	while (__atomic_load_n(&live_handlers, __ATOMIC_ACQUIRE) > 0 &&
	       now() < deadline)
		usleep(20000);
	i = __atomic_load_n(&live_handlers, __ATOMIC_ACQUIRE);
	if (i) {
		printf("HUNG %d server connection thread(s)\n", i);
		ok = false;
	}
	printf("# load %.1f s, finished %.1f s after it\n", o.secs,
	       now() - t_end);
	report();
	if (!ok)
		return EXIT_HUNG;
	return errors ? EXIT_ERRORS : EXIT_OK;
}
