// SPDX-License-Identifier: GPL-2.0
/*
 * edu_fuzz: hostile input for edu_tcp (or, with -P 6, the kernel's TCP),
 * for selftests/hostile.sh, flood.sh and scale.sh.
 *
 * Raw subcommands write whole Ethernet frames with AF_PACKET on an
 * interface of a "wire" namespace that owns no address (as tools/edu_drill
 * does): the device under test (DUT) routes the spoofed source subnet -S
 * towards that interface, so its answers are read here and answered by no
 * stack.  Segments use TCP's wire format; the checksum's pseudo-header
 * carries protocol 6 whatever -P says (edu_tcp's rule).
 *
 *   edu_fuzz flood  -i IF -M DUTMAC -d DUT -p PORT [-S NET/LEN] [-n SYNS]
 *                   [-r PPS] [-m MSS] [-A PCT] [-B ACKS] [-w S] [-s SEED]
 *       spoofed SYNs (random sources in -S, random ports, MSS -m, SACK,
 *       timestamps, window scale) at -r per second (0: as fast as
 *       possible); -B bare ACKs with random numbers (bogus cookies) mixed
 *       in; the SYN-ACKs that come back are counted, their ack checked,
 *       their MSS tallied; -A PCT of the answered SYNs are completed with
 *       an ACK and then reset, so a SYN cookie would be validated.
 *   edu_fuzz fuzz   -i IF -M DUTMAC -d DUT -p PORT -c CLOSED [-n SEGS]
 *                   [-C CONNS] [-S NET/LEN] [-w S] [-s SEED]
 *       -n random and mutated segments (see gen_* below) at a listener
 *       (-p), a closed port (-c), and -C live connections whose
 *       handshake this tool completes itself from spoofed addresses,
 *       aiming near and far from their windows.  Answers are checked
 *       (oracles: a valid checksum, no ACK of sequence space never sent,
 *       nothing but RST from a closed port, no SYN without ACK, SYN-ACKs
 *       that ack the SYN) and counted by flags.  At the end every live
 *       connection is reset.
 *   edu_fuzz echo   [-P PROTO] [-a ADDR] -p PORT [-b BACKLOG] [-t S]
 *       an echo server (epoll, any number of connections) until -t s
 *       or SIGTERM; "listening PORT" once it listens.
 *   edu_fuzz client [-P PROTO] -d ADDR -p PORT [-n CONNS] [-z BYTES]
 *                   [-T S] [-s SEED]
 *       -n connections, one after the other, to an echo server: each
 *       sends -z seeded bytes and reads the echo; SHA-256 of both sides
 *       compared; connect time printed.
 *   edu_fuzz hold   [-P PROTO] -d ADDR -p PORT -n CONNS [-j INFLIGHT]
 *                   [-T S] [-t S] [-L]
 *       opens -n connections at once (-j connects in flight), prints
 *       "established N MS", holds them until stdin ends (or -t s), then
 *       closes them all (-L: SO_LINGER {1, 0}) and prints "closed N MS".
 *
 * fuzz -k CLASS,... sends only these classes (the names of the SENT
 * lines).  -s SEED seeds the PRNG (default: from the clock); the seed is
 * printed first, so `-s` with it replays the same classes, flags, options
 * and payloads (a second PRNG stream serves the answers; the DUT's ISNs,
 * and so the live connections' numbers, differ from run to run).  Output lines for scripts: "SENT class N",
 * "REPLY flags N", "EXPECT counter N" (malformed segments sent, by the
 * edu_tcp drop counter each must raise), "STAT name N", "ANOMALY kind:
 * detail" (the first 20) and "ANOMALIES N".
 * Exit status: 0 ok, 1 anomalies or failed transfers, 2 usage, 3 system
 * error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/edu_tcp.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING	23
#endif

enum { EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SYS };

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define FIN	0x01
#define SYN	0x02
#define RST	0x04
#define PSH	0x08
#define ACK	0x10
#define URG	0x20
#define ECE	0x40
#define CWR	0x80
#define MAX_OPT		40
#define MAX_DATA	1400
#define FRAME_MAX	(14 + 20 + 60 + MAX_DATA + 64)

static void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	fprintf(stderr, "edu_fuzz: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	exit(EXIT_SYS);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* ---- PRNG: splitmix64, seeded by -s ---------------------------------- */

static uint64_t rng_state;

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd64(void)
{
	rng_state += 0x9e3779b97f4a7c15ULL;
	return mix64(rng_state);
}

/* The generator's stream and the answers' (new connections, resets):
 * what is generated depends on the seed only, not on the DUT's timing.
 */
static uint64_t rng_other;

static void rng_swap(void)
{
	uint64_t t = rng_state;

	rng_state = rng_other;
	rng_other = t;
}

static uint32_t rnd32(void)
{
	return rnd64() >> 32;
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? (uint32_t)(((uint64_t)rnd32() * n) >> 32) : 0;
}

static bool chance(unsigned int pct)
{
	return rnd_below(100) < pct;
}

#include "sha256.h"	/* for the echo client */

/* ---- options ------------------------------------------------------------- */

struct opts {
	int proto;
	const char *ifname;
	uint8_t dmac[6];
	bool have_mac;
	uint32_t dst;			/* network order */
	int port, closed_port;
	uint32_t src_net, src_mask;	/* host order */
	uint64_t seed;
	long count;
	long rate;
	int mss;
	int ack_pct;
	long bogus_acks;
	int conns;
	double wait;
	double timeout;
	const char *bind_addr;
	int backlog;
	long bytes;
	double lifetime;
	int inflight;
	const char *classes;
	bool linger0;
	bool verbose;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: edu_fuzz flood|fuzz|echo|client|hold [options]\n"
		"  -P PROTO  -i IF  -M DUTMAC  -d ADDR  -p PORT  -c CLOSEDPORT\n"
		"  -S NET/LEN (spoofed sources)  -s SEED  -n COUNT  -r PPS\n"
		"  -m MSS  -A PCT  -B ACKS  -C CONNS  -w S  -T S  -a ADDR\n"
		"  -b BACKLOG  -z BYTES  -t S  -j INFLIGHT  -k CLASS,...  -L  -v\n"
		"(see the header of tools/edu_fuzz.c)\n");
	exit(EXIT_USAGE);
}

static uint32_t parse_ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "edu_fuzz: bad address %s\n", s);
		usage();
	}
	return a.s_addr;
}

static void parse_opts(struct opts *o, int argc, char **argv)
{
	unsigned int m[6];
	char *slash;
	int c, len;

	memset(o, 0, sizeof(*o));
	o->proto = IPPROTO_EDU_TCP;
	o->src_net = 0xc6120000;	/* 198.18.0.0/15, RFC 2544 */
	o->src_mask = 0xfffe0000;
	o->seed = (uint64_t)time(NULL) * 1000003 ^ (uint64_t)getpid();
	o->count = -1;
	o->mss = 1460;
	o->conns = 8;
	o->wait = 2;
	o->timeout = 10;
	o->backlog = 128;
	o->bytes = 65536;
	o->inflight = 256;
	o->port = -1;
	o->closed_port = -1;
	while ((c = getopt(argc, argv, "P:i:M:d:p:c:S:s:n:r:m:A:B:C:w:T:a:b:z:t:j:k:Lv")) != -1) {
		switch (c) {
		case 'P': o->proto = atoi(optarg); break;
		case 'i': o->ifname = optarg; break;
		case 'M':
			if (sscanf(optarg, "%x:%x:%x:%x:%x:%x", &m[0], &m[1],
				   &m[2], &m[3], &m[4], &m[5]) != 6)
				usage();
			for (len = 0; len < 6; len++)
				o->dmac[len] = m[len];
			o->have_mac = true;
			break;
		case 'd': o->dst = parse_ip(optarg); break;
		case 'p': o->port = atoi(optarg); break;
		case 'c': o->closed_port = atoi(optarg); break;
		case 'S':
			slash = strchr(optarg, '/');
			if (!slash)
				usage();
			*slash = 0;
			len = atoi(slash + 1);
			if (len < 8 || len > 30)
				usage();
			o->src_mask = 0xffffffffu << (32 - len);
			o->src_net = ntohl(parse_ip(optarg)) & o->src_mask;
			break;
		case 's': o->seed = strtoull(optarg, NULL, 0); break;
		case 'n': o->count = atol(optarg); break;
		case 'r': o->rate = atol(optarg); break;
		case 'm': o->mss = atoi(optarg); break;
		case 'A': o->ack_pct = atoi(optarg); break;
		case 'B': o->bogus_acks = atol(optarg); break;
		case 'C': o->conns = atoi(optarg); break;
		case 'w': o->wait = atof(optarg); break;
		case 'T': o->timeout = atof(optarg); break;
		case 'a': o->bind_addr = optarg; break;
		case 'b': o->backlog = atoi(optarg); break;
		case 'z': o->bytes = atol(optarg); break;
		case 't': o->lifetime = atof(optarg); break;
		case 'j': o->inflight = atoi(optarg); break;
		case 'k': o->classes = optarg; break;
		case 'L': o->linger0 = true; break;
		case 'v': o->verbose = true; break;
		default: usage();
		}
	}
	if (o->conns < 0 || o->conns > 256 || o->inflight < 1)
		usage();
}

