// SPDX-License-Identifier: GPL-2.0
/*
 * edu_xfer: push a deterministic byte stream through a stream socket of any
 * IP protocol (edu_tcp by default) and prove it arrived intact.
 *
 *   edu_xfer -l [options] PORT          serve one connection
 *   edu_xfer    [options] HOST PORT     connect
 *
 * Each side sends its -n bytes while it receives (full duplex), then shuts
 * its write side down and keeps reading until the peer's FIN.  The bytes a
 * side sends are a pseudo-random function of (seed, role, offset), so the
 * receiver, told how much to expect (-e), checks every byte as it arrives
 * and names the first wrong offset.  Both sides also print the SHA-256 of
 * what they sent and received, so a script can compare the two ends too:
 *
 *   sent BYTES SHA256
 *   recv BYTES SHA256
 *
 * Exit status: 0 ok, 1 received data wrong or short, 2 usage, 3 socket
 * error, 4 timeout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/edu_tcp.h>

#define CHUNK	65536

enum { EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_SOCK, EXIT_TIMEOUT };

/* ---- SHA-256 (FIPS 180-4) -------------------------------------------- */

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[64];
	size_t fill;
};

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->fill = 0;
}

static void sha256_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
		     ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
		t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->len += len;
	if (s->fill) {
		size_t n = 64 - s->fill < len ? 64 - s->fill : len;

		memcpy(s->buf + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill < 64)
			return;
		sha256_block(s, s->buf);
		s->fill = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(s, p);
	memcpy(s->buf, p, len);
	s->fill = len;
}

static void sha256_hex(struct sha256 *s, char out[65])
{
	uint64_t bits = s->len * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
	int i;

	/* 0x80, zeros up to 56 mod 64, then the length in bits, big-endian. */
	for (i = 0; i < 8; i++)
		pad[padlen + i] = bits >> (56 - 8 * i);
	sha256_update(s, pad, padlen + 8);
	for (i = 0; i < 8; i++)
		sprintf(out + 8 * i, "%08x", s->h[i]);
}

/* ---- the byte stream -------------------------------------------------- */

/*
 * Byte @off of the stream sent by @role (0 client, 1 server) under @seed:
 * splitmix64 of the 8-byte word index, so any offset can be recomputed and
 * a shifted, lost or duplicated run never lines up by accident.
 */
static uint64_t stream_word(uint64_t key, uint64_t idx)
{
	uint64_t x = idx * 0x9e3779b97f4a7c15ULL + key;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void stream_fill(uint64_t key, uint64_t off, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++, off++)
		buf[i] = stream_word(key, off >> 3) >> (8 * (off & 7));
}

static uint64_t stream_key(unsigned long seed, int role)
{
	return (uint64_t)seed * 2 + role + 0x5eed;
}

/* ---- options ---------------------------------------------------------- */

