// SPDX-License-Identifier: GPL-2.0
/*
 * policy_hooks: the system's policy hooks see edu_tcp's sockets as they
 * see TCP's (review S3).
 *
 * Each test puts itself in a cgroup of its own (cgroup v2, mounted for the
 * test), attaches one BPF program of two instructions to it and checks
 * what a socket made there sees:
 *   - bind()/connect() programs (BPF_PROG_TYPE_CGROUP_SOCK_ADDR) that
 *     refuse: the call fails with EPERM, as inet_bind() and TCP's
 *     pre_connect() make it fail;
 *   - a connect() program that rewrites the port: the connection goes to
 *     the new one, so the program ran before the address was used;
 *   - an egress program (BPF_PROG_TYPE_CGROUP_SKB) that drops everything:
 *     the SYN never leaves, so the connection never completes.  The
 *     kernel runs it only for an skb owned by the socket (skb->sk).
 * The programs are written out as instructions: no compiler, no libbpf.
 * On a kernel without cgroup BPF (the debug kernel's configuration) every
 * test SKIPs.  EDU_PROTO=6 runs the same tests against the kernel's TCP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "kselftest_harness.h"
#include "edu_common.h"

/* Long enough for a connection over loopback to complete many times over
 * in a TCG guest; a connection whose SYN is dropped waits a whole RTO.
 */
#define CONNECT_WAIT_MS	500

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int load_prog(enum bpf_prog_type type, enum bpf_attach_type attach,
		     const struct bpf_insn *insns, unsigned int n)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.expected_attach_type = attach;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = n;
	attr.license = (unsigned long)"GPL";
	return sys_bpf(BPF_PROG_LOAD, &attr);
}

/* r0 = verdict (0 refuse or drop, 1 allow); exit */
static int load_verdict(enum bpf_prog_type type, enum bpf_attach_type attach,
			int verdict)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = verdict },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return load_prog(type, attach, insns, 2);
}

/* ctx->user_port = htons(port); r0 = 1; exit */
static int load_port_rewrite(unsigned short port)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2,
		  .imm = htons(port) },
		{ .code = BPF_STX | BPF_W | BPF_MEM, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_REG_2,
		  .off = offsetof(struct bpf_sock_addr, user_port) },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return load_prog(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
			 BPF_CGROUP_INET4_CONNECT, insns, 4);
}

static int write_pid(const char *dir)
{
	char path[160], pid[16];
	int fd, len, ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	len = snprintf(pid, sizeof(pid), "%d", getpid());
	ok = write(fd, pid, len) == len;
	close(fd);
	return ok ? 0 : -1;
}

FIXTURE(cg) {
	char root[64];
	char dir[96];
	int dirfd;
	int prog;
	enum bpf_attach_type attached;
	bool mounted;
	char why[96];		/* set when the kernel cannot run the test */
};

FIXTURE_SETUP(cg)
{
	int probe;

	self->dirfd = self->prog = -1;
	self->mounted = false;
	self->why[0] = 0;
	strcpy(self->root, "/tmp/edu_policy.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	/* this harness runs the test after a SKIP in the setup: the test
	 * skips itself (NEED_CGROUP_BPF) with the reason given here
	 */
	if (mount("none", self->root, "cgroup2", 0, NULL)) {
		snprintf(self->why, sizeof(self->why), "no cgroup v2 (%s)",
			 strerror(errno));
		return;
	}
	self->mounted = true;
	probe = load_verdict(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 1);
	if (probe < 0) {
		snprintf(self->why, sizeof(self->why), "no cgroup BPF (%s)",
			 strerror(errno));
		return;
	}
	close(probe);
	snprintf(self->dir, sizeof(self->dir), "%s/edu_policy", self->root);
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	self->dirfd = open(self->dir, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, self->dirfd);
	/* sockets made from now on belong to this cgroup (sk_alloc) */
	ASSERT_EQ(0, write_pid(self->dir));
}

FIXTURE_TEARDOWN(cg)
{
	union bpf_attr attr;

	if (self->prog >= 0) {
		memset(&attr, 0, sizeof(attr));
		attr.target_fd = self->dirfd;
		attr.attach_bpf_fd = self->prog;
		attr.attach_type = self->attached;
		sys_bpf(BPF_PROG_DETACH, &attr);
		close(self->prog);
	}
	if (self->dirfd >= 0) {
		write_pid(self->root);
		close(self->dirfd);
		rmdir(self->dir);
	}
	if (self->mounted)
		umount(self->root);
	rmdir(self->root);
}

#define NEED_CGROUP_BPF() do {					\
	if (self->why[0])						\
		SKIP(return, "%s", self->why);				\
} while (0)