/* ---- the wire: AF_PACKET frames ----------------------------------------- */

struct wire {
	int fd;
	uint8_t mac[6], dmac[6];
	uint32_t dut;		/* network order */
	int proto;
	long tx_errors;
};

/* A segment to inject; host order except addresses. */
struct seg {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win, urg;
	uint8_t opt[MAX_OPT];
	int optlen;		/* a multiple of 4 */
	int doff;		/* words; -1: from optlen */
	const uint8_t *data;
	int dlen;
	int trunc;		/* >= 0: the TCP part cut to this many bytes */
	bool bad_csum;
};

/* A segment the DUT sent. */
struct rseg {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	int dlen;
	int mss, wscale;
	bool sackok, ts, csum_ok;
};

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	while (n > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* TCP's pseudo-header: protocol 6, whatever the IP header carries. */
static uint32_t pseudo_sum(uint32_t saddr, uint32_t daddr, unsigned int len)
{
	uint8_t ph[12];

	memcpy(ph, &saddr, 4);
	memcpy(ph + 4, &daddr, 4);
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = len >> 8;
	ph[11] = len & 0xff;
	return csum_add(0, ph, sizeof(ph));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void wire_open(struct wire *w, const struct opts *o)
{
	struct sockaddr_ll sll = { 0 };
	struct ifreq ifr = { 0 };
	int one = 1, buf = 8 << 20;

	if (!o->ifname || !o->have_mac || !o->dst || o->port < 0) {
		fprintf(stderr, "edu_fuzz: -i, -M, -d and -p are needed\n");
		usage();
	}
	w->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	if (w->fd < 0)
		die("socket(AF_PACKET)");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->ifname);
	if (ioctl(w->fd, SIOCGIFHWADDR, &ifr))
		die("SIOCGIFHWADDR %s", o->ifname);
	memcpy(w->mac, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = if_nametoindex(o->ifname);
	if (!sll.sll_ifindex)
		die("if_nametoindex %s", o->ifname);
	if (bind(w->fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind %s", o->ifname);
	/* our own frames are not answers */
	if (setsockopt(w->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)))
		die("PACKET_IGNORE_OUTGOING");
	if (setsockopt(w->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	fcntl(w->fd, F_SETFL, O_NONBLOCK);
	memcpy(w->dmac, o->dmac, 6);
	w->dut = o->dst;
	w->proto = o->proto;
}

static void wire_send(struct wire *w, const struct seg *s)
{
	uint8_t f[FRAME_MAX], *ip = f + 14, *th = ip + 20;
	int hl = 20 + s->optlen, tlen = hl + s->dlen, doff, tries;
	uint32_t sum;
	uint16_t c;

	memcpy(f, w->dmac, 6);
	memcpy(f + 6, w->mac, 6);
	put16(f + 12, ETH_P_IP);
	memset(th, 0, hl);
	put16(th, s->sport);
	put16(th + 2, s->dport);
	put32(th + 4, s->seq);
	put32(th + 8, s->ack);
	doff = s->doff >= 0 ? s->doff : hl / 4;
	th[12] = (doff & 15) << 4;
	th[13] = s->flags;
	put16(th + 14, s->win);
	put16(th + 18, s->urg);
	memcpy(th + 20, s->opt, s->optlen);
	if (s->dlen)
		memcpy(th + hl, s->data, s->dlen);
	if (s->trunc >= 0 && s->trunc < tlen)
		tlen = s->trunc;
	if (tlen >= 18) {
		sum = pseudo_sum(s->saddr, s->daddr, tlen);
		c = csum_fold(csum_add(sum, th, tlen));
		if (s->bad_csum)	/* never 0xffff: ~0 == 0 in one's complement */
			c ^= 1 + rnd_below(0xfffe);
		put16(th + 16, c);
	}
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, 20 + tlen);
	put16(ip + 4, rnd32() & 0xffff);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = w->proto;
	put16(ip + 10, 0);
	memcpy(ip + 12, &s->saddr, 4);
	memcpy(ip + 16, &s->daddr, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	for (tries = 0; tries < 100; tries++) {
		if (send(w->fd, f, 14 + 20 + tlen, 0) >= 0)
			return;
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			die("send");
		sleep_s(0.001);
	}
	w->tx_errors++;
}

/* One of the DUT's segments, if one is waiting. */
static bool wire_recv(struct wire *w, struct rseg *r)
{
	uint8_t f[FRAME_MAX + 65536], *ip, *th;
	int n, ihl, tot, tlen, doff, i;

	for (;;) {
		n = recv(w->fd, f, sizeof(f), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (n < 14 + 20 || get16(f + 12) != ETH_P_IP)
			continue;
		ip = f + 14;
		ihl = (ip[0] & 15) * 4;
		tot = get16(ip + 2);
		if ((ip[0] >> 4) != 4 || ihl < 20 || tot > n - 14 || tot < ihl + 20)
			continue;
		if (ip[9] != w->proto || memcmp(ip + 12, &w->dut, 4))
			continue;
		th = ip + ihl;
		tlen = tot - ihl;
		doff = (th[12] >> 4) * 4;
		if (doff < 20 || doff > tlen)
			continue;
		memset(r, 0, sizeof(*r));
		memcpy(&r->saddr, ip + 12, 4);
		memcpy(&r->daddr, ip + 16, 4);
		r->sport = get16(th);
		r->dport = get16(th + 2);
		r->seq = get32(th + 4);
		r->ack = get32(th + 8);
		r->flags = th[13];
		r->win = get16(th + 14);
		r->dlen = tlen - doff;
		r->mss = -1;
		r->wscale = -1;
		r->csum_ok = csum_fold(csum_add(pseudo_sum(r->saddr, r->daddr, tlen),
						th, tlen)) == 0;
		for (i = 20; i < doff;) {
			uint8_t kind = th[i], len;

			if (kind == 0)
				break;
			if (kind == 1) {
				i++;
				continue;
			}
			if (i + 1 >= doff)
				break;
			len = th[i + 1];
			if (len < 2 || i + len > doff)
				break;
			if (kind == 2 && len == 4)
				r->mss = get16(th + i + 2);
			else if (kind == 3 && len == 3)
				r->wscale = th[i + 2];
			else if (kind == 4)
				r->sackok = true;
			else if (kind == 8)
				r->ts = true;
			i += len;
		}
		return true;
	}
}

static uint32_t rnd_src(const struct opts *o)
{
	uint32_t host = rnd32() & ~o->src_mask;

	/* neither the network nor the broadcast address */
	if (host == 0 || host == ~o->src_mask)
		host = 1;
	return htonl(o->src_net | host);
}

static uint16_t rnd_port(void)
{
	return 1024 + rnd_below(65536 - 1024);
}

/* The ISN a spoofed SYN from this source uses: a function of the tuple,
 * so that a SYN-ACK can be checked without a table.
 */
static uint64_t tuple_key(uint32_t saddr, uint16_t sport)
{
	return (uint64_t)saddr << 16 | sport;
}

static uint32_t syn_seq(uint64_t seed, uint32_t saddr, uint16_t sport)
{
	return (uint32_t)mix64(seed ^ mix64(tuple_key(saddr, sport)));
}

static const char *flag_name(uint8_t f, char *buf)
{
	static const char letters[] = "FSRPAUEC";
	int i, n = 0;

	for (i = 0; i < 8; i++)
		if (f & (1 << i))
			buf[n++] = letters[i];
	if (!n)
		buf[n++] = '-';
	buf[n] = 0;
	return buf;
}

static long reply_flags[256];

static void print_replies(void)
{
	char b[12];
	int i;

	for (i = 0; i < 256; i++)
		if (reply_flags[i])
			printf("REPLY %s %ld\n", flag_name(i, b), reply_flags[i]);
}

static long anomalies;

static void anomaly(const char *fmt, ...)
{
	va_list ap;

	if (anomalies++ >= 20)
		return;
	va_start(ap, fmt);
	printf("ANOMALY ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

/* Oracles for any segment of the DUT's. */
static void check_common(const struct rseg *r, const struct opts *o)
{
	char b[12];

	if (!r->csum_ok)
		anomaly("bad_checksum: %s from port %u to %u", flag_name(r->flags, b),
			r->sport, r->dport);
	if ((r->flags & SYN) && !(r->flags & ACK))
		anomaly("syn_without_ack: %s from port %u", flag_name(r->flags, b),
			r->sport);
	if ((r->flags & SYN) && (r->flags & (RST | FIN)))
		anomaly("syn_with_rst_or_fin: %s", flag_name(r->flags, b));
	if (o->closed_port >= 0 && r->sport == o->closed_port && !(r->flags & RST))
		anomaly("closed_port_answered: %s from %u", flag_name(r->flags, b),
			r->sport);
}

/* ---- a set of 64-bit keys (open addressing), for SYN-ACK tuples -------- */

struct kset {
	uint64_t *k;
	size_t mask;
	long n;
};

static void kset_init(struct kset *s, long want)
{
	size_t sz = 1024;

	while (sz < (size_t)want * 2)
		sz <<= 1;
	s->k = calloc(sz, sizeof(*s->k));
	if (!s->k)
		die("calloc");
	s->mask = sz - 1;
	s->n = 0;
}

/* true if the key was new; key 0 is never stored (no such tuple) */
static bool kset_add(struct kset *s, uint64_t key)
{
	size_t i = mix64(key) & s->mask;

	if ((size_t)s->n * 2 > s->mask)
		return false;	/* full: count it as seen */
	while (s->k[i]) {
		if (s->k[i] == key)
			return false;
		i = (i + 1) & s->mask;
	}
	s->k[i] = key;
	s->n++;
	return true;
}

/* ---- flood ----------------------------------------------------------- */

/*
 * The RST that ends a completed handshake waits this long after its ACK.
 * Sent back to back, the two can take different CPUs' receive queues when
 * this process moves between the sends; the RST can then reach the
 * listener before the ACK has made the connection, is ignored there as
 * RFC 9293 §3.10.7.2 says, and the connection it was meant for stays.
 */
#define FLOOD_RST_DELAY_S	0.2
#define FLOOD_RST_MAX		8192

struct flood_rst {
	struct seg seg;
	double due;
};

struct flood_stats {
	long synacks, unique, bad_ack, rsts, other, acked;
	struct flood_rst *rst;		/* a FIFO: due times only grow */
	long rst_head, rst_tail;
	long mss[8];		/* the most frequent MSS values seen */
	int mss_val[8];
	long mss_more;
	long ws, ts, sack;
};

static void syn_options(struct seg *s, int mss, bool full)
{
	uint8_t *p = s->opt;

	p[0] = 2;
	p[1] = 4;
	put16(p + 2, mss);
	s->optlen = 4;
	if (!full)
		return;
	/* as a Linux client: SACK-permitted, timestamps, NOP, wscale 7 */
	p[4] = 4;
	p[5] = 2;
	p[6] = 8;
	p[7] = 10;
	put32(p + 8, rnd32());
	put32(p + 12, 0);
	p[16] = 1;
	p[17] = 3;
	p[18] = 3;
	p[19] = 7;
	s->optlen = 20;
}

static void flood_queue_rst(struct wire *w, struct flood_stats *st, const struct seg *rst);

static void flood_answer(struct wire *w, const struct opts *o, const struct rseg *r,
			 struct flood_stats *st, struct kset *seen)
{
	uint32_t seq = syn_seq(o->seed, r->daddr, r->dport);
	struct seg a = { 0 };
	int i;

	check_common(r, o);
	if (r->flags & RST) {
		st->rsts++;
		return;
	}
	if ((r->flags & (SYN | ACK)) != (SYN | ACK)) {
		st->other++;
		return;
	}
	st->synacks++;
	if (r->ack != seq + 1) {
		st->bad_ack++;
		return;
	}
	if (!kset_add(seen, tuple_key(r->daddr, r->dport)))
		return;		/* a retransmission */
	st->unique++;
	for (i = 0; i < 8; i++) {
		if (st->mss[i] && st->mss_val[i] != r->mss)
			continue;
		st->mss_val[i] = r->mss;
		st->mss[i]++;
		break;
	}
	if (i == 8)
		st->mss_more++;
	st->ws += r->wscale >= 0;
	st->ts += r->ts;
	st->sack += r->sackok;
	/* complete some handshakes (a cookie to check), then reset them */
	if (o->ack_pct && (mix64(seq) % 100) < (uint64_t)o->ack_pct) {
		a.saddr = r->daddr;
		a.daddr = r->saddr;
		a.sport = r->dport;
		a.dport = r->sport;
		a.seq = seq + 1;
		a.ack = r->seq + 1;
		a.flags = ACK;
		a.win = 65535;
		a.doff = -1;
		a.trunc = -1;
		wire_send(w, &a);
		a.flags = RST;
		a.ack = 0;
		flood_queue_rst(w, st, &a);
		st->acked++;
	}
}

/* RSTs whose time has come; all of them when final. */
static void flood_send_rsts(struct wire *w, struct flood_stats *st, bool final)
{
	double now = now_s();

	while (st->rst_head < st->rst_tail) {
		struct flood_rst *q = &st->rst[st->rst_head % FLOOD_RST_MAX];

		if (!final && q->due > now)
			break;
		wire_send(w, &q->seg);
		st->rst_head++;
	}
}

static void flood_queue_rst(struct wire *w, struct flood_stats *st, const struct seg *rst)
{
	struct flood_rst *q;

	if (st->rst_tail - st->rst_head == FLOOD_RST_MAX) {
		/* full: the oldest goes now, a little early */
		wire_send(w, &st->rst[st->rst_head % FLOOD_RST_MAX].seg);
		st->rst_head++;
	}
	q = &st->rst[st->rst_tail++ % FLOOD_RST_MAX];
	q->seg = *rst;
	q->due = now_s() + FLOOD_RST_DELAY_S;
}

static void flood_drain(struct wire *w, const struct opts *o, struct flood_stats *st,
			struct kset *seen)
{
	struct rseg r;

	while (wire_recv(w, &r)) {
		reply_flags[r.flags]++;
		flood_answer(w, o, &r, st, seen);
	}
	flood_send_rsts(w, st, false);
}

static int cmd_flood(const struct opts *o)
{
	struct flood_stats st = { 0 };
	struct wire w = { 0 };
	struct kset seen;
	long n = o->count < 0 ? 10000 : o->count, i, b = 0, total;
	double t0, t, end;
	int k;

	wire_open(&w, o);
	kset_init(&seen, n + 16);
	st.rst = calloc(FLOOD_RST_MAX, sizeof(*st.rst));
	if (!st.rst)
		die("out of memory");
	total = n + o->bogus_acks;
	t0 = now_s();
	for (i = 0; i < total; i++) {
		struct seg s = { 0 };
		bool bogus = o->bogus_acks && rnd_below(total) < (uint32_t)o->bogus_acks &&
			     b < o->bogus_acks;

		if (!bogus && i - b >= n) {
			bogus = true;
		}
		s.saddr = rnd_src(o);
		s.daddr = o->dst;
		s.sport = rnd_port();
		s.dport = o->port;
		s.win = 64240;
		s.doff = -1;
		s.trunc = -1;
		if (bogus) {
			b++;
			s.seq = rnd32();
			s.ack = rnd32();
			s.flags = ACK;
		} else {
			s.seq = syn_seq(o->seed, s.saddr, s.sport);
			s.flags = SYN;
			syn_options(&s, o->mss, true);
		}
		wire_send(&w, &s);
		if ((i & 31) == 31)
			flood_drain(&w, o, &st, &seen);
		if (o->rate > 0) {
			t = t0 + (double)(i + 1) / o->rate - now_s();
			if (t > 0.0005)
				sleep_s(t);
		}
	}
	t = now_s() - t0;
	printf("STAT flood_seconds_x1000 %ld\n", (long)(t * 1000));
	printf("STAT flood_rate %ld\n", (long)(total / (t > 0 ? t : 1)));
	fflush(stdout);
	end = now_s() + o->wait;
	while (now_s() < end) {
		struct pollfd p = { .fd = w.fd, .events = POLLIN };

		poll(&p, 1, 100);
		flood_drain(&w, o, &st, &seen);
	}
	flood_send_rsts(&w, &st, true);
	free(st.rst);
	printf("STAT syns_sent %ld\n", n);
	printf("STAT bogus_acks_sent %ld\n", b);
	printf("STAT synacks %ld\n", st.synacks);
	printf("STAT synacks_unique %ld\n", st.unique);
	printf("STAT synacks_bad_ack %ld\n", st.bad_ack);
	printf("STAT synacks_with_wscale %ld\n", st.ws);
	printf("STAT synacks_with_ts %ld\n", st.ts);
	printf("STAT synacks_with_sackok %ld\n", st.sack);
	printf("STAT rsts %ld\n", st.rsts);
	printf("STAT other %ld\n", st.other);
	printf("STAT handshakes_completed %ld\n", st.acked);
	printf("STAT tx_errors %ld\n", w.tx_errors);
	for (k = 0; k < 8; k++)
		if (st.mss[k])
			printf("MSS %d %ld\n", st.mss_val[k], st.mss[k]);
	if (st.mss_more)
		printf("MSS other %ld\n", st.mss_more);
	print_replies();
	if (st.bad_ack)
		anomaly("synack_bad_ack: %ld SYN-ACKs did not ack their SYN", st.bad_ack);
	printf("ANOMALIES %ld\n", anomalies);
	return anomalies ? EXIT_FAIL : EXIT_OK;
}

/* ---- fuzz ------------------------------------------------------------ */

enum fclass {
	F_LIVE_NEAR, F_LIVE_FAR, F_LIVE_DATA, F_LISTEN, F_CLOSED,
	F_BAD_CSUM, F_BAD_DOFF, F_SHORT, F_BAD_OPT, F_HANDSHAKE, F_NCLASS
};

static const char *const fclass_name[F_NCLASS] = {
	"live_near", "live_far", "live_data", "listen", "closed",
	"bad_csum", "bad_doff", "short", "bad_option", "handshake",
};

enum cstate { C_SYNSENT = 1, C_EST, C_DEAD };

#define SYN_RING	64

struct conn {
	uint32_t saddr;
	uint16_t sport;
	uint8_t state;
	bool fin_seen;
	bool we_reset;
	uint32_t iss, snd_nxt;	/* ours */
	uint32_t peer_ack;	/* the DUT's rcv_nxt, by its last ACK */
	uint32_t irs, rcv_nxt;	/* the DUT's sequence space */
	uint32_t max_end;	/* the furthest we sent near the window */
	uint16_t peer_win;
	uint32_t syn_seqs[SYN_RING];	/* fuzzed SYNs sent on this tuple */
	uint8_t nsyn;
	double syn_t;
	int syn_tries;
};

#define MAX_CONNS	8192
#define CONN_SLOTS	16384

struct fuzz {
	const struct opts *o;
	struct wire w;
	struct conn c[MAX_CONNS];
	int nconns;
	int slot[CONN_SLOTS];	/* index + 1 into c[] */
	int live[256];		/* index + 1, one per -C */
	long sent[F_NCLASS];
	long exp_short, exp_badoff, exp_badcsum, exp_badopt;
	long est, reset_by_peer, fin_by_peer, syn_timeouts, echoed, synack_other;
	long acked_far, reborn, doff_low, doff_beyond;
	unsigned int only;	/* -k: classes to send, a bit each; 0 all */
	uint8_t data[MAX_DATA];
};

static bool after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static struct conn *conn_find(struct fuzz *z, uint32_t saddr, uint16_t sport)
{
	size_t i = mix64(tuple_key(saddr, sport)) & (CONN_SLOTS - 1);

	while (z->slot[i]) {
		struct conn *c = &z->c[z->slot[i] - 1];

		if (c->saddr == saddr && c->sport == sport)
			return c;
		i = (i + 1) & (CONN_SLOTS - 1);
	}
	return NULL;
}

static struct conn *conn_new(struct fuzz *z)
{
	struct conn *c;
	size_t i;

	if (z->nconns == MAX_CONNS)
		return NULL;
	c = &z->c[z->nconns];
	memset(c, 0, sizeof(*c));
	do {
		c->saddr = rnd_src(z->o);
		c->sport = rnd_port();
	} while (conn_find(z, c->saddr, c->sport));
	i = mix64(tuple_key(c->saddr, c->sport)) & (CONN_SLOTS - 1);
	while (z->slot[i])
		i = (i + 1) & (CONN_SLOTS - 1);
	z->slot[i] = ++z->nconns;
	return c;
}

/* A segment of this connection, its defaults. */
static void conn_seg(struct fuzz *z, const struct conn *c, struct seg *s, uint8_t flags)
{
	memset(s, 0, sizeof(*s));
	s->saddr = c->saddr;
	s->daddr = z->o->dst;
	s->sport = c->sport;
	s->dport = z->o->port;
	s->seq = c->snd_nxt;
	s->ack = c->rcv_nxt;
	s->flags = flags;
	s->win = 65535;
	s->doff = -1;
	s->trunc = -1;
}

static void send_syn(struct fuzz *z, struct conn *c)
{
	struct seg s;

	conn_seg(z, c, &s, SYN);
	s.seq = c->iss;
	s.ack = 0;
	syn_options(&s, 1460, false);
	wire_send(&z->w, &s);
	z->sent[F_HANDSHAKE]++;
	c->syn_t = now_s();
	c->syn_tries++;
}

static void send_ack(struct fuzz *z, struct conn *c)
{
	struct seg s;

	conn_seg(z, c, &s, ACK);
	wire_send(&z->w, &s);
	z->sent[F_HANDSHAKE]++;
}

/* Keep -C live connections: open new ones where one died. */
static void fuzz_maintain(struct fuzz *z)
{
	double t = now_s();
	int i;

	rng_swap();
	for (i = 0; i < z->o->conns; i++) {
		struct conn *c = z->live[i] ? &z->c[z->live[i] - 1] : NULL;

		if (c && c->state == C_SYNSENT && t - c->syn_t > 1.0) {
			if (c->syn_tries < 4) {
				send_syn(z, c);
				continue;
			}
			z->syn_timeouts++;
			c->state = C_DEAD;
		}
		if (c && c->state != C_DEAD)
			continue;
		c = conn_new(z);
		if (!c) {
			z->live[i] = 0;
			continue;
		}
		z->live[i] = c - z->c + 1;
		c->state = C_SYNSENT;
		c->iss = rnd32();
		c->snd_nxt = c->iss;
		send_syn(z, c);
	}
	rng_swap();
}

/* Was ack the answer to a SYN we fuzzed on this tuple?  Then our
 * in-window RST closed the connection silently, that SYN reached the
 * listener and a new child (SYN-RCVD) speaks for the tuple now.
 */
static bool acks_fuzzed_syn(const struct conn *c, uint32_t ack)
{
	int k, n = c->nsyn < SYN_RING ? c->nsyn : SYN_RING;

	for (k = 0; k < n; k++)
		if (c->syn_seqs[k] + 1 == ack)
			return true;
	return false;
}

/* A reborn tuple: reset the new child with the sequence number it wants. */
static void conn_reborn(struct fuzz *z, struct conn *c, uint32_t ack)
{
	struct seg s;

	z->reborn++;
	c->state = C_DEAD;
	conn_seg(z, c, &s, RST);
	s.seq = ack;
	s.ack = 0;
	wire_send(&z->w, &s);
	z->sent[F_HANDSHAKE]++;
}

static void fuzz_answer(struct fuzz *z, const struct rseg *r)
{
	struct conn *c;
	struct seg s;
	uint32_t end;

	check_common(r, z->o);
	if (r->sport != z->o->port)
		return;
	c = conn_find(z, r->daddr, r->dport);
	if (!c) {
		if ((r->flags & (SYN | ACK)) != (SYN | ACK))
			return;
		if (r->ack != syn_seq(z->o->seed, r->daddr, r->dport) + 1)
			z->synack_other++;
		/* as a real host that sent no SYN: a reset, mostly, so the
		 * SYN queue does not stay full; some stay half-open
		 */
		if (chance(90)) {
			memset(&s, 0, sizeof(s));
			s.saddr = r->daddr;
			s.daddr = r->saddr;
			s.sport = r->dport;
			s.dport = r->sport;
			s.seq = r->ack;
			s.flags = RST;
			s.doff = -1;
			s.trunc = -1;
			wire_send(&z->w, &s);
			z->sent[F_HANDSHAKE]++;
		}
		return;
	}
	if (c->state == C_DEAD) {
		/* an in-window reset answered by a challenge ACK: again, exact */
		if (c->we_reset && !(r->flags & RST) && (r->flags & ACK)) {
			conn_seg(z, c, &s, RST);
			s.seq = r->ack;
			s.ack = 0;
			wire_send(&z->w, &s);
			z->sent[F_HANDSHAKE]++;
		}
		return;
	}
	if (r->flags & RST) {
		c->state = C_DEAD;
		z->reset_by_peer++;
		return;
	}
	if ((r->flags & (SYN | ACK)) == (SYN | ACK)) {
		if (r->ack != c->iss + 1) {
			if (acks_fuzzed_syn(c, r->ack))
				conn_reborn(z, c, r->ack);
			else
				anomaly("synack_bad_ack: ack %u for ISN %u", r->ack, c->iss);
			return;
		}
		if (c->state == C_SYNSENT) {
			c->irs = r->seq;
			c->rcv_nxt = r->seq + 1;
			c->snd_nxt = c->iss + 1;
			c->peer_ack = c->iss + 1;
			c->max_end = c->iss + 1;
			c->peer_win = r->win;
			c->state = C_EST;
			z->est++;
		}
		send_ack(z, c);
		return;
	}
	if (c->state != C_EST)
		return;
	if (r->flags & ACK) {
		if (after(r->ack, c->max_end) && acks_fuzzed_syn(c, r->ack)) {
			conn_reborn(z, c, r->ack);
			return;
		} else if (after(r->ack, c->max_end)) {
			z->acked_far++;
			anomaly("ack_of_unsent: port %u acks %u, %u beyond what was sent",
				r->dport, r->ack - c->iss, r->ack - c->max_end);
		} else if (after(r->ack, c->peer_ack)) {
			c->peer_ack = r->ack;
			if (after(c->peer_ack, c->snd_nxt))
				c->snd_nxt = c->peer_ack;
		}
		c->peer_win = r->win;
	}
	end = r->seq + r->dlen + !!(r->flags & FIN);
	if (end != r->seq && !after(r->seq, c->rcv_nxt) && after(end, c->rcv_nxt)) {
		z->echoed += end - c->rcv_nxt - !!(r->flags & FIN);
		c->rcv_nxt = end;
		if (r->flags & FIN) {
			c->fin_seen = true;
			z->fin_by_peer++;
		}
		send_ack(z, c);
		if (c->fin_seen)
			c->state = C_DEAD;	/* acked; the pool opens another */
	} else if (end != r->seq) {
		send_ack(z, c);		/* a duplicate: tell it where we are */
	}
}

static void fuzz_drain(struct fuzz *z)
{
	struct rseg r;

	rng_swap();
	while (wire_recv(&z->w, &r)) {
		reply_flags[r.flags]++;
		fuzz_answer(z, &r);
	}
	rng_swap();
}

/* Structurally bad options, by the rule of RFC 9293 3.1 and edu_tcp's
 * input.c: a length below 2 or past the header, MSS not 4 bytes, window
 * scale not 3.  What follows an end-of-list is not looked at.
 */
static bool opts_malformed(const uint8_t *p, int len)
{
	int i = 0;

	while (i < len) {
		uint8_t kind = p[i], olen;

		if (kind == 0)
			return false;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return true;
		olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return true;
		if ((kind == 2 && olen != 4) || (kind == 3 && olen != 3))
			return true;
		i += olen;
	}
	return false;
}

/* Well-formed options, odd values: MSS 0/1/65535, wscale 15 and more,
 * SACK-permitted, SACK blocks, timestamps, unknown kinds, NOP, EOL.
 */
static void gen_good_opts(struct seg *s)
{
	static const uint16_t mss_vals[] = { 0, 1, 64, 88, 536, 1460, 65535 };
	uint8_t *p = s->opt;
	int n = 0, k, want = rnd_below(6), len, i;

	for (k = 0; k < want; k++) {
		int left = MAX_OPT - n;

		switch (rnd_below(8)) {
		case 0:
			if (left < 4)
				break;
			p[n] = 2;
			p[n + 1] = 4;
			put16(p + n + 2, chance(50) ? mss_vals[rnd_below(ARRAY_SIZE(mss_vals))] :
					 rnd32() & 0xffff);
			n += 4;
			break;
		case 1:
			if (left < 3)
				break;
			p[n] = 3;
			p[n + 1] = 3;
			p[n + 2] = chance(50) ? 14 + rnd_below(3) : rnd32() & 0xff;
			n += 3;
			break;
		case 2:
			if (left < 2)
				break;
			p[n] = 4;
			p[n + 1] = 2;
			n += 2;
			break;
		case 3:
			if (left < 10)
				break;
			p[n] = 8;
			p[n + 1] = 10;
			put32(p + n + 2, rnd32());
			put32(p + n + 6, chance(50) ? 0 : rnd32());
			n += 10;
			break;
		case 4:
			len = 2 + 8 * (1 + rnd_below(4));
			if (left < len)
				break;
			p[n] = 5;
			p[n + 1] = len;
			for (i = 2; i < len; i++)
				p[n + i] = rnd32();
			n += len;
			break;
		case 5:
			len = 2 + rnd_below(left > 2 ? left - 1 : 1);
			if (left < len || len < 2)
				break;
			p[n] = 6 + rnd_below(250);	/* 6..255: unknown or unused */
			if (p[n] == 8)
				p[n] = 254;
			p[n + 1] = len;
			for (i = 2; i < len; i++)
				p[n + i] = rnd32();
			n += len;
			break;
		case 6:
			p[n++] = 1;
			break;
		default:
			if (chance(30)) {	/* EOL, then garbage nobody reads */
				p[n++] = 0;
				while (n < MAX_OPT && chance(70))
					p[n++] = rnd32();
			}
			break;
		}
		if (n >= MAX_OPT)
			break;
	}
	while (n % 4)
		p[n++] = chance(50) ? 1 : 0;
	s->optlen = n;
}

/* Malformed options: length 0 or 1, overlong, cut by the header's end,
 * MSS and wscale of the wrong length.
 */
static void gen_bad_opts(struct seg *s)
{
	uint8_t *p = s->opt;
	int n = 0, i, pre = rnd_below(3);

	for (i = 0; i < pre; i++)
		p[n++] = 1;
	switch (rnd_below(7)) {
	case 0:		/* length 0 */
		p[n++] = 2 + rnd_below(30);
		p[n++] = 0;
		break;
	case 1:		/* length 1 */
		p[n++] = 2 + rnd_below(30);
		p[n++] = 1;
		break;
	case 2:		/* overlong: runs past the header */
		p[n++] = rnd_below(2) ? 8 : 2 + rnd_below(250);
		p[n++] = 41 + rnd_below(215);
		break;
	case 3:		/* MSS not 4 bytes */
		p[n++] = 2;
		p[n++] = chance(50) ? 3 : 5 + rnd_below(3);
		p[n++] = 5;
		p[n++] = 0xb4;
		break;
	case 4:		/* wscale not 3 bytes */
		p[n++] = 3;
		p[n++] = chance(50) ? 2 : 4;
		p[n++] = 7;
		break;
	case 5:		/* a kind in the header's last byte */
		while (n % 4 != 3)
			p[n++] = 1;
		p[n++] = 2 + rnd_below(30);
		break;
	default:	/* a timestamp that ends past the header */
		p[n++] = 8;
		p[n++] = 10;
		p[n++] = 1;
		break;
	}
	while (n % 4)
		p[n++] = 1;	/* NOP: the length above decides */
	s->optlen = n;
	if (!opts_malformed(p, n)) {	/* e.g. the overlong one was short */
		p[n - 1] = 2;	/* a kind with no length byte */
	}
}

/* Flags: every combination, weighted towards the interesting ones. */
static uint8_t gen_flags(void)
{
	static const uint8_t common[] = {
		ACK, PSH | ACK, FIN | ACK, RST, RST | ACK, SYN, SYN | ACK,
		SYN | FIN, SYN | RST, 0, FIN, FIN | PSH | URG, URG | ACK,
		SYN | FIN | RST | PSH | ACK | URG, ECE | CWR | ACK,
	};

	if (chance(40))
		return rnd32() & 0xff;
	return common[rnd_below(ARRAY_SIZE(common))];
}

/* A sequence number near a window edge or anywhere. */
static uint32_t near(uint32_t base, uint32_t win, bool far)
{
	if (far)
		return chance(20) ? base + 0x80000000u + rnd_below(3) - 1 : rnd32();
	switch (rnd_below(8)) {
	case 0: return base;
	case 1: return base - 1 - rnd_below(4);
	case 2: return base + 1 + rnd_below(4);
	case 3: return base + win - 1 + rnd_below(3);
	case 4: return base + rnd_below(win + 1);
	case 5: return base - rnd_below(70000);
	case 6: return base + win + rnd_below(70000);
	default: return base + rnd_below(2 * win + 2) - win;
	}
}

static int gen_data(struct fuzz *z)
{
	int n, i;

	if (chance(60))
		return 0;
	n = chance(70) ? 1 + rnd_below(64) : 1 + rnd_below(MAX_DATA);
	for (i = 0; i < n; i++)
		z->data[i] = rnd32();
	return n;
}

static struct conn *pick_live(struct fuzz *z)
{
	int i, k;

	if (!z->o->conns)
		return NULL;
	for (k = 0; k < 4; k++) {
		i = z->live[rnd_below(z->o->conns)];
		if (i && z->c[i - 1].state == C_EST)
			return &z->c[i - 1];
	}
	return NULL;
}

/* A segment at a target chosen by class: a live connection, the listener
 * or the closed port.
 */
static void gen_target(struct fuzz *z, struct seg *s, enum fclass cl, struct conn *c)
{
	uint32_t win;

	memset(s, 0, sizeof(*s));
	s->doff = -1;
	s->trunc = -1;
	s->daddr = z->o->dst;
	s->win = chance(80) ? rnd32() & 0xffff : 0;
	s->flags = gen_flags();
	if (s->flags & URG || chance(5))
		s->urg = chance(50) ? rnd_below(100) : rnd32() & 0xffff;
	if (c) {
		win = c->peer_win ? c->peer_win : 1;
		s->saddr = c->saddr;
		s->sport = c->sport;
		s->dport = z->o->port;
		s->seq = near(c->peer_ack, win, cl == F_LIVE_FAR);
		s->ack = chance(10) ? rnd32() : near(c->rcv_nxt, 64, cl == F_LIVE_FAR);
		return;
	}
	s->saddr = rnd_src(z->o);
	s->sport = rnd_port();
	s->dport = cl == F_CLOSED ? z->o->closed_port : z->o->port;
	s->seq = (s->flags & SYN) ? syn_seq(z->o->seed, s->saddr, s->sport) : rnd32();
	s->ack = rnd32();
	if (cl == F_LISTEN && chance(50)) {
		s->flags = chance(80) ? SYN : s->flags | SYN;
		s->seq = syn_seq(z->o->seed, s->saddr, s->sport);
	}
}

/* One segment of a random class; false if -k left that class out. */
static bool fuzz_one(struct fuzz *z)
{
	enum fclass cl, tcl;
	struct conn *c = NULL;
	uint32_t r = rnd_below(100), end;
	struct seg s;

	if (r < 25)
		cl = F_LIVE_NEAR;
	else if (r < 30)
		cl = F_LIVE_FAR;
	else if (r < 36)
		cl = F_LIVE_DATA;
	else if (r < 56)
		cl = F_LISTEN;
	else if (r < 66)
		cl = F_CLOSED;
	else if (r < 76)
		cl = F_BAD_CSUM;
	else if (r < 83)
		cl = F_BAD_DOFF;
	else if (r < 89)
		cl = F_SHORT;
	else
		cl = F_BAD_OPT;
	if (z->only && !(z->only & (1u << cl)))
		return false;

	/* where a malformed segment goes: anywhere */
	tcl = cl;
	if (cl >= F_BAD_CSUM)
		tcl = (enum fclass)rnd_below(F_CLOSED + 1);
	if (tcl <= F_LIVE_DATA) {
		c = pick_live(z);
		if (!c) {
			tcl = F_LISTEN;
			if (cl <= F_LIVE_DATA)
				cl = F_LISTEN;
		}
	}
	if (cl == F_LIVE_DATA) {
		/* in order, acceptable: the echo server answers */
		conn_seg(z, c, &s, PSH | ACK);
		s.seq = c->peer_ack;
		s.dlen = 1 + rnd_below(chance(80) ? 200 : MAX_DATA);
		for (end = 0; end < (uint32_t)s.dlen; end++)
			z->data[end] = rnd32();
		s.data = z->data;
		c->snd_nxt = s.seq + s.dlen;
	} else {
		gen_target(z, &s, tcl, c);
		s.dlen = gen_data(z);
		s.data = z->data;
		if (chance(40))
			gen_good_opts(&s);
	}
	switch (cl) {
	case F_BAD_CSUM:
		s.bad_csum = true;
		z->exp_badcsum++;
		break;
	case F_BAD_DOFF:
		if (chance(50)) {
			s.doff = rnd_below(5);
			z->doff_low++;
		} else {	/* beyond the segment, if a 4-bit offset can */
			int words;

			s.dlen = rnd_below(8);
			words = (20 + s.optlen + s.dlen) / 4;
			if (words < 15) {
				s.doff = words + 1 + rnd_below(15 - words);
				z->doff_beyond++;
			} else {
				s.doff = rnd_below(5);
				z->doff_low++;
			}
		}
		z->exp_badoff++;
		break;
	case F_SHORT:
		s.trunc = rnd_below(20);
		z->exp_short++;
		break;
	case F_BAD_OPT:
		gen_bad_opts(&s);
		z->exp_badopt++;
		break;
	default:
		if (opts_malformed(s.opt, s.optlen))
			z->exp_badopt++;
		break;
	}
	/* how far a live connection's sequence space may be acked */
	if (c && cl != F_SHORT && cl != F_BAD_CSUM && cl != F_BAD_DOFF) {
		end = s.seq + s.dlen + !!(s.flags & SYN) + !!(s.flags & FIN);
		if (after(end, c->max_end) && end - c->peer_ack < (1u << 20))
			c->max_end = end;
	}
	if (c && (s.flags & SYN)) {
		c->syn_seqs[c->nsyn % SYN_RING] = s.seq;
		if (++c->nsyn == 2 * SYN_RING)
			c->nsyn = SYN_RING;
	}
	wire_send(&z->w, &s);
	z->sent[cl]++;
	return true;
}

static void fuzz_reset_all(struct fuzz *z)
{
	struct seg s;
	int i;

	for (i = 0; i < z->nconns; i++) {
		struct conn *c = &z->c[i];

		if (c->state == C_SYNSENT || (c->state == C_DEAD && !c->rcv_nxt))
			continue;
		if (c->state == C_DEAD && !c->fin_seen)
			continue;	/* reset by the DUT */
		conn_seg(z, c, &s, RST);
		s.seq = c->peer_ack;
		s.ack = 0;
		wire_send(&z->w, &s);
		z->sent[F_HANDSHAKE]++;
		c->state = C_DEAD;
		c->we_reset = true;
	}
}

static int cmd_fuzz(const struct opts *o)
{
	long n = o->count < 0 ? 100000 : o->count, i;
	struct fuzz *z;
	double t0, t, end;
	int k;

	if (o->closed_port < 0) {
		fprintf(stderr, "edu_fuzz fuzz: -c CLOSEDPORT is needed\n");
		usage();
	}
	z = calloc(1, sizeof(*z));
	if (!z)
		die("calloc");
	z->o = o;
	wire_open(&z->w, o);
	/* the live connections first, so that the first segments find them */
	fuzz_maintain(z);
	end = now_s() + 5;
	while (now_s() < end && z->est < o->conns) {
		struct pollfd p = { .fd = z->w.fd, .events = POLLIN };

		poll(&p, 1, 50);
		fuzz_drain(z);
		fuzz_maintain(z);
	}
	printf("STAT initial_established %ld\n", z->est);
	fflush(stdout);
	t0 = now_s();
	if (o->classes) {
		char *list = strdup(o->classes), *tok, *save = NULL;

		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			for (k = 0; k < F_HANDSHAKE; k++)
				if (!strcmp(tok, fclass_name[k]))
					break;
			if (k == F_HANDSHAKE) {
				fprintf(stderr, "edu_fuzz: -k: unknown class %s\n", tok);
				usage();
			}
			z->only |= 1u << k;
		}
		free(list);
	}
	for (i = 0; i < n; i++) {
		while (!fuzz_one(z))
			;
		if ((i & 15) == 15) {
			fuzz_drain(z);
			fuzz_maintain(z);
		}
		if (o->rate > 0) {
			t = t0 + (double)(i + 1) / o->rate - now_s();
			if (t > 0.0005)
				sleep_s(t);
		}
		if (o->verbose && i % 10000 == 9999) {
			fprintf(stderr, "edu_fuzz: %ld sent, %.1f s\n", i + 1, now_s() - t0);
		}
	}
	t = now_s() - t0;
	end = now_s() + o->wait;
	while (now_s() < end) {
		struct pollfd p = { .fd = z->w.fd, .events = POLLIN };

		poll(&p, 1, 100);
		fuzz_drain(z);
	}
	fuzz_reset_all(z);
	end = now_s() + 0.5;
	while (now_s() < end) {
		struct pollfd p = { .fd = z->w.fd, .events = POLLIN };

		poll(&p, 1, 100);
		fuzz_drain(z);
	}
	printf("STAT fuzz_seconds_x1000 %ld\n", (long)(t * 1000));
	printf("STAT fuzz_rate %ld\n", (long)(n / (t > 0 ? t : 1)));
	for (k = 0; k < F_NCLASS; k++)
		printf("SENT %s %ld\n", fclass_name[k], z->sent[k]);
	printf("EXPECT DropShort %ld\n", z->exp_short);
	printf("EXPECT DropBadOffset %ld\n", z->exp_badoff);
	printf("EXPECT DropBadCsum %ld\n", z->exp_badcsum);
	printf("EXPECT DropBadOption %ld\n", z->exp_badopt);
	printf("STAT bad_doff_below_5 %ld\n", z->doff_low);
	printf("STAT bad_doff_beyond_segment %ld\n", z->doff_beyond);
	printf("STAT established %ld\n", z->est);
	printf("STAT reset_by_peer %ld\n", z->reset_by_peer);
	printf("STAT fin_by_peer %ld\n", z->fin_by_peer);
	printf("STAT syn_timeouts %ld\n", z->syn_timeouts);
	printf("STAT echoed_bytes %ld\n", z->echoed);
	printf("STAT synack_other_ack %ld\n", z->synack_other);
	printf("STAT conns_reborn %ld\n", z->reborn);
	printf("STAT conns_used %d\n", z->nconns);
	printf("STAT tx_errors %ld\n", z->w.tx_errors);
	print_replies();
	printf("ANOMALIES %ld\n", anomalies);
	return anomalies ? EXIT_FAIL : EXIT_OK;
}

/* ---- sockets: echo server, echo client, many idle connections --------- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void raise_nofile(long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		die("getrlimit");
	if (rl.rlim_cur >= (rlim_t)want)
		return;
	rl.rlim_cur = want;
	if (rl.rlim_max < (rlim_t)want)
		rl.rlim_max = want;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE, %ld)", want);
}

static struct sockaddr_in sin_of(uint32_t addr, int port)
{
	struct sockaddr_in sin = { 0 };

	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = addr;
	sin.sin_port = htons(port);
	return sin;
}

struct econn {
	int fd;
	char *pend;		/* echo not yet written */
	int plen, poff;
	bool eof;
};

static void echo_close(int ep, struct econn *e, long *closed)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, e->fd, NULL);
	close(e->fd);
	free(e->pend);
	free(e);
	(*closed)++;
}

/* Write what is pending; false when the connection is done with. */
static bool echo_flush(int ep, struct econn *e)
{
	struct epoll_event ev = { .data.ptr = e };
	ssize_t n;

	while (e->poff < e->plen) {
		n = write(e->fd, e->pend + e->poff, e->plen - e->poff);
		if (n < 0) {
			if (errno == EAGAIN) {
				ev.events = EPOLLOUT;
				epoll_ctl(ep, EPOLL_CTL_MOD, e->fd, &ev);
				return true;
			}
			return false;
		}
		e->poff += n;
	}
	free(e->pend);
	e->pend = NULL;
	e->plen = 0;
	e->poff = 0;
	if (e->eof)
		return false;
	ev.events = EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_MOD, e->fd, &ev);
	return true;
}

static int cmd_echo(const struct opts *o)
{
	struct sockaddr_in sin = sin_of(o->bind_addr ? parse_ip(o->bind_addr) : 0,
					o->port < 0 ? 0 : o->port);
	struct epoll_event ev, evs[64];
	long accepted = 0, closed = 0, bytes = 0, errs = 0, open_max = 0;
	static char buf[65536];
	socklen_t sl = sizeof(sin);
	double end = o->lifetime > 0 ? now_s() + o->lifetime : 0;
	int lfd, ep, n, i, one = 1;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(o->count > 0 ? o->count + 64 : 4096);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, o->proto);
	if (lfd < 0)
		die("socket(%d)", o->proto);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, o->backlog))
		die("bind/listen");
	getsockname(lfd, (struct sockaddr *)&sin, &sl);
	printf("listening %u\n", ntohs(sin.sin_port));
	fflush(stdout);
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!stop && (!end || now_s() < end)) {
		n = epoll_wait(ep, evs, ARRAY_SIZE(evs), 200);
		for (i = 0; i < n; i++) {
			struct econn *e = evs[i].data.ptr;
			ssize_t r;

			if (!e) {
				int fd;

				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					e = calloc(1, sizeof(*e));
					if (!e)
						die("calloc");
					e->fd = fd;
					ev.events = EPOLLIN;
					ev.data.ptr = e;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
					accepted++;
					if (accepted - closed > open_max)
						open_max = accepted - closed;
				}
				continue;
			}
			if (e->pend) {
				if (!echo_flush(ep, e))
					echo_close(ep, e, &closed);
				continue;
			}
			r = read(e->fd, buf, sizeof(buf));
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				if (r < 0)
					errs++;
				echo_close(ep, e, &closed);
				continue;
			}
			bytes += r;
			e->pend = malloc(r);
			if (!e->pend)
				die("malloc");
			memcpy(e->pend, buf, r);
			e->plen = r;
			if (!echo_flush(ep, e))
				echo_close(ep, e, &closed);
		}
	}
	printf("STAT echo_accepted %ld\n", accepted);
	printf("STAT echo_closed %ld\n", closed);
	printf("STAT echo_open_max %ld\n", open_max);
	printf("STAT echo_bytes %ld\n", bytes);
	printf("STAT echo_errors %ld\n", errs);
	return EXIT_OK;
}

