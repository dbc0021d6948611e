// SPDX-License-Identifier: GPL-2.0
/*
 * edu_bench: measure a stream protocol the way `make bench` compares
 * edu_tcp with the kernel's TCP.  The same code drives both; only the
 * protocol number of socket(AF_INET, SOCK_STREAM, proto) differs.
 *
 *   edu_bench [options] bulk    each stream sends for -t seconds (or -n
 *                               bytes); the server counts what it reads;
 *                               goodput in Mbit/s
 *   edu_bench [options] rr      -l-byte (1) request, -l-byte response,
 *                               ping-pong for -t seconds; transactions/s
 *   edu_bench [options] cc      connect, wait for the server's FIN, close,
 *                               for -t seconds; connections/s
 *   edu_bench [options] idle    open -c connections, leave them idle and
 *                               report how much slab memory each costs
 *
 * By default one process plays both ends: the listener is made first (in
 * --server-netns if given), then the client sockets (in --client-netns if
 * given), so two network namespaces joined by a veth need no second
 * process and no start-up handshake.  -S serves forever (until a signal);
 * -C is the client alone, for a server started elsewhere.
 *
 * cc and TIME-WAIT: the server closes first (it accepts and closes at
 * once; the client reads EOF, then closes), so TIME-WAIT is kept by the
 * server, for both protocols alike, while the client's port is free as
 * soon as its LAST-ACK is answered.  A client port must still not repeat
 * while the server keeps a TIME-WAIT for the same 4-tuple: --cport FIRST
 * makes the client bind ports FIRST, FIRST+1, ... in turn, so that no
 * SYN ever meets a TIME-WAIT (which the two protocols treat differently),
 * instead of picking ephemeral ports at random.  --backlog N sets the
 * listen() backlog (default 4096): make bench's cc_flood uses 128, so
 * that a SYN flood overflows the queue and SYN cookies answer.
 *
 * idle memory: the growth of Slab and SUnreclaim in /proc/meminfo and of
 * the protocol's own slab cache ("TCP" or "EDU_TCP") in /proc/slabinfo,
 * from before the first connection to a second after the last, divided by
 * the number of sockets (two per connection: both ends live here).
 * They are then aborted (SO_LINGER {1, 0}), leaving no TIME-WAIT behind.
 *
 * Every result is also printed as a line "RESULT key value unit" for
 * scripts.  Exit status: 0 ok, 2 usage, 3 socket or system error, 4 the
 * watchdog fired (a run took far longer than asked).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

enum { EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SYS, EXIT_WATCHDOG };
enum mode { MODE_BULK, MODE_RR, MODE_CC, MODE_IDLE };
enum role { ROLE_BOTH, ROLE_SERVER, ROLE_CLIENT };

static const char *const mode_names[] = { "bulk", "rr", "cc", "idle" };

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct opts {
	enum mode mode;
	enum role role;
	int proto;
	struct sockaddr_in srv;		/* -a, -p */
	struct in_addr src;		/* -b, INADDR_ANY if not given */
	int cport;			/* --cport: first client port, 0 = any */
	double secs;			/* -t */
	unsigned long long bytes;	/* -n, per stream; 0 = use -t */
	int streams;			/* -j */
	size_t len;			/* -l */
	int conns;			/* -c */
	int backlog;			/* --backlog */
	double hold;			/* -H */
	bool nodelay;			/* -N */
	const char *srv_ns, *cli_ns;
	bool quiet;			/* -q */
};

static struct opts o = {
	.mode = MODE_BULK,
	.role = ROLE_BOTH,
	.proto = IPPROTO_EDU_TCP,
	.secs = 5,
	.streams = 1,
	.conns = 1000,
	.backlog = 4096,
};

/* ---- small helpers ------------------------------------------------------ */

static void die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "edu_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(EXIT_SYS);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void watchdog_fired(int sig)
{
	static const char msg[] = "edu_bench: watchdog: the run is stuck\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(EXIT_WATCHDOG);
	_exit(EXIT_WATCHDOG);
}

static void enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s", path);
	if (setns(fd, CLONE_NEWNET))
		die("setns %s", path);
	close(fd);
}

static void raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		die("getrlimit");
	if (rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want)
		rl.rlim_max = want;	/* works as root */
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit NOFILE %llu", (unsigned long long)want);
}