struct opts {
	bool listen;
	int proto;
	const char *host, *port, *bind_addr;
	uint64_t send_bytes;
	int64_t expect_bytes;	/* -1: don't check */
	unsigned long seed;
	int timeout_s;
	bool quiet;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: edu_xfer -l [options] PORT\n"
		"       edu_xfer    [options] HOST PORT\n"
		"  -p PROTO  IP protocol number (default $EDU_PROTO, else %d)\n"
		"  -n BYTES  bytes to send (K, M, G suffixes; default 0)\n"
		"  -e BYTES  bytes the peer sends; check them (default: no check)\n"
		"  -b        both ways: expect as many bytes as -n sends\n"
		"  -s SEED   stream seed, the same on both ends (default 1)\n"
		"  -t SECS   give up after SECS (default 60)\n"
		"  -a ADDR   address to listen on (default 0.0.0.0)\n"
		"  -q        no progress on stderr\n", IPPROTO_EDU_TCP);
	exit(EXIT_USAGE);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	case '\0': break;
	default: usage();
	}
	if (*end)
		usage();
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	const char *env = getenv("EDU_PROTO");
	bool both = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->proto = env && *env ? atoi(env) : IPPROTO_EDU_TCP;
	o->expect_bytes = -1;
	o->seed = 1;
	o->timeout_s = 60;
	o->bind_addr = "0.0.0.0";
	while ((c = getopt(argc, argv, "lp:n:e:bs:t:a:q")) != -1) {
		switch (c) {
		case 'l': o->listen = true; break;
		case 'p': o->proto = atoi(optarg); break;
		case 'n': o->send_bytes = parse_size(optarg); break;
		case 'e': o->expect_bytes = parse_size(optarg); break;
		case 'b': both = true; break;
		case 's': o->seed = strtoul(optarg, NULL, 0); break;
		case 't': o->timeout_s = atoi(optarg); break;
		case 'a': o->bind_addr = optarg; break;
		case 'q': o->quiet = true; break;
		default: usage();
		}
	}
	if (both && o->expect_bytes < 0)
		o->expect_bytes = o->send_bytes;
	if (o->listen && argc - optind == 1) {
		o->port = argv[optind];
	} else if (!o->listen && argc - optind == 2) {
		o->host = argv[optind];
		o->port = argv[optind + 1];
	} else {
		usage();
	}
	if (o->timeout_s <= 0)
		usage();
}

/* ---- networking -------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static long long deadline;

static int ms_left(void)
{
	long long left = deadline - now_ms();

	return left > 0 ? (int)left : 0;
}

static int resolve(const char *host, const char *port, struct sockaddr_in *sin)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	int err;

	/* getaddrinfo only knows TCP and UDP: resolve as TCP, use our proto. */
	err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		fprintf(stderr, "edu_xfer: %s:%s: %s\n", host, port, gai_strerror(err));
		return -1;
	}
	memcpy(sin, res->ai_addr, sizeof(*sin));
	freeaddrinfo(res);
	return 0;
}

static int do_listen(const struct opts *o)
{
	struct sockaddr_in sin, peer;
	socklen_t len = sizeof(sin);
	int one = 1, lfd, fd;
	struct pollfd pfd;

	if (resolve(o->bind_addr, o->port, &sin))
		return -1;
	lfd = socket(AF_INET, SOCK_STREAM, o->proto);
	if (lfd < 0) {
		perror("edu_xfer: socket");
		return -1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len)) {
		perror("edu_xfer: bind/listen");
		close(lfd);
		return -1;
	}
	/* Scripts wait for this line before starting the client. */
	printf("listening %u\n", ntohs(sin.sin_port));
	fflush(stdout);

	pfd.fd = lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms_left()) <= 0) {
		fprintf(stderr, "edu_xfer: no connection in time\n");
		close(lfd);
		errno = ETIMEDOUT;
		return -1;
	}
	len = sizeof(peer);
	fd = accept(lfd, (struct sockaddr *)&peer, &len);
	if (fd < 0)
		perror("edu_xfer: accept");
	else if (!o->quiet)
		fprintf(stderr, "edu_xfer: connection from %s:%u\n",
			inet_ntoa(peer.sin_addr), ntohs(peer.sin_port));
	close(lfd);
	return fd;
}