static int attach(FIXTURE_DATA(cg) *self, int prog, enum bpf_attach_type type)
{
	union bpf_attr attr;

	if (prog < 0)
		return -1;
	self->prog = prog;
	self->attached = type;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = self->dirfd;
	attr.attach_bpf_fd = prog;
	attr.attach_type = type;
	return sys_bpf(BPF_PROG_ATTACH, &attr);
}

static void loopback6(struct sockaddr_in6 *sin6, unsigned short port)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = in6addr_loopback;
	sin6->sin6_port = htons(port);
}

TEST_F(cg, bind4_refused)
{
	struct sockaddr_in sin;
	int fd;

	NEED_CGROUP_BPF();

	ASSERT_EQ(0, attach(self, load_verdict(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
					       BPF_CGROUP_INET4_BIND, 0),
			    BPF_CGROUP_INET4_BIND));
	fd = edu_socket(0);
	ASSERT_LE(0, fd);
	edu_loopback(&sin, 0);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EPERM, errno);
	close(fd);
}

TEST_F(cg, bind6_refused)
{
	struct sockaddr_in6 sin6;
	int fd;

	NEED_CGROUP_BPF();

	ASSERT_EQ(0, attach(self, load_verdict(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
					       BPF_CGROUP_INET6_BIND, 0),
			    BPF_CGROUP_INET6_BIND));
	fd = socket(AF_INET6, SOCK_STREAM, edu_proto());
	ASSERT_LE(0, fd);
	loopback6(&sin6, 0);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(EPERM, errno);
	close(fd);
}

TEST_F(cg, connect4_refused)
{
	struct sockaddr_in addr;
	int lfd, fd;

	NEED_CGROUP_BPF();

	lfd = edu_listener(&addr, 4);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, attach(self, load_verdict(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
					       BPF_CGROUP_INET4_CONNECT, 0),
			    BPF_CGROUP_INET4_CONNECT));
	fd = edu_socket(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(EPERM, errno);
	close(fd);
	close(lfd);
}

TEST_F(cg, connect6_refused)
{
	struct sockaddr_in6 sin6;
	int fd;

	NEED_CGROUP_BPF();

	ASSERT_EQ(0, attach(self, load_verdict(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
					       BPF_CGROUP_INET6_CONNECT, 0),
			    BPF_CGROUP_INET6_CONNECT));
	fd = socket(AF_INET6, SOCK_STREAM, edu_proto());
	ASSERT_LE(0, fd);
	loopback6(&sin6, 9);	/* nobody listens: without the hook, ECONNREFUSED */
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)));
	EXPECT_EQ(EPERM, errno);
	close(fd);
}

/* The program runs before the address is used: it can redirect. */
TEST_F(cg, connect4_redirected)
{
	struct sockaddr_in addr, unused, peer;
	socklen_t len = sizeof(peer);
	int lfd, rfd, fd, srv;

	NEED_CGROUP_BPF();

	lfd = edu_listener(&addr, 4);
	ASSERT_LE(0, lfd);
	rfd = edu_reserve_port(&unused);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, attach(self, load_port_rewrite(ntohs(addr.sin_port)),
			    BPF_CGROUP_INET4_CONNECT));
	fd = edu_socket(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&unused, sizeof(unused)));
	ASSERT_EQ(0, getpeername(fd, (struct sockaddr *)&peer, &len));
	EXPECT_EQ(addr.sin_port, peer.sin_port);
	srv = accept(lfd, NULL, NULL);
	EXPECT_LE(0, srv);
	close(srv);
	close(fd);
	close(rfd);
	close(lfd);
}

/* Egress programs see only skbs their socket owns: the SYN must be one. */
TEST_F(cg, egress_dropped)
{
	struct sockaddr_in addr;
	struct pollfd pfd;
	int lfd, fd;

	NEED_CGROUP_BPF();

	lfd = edu_listener(&addr, 4);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, attach(self, load_verdict(BPF_PROG_TYPE_CGROUP_SKB,
					       BPF_CGROUP_INET_EGRESS, 0),
			    BPF_CGROUP_INET_EGRESS));
	fd = edu_socket(SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(EINPROGRESS, errno);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	EXPECT_EQ(0, poll(&pfd, 1, CONNECT_WAIT_MS)) {
		TH_LOG("connected (revents %#x): the SYN was not dropped",
		       pfd.revents);
	}
	close(fd);
	close(lfd);
}

TEST_HARNESS_MAIN