static int new_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, o.proto);

	if (fd < 0)
		die("socket(AF_INET, SOCK_STREAM, %d)", o.proto);
	if (o.nodelay) {
		int one = 1;

		/* edu_tcp takes TCP_NODELAY at SOL_TCP as TCP does */
		if (setsockopt(fd, SOL_TCP, TCP_NODELAY, &one, sizeof(one)))
			die("setsockopt TCP_NODELAY");
	}
	return fd;
}

static int make_listener(void)
{
	int fd = new_socket(), one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("setsockopt SO_REUSEADDR");
	if (bind(fd, (struct sockaddr *)&o.srv, sizeof(o.srv)))
		die("bind %s:%d", inet_ntoa(o.srv.sin_addr), ntohs(o.srv.sin_port));
	if (listen(fd, o.backlog))
		die("listen");
	return fd;
}

/* Client ports for --cport, handed out in turn by every client thread. */
static unsigned int next_cport;

static int client_bind(int fd)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = o.src };
	unsigned int range = 65536 - o.cport;
	int tries;

	if (!o.cport) {
		if (o.src.s_addr == htonl(INADDR_ANY))
			return 0;
		return bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	}
	for (tries = 0; tries < 1000; tries++) {
		unsigned int n = __atomic_fetch_add(&next_cport, 1, __ATOMIC_RELAXED);

		sin.sin_port = htons(o.cport + n % range);
		if (!bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
			return 0;
		if (errno != EADDRINUSE)
			return -1;
	}
	return -1;
}

static int connect_server(void)
{
	int fd = new_socket();

	if (client_bind(fd))
		die("bind client %s", inet_ntoa(o.src));
	if (connect(fd, (struct sockaddr *)&o.srv, sizeof(o.srv)))
		die("connect %s:%d", inet_ntoa(o.srv.sin_addr), ntohs(o.srv.sin_port));
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/* 1 = got @len bytes, 0 = EOF first, -1 = error */
static int read_all(int fd, char *buf, size_t len)
{
	while (len) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!n)
			return 0;
		buf += n;
		len -= n;
	}
	return 1;
}

/* Read and drop everything up to the peer's FIN. */
static int drain(int fd, char *buf, size_t len, unsigned long long *bytes)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!n)
			return 0;
		if (bytes)
			*bytes += n;
	}
}

static void spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int err = pthread_create(t, NULL, fn, arg);

	if (err) {
		errno = err;
		die("pthread_create");
	}
}

/* ---- the server --------------------------------------------------------- */

static pthread_mutex_t srv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t srv_cond = PTHREAD_COND_INITIALIZER;
static unsigned long long srv_bytes;	/* bulk: read by every sink */
static int srv_done;			/* connections served to EOF */
static unsigned long srv_errors;

static void srv_finish(unsigned long long bytes, bool error)
{
	pthread_mutex_lock(&srv_lock);
	srv_bytes += bytes;
	srv_done++;
	if (error)
		srv_errors++;
	pthread_cond_broadcast(&srv_cond);
	pthread_mutex_unlock(&srv_lock);
}

/* bulk: count every byte up to the FIN, then close. */
static void *sink(void *arg)
{
	int fd = (int)(intptr_t)arg;
	size_t len = o.len > 0 ? o.len : 131072;
	unsigned long long bytes = 0;
	char *buf = malloc(len);
	int err;

	if (!buf)
		die("malloc");
	err = drain(fd, buf, len, &bytes);
	if (o.role == ROLE_SERVER && !o.quiet)
		printf("server: %llu bytes\n", bytes);
	close(fd);
	free(buf);
	srv_finish(bytes, err);
	return NULL;
}

/* rr: answer each request of -l bytes with as many bytes. */
static void *echo(void *arg)
{
	int fd = (int)(intptr_t)arg;
	size_t len = o.len > 0 ? o.len : 1;
	char *buf = malloc(len);
	int r;

	if (!buf)
		die("malloc");
	memset(buf, 'r', len);
	while ((r = read_all(fd, buf, len)) == 1)
		if (write_all(fd, buf, len))
			break;
	close(fd);
	free(buf);
	srv_finish(0, r < 0);
	return NULL;
}

/* Accept for ever; what each connection gets depends on the mode. */
static void *acceptor(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		switch (o.mode) {
		case MODE_BULK:
		case MODE_RR:
			spawn(&t, o.mode == MODE_BULK ? sink : echo,
			      (void *)(intptr_t)fd);
			pthread_detach(t);
			break;
		case MODE_CC:
			close(fd);	/* the server closes first */
			break;
		case MODE_IDLE:
			break;		/* keep it, idle */
		}
	}
	return NULL;
}

/* ---- the clients -------------------------------------------------------- */