static int do_connect(const struct opts *o)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, err = 0;

	if (resolve(o->host, o->port, &sin))
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, o->proto);
	if (fd < 0) {
		perror("edu_xfer: socket");
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) && errno != EINPROGRESS) {
		perror("edu_xfer: connect");
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, ms_left()) <= 0) {
		fprintf(stderr, "edu_xfer: connect: timed out\n");
		close(fd);
		errno = ETIMEDOUT;
		return -1;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		fprintf(stderr, "edu_xfer: connect: %s\n", strerror(err));
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/*
 * Send our stream and receive the peer's at the same time, so that neither
 * side can deadlock on a full window while the other is still writing.
 */
static int transfer(int fd, const struct opts *o)
{
	uint64_t tx_key = stream_key(o->seed, o->listen);
	uint64_t rx_key = stream_key(o->seed, !o->listen);
	static uint8_t txbuf[CHUNK], rxbuf[CHUNK], want[CHUNK];
	uint64_t sent = 0, rcvd = 0;
	size_t tx_len = 0, tx_off = 0;
	struct sha256 tx_sha, rx_sha;
	char hex[65];
	bool eof = false, shut = false, bad = false;
	long long t0 = now_ms();
	int ret = EXIT_OK;

	sha256_init(&tx_sha);
	sha256_init(&rx_sha);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

	while (!eof || !shut) {
		struct pollfd pfd = { .fd = fd };
		ssize_t n;

		if (!shut && sent == o->send_bytes && tx_off == tx_len) {
			if (shutdown(fd, SHUT_WR)) {
				perror("edu_xfer: shutdown");
				return EXIT_SOCK;
			}
			shut = true;
			continue;
		}
		if (!eof)
			pfd.events |= POLLIN;
		if (!shut)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, ms_left()) <= 0) {
			fprintf(stderr, "edu_xfer: timed out (sent %llu, received %llu)\n",
				(unsigned long long)sent, (unsigned long long)rcvd);
			return EXIT_TIMEOUT;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR) && !eof) {
			n = recv(fd, rxbuf, sizeof(rxbuf), 0);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				perror("edu_xfer: recv");
				return EXIT_SOCK;
			}
			if (n == 0)
				eof = true;
			if (n > 0) {
				sha256_update(&rx_sha, rxbuf, n);
				if (o->expect_bytes >= 0 && !bad) {
					stream_fill(rx_key, rcvd, want, n);
					for (ssize_t i = 0; i < n; i++) {
						if (rxbuf[i] == want[i])
							continue;
						fprintf(stderr, "edu_xfer: byte %llu is 0x%02x, want 0x%02x\n",
							(unsigned long long)(rcvd + i), rxbuf[i], want[i]);
						bad = true;
						break;
					}
				}
				rcvd += n;
			}
		}
		if (pfd.revents & POLLOUT && !shut) {
			if (tx_off == tx_len) {
				uint64_t left = o->send_bytes - sent;

				tx_len = left < CHUNK ? left : CHUNK;
				tx_off = 0;
				stream_fill(tx_key, sent, txbuf, tx_len);
				sha256_update(&tx_sha, txbuf, tx_len);
				sent += tx_len;
			}
			n = send(fd, txbuf + tx_off, tx_len - tx_off, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				perror("edu_xfer: send");
				return EXIT_SOCK;
			}
			if (n > 0)
				tx_off += n;
		}
	}

	sha256_hex(&tx_sha, hex);
	printf("sent %llu %s\n", (unsigned long long)sent, hex);
	sha256_hex(&rx_sha, hex);
	printf("recv %llu %s\n", (unsigned long long)rcvd, hex);
	fflush(stdout);
	if (!o->quiet) {
		long long ms = now_ms() - t0 + 1;

		fprintf(stderr, "edu_xfer: %llu bytes out, %llu in, %lld ms, %.1f Mbit/s\n",
			(unsigned long long)sent, (unsigned long long)rcvd, ms,
			(sent + rcvd) * 8.0 / ms / 1000.0);
	}
	if (bad)
		ret = EXIT_DATA;
	if (o->expect_bytes >= 0 && rcvd != (uint64_t)o->expect_bytes) {
		fprintf(stderr, "edu_xfer: received %llu bytes, expected %lld\n",
			(unsigned long long)rcvd, (long long)o->expect_bytes);
		ret = EXIT_DATA;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o;
	int fd, ret;

	parse(argc, argv, &o);
	deadline = now_ms() + o.timeout_s * 1000LL;
	signal(SIGPIPE, SIG_IGN);
	fd = o.listen ? do_listen(&o) : do_connect(&o);
	if (fd < 0)
		return errno == ETIMEDOUT ? EXIT_TIMEOUT : EXIT_SOCK;
	ret = transfer(fd, &o);
	close(fd);
	return ret;
}
