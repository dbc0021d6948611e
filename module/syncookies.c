// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: SYN cookies, RFC 4987 section 3.6.
 *
 * When a listener's request queue is full, its SYN-ACK's sequence number
 * carries what the request record would have held, and nothing is kept:
 *
 *   bits 31..27  t mod 32, t a counter that ticks every 64 seconds
 *   bits 26..24  m, the peer's MSS as an index into edu_cookie_mss[]
 *   bits 23..0   s = F(secret, local and remote address and port, t,
 *                      the peer's ISN), F being SipHash; IPv6 addresses
 *                      whole, IPv4 ones in their mapped form
 *
 * The ACK that completes the handshake acknowledges ISN+1, so the
 * listener can read the cookie back, recompute s for the t it names, and
 * accept the ACK only if s matches and t is at most one tick old.  An
 * off-path attacker who cannot see the SYN-ACK cannot guess s; the key
 * is drawn once, at the first cookie, and never leaves this file.
 *
 * What does not fit: window scaling and every other SYN option (the
 * connection goes without them, RFC 4987 3.6), and any data the peer
 * sends before our SYN-ACK arrives.
 */
#include <linux/siphash.h>
#include <linux/net.h>
#include <linux/timekeeping.h>
#include "edu_tcp.h"

#define EDU_COOKIE_TICK_SHIFT	6	/* a tick is 64 s */
#define EDU_COOKIE_T_SHIFT	27
#define EDU_COOKIE_M_SHIFT	24
#define EDU_COOKIE_S_MASK	0x00ffffffU
#define EDU_COOKIE_MAX_AGE	1	/* ticks: a cookie lives 64-128 s */

/* MSS values peers commonly send, smallest first: the cookie keeps the
 * largest one not above the peer's, RFC 4987 3.6's "m".  536 is RFC
 * 9293's default; 65495 is loopback's (MTU 65535).
 */
static const u16 edu_cookie_mss[8] = {
	536, 1220, 1300, 1440, 1460, 4312, 8960, 65495,
};

static siphash_key_t edu_cookie_key __read_mostly;

static u32 edu_cookie_tick(void)
{
	return (u32)(ktime_get_seconds() >> EDU_COOKIE_TICK_SHIFT);
}

/* F's input: both addresses (IPv4 ones mapped, so either family), both
 * ports, the peer's ISN and the tick.
 */
struct edu_cookie_in {
	struct in6_addr	saddr, daddr;
	__be16		sport, dport;
	u32		irs, t;
};

static u32 edu_cookie_s(const struct edu_request *req, u32 t)
{
	struct edu_cookie_in in = {
		.saddr = req->saddr, .daddr = req->daddr,
		.sport = req->sport, .dport = req->dport,
		.irs = req->irs, .t = t,
	};

	net_get_random_once(&edu_cookie_key, sizeof(edu_cookie_key));
	return (u32)siphash(&in, sizeof(in), &edu_cookie_key) &
	       EDU_COOKIE_S_MASK;
}

/* The ISN of a cookie SYN-ACK for @req (its 4-tuple, irs, peer_mss). */
u32 edu_cookie_isn(const struct edu_request *req)
{
	u16 peer = req->peer_mss ? req->peer_mss : EDU_DEFAULT_MSS;
	u32 t = edu_cookie_tick(), m = 0;

	while (m + 1 < ARRAY_SIZE(edu_cookie_mss) && edu_cookie_mss[m + 1] <= peer)
		m++;
	return ((t & 31) << EDU_COOKIE_T_SHIFT) | (m << EDU_COOKIE_M_SHIFT) |
	       edu_cookie_s(req, t);
}

/* @req was rebuilt from an ACK: iss is the cookie, irs the peer's ISN.
 * Returns the MSS the cookie names, or 0 if it is not one of ours.
 */
u16 edu_cookie_check(const struct edu_request *req)
{
	u32 cookie = req->iss, now = edu_cookie_tick();
	u32 age = (now - (cookie >> EDU_COOKIE_T_SHIFT)) & 31;

	if (age > EDU_COOKIE_MAX_AGE)
		return 0;
	if ((cookie & EDU_COOKIE_S_MASK) != edu_cookie_s(req, now - age))
		return 0;
	return edu_cookie_mss[(cookie >> EDU_COOKIE_M_SHIFT) & 7];
}