struct client {
	pthread_t thread;
	double start, end;
	unsigned long long bytes;	/* bulk: sent */
	unsigned long long count;	/* rr: transactions; cc: connections */
};

static pthread_barrier_t start_line;

static void *bulk_client(void *arg)
{
	struct client *c = arg;
	size_t len = o.len > 0 ? o.len : 131072;
	char *buf = malloc(len);
	int fd = connect_server();
	double deadline;

	if (!buf)
		die("malloc");
	memset(buf, 'b', len);
	pthread_barrier_wait(&start_line);
	c->start = now();
	deadline = c->start + o.secs;
	for (;;) {
		size_t n = len;

		if (o.bytes) {
			if (c->bytes >= o.bytes)
				break;
			if (o.bytes - c->bytes < n)
				n = o.bytes - c->bytes;
		} else if (now() >= deadline) {
			break;
		}
		if (write_all(fd, buf, n))
			die("send");
		c->bytes += n;
	}
	/* the server closes once it has read everything: that is the end */
	if (shutdown(fd, SHUT_WR))
		die("shutdown");
	if (drain(fd, buf, len, NULL))
		die("recv");
	c->end = now();
	close(fd);
	free(buf);
	return NULL;
}

static void *rr_client(void *arg)
{
	struct client *c = arg;
	size_t len = o.len > 0 ? o.len : 1;
	char *buf = malloc(len);
	int fd = connect_server();
	double deadline;

	if (!buf)
		die("malloc");
	memset(buf, 'q', len);
	pthread_barrier_wait(&start_line);
	c->start = now();
	deadline = c->start + o.secs;
	do {
		if (write_all(fd, buf, len))
			die("send");
		if (read_all(fd, buf, len) != 1)
			die("recv (server closed early?)");
		c->count++;
	} while (now() < deadline);
	c->end = now();
	if (shutdown(fd, SHUT_WR) || drain(fd, buf, len, NULL))
		die("closing");
	close(fd);
	free(buf);
	return NULL;
}

static void *cc_client(void *arg)
{
	struct client *c = arg;
	double deadline;
	char b;

	pthread_barrier_wait(&start_line);
	c->start = now();
	deadline = c->start + o.secs;
	do {
		int fd = connect_server();

		/* wait for the server's FIN, then close: LAST-ACK here */
		if (recv(fd, &b, 1, 0) != 0)
			die("recv: expected EOF");
		close(fd);
		c->count++;
	} while (now() < deadline);
	c->end = now();
	return NULL;
}

static void run_clients(struct client *cl)
{
	void *(*fn)(void *) = o.mode == MODE_BULK ? bulk_client :
			      o.mode == MODE_RR ? rr_client : cc_client;
	int i;

	pthread_barrier_init(&start_line, NULL, o.streams);
	for (i = 0; i < o.streams; i++)
		spawn(&cl[i].thread, fn, &cl[i]);
	for (i = 0; i < o.streams; i++)
		pthread_join(cl[i].thread, NULL);
	pthread_barrier_destroy(&start_line);
}

/* ---- idle connections and slab accounting ------------------------------- */

struct memsnap {
	long long slab, sunreclaim;		/* bytes */
	long long cache_objs, cache_objsize;	/* the protocol's own cache */
};

static long long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	size_t klen = strlen(key);
	char line[256];
	long long v = -1;

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = atoll(line + klen + 1);
			break;
		}
	fclose(f);
	return v;
}

/* Objects of one cache; -1 if the cache is not listed (merged away, or
 * /proc/slabinfo not readable).
 */
static void cache_objects(const char *cache, struct memsnap *m)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512], name[64];
	long long active, num, objsize;

	m->cache_objs = -1;
	m->cache_objsize = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lld %lld %lld", name, &active, &num,
			   &objsize) != 4 || strcmp(name, cache))
			continue;
		m->cache_objs = active;
		m->cache_objsize = objsize;
		break;
	}
	fclose(f);
}

static void snapshot(struct memsnap *m)
{
	sync();
	m->slab = meminfo_kb("Slab") * 1024;
	m->sunreclaim = meminfo_kb("SUnreclaim") * 1024;
	cache_objects(o.proto == IPPROTO_TCP ? "TCP" : "EDU_TCP", m);
}

