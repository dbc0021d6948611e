// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: initial sequence numbers, RFC 6528 section 3.
 *
 *   ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
 *
 * M is a clock ticking every 4 microseconds (RFC 9293 3.4.1), so that a new
 * incarnation of a 4-tuple starts above the old one; F is SipHash keyed
 * with a secret drawn at load time, so that an off-path attacker cannot
 * predict the ISN of someone else's connection.
 */
#include <linux/siphash.h>
#include <linux/random.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include "edu_tcp.h"

static siphash_key_t edu_isn_key __read_mostly;

void edu_isn_init(void)
{
	get_random_bytes(&edu_isn_key, sizeof(edu_isn_key));
}

/* F's input: the 4-tuple, either family (IPv4 addresses mapped). */
struct edu_isn_tuple {
	struct in6_addr	saddr, daddr;
	__be16		sport, dport;
};

u32 edu_isn(const struct in6_addr *saddr, const struct in6_addr *daddr,
	    __be16 sport, __be16 dport)
{
	struct edu_isn_tuple t = {
		.saddr = *saddr, .daddr = *daddr, .sport = sport, .dport = dport,
	};
	u32 f = (u32)siphash(&t, sizeof(t), &edu_isn_key);
	/* RFC 9293 3.4.1: the clock advances once every 4 microseconds */
	u32 m = (u32)div_u64(ktime_get_real_ns(), 4000);

	return m + f;
}
