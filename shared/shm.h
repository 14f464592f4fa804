/*
 * The shared segment: one memfd mapped MAP_SHARED by the master and every
 * worker (and, across a hot upgrade, by the next generation).  Layout:
 *
 *   header | worker stats slots | server table | route cache | sessions |
 *   tenant table | statement statistics (a slot per worker slot) |
 *   replication positions (one per server) |
 *   metadata requests (mreq.h)
 *
 * The master lays out two worker slots per worker: a generation uses one
 * half, the next one (hot upgrade, master/upgrade.h) the other.
 *
 * Offsets, never pointers.  Every struct here has a fixed size checked by
 * _Static_assert and by t/unit/shm_layout (against a checked-in table):
 * change a struct and bump OBP_SHM_LAYOUT_VERSION.  Writers never take a
 * lock a SIGKILL could leave held: stats slots have one writer each and
 * use relaxed atomics; the route cache is published whole, one generation
 * at a time, by the master or the monitor's OceanBase source (route.h);
 * server entries are named once, claimed by a compare-and-swap, by the
 * master or the monitor and their states are atomics (blocklist.h; what the
 * monitor's probes found, srvstate.h); session entries
 * (OBP_SHM_SESS_PER_WORKER per worker slot, what KILL looks up) a seqlock
 * written by their worker only; the servers' handshake in the header is
 * written once, by the worker that claims it.
 */
#ifndef OBP_SHARED_SHM_H
#define OBP_SHARED_SHM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "gtid.h"
#include "mreq.h"
#include "sqlstat.h"
#include "stats.h"

#define OBP_SHM_MAGIC           UINT64_C(0x314d48535850424f) /* "OBPXSHM1" */
#define OBP_SHM_LAYOUT_VERSION  17
#define OBP_SHM_ALIGN           128     /* slots never share a cache line */
#define OBP_SHM_MAX_WORKERS     128
#define OBP_SHM_MAX_SERVERS     1024
#define OBP_SHM_SESS_PER_WORKER 4096    /* KILL-able client sessions */
#define OBP_SHM_SRV_COUNTED     64      /* servers whose connections a
                                           worker slot counts */

struct obp_shm_region {
    uint64_t off;           /* from the start of the segment */
    uint64_t size;          /* bytes */
    uint64_t nitems;
    uint64_t item_size;
};

/*
 * What the servers announce in their handshake, from the first one a
 * worker reads (srvinfo.h).  <state> is 0 (nothing learnt yet), the pid
 * of the worker writing the rest, or OBP_SHM_SRVINFO_READY.
 */
struct obp_shm_srvinfo {
    _Atomic uint32_t state;
    uint32_t         caps;              /* the server's capabilities */
    uint32_t         ext_caps;          /* MariaDB's extended ones */
    uint32_t         reserved;
    char             version[64];       /* NUL-terminated */
};

struct obp_shm_hdr {
    uint64_t              magic;          /* OBP_SHM_MAGIC */
    uint32_t              layout_version; /* OBP_SHM_LAYOUT_VERSION */
    uint32_t              hdr_size;       /* sizeof(struct obp_shm_hdr) */
    uint64_t              total_size;     /* bytes mapped */
    _Atomic uint64_t      generation;     /* bumped by each master start */
    uint32_t              nworkers;       /* stats slots in use */
    uint32_t              reserved;
    struct obp_shm_region workers;        /* struct obp_shm_worker[] */
    struct obp_shm_region servers;        /* struct obp_shm_server[] */
    struct obp_shm_region routes;         /* route cache bytes */
    struct obp_shm_region sessions;       /* struct obp_shm_sess[] */
    struct obp_shm_srvinfo srvinfo;       /* the servers' handshake */
    struct obp_shm_region tenants;        /* struct obp_shm_tenant[] */
    struct obp_shm_region sqlstats;       /* struct obp_shm_sqlstat[], one
                                             per worker slot */
    struct obp_shm_region gtids;          /* struct obp_shm_gtid[], one per
                                             server-table entry */
    struct obp_shm_region mreqs;          /* struct obp_shm_mreq[] (mreq.h) */
};

enum obp_worker_state {
    OBP_WORKER_EMPTY = 0,   /* no process in this slot */
    OBP_WORKER_RUNNING,
    OBP_WORKER_DRAINING,    /* stopped accepting, finishing sessions */
    OBP_WORKER_STARTING     /* forked, not accepting yet */
};

/*
 * One worker's slot: written by that worker only (pid/state by both,
 * route_gen cleared by the master when the worker died).
 */
