// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: module parameters, registration and its unwinding.
 *
 * Registration goes from the inside out, as SCTP learnt to do ("sctp: fix
 * race on protocol/netns initialization"): the timer wheel, the struct
 * proto and its slab, then per-netns state, then the segmentation offload
 * (no super-segment can exist before the code that cuts it), and only then
 * the two doors through which the world gets in: the socket switch entry,
 * after which socket(AF_INET, SOCK_STREAM, proto) works and may at once
 * bind() into per-netns tables, and the IP receive hook last, so that no
 * segment can arrive before there is somewhere to deliver it.  Exit closes
 * the doors first and undoes the rest in exactly the reverse order: the
 * offload goes before the per-netns counters it writes to.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/mm.h>
#include <linux/log2.h>
#include <net/protocol.h>
#include <net/inet_common.h>
#include "edu_tcp.h"

/* inet_create() asks for "net-pf-2-proto-253-type-1" when nobody serves
 * socket(AF_INET, SOCK_STREAM, 253), inet6_create() for
 * "net-pf-10-proto-253-type-1", so a system that can load modules
 * loads edu_tcp then.  The alias is for the default number only: loaded
 * with proto=254, the module still has to be loaded by hand.  SOCK_STREAM
 * is an enum, which __stringify() would spell as its name, hence the
 * number (checked in edu_init()).
 */
#define EDU_ALIAS_SOCK_STREAM	1
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_INET, IPPROTO_EDU_TCP, EDU_ALIAS_SOCK_STREAM);
MODULE_ALIAS_NET_PF_PROTO_TYPE(PF_INET6, IPPROTO_EDU_TCP, EDU_ALIAS_SOCK_STREAM);

int edu_proto = IPPROTO_EDU_TCP;
module_param_named(proto, edu_proto, int, 0444);
MODULE_PARM_DESC(proto, "IPv4 protocol number to register (default 253, RFC 3692)");

/* RFC 9293 3.4.1 suggests an MSL of 2 minutes; Linux uses 30 s and so do
 * we, so that TIME-WAIT lasts one minute.
 */
unsigned int edu_msl_ms = 30000;
module_param_named(msl_ms, edu_msl_ms, uint, 0644);
MODULE_PARM_DESC(msl_ms, "Maximum segment lifetime in ms; TIME-WAIT lasts 2*MSL");

unsigned int edu_syn_retries = 6;
module_param_named(syn_retries, edu_syn_retries, uint, 0644);
MODULE_PARM_DESC(syn_retries, "SYN retransmissions before connect() fails with ETIMEDOUT");

unsigned int edu_synack_retries = 5;
module_param_named(synack_retries, edu_synack_retries, uint, 0644);
MODULE_PARM_DESC(synack_retries, "SYN-ACK retransmissions before a half-open connection is dropped");

/* RFC 6298 2.4 asks for a 1 s minimum; Linux uses 200 ms, and so do we. */
unsigned int edu_rto_min_ms = 200;
module_param_named(rto_min_ms, edu_rto_min_ms, uint, 0644);
MODULE_PARM_DESC(rto_min_ms, "Minimum retransmission timeout in ms");

unsigned int edu_retries = 15;
module_param_named(retries, edu_retries, uint, 0644);
MODULE_PARM_DESC(retries, "Data retransmissions before the connection fails with ETIMEDOUT");

/* Nobody waits for an orphan's result, so it gives up sooner; Linux's
 * default gives up after 8 as well.
 */
unsigned int edu_orphan_retries = 8;
module_param_named(orphan_retries, edu_orphan_retries, uint, 0644);
MODULE_PARM_DESC(orphan_retries, "Retransmissions before a connection closed by its owner gives up");

/* Bounds on what connections closed by their owners may hold, in the
 * spirit of Linux's tcp_max_orphans and tcp_max_tw_buckets.  Over
 * max_orphans an orphan is aborted with a RST instead of lingering
 * (AbortOnMemory); over max_tw_buckets TIME-WAIT records in a namespace, a
 * connection closes without one (TimeWaitOverflow).  Negative at load
 * time: computed from memory, as Linux sizes both (edu_default_limit()).
 */
