// SPDX-License-Identifier: GPL-2.0
/*
 * seqnum: sequence-number bookkeeping seen through EDU_TCP_INFO over
 * loopback.  RFC 9293 3.4: SYN and FIN each occupy one sequence number,
 * data one per byte, a pure ACK none; ISNs must not be predictable
 * (RFC 6528).  edu_tcp only: everything SKIPs under EDU_PROTO=6.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "edu_common.h"

#define WAIT_MS 2000
#define NBYTES 12345	/* odd on purpose: no MSS multiple */

FIXTURE(conn) {
	int cli;
	int srv;
	struct edu_tcp_info c;	/* right after the handshake */
	struct edu_tcp_info s;
};

FIXTURE_SETUP(conn)
{
	self->cli = self->srv = -1;
	/* The 6.1 harness runs the body even after a SKIP in setup: each
	 * body skips for itself.
	 */
	if (edu_is_kernel_tcp())
		return;
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, edu_pair(&self->cli, &self->srv));
	/* The client's last ACK may still be in flight to the server. */
	ASSERT_EQ(0, edu_wait_acked(self->srv, WAIT_MS));
	ASSERT_EQ(0, edu_info(self->cli, &self->c));
	ASSERT_EQ(0, edu_info(self->srv, &self->s));
}

FIXTURE_TEARDOWN(conn)
{
	if (self->cli >= 0)
		close(self->cli);
	if (self->srv >= 0)
		close(self->srv);
}

static void send_and_drain(struct __test_metadata *_metadata, int from, int to,
			   size_t n)
{
	static unsigned char buf[NBYTES];

	edu_fill(buf, n, 3, 0);
	ASSERT_EQ((ssize_t)n, send(from, buf, n, 0));
	ASSERT_EQ((ssize_t)n, recv(to, buf, n, MSG_WAITALL));
	EXPECT_EQ(-1, edu_check(buf, n, 3, 0));
	ASSERT_EQ(0, edu_wait_acked(from, WAIT_MS));
}

TEST_F(conn, syn_takes_one)
{
	EDU_ONLY(NULL);
	EXPECT_EQ(self->c.iss + 1, self->c.snd_nxt);
	EXPECT_EQ(self->c.snd_nxt, self->c.snd_una);	/* SYN acknowledged */
	EXPECT_EQ(self->s.iss + 1, self->s.snd_nxt);
	EXPECT_EQ(self->s.snd_nxt, self->s.snd_una);
	/* Each side's view of the other agrees. */
	EXPECT_EQ(self->c.iss, self->s.irs);
	EXPECT_EQ(self->s.iss, self->c.irs);
	EXPECT_EQ(self->c.snd_nxt, self->s.rcv_nxt);
	EXPECT_EQ(self->s.snd_nxt, self->c.rcv_nxt);
}

TEST_F(conn, data_takes_its_length_acks_take_none)
{
	struct edu_tcp_info c, s;

	EDU_ONLY(NULL);

	send_and_drain(_metadata, self->cli, self->srv, NBYTES);
	ASSERT_EQ(0, edu_info(self->cli, &c));
	ASSERT_EQ(0, edu_info(self->srv, &s));
	EXPECT_EQ(c.iss + 1 + NBYTES, c.snd_una);
	EXPECT_EQ(c.snd_una, c.snd_nxt);
	EXPECT_EQ(c.snd_nxt, s.rcv_nxt);
	/* The server only acknowledged: its sequence space did not move. */
	EXPECT_EQ(self->s.snd_nxt, s.snd_nxt);
	EXPECT_EQ(s.iss + 1, s.snd_nxt);

	/* And the other way round. */
	send_and_drain(_metadata, self->srv, self->cli, 1000);
	ASSERT_EQ(0, edu_info(self->cli, &c));
	ASSERT_EQ(0, edu_info(self->srv, &s));
	EXPECT_EQ(s.iss + 1 + 1000, s.snd_una);
	EXPECT_EQ(s.snd_nxt, c.rcv_nxt);
	EXPECT_EQ(c.iss + 1 + NBYTES, c.snd_nxt);
}

