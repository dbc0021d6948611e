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

#include "sha256.h"

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
	int family;		/* AF_INET, or AF_INET6 with -6 */
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
		"  -a ADDR   address to listen on (default 0.0.0.0, :: with -6)\n"
		"  -6        IPv6: an AF_INET6 socket (HOST may be IPv4-mapped)\n"
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
	o->bind_addr = NULL;
	o->family = AF_INET;
	while ((c = getopt(argc, argv, "lp:n:e:bs:t:a:q6")) != -1) {
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
		case '6': o->family = AF_INET6; break;
		default: usage();
		}
	}
	if (!o->bind_addr)
		o->bind_addr = o->family == AF_INET6 ? "::" : "0.0.0.0";
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

static int resolve(const char *host, const char *port, int family,
		   struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct addrinfo hints = {
		.ai_family = family, .ai_socktype = SOCK_STREAM,
		/* -6 with an IPv4 HOST: its mapped form, as TCP clients use */
		.ai_flags = family == AF_INET6 ? AI_V4MAPPED : 0,
	};
	struct addrinfo *res;
	int err;

	/* getaddrinfo only knows TCP and UDP: resolve as TCP, use our proto. */
	err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		fprintf(stderr, "edu_xfer: %s:%s: %s\n", host, port, gai_strerror(err));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static const char *addr_str(const struct sockaddr_storage *ss, char *buf,
			    size_t len, unsigned int *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		*port = ntohs(s6->sin6_port);
		return inet_ntop(AF_INET6, &s6->sin6_addr, buf, len);
	}
	*port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
			 buf, len);
}

static int do_listen(const struct opts *o)
{
	struct sockaddr_storage sin, peer;
	socklen_t len, sinlen;
	int one = 1, lfd, fd;
	struct pollfd pfd;
	unsigned int port;
	char name[INET6_ADDRSTRLEN];

	if (resolve(o->bind_addr, o->port, o->family, &sin, &sinlen))
		return -1;
	lfd = socket(o->family, SOCK_STREAM, o->proto);
	if (lfd < 0) {
		perror("edu_xfer: socket");
		return -1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	len = sizeof(sin);
	if (bind(lfd, (struct sockaddr *)&sin, sinlen) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len)) {
		perror("edu_xfer: bind/listen");
		close(lfd);
		return -1;
	}
	/* Scripts wait for this line before starting the client. */
	addr_str(&sin, name, sizeof(name), &port);
	printf("listening %u\n", port);
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
	else if (!o->quiet && addr_str(&peer, name, sizeof(name), &port))
		fprintf(stderr, peer.ss_family == AF_INET6 ?
			"edu_xfer: connection from [%s]:%u\n" :
			"edu_xfer: connection from %s:%u\n", name, port);
	close(lfd);
	return fd;
}

static int do_connect(const struct opts *o)
{
	struct sockaddr_storage sin;
	struct pollfd pfd;
	socklen_t len = sizeof(int), sinlen;
	int fd, err = 0;

	if (resolve(o->host, o->port, o->family, &sin, &sinlen))
		return -1;
	fd = socket(o->family, SOCK_STREAM | SOCK_NONBLOCK, o->proto);
	if (fd < 0) {
		perror("edu_xfer: socket");
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sin, sinlen) && errno != EINPROGRESS) {
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
