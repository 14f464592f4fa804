/*
 * The blocklist (ODP's congestion list, ODP-REFERENCE 8): the state of
 * each server in the shared segment's server table, so that a server
 * one worker found dead is skipped by every worker.  The master
 * registers the servers it knows (address written once, before any
 * worker can look); workers only update the states, with atomics (no
 * lock a SIGKILL could leave held).
 *
 * A refused connection blocks its server at once; other failures
 * (timeouts, a close before the handshake) block it when
 * congestion_failure_threshold of them fall within congestion_fail_window.
 * A blocked server is tried again by one connection once
 * congestion_retry_interval has passed (the caller that claims the try
 * moves the retry time on, so the others keep avoiding it); a login
 * that gets the server's handshake unblocks it.
 *
 * A failure that does not block the server yet backs it off: for every
 * worker, one connection at a time tries it, after 0.5 s, then 1 s, 2 s,
 * ... (at most congestion_retry_interval, each drawn at random in its
 * upper half), until one gets its handshake.  A server the monitor found
 * detect-dead (srvstate.h) is never tried by a session: only a probe
 * that succeeds revives it, and frees a blocked server too once it has
 * been blocked min_keep_congestion_interval.
 */
#ifndef OBP_SHARED_BLOCKLIST_H
#define OBP_SHARED_BLOCKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct obp_addr;
struct obp_conf;
struct obp_shm;

/*
 * Registers <a> unless it is there already: its index in the server
 * table, or -1 when the table is full (the server is then never
 * blocked).  The master (the static topology, rootservice_list) and the
 * monitor (the OceanBase source) register; an entry is claimed with a
 * compare-and-swap, so they never take the same one.
 */
int obp_bl_register(struct obp_shm *shm, const struct obp_addr *a);

/* The index of the server "ip:port" <text>, or -1. */
int obp_bl_find(const struct obp_shm *shm, const char *text);

/*
 * Whether a connection to server <idx> may be tried at <now_us>: true
 * for a server that has not failed since it last answered, or for the one
 * caller that claims the try of a blocked or backed-off server whose
 * time has come; false for a detect-dead one.
 */
bool obp_bl_may_try(const struct obp_shm *shm, int idx, int64_t now_us,
                    const struct obp_conf *conf);

/*
 * Whether server <idx> is detect-dead, or blocked or backed off at
 * <now_us> and not yet due for its retry: a read-only check for
 * choosing among servers (the router); the one that connects still
 * claims its try with obp_bl_may_try.  False
 * with enable_congestion off and for an index out of range.
 */
bool obp_bl_blocked(const struct obp_shm *shm, int idx, int64_t now_us,
                    const struct obp_conf *conf);

/*
 * A connection to server <idx> failed (<refused>: the server refused
 * it).  True when this failure blocked the server (the caller logs it).
 */
bool obp_bl_failed(const struct obp_shm *shm, int idx, bool refused,
                   int64_t now_us, const struct obp_conf *conf);

/*
 * Whether server <idx> failed since it last answered (blocked or backed
 * off, due or not): a connection to it is a retry.
 */
bool obp_bl_failing(const struct obp_shm *shm, int idx);

/* Server <idx> answered: it is not blocked any more. */
void obp_bl_ok(const struct obp_shm *shm, int idx);

/*
 * Monitor only: server <idx> answered a probe at <now_us>.  Ends its
 * back-off, and unblocks it once it has been blocked
 * min_keep_congestion_interval: true when it did (the caller logs it).
 */
bool obp_bl_release(const struct obp_shm *shm, int idx, int64_t now_us,
                    const struct obp_conf *conf);

/*
 * "ip:port alive; detect alive, read_only 0" or "ip:port blocked,
 * retried in 12s; detect dead (4 failed)" into <buf> for obproxyctl (the
 * part after ';' is obp_srvstate_describe's, then the replication
 * position, ", gtid 0:100"): OBP_OK, or OBP_ERROR past the last server.
 */
int obp_bl_describe(const struct obp_shm *shm, int idx, int64_t now_us,
                    char *buf, size_t len);

#endif