int edu_max_orphans = -1;
module_param_named(max_orphans, edu_max_orphans, int, 0644);
MODULE_PARM_DESC(max_orphans, "Orphaned connections (closed, still sending) before new ones are reset (default: from memory)");

int edu_max_tw_buckets = -1;
module_param_named(max_tw_buckets, edu_max_tw_buckets, int, 0644);
MODULE_PARM_DESC(max_tw_buckets, "TIME-WAIT records per namespace before connections close without one (default: from memory)");

/* All edu_tcp memory together, in pages, as tcp_mem bounds TCP's: below
 * mem[0] nobody is limited; above mem[1] the module is under memory
 * pressure (send buffers shrink); above mem[2] a socket gets no more than
 * its minimum.  Computed at load from the free memory, as TCP does, unless
 * given (mem=min,pressure,max).
 */
long edu_sysctl_mem[3];
module_param_array_named(mem, edu_sysctl_mem, long, NULL, 0644);
MODULE_PARM_DESC(mem, "Memory thresholds in pages for all edu_tcp sockets: min,pressure,max (default: from free memory, as tcp_mem)");

/* Read when a connection is routed; output.c and offload.c say what it
 * changes.  Off, every segment is checksummed in software and sent as is,
 * so a capture on any device shows exactly what went on the wire.
 */
bool edu_offload = true;
module_param_named(offload, edu_offload, bool, 0644);
MODULE_PARM_DESC(offload, "Let capable devices checksum our segments and carry 64 KiB super-segments (GSO)");

/* RFC 4987 3.6, as TCP's net.ipv4.tcp_syncookies: 1 sends cookies only
 * while a listener's request queue is full, 2 always, 0 never (a full
 * queue then drops new SYNs).
 */
unsigned int edu_syncookies = 1;

static int edu_set_syncookies(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, 2);
}

static const struct kernel_param_ops edu_syncookies_ops = {
	.set	= edu_set_syncookies,
	.get	= param_get_uint,
};

module_param_cb(syncookies, &edu_syncookies_ops, &edu_syncookies, 0644);
MODULE_PARM_DESC(syncookies, "SYN cookies: 0 never, 1 when a listener's queue is full (default), 2 always");

static struct net_protocol edu_net_protocol = {
	.handler	= edu_v4_rcv,
	.err_handler	= edu_v4_err,
	.no_policy	= 1,
};

static struct inet_protosw edu_protosw = {
	.type		= SOCK_STREAM,
	.prot		= &edu_prot,
	.ops		= &edu_stream_ops,
};

/* Numbers the kernel, or a module it may load, already carries. */
static bool edu_proto_taken(int proto)
{
	switch (proto) {
	case IPPROTO_IP:
	case IPPROTO_ICMP:
	case IPPROTO_IGMP:
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_DCCP:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
	case IPPROTO_RAW:
		return true;
	}
	return rcu_access_pointer(inet_protos[proto]);
}

/* Linux sizes its established-connection hash at one bucket per 128 KiB
 * of memory, rounded up to a power of two, and sets both tcp_max_orphans
 * and tcp_max_tw_buckets to half the bucket count: one connection per
 * 256 KiB, 4096 for each GiB.
 */
static int __init edu_default_limit(void)
{
	unsigned long buckets = totalram_pages() >> (17 - PAGE_SHIFT);

	buckets = roundup_pow_of_two(max(buckets, 256UL));
	return min_t(unsigned long, buckets / 2, INT_MAX);
}

/* Linux's tcp_init_mem(): 1/16 of the buffer memory is the pressure mark,
 * three quarters of it the floor, one and a half times it the ceiling.
 */