/* Connect within tmo seconds; the fd (non-blocking) or -errno. */
static int connect_tmo(const struct opts *o, double tmo)
{
	struct sockaddr_in sin = sin_of(o->dst, o->port);
	struct pollfd p;
	socklen_t sl = sizeof(int);
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, o->proto);
	if (fd < 0)
		die("socket(%d)", o->proto);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) && errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return -err;
	}
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, (int)(tmo * 1000)) != 1) {
		close(fd);
		return -ETIMEDOUT;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl);
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

/* One echo exchange; 0 ok. */
static int echo_once(const struct opts *o, int idx, double *conn_ms, double *total_ms,
		     char *why, size_t whylen)
{
	struct sha256 ssent, srecv;
	char hs[65], hr[65];
	static uint8_t out[16384], in[65536];
	long sent = 0, got = 0;
	uint64_t save = rng_state;
	double t0 = now_s(), end = t0 + o->timeout;
	int fd, k;

	fd = connect_tmo(o, o->timeout);
	*conn_ms = (now_s() - t0) * 1000;
	if (fd < 0) {
		snprintf(why, whylen, "connect: %s", strerror(-fd));
		return -1;
	}
	sha256_init(&ssent);
	sha256_init(&srecv);
	rng_state = o->seed * 7919 + idx;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (sent < o->bytes)
			p.events |= POLLOUT;
		if (now_s() > end) {
			snprintf(why, whylen, "timeout: %ld sent, %ld echoed", sent, got);
			break;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		if (p.revents & POLLOUT) {
			long want = o->bytes - sent;

			if (want > (long)sizeof(out))
				want = sizeof(out);
			for (k = 0; k < want; k++)
				out[k] = rnd32();
			n = write(fd, out, want);
			if (n < 0 && errno != EAGAIN) {
				snprintf(why, whylen, "write: %s", strerror(errno));
				break;
			}
			if (n > 0) {
				sha256_update(&ssent, out, n);
				sent += n;
				/* rewind the stream by what was not taken */
				if (n < want) {
					rng_state -= (uint64_t)(want - n) * 0x9e3779b97f4a7c15ULL;
				}
				if (sent == o->bytes)
					shutdown(fd, SHUT_WR);
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(fd, in, sizeof(in));
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n < 0) {
				snprintf(why, whylen, "read: %s", strerror(errno));
				break;
			}
			if (n == 0) {
				sha256_hex(&ssent, hs);
				sha256_hex(&srecv, hr);
				if (sent != o->bytes || got != sent || strcmp(hs, hr))
					snprintf(why, whylen, "sent %ld %s echoed %ld %s",
						 sent, hs, got, hr);
				else
					snprintf(why, whylen, "sha256 %s", hs);
				close(fd);
				*total_ms = (now_s() - t0) * 1000;
				rng_state = save;
				return strncmp(why, "sha256", 6) ? -1 : 0;
			}
			sha256_update(&srecv, in, n);
			got += n;
		}
	}
	close(fd);
	*total_ms = (now_s() - t0) * 1000;
	rng_state = save;
	return -1;
}