struct obp_shm_worker {
    _Atomic int32_t  pid;               /* 0 when the slot is empty */
    _Atomic uint32_t state;             /* enum obp_worker_state */
    _Atomic uint64_t started_us;        /* wall clock of the last start */
    _Atomic uint64_t restarts;          /* respawns of this slot */
    _Atomic uint64_t stat[OBP_STAT_COUNT];
    _Atomic uint64_t route_gen;         /* route set being read (route.h) */
    /* gauges by server-table index, as stat[]'s (obp_stat_srv) */
    _Atomic int32_t  srv_open[OBP_SHM_SRV_COUNTED];   /* connections */
    _Atomic int32_t  srv_parked[OBP_SHM_SRV_COUNTED]; /* of them pooled */
    _Atomic uint64_t srv_failed[OBP_SHM_SRV_COUNTED]; /* a counter: connect
                                                         attempts failed */
    uint8_t          pad[OBP_SHM_ALIGN - (32 + 8 * OBP_STAT_COUNT
                                          + 16 * OBP_SHM_SRV_COUNTED)
                         % OBP_SHM_ALIGN];
};

/* A worker slot's statement statistics, a row per tenant (sqlstat.h). */
struct obp_shm_sqlstat {
    struct obp_sqlstat_row row[OBP_SQLSTAT_ROWS];
    uint8_t                pad[OBP_SHM_ALIGN - (OBP_SQLSTAT_ROWS
                                                * sizeof(struct
                                                         obp_sqlstat_row))
                                               % OBP_SHM_ALIGN];
};

/*
 * One client session of a worker, for KILL from any worker: written by
 * the owning worker only, under the seqlock; the kill words are set by
 * others (the id of the session to close or whose statement to kill, a
 * server connection of it to close) and read by the owner.
 */
struct obp_shm_sess {
    _Atomic uint32_t seq;               /* seqlock: odd while written */
    _Atomic uint32_t kill;              /* client session id to close */
    _Atomic uint32_t kill_query;        /* client session id whose
                                           statement to kill (the admin's
                                           KILL QUERY) */
    _Atomic uint32_t kill_server;       /* the server connection id of
                                           one of its server sessions to
                                           close (KILL PROXYSESSION c s) */
    uint32_t         id;                /* client session id, 0: free */
    int32_t          pid;               /* the owning worker */
    uint32_t         srv_thread;        /* server's connection id, or 0 */
    uint8_t          admin;             /* enum obp_admin: proxysys */
    uint8_t          ssl;               /* the client is on TLS */
    uint8_t          in_trans;          /* a transaction is open */
    uint8_t          flags;
    char             srv_addr[OBP_ADDR_STRLEN]; /* "" without a server */
    char             user[128];         /* the login user name */
    char             tenant[64];        /* names as shown: cut to fit */
    char             cluster[64];
    char             client[OBP_ADDR_STRLEN];   /* ip:port */
    char             db[64];
    uint64_t         login_us;          /* when it logged in */
    uint32_t         nsrv;              /* server sessions it holds */
    uint8_t          pad[20];
};

enum obp_server_state {
    OBP_SRV_UNUSED = 0,
    OBP_SRV_ALIVE,
    OBP_SRV_DEAD,
    OBP_SRV_DETECTING,
    OBP_SRV_UPGRADING,
    OBP_SRV_DELETED,
    OBP_SRV_CLAIMED         /* being registered: its address follows */
};

/*
 * One server of the cluster: the blocklist routing consults
 * (blocklist.h).  The master or the monitor writes the names once,
 * between claiming the entry (CLAIMED) and making it ALIVE; the rest are
 * atomics any worker updates.
 */
struct obp_shm_server {
    _Atomic uint32_t seq;               /* unused, kept for the layout */
    _Atomic uint32_t state;             /* enum obp_server_state */
    char             addr[OBP_ADDR_STRLEN];  /* "ip:port" */
    char             zone[32];
    char             region[32];
    char             idc[32];
    _Atomic uint32_t fail_count;        /* failures in the current window */
    _Atomic uint32_t ob_state;          /* enum obp_ob_state, the monitor's
                                           (srvstate.h) */
    _Atomic int64_t  fail_window_us;    /* start of the failure window */
    _Atomic int64_t  dead_since_us;
    _Atomic int64_t  retry_at_us;       /* when a dead server is retried,
                                           or the end of its back-off */
    /* written by the monitor only (srvstate.h) */
    _Atomic uint32_t detect;            /* enum obp_detect_state */
    _Atomic uint32_t detect_fails;      /* failed probes in a row */
    _Atomic int64_t  detect_since_us;   /* when detection found it dead */
    _Atomic int64_t  probe_us;          /* the last probe answered, or 0 */
    _Atomic int64_t  lag_us;            /* the replica's lag, -1 unknown */
    _Atomic int32_t  read_only;         /* -1 unknown, 0 or 1 */
    _Atomic uint32_t repl;              /* OBP_REPL_* flags */
    uint8_t          pad[16];
};

/*
 * A server's replication position as the monitor last read it (gtid.h,
 * srvstate.h): written by the monitor only, under the seqlock (odd
 * while written); a reader copies it and retries a bounded number of
 * times.
 */