static void run_idle(int lfd)
{
	int *fds = calloc(2 * o.conns, sizeof(int));
	struct memsnap before, after;
	double sockets = 2.0 * o.conns;
	int i;

	if (!fds)
		die("calloc");
	snapshot(&before);
	for (i = 0; i < o.conns; i++) {
		fds[2 * i] = connect_server();
		fds[2 * i + 1] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fds[2 * i + 1] < 0)
			die("accept");
	}
	sleep(1);		/* delayed ACKs and timers settle */
	snapshot(&after);
	if (!o.quiet)
		printf("idle: %d connections (%d sockets) open\n", o.conns,
		       2 * o.conns);
	printf("RESULT sunreclaim_per_sock %.0f B\n",
	       (after.sunreclaim - before.sunreclaim) / sockets);
	printf("RESULT slab_per_sock %.0f B\n",
	       (after.slab - before.slab) / sockets);
	if (before.cache_objs >= 0 && after.cache_objs >= 0) {
		printf("RESULT cache_per_sock %.0f B\n",
		       (after.cache_objs - before.cache_objs) *
		       (double)after.cache_objsize / sockets);
		printf("RESULT cache_objsize %lld B\n", after.cache_objsize);
	}
	fflush(stdout);
	if (o.hold > 0)
		usleep(o.hold * 1e6);
	/* abort them (SO_LINGER {1, 0}: a RST each): no TIME-WAIT outlives
	 * the run to be freed during the next one's measurement
	 */
	for (i = 0; i < 2 * o.conns; i++) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fds[i]);
	}
	free(fds);
}

/* ---- results ------------------------------------------------------------ */

static void report(struct client *cl)
{
	double first = cl[0].start, last = cl[0].end, rate = 0;
	unsigned long long sent = 0, count = 0;
	int i;

	for (i = 0; i < o.streams; i++) {
		if (cl[i].start < first)
			first = cl[i].start;
		if (cl[i].end > last)
			last = cl[i].end;
		sent += cl[i].bytes;
		count += cl[i].count;
		if (cl[i].end > cl[i].start)
			rate += cl[i].count / (cl[i].end - cl[i].start);
	}
	switch (o.mode) {
	case MODE_BULK:
		{;
		/* bytes the server read, unless the server is elsewhere */
		unsigned long long got = o.role == ROLE_BOTH ? srv_bytes : sent;
		double mbps = got * 8 / (last - first) / 1e6;

		if (o.role == ROLE_BOTH && got != sent) {
			fprintf(stderr, "edu_bench: sent %llu bytes, server read %llu\n",
				sent, got);
			exit(EXIT_FAIL);
		}
		if (!o.quiet)
			printf("bulk: proto %d, %d stream(s), %llu bytes in %.3f s: %.1f Mbit/s\n",
			       o.proto, o.streams, got, last - first, mbps);
		printf("RESULT goodput %.1f Mbit/s\n", mbps);
		break;
	}
	case MODE_RR:
		if (!o.quiet)
			printf("rr: proto %d, %d stream(s), %zu-byte messages, %llu done: %.0f/s\n",
			       o.proto, o.streams, o.len > 0 ? o.len : 1, count,
			       rate);
		printf("RESULT rate %.0f trans/s\n", rate);
		break;
	case MODE_CC:
		if (!o.quiet)
			printf("cc: proto %d, %d stream(s), %llu connections: %.0f/s\n",
			       o.proto, o.streams, count, rate);
		printf("RESULT rate %.0f conn/s\n", rate);
		break;
	case MODE_IDLE:
		break;
	}
}

/* ---- command line ------------------------------------------------------- */

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: edu_bench [options] bulk|rr|cc|idle\n"
		"  -P PROTO   IP protocol: 253 edu_tcp (default), 6 TCP\n"
		"  -a ADDR    server address (default 127.0.0.1)\n"
		"  -p PORT    server port (default 5201)\n"
		"  -b ADDR    client source address\n"
		"  --cport N  cc: client ports N, N+1, ... in turn (see the source)\n"
		"  --backlog N  listen() backlog (default 4096)\n"
		"  -t SECS    duration of bulk, rr, cc (default 5)\n"
		"  -n BYTES   bulk: send this much per stream instead of -t\n"
		"  -j N       parallel streams (default 1)\n"
		"  -l LEN     bulk: write size (default 131072); rr: message size (1)\n"
		"  -c N       idle: connections to open (default 1000)\n"
		"  -H SECS    idle: hold them this long after measuring\n"
		"  -N         TCP_NODELAY on every socket\n"
		"  --server-netns NAME, --client-netns NAME  (/run/netns/NAME or a path)\n"
		"  -S         server only, until a signal;  -C  client only\n"
		"  -q         only the RESULT lines\n");
	exit(EXIT_USAGE);
}