static int cmd_client(const struct opts *o)
{
	long n = o->count < 0 ? 1 : o->count, i, ok = 0;
	double cm = 0, tm = 0, max_cm = 0, max_tm = 0;
	char why[200];

	signal(SIGPIPE, SIG_IGN);
	if (!o->dst || o->port < 0)
		usage();
	for (i = 0; i < n; i++) {
		int rc = echo_once(o, i, &cm, &tm, why, sizeof(why));

		printf("conn %ld %s connect_ms %.0f total_ms %.0f %s\n", i,
		       rc ? "FAIL" : "ok", cm, tm, why);
		fflush(stdout);
		ok += !rc;
		if (cm > max_cm)
			max_cm = cm;
		if (tm > max_tm)
			max_tm = tm;
	}
	printf("STAT client_ok %ld\n", ok);
	printf("STAT client_failed %ld\n", n - ok);
	printf("STAT client_max_connect_ms %.0f\n", max_cm);
	printf("STAT client_max_total_ms %.0f\n", max_tm);
	return ok == n ? EXIT_OK : EXIT_FAIL;
}

static int cmd_hold(const struct opts *o)
{
	long n = o->count < 0 ? 1000 : o->count, started = 0, done = 0, failed = 0, i;
	struct sockaddr_in sin = sin_of(o->dst, o->port);
	struct epoll_event ev, evs[256];
	struct linger lg = { 1, 0 };
	double t0 = now_s(), end = t0 + o->timeout;
	int *fds, ep, k, m, err;
	socklen_t sl;
	char c;

	signal(SIGPIPE, SIG_IGN);
	if (!o->dst || o->port < 0)
		usage();
	raise_nofile(n + 64);
	fds = calloc(n, sizeof(*fds));
	if (!fds)
		die("calloc");
	ep = epoll_create1(0);
	while (done + failed < n && now_s() < end) {
		while (started < n && started - done - failed < o->inflight) {
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, o->proto);

			if (fd < 0)
				die("socket (%ld open)", started);
			fds[started] = fd;
			if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
			    errno != EINPROGRESS) {
				if (failed < 5)
					printf("connect %ld: %s\n", started, strerror(errno));
				failed++;
				close(fd);
				fds[started++] = -1;
				continue;
			}
			ev.events = EPOLLOUT;
			ev.data.u64 = started++;
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		}
		m = epoll_wait(ep, evs, ARRAY_SIZE(evs), 100);
		for (k = 0; k < m; k++) {
			i = evs[k].data.u64;
			err = 0;
			sl = sizeof(err);
			getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &sl);
			epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
			if (err) {
				if (failed < 5)
					printf("connect %ld: %s\n", i, strerror(err));
				failed++;
				close(fds[i]);
				fds[i] = -1;
			} else {
				done++;
			}
		}
	}
	printf("established %ld %.0f\n", done, (now_s() - t0) * 1000);
	printf("STAT hold_established %ld\n", done);
	printf("STAT hold_failed %ld\n", failed);
	printf("STAT hold_unfinished %ld\n", n - done - failed);
	fflush(stdout);
	if (o->lifetime > 0) {
		sleep_s(o->lifetime);
	} else {
		while (read(0, &c, 1) > 0)
			;
	}
	t0 = now_s();
	for (i = 0; i < started; i++) {
		if (fds[i] < 0)
			continue;
		if (o->linger0)
			setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fds[i]);
	}
	printf("closed %ld %.0f\n", done, (now_s() - t0) * 1000);
	return done == n ? EXIT_OK : EXIT_FAIL;
}

int main(int argc, char **argv)
{
	struct opts o;
	const char *cmd;

	if (argc < 2)
		usage();
	cmd = argv[1];
	parse_opts(&o, argc - 1, argv + 1);
	rng_state = o.seed;
	rng_other = mix64(o.seed ^ 0x5eed);
	printf("seed %llu\n", (unsigned long long)o.seed);
	fflush(stdout);
	if (!strcmp(cmd, "flood"))
		return cmd_flood(&o);
	if (!strcmp(cmd, "fuzz"))
		return cmd_fuzz(&o);
	if (!strcmp(cmd, "echo"))
		return cmd_echo(&o);
	if (!strcmp(cmd, "client"))
		return cmd_client(&o);
	if (!strcmp(cmd, "hold"))
		return cmd_hold(&o);
	usage();
	return EXIT_USAGE;
}
