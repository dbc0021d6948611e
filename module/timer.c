// SPDX-License-Identifier: GPL-2.0
/*
 * edu_tcp: one hashed timer wheel for the whole module, and what each
 * socket timer does when it fires.
 *
 * The wheel has EDU_WHEEL_SLOTS slots of one jiffy each (4 ms at the HZ=250
 * Debian kernels use).  A timer lives in the slot of its expiry time
 * modulo the slot count, so arming and cancelling are a list insert and a
 * list delete.  One kernel timer drives the wheel; it is programmed for the
 * earliest expiry found in the next revolution, not for every tick.
 *
 * Callbacks run from that kernel timer in softirq context, one at a time,
 * with the wheel lock dropped, so a callback may re-arm its own timer.
 * A socket timer holds a reference on its socket while armed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/timer.h>
#include <linux/spinlock.h>
#include "edu_tcp.h"
#include "trace.h"

#define EDU_WHEEL_BITS	9
#define EDU_WHEEL_SLOTS	BIT(EDU_WHEEL_BITS)
#define EDU_WHEEL_MASK	(EDU_WHEEL_SLOTS - 1)

static struct {
	spinlock_t		lock;	/* slots, clock and count */
	struct hlist_head	slot[EDU_WHEEL_SLOTS];
	unsigned long		clock;	/* next tick not yet processed */
	unsigned int		count;	/* armed timers */
	struct timer_list	timer;
} wheel;

void edu_timer_init(struct edu_timer *t, void (*fn)(struct edu_timer *t))
{
	INIT_HLIST_NODE(&t->node);
	t->fn = fn;
	t->armed = false;
}

/* Program the kernel timer for the first expiry of the coming revolution.
 * Entries of later revolutions only need the wheel to come round again.
 */
static void wheel_schedule_next(void)
{
	unsigned long i, next = wheel.clock + EDU_WHEEL_SLOTS;
	struct edu_timer *t;

	if (!wheel.count)
		return;
	for (i = 0; i < EDU_WHEEL_SLOTS; i++) {
		unsigned long tick = wheel.clock + i;

		hlist_for_each_entry(t, &wheel.slot[tick & EDU_WHEEL_MASK], node) {
			if (time_before_eq(t->expires, tick)) {
				next = tick;
				goto found;
			}
		}
	}
found:
	mod_timer(&wheel.timer, next);
}

/* Put an armed timer in the slot of its new expiry; wheel lock held. */
static void wheel_place(struct edu_timer *t, unsigned long delay)
{
	t->expires = jiffies + max(delay, 1UL);
	hlist_add_head(&t->node, &wheel.slot[t->expires & EDU_WHEEL_MASK]);
	if (!timer_pending(&wheel.timer) ||
	    time_before(t->expires, wheel.timer.expires))
		mod_timer(&wheel.timer, t->expires);
}

bool edu_timer_arm(struct edu_timer *t, unsigned long delay)
{
	bool was_idle;

	spin_lock_bh(&wheel.lock);
	was_idle = !t->armed;
	if (t->armed) {
		hlist_del(&t->node);
	} else {
		if (!wheel.count)
			wheel.clock = jiffies;
		wheel.count++;
		t->armed = true;
	}
	WRITE_ONCE(t->gen, t->gen + 1);
	wheel_place(t, delay);
	spin_unlock_bh(&wheel.lock);
	return was_idle;
}

bool edu_timer_postpone(struct edu_timer *t, unsigned long delay)
{
	bool moved;

	spin_lock_bh(&wheel.lock);
	moved = t->armed;
	if (moved) {
		hlist_del(&t->node);
		WRITE_ONCE(t->gen, t->gen + 1);
		wheel_place(t, delay);
	}
	spin_unlock_bh(&wheel.lock);
	return moved;
}

bool edu_timer_cancel(struct edu_timer *t)
{
	bool was_armed;

	spin_lock_bh(&wheel.lock);
	was_armed = t->armed;
	if (was_armed) {
		hlist_del_init(&t->node);
		t->armed = false;
		wheel.count--;
	}
	WRITE_ONCE(t->gen, t->gen + 1);
	spin_unlock_bh(&wheel.lock);
	return was_armed;
}

