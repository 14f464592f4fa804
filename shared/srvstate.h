/*
 * What the monitor learns of each server by probing it (ODP-REFERENCE
 * 8.3), kept in the segment's server table beside the blocklist
 * (blocklist.h): the detection state, and for MariaDB/MySQL primaries
 * and replicas read_only and the replica's state.  The monitor process
 * is the only writer (obp_srvstate_probed / obp_srvstate_missed); any
 * process reads, without locks.  Each field is an atomic of its own: a
 * reader may see one field of the newest probe beside another of the one
 * before, never a torn value.
 *
 * Detection: every server_detect_refresh_interval the monitor sends
 * "select 'detect server' from dual" to the servers server_detect_mode
 * names (1: those that recently failed, 2: all).  A probe that fails, or
 * that has not been answered when the next round comes, is a failure;
 * server_detect_fail_threshold failures in a row make the server
 * detect-dead: obp_bl_may_try and obp_bl_blocked then refuse it at once,
 * so no session waits on it.  An answer makes it alive again (and frees
 * a blocked server too once it has been blocked min_keep_congestion_
 * interval).
 *
 * Routing reads the rest through the predicates at the end:
 *   obp_srvstate_readable(shm, idx, now, ob_max_read_stale_time)
 *   obp_srvstate_writable(shm, idx)
 * Both answer true for what is not known (never probed, not a replica),
 * so a deployment without replication routes as before.
 */
#ifndef OBP_SHARED_SRVSTATE_H
#define OBP_SHARED_SRVSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct obp_shm;

enum obp_detect_state {
    OBP_DETECT_NONE = 0,        /* never probed */
    OBP_DETECT_ALIVE,           /* the last probe was answered */
    OBP_DETECT_DEAD             /* threshold probes failed in a row */
};

/*
 * A server's state as the OceanBase metadata last listed it (DBA_OB_SERVERS
 * and its zone, ODP-REFERENCE 5.1): written by the monitor after every
 * refresh.  Anything but NONE (not known: no metadata) and ACTIVE keeps
 * the server out of every routing choice as detect-dead does, until a
 * refresh finds it ACTIVE and in service again.
 */
enum obp_ob_state {
    OBP_OB_NONE = 0,
    OBP_OB_ACTIVE,              /* ACTIVE and in service */
    OBP_OB_INACTIVE,
    OBP_OB_DELETING,
    OBP_OB_REPLAY,              /* ACTIVE, not in service yet */
    OBP_OB_UPGRADE              /* stopped, or its zone is (INACTIVE):
                                   ODP's upgrading server or zone */
};

/* obp_shm_server.repl flags */
#define OBP_REPL_KNOWN    0x1u  /* SHOW SLAVE STATUS was answered */
#define OBP_REPL_REPLICA  0x2u  /* ... with a row: the server replicates */
#define OBP_REPL_IO       0x4u  /* Slave_IO_Running: Yes */
#define OBP_REPL_SQL      0x8u  /* Slave_SQL_Running: Yes */

/* One server's state as the last probes left it. */
struct obp_srvstate {
    uint32_t detect;            /* enum obp_detect_state */
    uint32_t detect_fails;      /* failed probes in a row */
    int64_t  detect_since_us;   /* when it became detect-dead (monotonic) */
    int64_t  probe_us;          /* the last answered probe, 0 never */
    int32_t  read_only;         /* -1 unknown, 0 or 1 */
    uint32_t repl;              /* OBP_REPL_* */
    int64_t  lag_us;            /* Seconds_Behind_Master in us, -1 unknown
                                   (not a replica, or NULL: not applying) */
};

/* What a probe read, for obp_srvstate_probed. */
struct obp_probe_result {
    int32_t             read_only;  /* -1 when not read */
    uint32_t            repl;
    int64_t             lag_us;     /* -1 when unknown */
    struct obp_gtid_set gtid;       /* the position, kind NONE unread */
};

/* Server <idx>'s state into <out>: OBP_OK, or OBP_ERROR past the table. */
int obp_srvstate_get(const struct obp_shm *shm, int idx,
                     struct obp_srvstate *out);

/* True while server <idx> is detect-dead. */
bool obp_srvstate_dead(const struct obp_shm *shm, int idx);

/* True while the metadata says server <idx> is not serving (above). */
bool obp_srvstate_out(const struct obp_shm *shm, int idx);

/* Monitor only: <idx>'s metadata state is <state>; returns the old one. */
uint32_t obp_srvstate_ob_set(const struct obp_shm *shm, int idx,
                             uint32_t state);

/* "ACTIVE", "INACTIVE", ... ("" for NONE). */
const char *obp_srvstate_ob_name(uint32_t state);

/*
 * Whether server <idx> may serve reads at <now_us> (monotonic) given
 * <max_stale_us> (ob_max_read_stale_time; -1: any lag).  False when it is
 * detect-dead; for a replica, false too when its SQL thread is stopped,
 * or when its lag, grown by the age of the probe that read it, is unknown
 * or above <max_stale_us>.  True for a server not known to replicate.
 */
bool obp_srvstate_readable(const struct obp_shm *shm, int idx,
                           int64_t now_us, int64_t max_stale_us);

/* Whether server <idx> takes writes: not detect-dead, read_only not 1. */
bool obp_srvstate_writable(const struct obp_shm *shm, int idx);

/* Fresh entries: nothing known.  The master, when it registers <idx>. */
void obp_srvstate_reset(const struct obp_shm *shm, int idx);

/*
 * Server <idx>'s replication position as last read (gtid.h) into <pos>,
 * and into <read_us> when the round that read it started (0: never).
 * OBP_ERROR past the table, or when the monitor kept rewriting it.
 */
int obp_srvstate_gtid(const struct obp_shm *shm, int idx,
                      struct obp_gtid_set *pos, int64_t *read_us);

/*
 * Monitor only.  Probe of <idx> answered at <now_us> with <r> (NULL:
 * only detection ran): alive.  <r>'s position is kept with <round_us>,
 * when its round started.  True when this revived a detect-dead
 * server (the caller logs it).
 */
bool obp_srvstate_probed(const struct obp_shm *shm, int idx, int64_t now_us,
                         int64_t round_us, const struct obp_probe_result *r);

/*
 * Monitor only.  A probe of <idx> failed or is still unanswered; counts
 * towards detect-dead when <detecting> (server_detect_mode covers it),
 * and makes read_only and the lag unknown and a replica's threads not
 * running (it takes no reads until a probe reads it again).  True when this
 * made the server detect-dead (the caller logs it).
 */
bool obp_srvstate_missed(const struct obp_shm *shm, int idx, int64_t now_us,
                         bool detecting, uint32_t threshold);

/* "detect alive, read_only 0, replica sql on io on lag 0ms" for shows. */
void obp_srvstate_describe(const struct obp_srvstate *st, char *buf,
                           size_t len);

#endif