TEST_F(conn, fin_takes_one)
{
	struct edu_tcp_info c, s;
	char ch;

	EDU_ONLY(NULL);

	send_and_drain(_metadata, self->cli, self->srv, NBYTES);
	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	ASSERT_EQ(0, recv(self->srv, &ch, 1, 0));
	ASSERT_EQ(0, edu_wait_acked(self->cli, WAIT_MS));
	ASSERT_EQ(0, edu_info(self->cli, &c));
	ASSERT_EQ(0, edu_info(self->srv, &s));
	EXPECT_EQ(c.iss + 1 + NBYTES + 1, c.snd_una);
	EXPECT_EQ(c.snd_nxt, s.rcv_nxt);
	EXPECT_EQ(EDU_TCP_FIN_WAIT2, c.state);
	EXPECT_EQ(EDU_TCP_CLOSE_WAIT, s.state);

	/* The server's FIN: one more, on its side. */
	ASSERT_EQ(0, shutdown(self->srv, SHUT_WR));
	ASSERT_EQ(0, recv(self->cli, &ch, 1, 0));
	ASSERT_EQ(0, edu_wait_acked(self->srv, WAIT_MS));
	ASSERT_EQ(0, edu_info(self->cli, &c));
	ASSERT_EQ(0, edu_info(self->srv, &s));
	EXPECT_EQ(s.iss + 1 + 1, s.snd_una);
	EXPECT_EQ(s.snd_nxt, c.rcv_nxt);
	EXPECT_EQ(EDU_TCP_CLOSED, s.state);
	/*
	 * Linux TCP moves TIME-WAIT to a separate object and reports the
	 * still-open socket as CLOSED; keeping the socket itself in
	 * TIME-WAIT is the other honest answer.
	 */
	EXPECT_TRUE(c.state == EDU_TCP_TIME_WAIT || c.state == EDU_TCP_CLOSED)
		TH_LOG("client state %u after both FINs", c.state);
}

/* Window scale is agreed: what one side shifts by, the other applies. */
TEST_F(conn, window_scale_agreed)
{
	EDU_ONLY(NULL);
	EXPECT_EQ(self->c.snd_wscale, self->s.rcv_wscale);
	EXPECT_EQ(self->s.snd_wscale, self->c.rcv_wscale);
	EXPECT_GE(14u, self->c.rcv_wscale);	/* RFC 7323 limit */
	/* The advertised window, rounded to the scale, is what the peer has. */
	EXPECT_GE(1u << self->s.rcv_wscale,
		  (unsigned int)abs((int)(self->c.snd_wnd - self->s.rcv_wnd)));
	EXPECT_EQ(self->c.mss, self->s.mss);	/* same loopback MTU */
}

/*
 * RFC 6528: ISN = clock + hash(4-tuple, secret).  Consecutive connections
 * must all get distinct ISNs, and the steps between them must not look like
 * a counter (a bare clock would give small positive steps).
 */
#define NCONN 8
TEST(isn_not_predictable)
{
	struct edu_tcp_info info;
	struct sockaddr_in addr;
	uint32_t iss[NCONN], siss[NCONN];
	int lfd, cli, srv, big_steps = 0;

	EDU_ONLY(NULL);
	lfd = edu_listener(&addr, NCONN);
	ASSERT_LE(0, lfd);
	for (int i = 0; i < NCONN; i++) {
		cli = edu_connect(&addr, 0);
		ASSERT_LE(0, cli);
		srv = accept(lfd, NULL, NULL);
		ASSERT_LE(0, srv);
		ASSERT_EQ(0, edu_info(cli, &info));
		iss[i] = info.iss;
		ASSERT_EQ(0, edu_info(srv, &info));
		siss[i] = info.iss;
		close(cli);
		close(srv);
	}
	close(lfd);
	for (int i = 0; i < NCONN; i++) {
		for (int j = 0; j < i; j++) {
			EXPECT_NE(iss[i], iss[j]);
			EXPECT_NE(siss[i], siss[j]);
		}
		EXPECT_NE(iss[i], siss[i]);
		if (i && (uint32_t)(iss[i] - iss[i - 1]) >= (1u << 24))
			big_steps++;
	}
	for (int i = 0; i < NCONN; i++)
		TH_LOG("iss %u  server iss %u", iss[i], siss[i]);
	EXPECT_LT(0, big_steps) TH_LOG("client ISNs step like a counter");
}

TEST_HARNESS_MAIN