static struct edu_timer *wheel_pop_expired(unsigned long now)
{
	struct edu_timer *t;

	/* After a long stall one revolution visits every slot once. */
	if (now - wheel.clock >= EDU_WHEEL_SLOTS)
		wheel.clock = now - EDU_WHEEL_SLOTS + 1;
	while (time_before_eq(wheel.clock, now)) {
		hlist_for_each_entry(t, &wheel.slot[wheel.clock & EDU_WHEEL_MASK], node) {
			if (time_before_eq(t->expires, now)) {
				hlist_del_init(&t->node);
				t->armed = false;
				t->fired_gen = t->gen;
				wheel.count--;
				return t;
			}
		}
		wheel.clock++;
	}
	return NULL;
}

static void wheel_tick(struct timer_list *unused)
{
	unsigned long now = jiffies;
	struct edu_timer *t;

	spin_lock(&wheel.lock);
	while ((t = wheel_pop_expired(now))) {
		spin_unlock(&wheel.lock);
		t->fn(t);
		spin_lock(&wheel.lock);
	}
	wheel_schedule_next();
	spin_unlock(&wheel.lock);
}

/* Wait until no callback is running, e.g. before a netns's state goes. */
void edu_wheel_barrier(void)
{
	timer_delete_sync(&wheel.timer);
	spin_lock_bh(&wheel.lock);
	wheel_schedule_next();
	spin_unlock_bh(&wheel.lock);
}

int edu_wheel_init(void)
{
	unsigned long i;

	spin_lock_init(&wheel.lock);
	for (i = 0; i < EDU_WHEEL_SLOTS; i++)
		INIT_HLIST_HEAD(&wheel.slot[i]);
	wheel.clock = jiffies;
	wheel.count = 0;
	timer_setup(&wheel.timer, wheel_tick, 0);
	return 0;
}

void edu_wheel_exit(void)
{
	timer_shutdown_sync(&wheel.timer);
	WARN_ON_ONCE(wheel.count);
}

/* ---- socket timers ---- */

unsigned long edu_msl_jiffies(void)
{
	return msecs_to_jiffies(READ_ONCE(edu_msl_ms));
}

static const char *const edu_timer_names[] = {
	[EDU_TIMER_OFF]		= "off",
	[EDU_TIMER_RETRANS]	= "retrans",
	[EDU_TIMER_PERSIST]	= "persist",
	[EDU_TIMER_DELACK]	= "delack",
	[EDU_TIMER_KEEPALIVE]	= "keepalive",
	[EDU_TIMER_TIMEWAIT]	= "timewait",
};

const char *edu_timer_name(enum edu_rtx_kind kind)
{
	return edu_timer_names[kind];
}

/* A timer that fires while a system call holds the socket must not touch
 * state the caller is using: it leaves a note, and edu_release_cb() does
 * its work when the call releases the socket.  The wheel's reference
 * passes to the note.
 */
static bool edu_timer_defer(struct sock *sk, int what)
{
	if (!sock_owned_by_user(sk))
		return false;
	/* re-armed and fired again under the same call: one note is
	 * enough, and it holds a reference already
	 */
	if (__test_and_set_bit(what, &edu_sk(sk)->deferred))
		__sock_put(sk);
	return true;
}

/* A socket timer's callback: do @work under the socket's spinlock and
 * drop the timer's reference, or leave both to edu_release_cb().
 */
