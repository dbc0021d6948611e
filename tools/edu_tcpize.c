// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcpize.so: run an unmodified program over edu_tcp.  Preloaded
 * (LD_PRELOAD, or tools/edu-tcpize run CMD), it stands in front of the C
 * library's socket() and asks for protocol EDU_TCP_PROTO (default 253)
 * wherever the program asks for TCP:
 *
 *   socket(AF_INET or AF_INET6, SOCK_STREAM [| SOCK_NONBLOCK | SOCK_CLOEXEC],
 *          0 or IPPROTO_TCP)
 *
 * Every other socket (UDP, AF_UNIX, netlink, raw, an explicit protocol
 * number) is passed through untouched.  The rest of the socket API needs
 * no help: edu_tcp answers bind, connect, accept, poll and the TCP option
 * names programs use, on the file descriptor this returns.
 *
 * Environment:
 *   EDU_TCP_PROTO        protocol number to ask for (1-255, default 253)
 *   EDU_TCPIZE_QUIET=1   no line on stderr when the first socket is turned
 *   EDU_TCPIZE_FALLBACK=1  when the edu_tcp socket cannot be made, hand the
 *                        program a kernel TCP socket instead, and say so.
 *                        Off by default: a silent fallback would let a
 *                        student measure the kernel's TCP and believe it
 *                        was edu_tcp.
 *
 * Messages go straight to file descriptor 2 with write(2), so that they
 * neither disturb the program's stdio buffers nor depend on them.
 *
 * What it cannot reach: static binaries, programs that make the socket
 * system call themselves (Go), setuid programs (the loader drops
 * LD_PRELOAD for them).  Documentation/programs.rst lists the pitfalls.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/edu_tcp.h>

#define TCPIZE_PREFIX "edu-tcpize"

typedef int (*socket_fn)(int domain, int type, int protocol);

/* Settled once, from the environment, by the first TCP socket() call
 * rather than a constructor: a library initialised before this one may
 * open a socket from its own constructor.
 */
static pthread_once_t tcpize_env_once = PTHREAD_ONCE_INIT;
static int tcpize_proto = IPPROTO_EDU_TCP;
static bool tcpize_proto_bad;	/* EDU_TCP_PROTO was not a protocol number */
static bool tcpize_quiet;
static bool tcpize_fallback;

/* Each message is said once per process: these flip 0 -> 1 once. */
static int said_active;
static int said_bad_proto;
static int said_failed_v4, said_failed_v6;
static int said_fallback_v4, said_fallback_v6;

static bool env_is_one(const char *name)
{
	const char *v = getenv(name);

	return v && strcmp(v, "1") == 0;
}

static void tcpize_read_env(void)
{
	const char *v = getenv("EDU_TCP_PROTO");

	tcpize_quiet = env_is_one("EDU_TCPIZE_QUIET");
	tcpize_fallback = env_is_one("EDU_TCPIZE_FALLBACK");
	if (v && *v) {
		char *end;
		long n = strtol(v, &end, 10);

		/* IP's protocol field is one byte; 0 would mean "default" */
		if (*end || n < 1 || n > 255)
			tcpize_proto_bad = true;
		else
			tcpize_proto = (int)n;
	}
}

/* True the first time it is called for this flag, in any thread. */
static bool first_time(int *flag)
{
	return __atomic_exchange_n(flag, 1, __ATOMIC_RELAXED) == 0;
}

/* One line on stderr, errno left as it was. */
__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	int saved = errno;
	char line[512];
	ssize_t written;
	va_list ap;
	int n, len;

	len = snprintf(line, sizeof(line), TCPIZE_PREFIX ": pid %d (%s): ",
		       (int)getpid(), program_invocation_short_name);
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	va_end(ap);
	len += n < 0 ? 0 : n;
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* a failed write has nowhere left to complain to */
	written = write(STDERR_FILENO, line, len);
	(void)written;
	errno = saved;
}

