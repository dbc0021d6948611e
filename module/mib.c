// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: the counters of /proc/net/edu_tcp_stat, one set per network
 * namespace, each a per-CPU array summed when read (edu_inc() and
 * edu_add() in edu_tcp.h bump this CPU's copy: no shared cache line, no
 * lock).  The names are the file's, in its order; Documentation/api.rst
 * says what each counts, and most are those of TCP's MIB (RFC 1213,
 * Linux's TcpExt) where one means the same.
 */
#include "edu_tcp.h"

const char *const edu_mib_names[EDU_MIB_MAX] = {
	[EDU_MIB_INSEGS]		= "InSegs",
	[EDU_MIB_OUTSEGS]		= "OutSegs",
	[EDU_MIB_RETRANSSEGS]		= "RetransSegs",
	[EDU_MIB_INERRS]		= "InErrs",
	[EDU_MIB_DROP_SHORT]		= "DropShort",
	[EDU_MIB_DROP_BADOFFSET]	= "DropBadOffset",
	[EDU_MIB_DROP_BADCSUM]		= "DropBadCsum",
	[EDU_MIB_DROP_BADOPTION]	= "DropBadOption",
	[EDU_MIB_DROP_NOSOCKET]		= "DropNoSocket",
	[EDU_MIB_DROP_OUTOFWINDOW]	= "DropOutOfWindow",
	[EDU_MIB_DROP_LISTENOVERFLOW]	= "DropListenOverflow",
	[EDU_MIB_DROP_MEMORY]		= "DropMemory",
	[EDU_MIB_OUTRSTS]		= "OutRsts",
	[EDU_MIB_INRSTS]		= "InRsts",
	[EDU_MIB_CHALLENGEACKS]		= "ChallengeAcks",
	[EDU_MIB_ACTIVEOPENS]		= "ActiveOpens",
	[EDU_MIB_PASSIVEOPENS]		= "PassiveOpens",
	[EDU_MIB_ATTEMPTFAILS]		= "AttemptFails",
	[EDU_MIB_ESTABRESETS]		= "EstabResets",
	[EDU_MIB_SYNRETRANS]		= "SynRetrans",
	[EDU_MIB_SYNACKRETRANS]		= "SynAckRetrans",
	[EDU_MIB_FINRETRANS]		= "FinRetrans",
	[EDU_MIB_TIMEWAITCREATED]	= "TimeWaitCreated",
	[EDU_MIB_TIMEWAITEXPIRED]	= "TimeWaitExpired",
	[EDU_MIB_DELAYEDACKS]		= "DelayedAcks",
	[EDU_MIB_FASTRETRANS]		= "FastRetrans",
	[EDU_MIB_RTOEXPIRED]		= "RtoExpired",
	[EDU_MIB_PERSISTPROBES]		= "PersistProbes",
	[EDU_MIB_OUTOFORDERQUEUED]	= "OutOfOrderQueued",
	[EDU_MIB_OUTGSOSKBS]		= "OutGsoSkbs",
	[EDU_MIB_GSOSEGMENTED]		= "GsoSegmented",
	[EDU_MIB_KEEPALIVEPROBES]	= "KeepAliveProbes",
	[EDU_MIB_KEEPALIVETIMEOUTS]	= "KeepAliveTimeouts",
	[EDU_MIB_SYNCOOKIESSENT]	= "SyncookiesSent",
	[EDU_MIB_SYNCOOKIESRECV]	= "SyncookiesRecv",
	[EDU_MIB_SYNCOOKIESFAILED]	= "SyncookiesFailed",
	/* receive-side hardening (input.c) */
	[EDU_MIB_PEERMSSCLAMPED]	= "PeerMssClamped",
	[EDU_MIB_CHALLENGEACKSKIPPED]	= "ChallengeAcksSkipped",
	[EDU_MIB_INVALIDACKSKIPPED]	= "InvalidAcksSkipped",
	[EDU_MIB_OFOCOVERED]		= "OutOfOrderCovered",
	[EDU_MIB_OFOPRUNED]		= "OutOfOrderPruned",
	[EDU_MIB_PERSISTABORTS]		= "PersistAborts",
	[EDU_MIB_TIMEWAITOVERFLOW]	= "TimeWaitOverflow",
	[EDU_MIB_ABORTONMEMORY]		= "AbortOnMemory",
	[EDU_MIB_MEMORYPRESSURES]	= "MemoryPressures",
	/* ICMP errors (icmp.c) */
	[EDU_MIB_ICMPIN]		= "IcmpIn",
	[EDU_MIB_ICMPNOSOCKET]		= "IcmpNoSocket",
	[EDU_MIB_ICMPOUTOFWINDOW]	= "IcmpOutOfWindow",
	[EDU_MIB_ICMPCONNABORTS]	= "IcmpConnAborts",
	[EDU_MIB_ICMPSOFTERRORS]	= "IcmpSoftErrors",
	[EDU_MIB_PMTUUPDATES]		= "PmtuUpdates",
};

unsigned long edu_mib_read(const struct net *net, enum edu_mib m)
{
	const struct edu_net *en = edu_pernet(net);
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(en->mib, cpu)->v[m];
	return sum;
}