static void __init edu_mem_init(void)
{
	unsigned long limit = max(nr_free_buffer_pages() / 16, 128UL);

	if (edu_sysctl_mem[0] || edu_sysctl_mem[1] || edu_sysctl_mem[2])
		return;		/* given at load */
	edu_sysctl_mem[0] = limit / 4 * 3;
	edu_sysctl_mem[1] = limit;
	edu_sysctl_mem[2] = edu_sysctl_mem[0] * 2;
}

static void __init edu_limits_init(void)
{
	edu_mem_init();
	if (edu_max_orphans < 0)
		edu_max_orphans = edu_default_limit();
	if (edu_max_tw_buckets < 0)
		edu_max_tw_buckets = edu_default_limit();
}

static int __init edu_init(void)
{
	int err;

	if (edu_proto <= 0 || edu_proto >= IPPROTO_RAW) {
		pr_err("proto=%d is not an IPv4 protocol number (1..254); use 253 or 254 (RFC 3692)\n",
		       edu_proto);
		return -EINVAL;
	}
	if (edu_proto_taken(edu_proto)) {
		pr_err("proto=%d is already used by another IPv4 protocol; use 253 or 254 (RFC 3692)\n",
		       edu_proto);
		return -EBUSY;
	}
	BUILD_BUG_ON(EDU_ALIAS_SOCK_STREAM != SOCK_STREAM);
	edu_protosw.protocol = edu_proto;
	edu_isn_init();
	edu_limits_init();

	err = edu_wheel_init();
	if (err) {
		pr_err("cannot start the timer wheel (%d)\n", err);
		return err;
	}
	err = edu_prot_register();
	if (err) {
		pr_err("cannot register the socket type (%d)\n", err);
		goto out_wheel;
	}
	err = edu_table_init();
	if (err) {
		pr_err("cannot register per-netns state (%d)\n", err);
		goto out_proto;
	}
	err = edu_proc_init();
	if (err) {
		pr_err("cannot create /proc/edu_tcp (%d)\n", err);
		goto out_table;
	}
	err = edu_offload_init();
	if (err) {
		pr_err("IPv4 protocol %d already has a segmentation offload; use 253 or 254 (RFC 3692)\n",
		       edu_proto);
		goto out_proc;
	}
	inet_register_protosw(&edu_protosw);
	err = inet_add_protocol(&edu_net_protocol, edu_proto);
	if (err) {
		pr_err("IPv4 protocol %d is already taken; use 253 or 254 (RFC 3692)\n",
		       edu_proto);
		err = -EBUSY;
		goto out_protosw;
	}
	err = edu6_init();
	if (err) {
		pr_err("IPv6 next header %d is already taken; use 253 or 254 (RFC 3692)\n",
		       edu_proto);
		goto out_protocol;
	}
	pr_info("loaded: IPv4 protocol and IPv6 next header %d, MSL %u ms\n",
		edu_proto, edu_msl_ms);
	return 0;

out_protocol:
	inet_del_protocol(&edu_net_protocol, edu_proto);
	synchronize_net();
out_protosw:
	inet_unregister_protosw(&edu_protosw);
	edu_offload_exit();
out_proc:
	edu_proc_exit();
out_table:
	edu_table_exit();
out_proto:
	edu_prot_unregister();
out_wheel:
	edu_wheel_exit();
	return err;
}

/* Sockets pin the module, so none exists here; what may still be in
 * flight are segments in softirq (synchronize_net() after the receive
 * hook goes) and super-segments in a qdisc (inet_del_offload() waits for
 * its readers before the counters they bump are freed).
 */
static void __exit edu_exit(void)
{
	edu6_exit();
	inet_del_protocol(&edu_net_protocol, edu_proto);
	synchronize_net();
	inet_unregister_protosw(&edu_protosw);
	edu_offload_exit();
	edu_proc_exit();
	edu_table_exit();
	edu_prot_unregister();
	edu_wheel_exit();
	pr_info("unloaded\n");
}

module_init(edu_init);
module_exit(edu_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The edu_tcp developers");
MODULE_DESCRIPTION("A teaching TCP under its own IPv4 protocol number");