struct obp_shm_gtid {
    _Atomic uint32_t    seq;            /* seqlock */
    uint32_t            reserved;
    int64_t             read_us;        /* when the round that read it
                                           started (monotonic), 0 never */
    struct obp_gtid_set pos;
    uint8_t             pad[40];
};

_Static_assert(sizeof(struct obp_shm_worker) % OBP_SHM_ALIGN == 0,
               "worker slots must fill whole cache lines");
_Static_assert(sizeof(struct obp_shm_server) == 256,
               "bump OBP_SHM_LAYOUT_VERSION when the server entry changes");
_Static_assert(sizeof(struct obp_shm_sess) == 512,
               "bump OBP_SHM_LAYOUT_VERSION when the session entry changes");
_Static_assert(sizeof(struct obp_shm_tenant) == 192,
               "bump OBP_SHM_LAYOUT_VERSION when the tenant entry changes");
_Static_assert(sizeof(struct obp_shm_gtid) == 320,
               "bump OBP_SHM_LAYOUT_VERSION when the position entry changes");
_Static_assert(sizeof(struct obp_shm_sqlstat) % OBP_SHM_ALIGN == 0,
               "statement statistics slots must fill whole cache lines");
_Static_assert(sizeof(struct obp_shm_mreq) == 1024,
               "bump OBP_SHM_LAYOUT_VERSION when the request slot changes");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2,
               "shared counters need lock-free 64-bit atomics");

/* A mapping of the segment, owned by one process. */
struct obp_shm {
    int                 fd;     /* the memfd, -1 when not mapped */
    size_t              size;
    struct obp_shm_hdr *hdr;
};

/*
 * The layout version this binary writes and accepts:
 * OBP_SHM_LAYOUT_VERSION, or for the tests only the number in the
 * environment variable OBPROXY_TEST_SHM_LAYOUT (a binary that pretends
 * to lay the segment out differently, so a hot upgrade starts afresh).
 */
uint32_t obp_shm_layout_version(void);

/*
 * Computes the header of a segment for <nworkers> and <route_bytes>,
 * without allocating anything.  OBP_ERROR when out of bounds.
 */
int obp_shm_layout(struct obp_shm_hdr *hdr, uint32_t nworkers,
                   uint64_t route_bytes);

/* Creates, sizes and maps a new segment; OBP_ERROR with errno set. */
int obp_shm_create(struct obp_shm *shm, uint32_t nworkers,
                   uint64_t route_bytes);

/*
 * Maps an inherited segment if its magic, layout version and sizes match
 * this binary; OBP_ERROR with errno EPROTO otherwise.
 */
int obp_shm_attach(struct obp_shm *shm, int fd);

/* Unmaps and closes. */
void obp_shm_detach(struct obp_shm *shm);

struct obp_shm_worker *obp_shm_worker(const struct obp_shm *shm,
                                      unsigned slot);
struct obp_shm_server *obp_shm_server(const struct obp_shm *shm,
                                      unsigned idx);

/* Entry <idx> of worker slot <slot>'s sessions, or NULL. */
struct obp_shm_sess *obp_shm_sess(const struct obp_shm *shm, unsigned slot,
                                  unsigned idx);

/* The tenant table (sqlstat.h). */
struct obp_shm_tenant *obp_shm_tenants(const struct obp_shm *shm);

/* Worker slot <slot>'s statement statistics, or NULL. */
struct obp_shm_sqlstat *obp_shm_sqlstat(const struct obp_shm *shm,
                                        unsigned slot);

/* Server <idx>'s replication position entry, or NULL. */
struct obp_shm_gtid *obp_shm_gtid(const struct obp_shm *shm, unsigned idx);

/* Sums every worker slot's counters into <out>. */
void obp_shm_stats_sum(const struct obp_shm *shm,
                       uint64_t out[OBP_STAT_COUNT]);

static inline void
obp_stat_add(struct obp_shm_worker *w, enum obp_stat_id id, int64_t delta)
{
    atomic_fetch_add_explicit(&w->stat[id], (uint64_t)delta,
                              memory_order_relaxed);
}

/*
 * The worker's connections to server <idx>: <open> more (or fewer), of
 * them <parked> in its pool.  Servers past OBP_SHM_SRV_COUNTED are not
 * counted.
 */
static inline void
obp_stat_srv(struct obp_shm_worker *w, int idx, int open, int parked)
{
    if (idx < 0 || idx >= OBP_SHM_SRV_COUNTED)
        return;
    atomic_fetch_add_explicit(&w->srv_open[idx], open, memory_order_relaxed);
    atomic_fetch_add_explicit(&w->srv_parked[idx], parked,
                              memory_order_relaxed);
}

/* A connect attempt of the worker's to server <idx> failed. */
static inline void
obp_stat_srv_failed(struct obp_shm_worker *w, int idx)
{
    if (idx >= 0 && idx < OBP_SHM_SRV_COUNTED)
        atomic_fetch_add_explicit(&w->srv_failed[idx], 1,
                                  memory_order_relaxed);
}

#endif