static void edu_sock_timer_run(struct sock *sk, struct edu_timer *t,
			       int what, void (*work)(struct sock *sk))
{
	bh_lock_sock(sk);
	if (edu_timer_defer(sk, what)) {
		bh_unlock_sock(sk);
		return;
	}
	/* While this callback waited for the lock, the holder on another
	 * CPU may have re-armed or stopped the timer: that expiry is void.
	 */
	if (!edu_timer_overtaken(t))
		work(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

/* RFC 6298 5.5-5.7 and RFC 5681 3.1 (equation 4): back off, shrink the
 * window to one segment and go back to the first unacknowledged byte.
 */
static void edu_rto_expired(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	unsigned int limit;
	u32 flight;

	switch (sk->sk_state) {
	case EDU_TCP_SYN_SENT:
	case EDU_TCP_SYN_RCVD:	/* a simultaneous open: our SYN again */
		limit = READ_ONCE(edu_syn_retries);
		break;
	default:
		limit = READ_ONCE(edu_retries);
		if (sock_flag(sk, SOCK_DEAD))	/* closed: an orphan */
			limit = min(limit, READ_ONCE(edu_orphan_retries));
	}
	/* as Linux's tcp_out_of_resources(): no room left for orphans */
	if (sock_flag(sk, SOCK_DEAD) && edu_orphan_oom(sk)) {
		edu_orphan_abort(sk);
		return;
	}
	if (es->retries >= limit) {
		/* a child the listener still queues for accept() goes
		 * quietly; nobody has seen it yet
		 */
		if (es->parent) {
			edu_listener_drop_child(sk);
			return;
		}
		if (sk->sk_state == EDU_TCP_SYN_SENT ||
		    sk->sk_state == EDU_TCP_SYN_RCVD)
			edu_inc(sock_net(sk), EDU_MIB_ATTEMPTFAILS);
		/* a soft ICMP error (icmp.c) says better why, as in TCP */
		edu_abort(sk, READ_ONCE(sk->sk_err_soft) ?: ETIMEDOUT);
		return;
	}
	es->retries++;
	edu_inc(sock_net(sk), EDU_MIB_RTOEXPIRED);

	flight = es->snd_max - es->snd_una;
	es->ssthresh = max(flight / 2, 2U * es->mss);
	es->cwnd = es->mss;
	es->bytes_acked = 0;
	es->in_recovery = false;
	es->dupacks = 0;
	es->rtt_timing = false;		/* Karn: no sample from a retransmission */
	es->backoff = min_t(u8, es->backoff + 1, 30);
	es->snd_nxt = es->snd_una;
	edu_retransmit_head(sk);
	edu_rearm_rtx(sk);
	edu_push(sk, false);
}

/* RFC 1122 4.2.2.17: a sender keeps probing a zero window for as long as
 * the receiver answers.  As in Linux's tcp_probe_timer(), that holds for a
 * socket with an owner only: it gives up after `retries` probes in a row
 * went unanswered.  An orphan (closed by its owner, in FIN-WAIT-1, CLOSING
 * or LAST-ACK with data behind the window) has nobody to wait for: each
 * probe counts against orphan_retries whether it is answered or not, so a
 * peer that keeps its window shut cannot pin it, with its send buffer,
 * for good (review D1).  backoff counts those probes, as in Linux's test
 * of icsk_backoff; Linux also waits for the backed-off interval to reach
 * its 120 s maximum, edu_tcp does not, so the budget alone decides.
 */
bool edu_probes_spent(const struct sock *sk)
{
	const struct edu_sock *es = edu_sk(sk);
	unsigned int limit = READ_ONCE(edu_retries);

	if (!sock_flag(sk, SOCK_DEAD))
		return es->probes_out >= limit;
	limit = min(limit, READ_ONCE(edu_orphan_retries));
	return es->backoff >= limit || es->probes_out >= limit;
}

/* The probes' budget is spent: abort.  The peer may well be there (it
 * answered), so a RST tells it to let its half go too.
 */
void edu_persist_give_up(struct sock *sk)
{
	edu_inc(sock_net(sk), EDU_MIB_PERSISTABORTS);
	edu_send_rst(sk);
	edu_abort(sk, ETIMEDOUT);
}

/* The retransmission timer's work, with the socket's spinlock held. */
static void edu_rtx_expired(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	enum edu_rtx_kind kind;

	kind = es->rtx_kind;
	es->rtx_kind = EDU_TIMER_OFF;
	trace_edu_tcp_timer(sk, edu_timer_name(kind));
	switch (kind) {
	case EDU_TIMER_RETRANS:
		if (sk->sk_state != EDU_TCP_CLOSED)
			edu_rto_expired(sk);
		break;
	case EDU_TIMER_PERSIST:
		edu_send_probe(sk);
		break;
	case EDU_TIMER_TIMEWAIT:	/* an orphan stuck in FIN-WAIT-2 */
		edu_done(sk);
		break;
	default:
		break;
	}
}

static void edu_rtx_fire(struct edu_timer *t)
{
	struct edu_sock *es = container_of(t, struct edu_sock, rtx_timer);

	edu_sock_timer_run(&es->inet.sk, &es->rtx_timer, EDU_DEFER_RTX,
			   edu_rtx_expired);
}

static void edu_delack_expired(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (es->ack_pending && sk->sk_state != EDU_TCP_CLOSED &&
	    sk->sk_state != EDU_TCP_LISTEN) {
		trace_edu_tcp_timer(sk, "delack");
		edu_inc(sock_net(sk), EDU_MIB_DELAYEDACKS);
		edu_send_ack(sk);
	}
}

static void edu_delack_fire(struct edu_timer *t)
{
	struct edu_sock *es = container_of(t, struct edu_sock, delack_timer);

	edu_sock_timer_run(&es->inet.sk, &es->delack_timer, EDU_DEFER_DELACK,
			   edu_delack_expired);
}

static void edu_sock_timer_arm(struct sock *sk, struct edu_timer *t,
			       unsigned long delay)
{
	sock_hold(sk);
	if (!edu_timer_arm(t, delay))
		__sock_put(sk);	/* it already held one */
}

static void edu_sock_timer_cancel(struct sock *sk, struct edu_timer *t)
{
	if (edu_timer_cancel(t))
		__sock_put(sk);
}

void edu_arm_rtx_timer(struct sock *sk, enum edu_rtx_kind kind,
		       unsigned long delay)
{
	edu_sk(sk)->rtx_kind = kind;
	edu_sock_timer_arm(sk, &edu_sk(sk)->rtx_timer, delay);
}

void edu_stop_rtx_timer(struct sock *sk)
{
	edu_sk(sk)->rtx_kind = EDU_TIMER_OFF;
	edu_sock_timer_cancel(sk, &edu_sk(sk)->rtx_timer);
}

/* EDU_DELACK_MS (edu_tcp.h): RFC 9293 3.8.6.3 delays an ACK by less
 * than 0.5 s; Linux's 40 ms keeps request/response traffic brisk.
 */
void edu_schedule_delack(struct sock *sk)
{
	struct edu_timer *t = &edu_sk(sk)->delack_timer;

	if (t->armed)
		return;
	edu_sock_timer_arm(sk, t, msecs_to_jiffies(EDU_DELACK_MS));
}

/* Called for every segment that carries an ACK: look before taking the
 * wheel's lock.  Only the socket's lock holder arms this timer, so a stale
 * "armed" costs a lock, and a stale "idle" at worst one spare ACK.
 */
void edu_stop_delack(struct sock *sk)
{
	if (READ_ONCE(edu_sk(sk)->delack_timer.armed))
		edu_sock_timer_cancel(sk, &edu_sk(sk)->delack_timer);
}

void edu_stop_timers(struct sock *sk)
{
	edu_stop_rtx_timer(sk);
	edu_stop_delack(sk);
	edu_sock_timer_cancel(sk, &edu_sk(sk)->keepalive_timer);
}

/* ---- keep-alive, RFC 1122 4.2.3.6 ---- */

static unsigned long edu_keep_idle(const struct edu_sock *es)
{
	return (unsigned long)es->keep_idle * HZ;
}

/* (Re)start the idle countdown of a connection with SO_KEEPALIVE on. */
void edu_keepalive_reset(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	es->probes_out = 0;
	edu_sock_timer_arm(sk, &es->keepalive_timer, edu_keep_idle(es));
}

/* struct proto's keepalive: setsockopt(SO_KEEPALIVE), socket locked. */
void edu_keepalive(struct sock *sk, int on)
{
	struct edu_sock *es = edu_sk(sk);

	if (!on)
		edu_sock_timer_cancel(sk, &es->keepalive_timer);
	else if ((1 << sk->sk_state) & ((1 << EDU_TCP_ESTABLISHED) |
					(1 << EDU_TCP_CLOSE_WAIT)))
		edu_keepalive_reset(sk);
}

/* Probe a connection that has been idle for keep_idle seconds, every
 * keep_intvl seconds, and give up after keep_cnt unanswered probes: the
 * peer has gone (crashed, unplugged) without a FIN or RST.  While data is
 * outstanding the retransmission timer watches the peer instead.
 */
static void edu_keepalive_expired(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	unsigned long idle = jiffies - es->rcv_tstamp;

	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    !((1 << sk->sk_state) & ((1 << EDU_TCP_ESTABLISHED) |
				     (1 << EDU_TCP_CLOSE_WAIT))))
		return;
	if (es->snd_una != es->snd_max ||
	    !skb_queue_empty(&sk->sk_write_queue)) {
		edu_keepalive_reset(sk);
		return;
	}
	if (idle < edu_keep_idle(es) && !es->probes_out) {
		edu_sock_timer_arm(sk, &es->keepalive_timer,
				   edu_keep_idle(es) - idle);
		return;
	}
	if (es->probes_out >= es->keep_cnt) {
		trace_edu_tcp_timer(sk, edu_timer_name(EDU_TIMER_KEEPALIVE));
		edu_inc(sock_net(sk), EDU_MIB_KEEPALIVETIMEOUTS);
		edu_send_rst(sk);
		edu_abort(sk, ETIMEDOUT);
		return;
	}
	trace_edu_tcp_timer(sk, edu_timer_name(EDU_TIMER_KEEPALIVE));
	edu_inc(sock_net(sk), EDU_MIB_KEEPALIVEPROBES);
	edu_send_old_ack(sk);
	es->probes_out++;
	edu_sock_timer_arm(sk, &es->keepalive_timer,
			   (unsigned long)es->keep_intvl * HZ);
}

static void edu_keepalive_fire(struct edu_timer *t)
{
	struct edu_sock *es = container_of(t, struct edu_sock, keepalive_timer);

	edu_sock_timer_run(&es->inet.sk, &es->keepalive_timer, EDU_DEFER_KEEPALIVE,
			   edu_keepalive_expired);
}

/* struct proto's release_cb: release_sock() calls it with the socket's
 * spinlock held, as a timer would hold it, once the backlog is processed.
 * A timer the system call re-armed or stopped meanwhile has a new
 * deadline, or none: its old expiry is void (edu_timer_overtaken()).
 */
void edu_release_cb(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (__test_and_clear_bit(EDU_DEFER_RTX, &es->deferred)) {
		if (!edu_timer_overtaken(&es->rtx_timer))
			edu_rtx_expired(sk);
		__sock_put(sk);
	}
	if (__test_and_clear_bit(EDU_DEFER_DELACK, &es->deferred)) {
		if (!edu_timer_overtaken(&es->delack_timer))
			edu_delack_expired(sk);
		__sock_put(sk);
	}
	if (__test_and_clear_bit(EDU_DEFER_KEEPALIVE, &es->deferred)) {
		if (!edu_timer_overtaken(&es->keepalive_timer))
			edu_keepalive_expired(sk);
		__sock_put(sk);
	}
	/* ICMP errors that arrived meanwhile (icmp.c) */
	if (__test_and_clear_bit(EDU_DEFER_MTU, &es->deferred)) {
		edu_mtu_reduced(sk);
		__sock_put(sk);
	}
	if (__test_and_clear_bit(EDU_DEFER_SYN_ERR, &es->deferred)) {
		edu_syn_error_deferred(sk);
		__sock_put(sk);
	}
}

void edu_sock_timers_init(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	edu_timer_init(&es->rtx_timer, edu_rtx_fire);
	edu_timer_init(&es->delack_timer, edu_delack_fire);
	edu_timer_init(&es->keepalive_timer, edu_keepalive_fire);
	es->rtx_kind = EDU_TIMER_OFF;
}