/* The socket() the program would have called: the next one in the lookup
 * order (another preload's, or the C library's).
 */
static int next_socket(int domain, int type, int protocol)
{
	static socket_fn next;
	socket_fn fn = __atomic_load_n(&next, __ATOMIC_ACQUIRE);

	if (!fn) {
		fn = (socket_fn)dlsym(RTLD_NEXT, "socket");
		if (!fn)	/* no C library below us: ask the kernel */
			return (int)syscall(SYS_socket, domain, type, protocol);
		__atomic_store_n(&next, fn, __ATOMIC_RELEASE);
	}
	return fn(domain, type, protocol);
}

/* A request for TCP as the socket API spells it. */
static bool wants_tcp(int domain, int type, int protocol)
{
	if (domain != AF_INET && domain != AF_INET6)
		return false;
	if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM)
		return false;
	return protocol == 0 || protocol == IPPROTO_TCP;
}

static const char *family_name(int domain)
{
	return domain == AF_INET ? "AF_INET" : "AF_INET6";
}

static const char *type_name(int type)
{
	switch (type & (SOCK_NONBLOCK | SOCK_CLOEXEC)) {
	case SOCK_NONBLOCK:
		return "SOCK_STREAM|SOCK_NONBLOCK";
	case SOCK_CLOEXEC:
		return "SOCK_STREAM|SOCK_CLOEXEC";
	case SOCK_NONBLOCK | SOCK_CLOEXEC:
		return "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC";
	}
	return "SOCK_STREAM";
}

/* What the student most likely has to do about a failed socket(). */
static const char *failure_hint(int domain, int err)
{
	if (err == EPROTONOSUPPORT || err == ESOCKTNOSUPPORT ||
	    err == EAFNOSUPPORT) {
		if (domain == AF_INET6)
			return " (is edu_tcp loaded, and does this version of it speak IPv6?)";
		return " (is edu_tcp loaded, and with this proto= number? cat /sys/module/edu_tcp/parameters/proto)";
	}
	return "";
}

static int tcpize_failed(int domain, int type, int protocol, int err)
{
	char msg[128];
	int fd;

	if (first_time(domain == AF_INET ? &said_failed_v4 : &said_failed_v6))
		say("socket(%s, %s, %d) as protocol %d failed: %s%s",
		    family_name(domain), type_name(type), protocol,
		    tcpize_proto, strerror_r(err, msg, sizeof(msg)),
		    failure_hint(domain, err));
	if (!tcpize_fallback) {
		errno = err;
		return -1;
	}
	/* Not silenced by EDU_TCPIZE_QUIET: this socket is not edu_tcp. */
	if (first_time(domain == AF_INET ? &said_fallback_v4 : &said_fallback_v6))
		say("EDU_TCPIZE_FALLBACK=1: %s sockets of this process are the kernel's TCP, NOT edu_tcp",
		    family_name(domain));
	fd = next_socket(domain, type, protocol);
	return fd;
}

int socket(int domain, int type, int protocol)
{
	int fd;

	if (!wants_tcp(domain, type, protocol))
		return next_socket(domain, type, protocol);
	pthread_once(&tcpize_env_once, tcpize_read_env);
	if (tcpize_proto_bad) {
		if (first_time(&said_bad_proto))
			say("EDU_TCP_PROTO=%s is not a protocol number (1-255): TCP sockets refused",
			    getenv("EDU_TCP_PROTO"));
		errno = EINVAL;
		return -1;
	}
	fd = next_socket(domain, type, tcpize_proto);
	if (fd < 0)
		return tcpize_failed(domain, type, protocol, errno);
	if (!tcpize_quiet && first_time(&said_active))
		say("socket(%s, %s, %d) -> protocol %d (%s)",
		    family_name(domain), type_name(type), protocol,
		    tcpize_proto,
		    tcpize_proto == IPPROTO_TCP ? "the kernel's TCP" : "edu_tcp");
	return fd;
}