static double parse_num(const char *s, double min)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || v < min)
		bad_usage();
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server-netns", required_argument, NULL, 's' },
		{ "client-netns", required_argument, NULL, 'k' },
		{ "cport", required_argument, NULL, 'o' },
		{ "backlog", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	const char *addr = "127.0.0.1";
	int c, port = 5201;
	unsigned int i;

	while ((c = getopt_long(argc, argv, "P:a:p:b:t:n:j:l:c:H:NSCq",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			o.proto = parse_num(optarg, 1);
			break;
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = parse_num(optarg, 1);
			break;
		case 'b':
			if (inet_pton(AF_INET, optarg, &o.src) != 1)
				bad_usage();
			break;
		case 'o':
			o.cport = parse_num(optarg, 1);
			break;
		case 'g':
			o.backlog = parse_num(optarg, 1);
			break;
		case 't':
			o.secs = parse_num(optarg, 0.01);
			break;
		case 'n':
			o.bytes = parse_num(optarg, 1);
			break;
		case 'j':
			o.streams = parse_num(optarg, 1);
			break;
		case 'l':
			o.len = parse_num(optarg, 1);
			break;
		case 'c':
			o.conns = parse_num(optarg, 1);
			break;
		case 'H':
			o.hold = parse_num(optarg, 0);
			break;
		case 'N':
			o.nodelay = true;
			break;
		case 's':
			o.srv_ns = optarg;
			break;
		case 'k':
			o.cli_ns = optarg;
			break;
		case 'S':
			o.role = ROLE_SERVER;
			break;
		case 'C':
			o.role = ROLE_CLIENT;
			break;
		case 'q':
			o.quiet = true;
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc - 1 || port > 65535 || o.cport > 65535 ||
	    o.proto > 254 || o.streams > 1024)
		bad_usage();
	for (i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (!strcmp(argv[optind], mode_names[i]))
			break;
	if (i == ARRAY_SIZE(mode_names))
		bad_usage();
	o.mode = i;
	if (o.mode == MODE_IDLE && o.role != ROLE_BOTH) {
		fprintf(stderr, "edu_bench: idle plays both ends; no -S or -C\n");
		exit(EXIT_USAGE);
	}
	o.srv.sin_family = AF_INET;
	o.srv.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &o.srv.sin_addr) != 1)
		bad_usage();
}

int main(int argc, char **argv)
{
	struct client *cl;
	int lfd = -1, orig_ns;
	pthread_t acc;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	raise_nofile(o.mode == MODE_IDLE ? 2 * o.conns + 64 : 4096);

	orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig_ns < 0)
		die("open /proc/self/ns/net");
	if (o.role != ROLE_CLIENT) {
		if (o.srv_ns)
			enter_netns(o.srv_ns);
		lfd = make_listener();
		if (o.role == ROLE_SERVER) {
			acceptor((void *)(intptr_t)lfd);	/* never returns */
			return EXIT_OK;
		}
		if (setns(orig_ns, CLONE_NEWNET))
			die("setns back");
	}
	close(orig_ns);
	/* every client socket is made by this thread or one it starts */
	if (o.cli_ns)
		enter_netns(o.cli_ns);

	/* a run that takes far longer than asked is stuck: say so and stop */
	signal(SIGALRM, watchdog_fired);
	alarm(o.mode == MODE_IDLE ? 300 + o.hold + o.conns / 10 :
	      o.bytes ? 600 : 120 + 4 * o.secs);

	if (o.mode == MODE_IDLE) {
		run_idle(lfd);
		return EXIT_OK;
	}
	if (lfd >= 0)
		spawn(&acc, acceptor, (void *)(intptr_t)lfd);
	next_cport = 0;
	cl = calloc(o.streams, sizeof(*cl));
	if (!cl)
		die("calloc");
	run_clients(cl);
	if (o.role == ROLE_BOTH && o.mode != MODE_CC) {
		/* every server thread has seen its FIN before the client
		 * saw the server's; wait for their counts all the same
		 */
		pthread_mutex_lock(&srv_lock);
		while (srv_done < o.streams)
			pthread_cond_wait(&srv_cond, &srv_lock);
		pthread_mutex_unlock(&srv_lock);
		if (srv_errors) {
			fprintf(stderr, "edu_bench: %lu server connection(s) failed\n",
				srv_errors);
			return EXIT_FAIL;
		}
	}
	report(cl);
	free(cl);
	return EXIT_OK;
}
