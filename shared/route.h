/*
 * The route cache: table entries and tenant server lists in the shared
 * segment's routes region, published by the master (one writer) as a
 * whole set per generation and read by every worker without a lock.
 *
 * Region layout (offsets, never pointers):
 *
 *   struct obp_route_ctl   root word: the published generation, 0: none
 *   bank 0 | bank 1        two equal halves, 128-byte aligned
 *
 * Generation g lives in bank g & 1.  A bank holds one set:
 *
 *   struct obp_route_set      header: generation, bytes used, counts
 *   struct obp_route_ldc[]    the servers' LDC facts, by server-table
 *                             index (nservers of them; absent when the
 *                             source described none)
 *   struct obp_route_entry    entries, one after the other (8-aligned),
 *     ...                     each followed by its own arrays
 *   struct obp_route_bucket[] hash index, nbuckets (a power of two),
 *                             open addressing with linear probing
 *
 * An entry is self-contained: its names, partition blob (part.h, 8-byte
 * aligned, read in place by obp_part_calc), leaves and replicas sit at
 * offsets from the entry itself.  A table entry has one leaf per leaf
 * partition (obp_route_leaf_index), a non-partitioned table one leaf;
 * a tenant entry (ODP's __all_dummy) has one leaf: the tenant's servers,
 * with their primary-zone priority.  Replicas name servers by their
 * index in the segment's server table.
 *
 * Keys are (kind, cluster, tenant, database, table), compared as exact
 * bytes: no case folding on the fast path.  OceanBase's MySQL mode folds
 * database and table names to lower case (lower_case_table_names=1), so
 * a source stores them in ASCII lower case (obp_route_lower) and the
 * router lowercases what the SQL says, quoted or not, before a lookup
 * (router.h); cluster and tenant names are kept as spelled.  Tenant
 * entries have an empty database and table.
 *
 * LDC facts.  A set also carries, for each server-table index the source
 * describes, the server's zone, region and IDC and whether its zone is
 * read-only (ODP-REFERENCE 7.3, 7.4), so a worker reads them from the
 * same generation as the replicas that name the server.  A source adds
 * them (obp_route_add_server) before any entry.
 *
 * Publishing (the master, or the monitor's OceanBase source: one at a
 * time, the builder's pid claimed in the root region, taken over from a
 * process that died).  obp_route_build_begin takes the bank the
 * current set is not in, once no reader can still be in it; the source
 * adds entries into it (obp_route_sink); obp_route_build_commit lays the
 * hash index out, then stores the new generation in the root word
 * (seq_cst, so a release): readers that load it see the whole set.  A set
 * that does not fit its bank fails with a message; the running set stays.
 *
 * Reclaiming.  Each worker slot (struct obp_shm_worker.route_gen) holds
 * the generation its worker is reading, 0 when none.  A reader loads the
 * root, stores it in its slot, then loads the root again and retries until
 * both agree (seq_cst stores and loads: the writer's store to the root and
 * a reader's store to its slot cannot both be missed by the other's
 * load).  The writer reuses a bank only when every slot holds 0 or the
 * current generation (the other bank): a slot holding an older one is a
 * reader still in the bank, or one about to find the root changed and
 * retry.  Otherwise obp_route_build_begin returns OBP_AGAIN and the master
 * retries later; a read lasts one lookup and its use, so that is brief.
 * The master clears the slot of a worker that died (obp_route_reader_gone).
 *
 * Last use and eviction.  A table entry carries the time of its last hit
 * (used_ms, a coarse monotonic clock): the worker that finds it stores
 * the time with a relaxed store, only when the millisecond changed, no
 * lock (obp_route_touch).  The OceanBase source, before it republishes,
 * reads the stamps of the published set back (obp_route_peek_begin, as
 * the publisher: the bank cannot be reused meanwhile), measures what the
 * new set would take (obp_route_measure_sink) and, when it does not fit
 * a bank, leaves out the least recently used tables, never one a worker
 * waits for (obp_route_lru_pick); a worker that misses one later asks
 * for it again.  A static topology is never cut: a set too big for it
 * is refused as before.
 */
#ifndef OBP_SHARED_ROUTE_H
#define OBP_SHARED_ROUTE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "part.h"

struct obp_shm;

#define OBP_ROUTE_SET_MAGIC  UINT64_C(0x3354455345545552) /* "RUTESET3" */
#define OBP_ROUTE_NAME_MAX   256     /* bytes of one name */
#define OBP_ROUTE_MAX_LEAVES 65536   /* leaf partitions of one table */
#define OBP_ROUTE_MAX_REPL   64      /* replicas of one leaf */
#define OBP_ROUTE_LDC_NAME   64      /* zone, region, idc, with the NUL */

enum obp_route_kind {
    OBP_ROUTE_TABLE = 1,
    OBP_ROUTE_TENANT = 2     /* the tenant's servers (__all_dummy) */
};

enum obp_route_state {
    OBP_ROUTE_AVAIL = 1,     /* as published */
    OBP_ROUTE_DIRTY = 2      /* a worker saw it stale: refresh it */
};

enum obp_route_role {
    OBP_ROUTE_LEADER = 1,    /* OceanBase's numbering (role 1, 2) */
    OBP_ROUTE_FOLLOWER = 2,
    OBP_ROUTE_AUTO = 3       /* role routing: a server of a set whose
                                primary is discovered (read_only 0) */
};

enum obp_route_rtype {
    OBP_ROUTE_FULL = 0,
    OBP_ROUTE_READONLY = 1
};

/* The region's first bytes. */
struct obp_route_ctl {
    _Atomic uint64_t root;          /* published generation, 0: none */
    _Atomic uint32_t live;          /* 1: the monitor's OceanBase source
                                       publishes (workers ask it for the
                                       tables they miss, mreq.h) */
    _Atomic int32_t  publisher;     /* the pid building a set, 0: none */
    _Atomic uint64_t evicted;       /* table entries the OceanBase source
                                       left out to fit (obp_route_lru) */
    _Atomic int64_t  cluster_id;    /* the config server's, 0: none */
    uint8_t          pad[96];
};

/* A bank's header. */
struct obp_route_set {
    uint64_t magic;                 /* OBP_ROUTE_SET_MAGIC */
    uint64_t generation;
    uint64_t used;                  /* bytes of the bank in use */
    uint32_t nentries;
    uint32_t nbuckets;              /* a power of two */
    uint64_t buckets_off;           /* from the bank's start */
    uint64_t servers_off;           /* struct obp_route_ldc[], 0: none */
    uint32_t nservers;              /* of them: highest index + 1 */
    uint32_t flags;                 /* OBP_ROUTE_SET_* */
};

/* struct obp_route_set flags */
#define OBP_ROUTE_SET_READONLY_ZONE 0x1 /* a server stands in a read-only
                                           zone (ODP's "cluster has a
                                           readonly zone", 7.3) */
#define OBP_ROUTE_SET_LIVE          0x2 /* published by the OceanBase
                                           source */

/* One server's LDC facts in a set. */
struct obp_route_ldc {
    uint8_t  known;                 /* 1: the source described it */
    uint8_t  readonly;              /* its zone serves weak reads only */
    uint8_t  pad[6];
    char     zone[OBP_ROUTE_LDC_NAME];      /* NUL-terminated, */
    char     region[OBP_ROUTE_LDC_NAME];    /* "" when not declared */
    char     idc[OBP_ROUTE_LDC_NAME];
};

/* One slot of the hash index; off 0: empty. */
struct obp_route_bucket {
    uint32_t hash;
    uint32_t off;                   /* the entry, from the bank's start */
};

/* One replica: a server of the segment's table and its part. */
struct obp_route_replica {
    uint16_t server;                /* index in the server table */
    uint8_t  role;                  /* enum obp_route_role */
    uint8_t  type;                  /* enum obp_route_rtype */
    uint16_t priority;              /* tenant servers: primary-zone
                                       priority, 0 first; else 0 */
    uint16_t weight;                /* its share of the reads spread over
                                       the replicas of one rank (role
                                       routing); 0 only when no other */
};

/* One leaf partition's replicas. */
struct obp_route_leaf {
    uint32_t first;                 /* index in the entry's replicas */
    uint32_t count;
};

struct obp_route_entry {
    uint32_t         size;          /* bytes, to the next entry */
    uint32_t         kind;          /* enum obp_route_kind */
    _Atomic uint32_t state;         /* enum obp_route_state */
    uint32_t         hash;
    uint64_t         generation;    /* of the set it belongs to */
    int64_t          table_id;      /* the source's id, 0 if none */
    uint16_t         name_len[4];   /* cluster, tenant, database, table */
    uint32_t         names_off;     /* the four names, no NULs */
    uint32_t         part_off;      /* blob, 0: not partitioned */
    uint32_t         nleaves;
    uint32_t         leaves_off;    /* struct obp_route_leaf[] */
    uint32_t         nreplicas;
    uint32_t         replicas_off;  /* struct obp_route_replica[] */
    _Atomic int64_t  used_ms;       /* a table's last hit (monotonic ms),
                                       0 never: the workers' one other
                                       write (obp_route_touch) */
};

/* A name as a slice (the SQL classifier's output is not NUL-terminated). */
struct obp_route_name {
    const char *s;
    size_t      len;
};

/* Builds a name from a NUL-terminated string. */
struct obp_route_name obp_route_name(const char *s);

struct obp_route_key {
    struct obp_route_name cluster;
    struct obp_route_name tenant;
    struct obp_route_name database;     /* empty for tenant entries */
    struct obp_route_name table;
};

/* What a source adds for a table: copied into the segment. */
struct obp_route_table_in {
    struct obp_route_key            key;
    int64_t                         table_id;
    const struct obp_part_desc     *part;      /* NULL: not partitioned */
    size_t                          nleaves;   /* 1, or the blob's */
    const uint32_t                 *leaf_nrepl; /* replicas per leaf */
    const struct obp_route_replica *replicas;  /* every leaf's, in order */
    int64_t                         used_ms;   /* last hit known, 0 */
};

/* What a source adds for a server: its LDC facts (names <
   OBP_ROUTE_LDC_NAME bytes; NULL is ""). */
struct obp_route_server_in {
    uint16_t    server;             /* index in the server table */
    bool        readonly;           /* its zone is read-only */
    const char *zone;
    const char *region;
    const char *idc;
};

/* What a source adds for a tenant: its servers, any order. */
struct obp_route_tenant_in {
    struct obp_route_name           cluster;
    struct obp_route_name           tenant;
    size_t                          nservers;
    const struct obp_route_replica *servers;
};

/*
 * The set being built: the master's, on its stack or in its state.
 * Only the route module touches the fields.
 */
struct obp_route_builder {
    struct obp_shm *shm;
    char           *bank;
    uint64_t        bank_size;
    uint64_t        used;
    uint64_t        generation;
    uint64_t        servers_off;    /* LDC array, 0 until a server */
    uint64_t        entries_off;    /* the first entry, 0 until one */
    uint32_t        nservers;
    uint32_t        flags;
    uint32_t        nentries;
    int             failed;
    int             claimed;        /* holds the publisher word */
};

/* Bytes of one bank for a routes region of <region_size> bytes. */
uint64_t obp_route_bank_size(uint64_t region_size);

/*
 * Starts the next generation in the free bank.  OBP_AGAIN when a reader
 * may still be in that bank or another process is publishing (try again
 * later), OBP_ERROR with err set.  Commit or abort ends the claim.
 */
int obp_route_build_begin(struct obp_route_builder *b, struct obp_shm *shm,
                          char *err, size_t errlen);

/*
 * Copy one entry into the set.  OBP_ERROR with err set (a bad input, or
 * the bank is full); the builder is then failed: only abort remains.
 */
int obp_route_add_table(struct obp_route_builder *b,
                        const struct obp_route_table_in *in,
                        char *err, size_t errlen);
int obp_route_add_tenant(struct obp_route_builder *b,
                         const struct obp_route_tenant_in *in,
                         char *err, size_t errlen);

/*
 * Records one server's LDC facts; before any entry, once per server.
 * OBP_ERROR with err set, the builder then failed.
 */
int obp_route_add_server(struct obp_route_builder *b,
                         const struct obp_route_server_in *in,
                         char *err, size_t errlen);

/*
 * Indexes the set and publishes it.  OBP_ERROR with err set (a failed
 * builder, no room for the index, a key added twice): nothing published.
 */
int obp_route_build_commit(struct obp_route_builder *b,
                           char *err, size_t errlen);

/* Drops the set being built; the published one stays. */
void obp_route_build_abort(struct obp_route_builder *b);

/*
 * The interface a metadata source fills the cache through: the static
 * topology now, OceanBase's live tables later.  A source is called with a
 * sink and calls begin, adds entries, and ends with commit or abort; it
 * never sees the segment.  obp_route_sink_init gives the builder's.
 */
struct obp_route_sink_ops {
    int  (*begin)(void *ctx, char *err, size_t errlen);
    int  (*add_server)(void *ctx, const struct obp_route_server_in *in,
                       char *err, size_t errlen);
    int  (*add_table)(void *ctx, const struct obp_route_table_in *in,
                      char *err, size_t errlen);
    int  (*add_tenant)(void *ctx, const struct obp_route_tenant_in *in,
                       char *err, size_t errlen);
    int  (*commit)(void *ctx, char *err, size_t errlen);
    void (*abort)(void *ctx);
};

struct obp_route_sink {
    const struct obp_route_sink_ops *ops;
    void                            *ctx;
};

/* A sink publishing into <shm> through <b> (both the caller's). */
struct obp_route_sink_ctx {
    struct obp_route_builder *b;
    struct obp_shm           *shm;
    uint32_t                  flags;    /* OBP_ROUTE_SET_* the sets get */
};

void obp_route_sink_init(struct obp_route_sink *sink,
                         struct obp_route_sink_ctx *ctx,
                         struct obp_route_builder *b, struct obp_shm *shm);

/* A worker's read of the published set, from begin to end. */
struct obp_route_view {
    const char       *bank;         /* NULL: nothing published */
    uint64_t          generation;
    _Atomic uint64_t *slot;         /* the worker's route_gen */
};

/*
 * Enters the published set as worker slot <slot>.  Entries found stay
 * valid until obp_route_read_end; keep the read short (it holds the bank).
 * OBP_ERROR for a slot out of range.
 */
int obp_route_read_begin(struct obp_route_view *v, const struct obp_shm *shm,
                         unsigned slot);
void obp_route_read_end(struct obp_route_view *v);

/* The master, after a worker died: its slot no longer holds a bank. */
void obp_route_reader_gone(const struct obp_shm *shm, unsigned slot);

/* The entry of <key> (tenant entries: empty database and table), or NULL. */
const struct obp_route_entry *
obp_route_find(const struct obp_route_view *v, enum obp_route_kind kind,
               const struct obp_route_key *key);

/*
 * The entry of the first used slot of the hash index from *<pos> on, or
 * NULL past the last; *<pos> moves past it.  Start at 0: every entry of
 * the set being read comes once, in no particular order (the admin's
 * SHOW PROXYROUTE).
 */
const struct obp_route_entry *obp_route_next(const struct obp_route_view *v,
                                             uint32_t *pos);

/*
 * Server <idx>'s LDC facts in the set being read, or NULL when the source
 * did not describe it (then it has no zone, region or IDC).
 */
const struct obp_route_ldc *obp_route_ldc(const struct obp_route_view *v,
                                          unsigned idx);

/* Server indexes obp_route_ldc may know: 0 .. this - 1. */
uint32_t obp_route_ldc_count(const struct obp_route_view *v);

/* OBP_ROUTE_SET_* of the set being read, 0 when none. */
uint32_t obp_route_set_flags(const struct obp_route_view *v);

/*
 * Copies <len> bytes of <s> into <buf> (<cap> bytes) in ASCII lower case,
 * NUL-terminated: the database and table names of a key.  Bytes >= 0x80
 * are kept (names in other scripts compare exactly).  False, <buf>
 * untouched, when it does not fit.
 */
bool obp_route_lower(char *buf, size_t cap, const char *s, size_t len);

/* Name <i> (0 cluster .. 3 table) of an entry, not NUL-terminated. */
struct obp_route_name obp_route_entry_name(const struct obp_route_entry *e,
                                           unsigned i);

/* The entry's partition blob, NULL for a non-partitioned table. */
const struct obp_part_desc *
obp_route_part(const struct obp_route_entry *e);

/* Replicas of leaf <leaf> (count in *n), or NULL when out of range. */
const struct obp_route_replica *
obp_route_replicas(const struct obp_route_entry *e, uint32_t leaf,
                   uint32_t *n);

/* Leaf partitions a blob describes: partitions, or subpartitions. */
uint32_t obp_route_leaf_count(const struct obp_part_desc *d);

/* The leaf of a computed partition, or -1 (no partition). */
int32_t obp_route_leaf_index(const struct obp_part_desc *d,
                             const struct obp_part_result *r);

/*
 * The live word (struct obp_route_ctl): the monitor's OceanBase source
 * sets it once it published, clears it when it stops being the source
 * (a static topology publishes instead).  Workers read it to know they
 * may ask for the tables they miss (mreq.h).
 */
void obp_route_set_live(const struct obp_shm *shm, bool live);
bool obp_route_live(const struct obp_shm *shm);

/*
 * The cluster's id as the config server gives it (ObClusterId or
 * ObRegionId; monitor/cfgsrv.h), 0 when there is none: the monitor sets
 * it, logins to rootservice_cluster_name send it as __cluster_id when
 * the user name gives none (worker/oblogin.h).
 */
void obp_route_set_cluster_id(const struct obp_shm *shm, int64_t id);
int64_t obp_route_cluster_id(const struct obp_shm *shm);

/* A worker marks an entry it found stale; the source refreshes it. */
void obp_route_mark_dirty(const struct obp_route_entry *e);

/*
 * A worker's hit on entry <e> at <now_us> (obp_now_us): its last use in
 * milliseconds, stored only when it changed, relaxed (a stamp, read back
 * by the publisher before it republishes, not a publication).
 */
static inline void
obp_route_touch(const struct obp_route_entry *e, int64_t now_us)
{
    _Atomic int64_t *w = (_Atomic int64_t *)(uintptr_t)&e->used_ms;
    int64_t          ms = now_us / 1000;

    if (atomic_load_explicit(w, memory_order_relaxed) != ms)
        atomic_store_explicit(w, ms, memory_order_relaxed);
}

/* <e>'s last hit (obp_now_us / 1000), 0 when none. */
int64_t obp_route_used_ms(const struct obp_route_entry *e);

/*
 * The publisher's read of the published set (the stamps, before it
 * builds the next): claims the publisher word as obp_route_build_begin
 * does, so no one reuses the bank until obp_route_peek_end.  OBP_AGAIN
 * while another process publishes; <v> has no bank when none is.
 */
int obp_route_peek_begin(struct obp_route_view *v, struct obp_shm *shm,
                         char *err, size_t errlen);
void obp_route_peek_end(struct obp_route_view *v, struct obp_shm *shm);

/*
 * What a set would take in a bank, measured by a sink that copies
 * nothing (route_lru.c): the bytes of everything but the table entries,
 * and each table entry's, in the order added (the first <cap>).
 */
struct obp_route_measure {
    uint64_t  fixed;        /* header, LDC facts, tenant entries */
    uint32_t  nfixed;       /* tenant entries */
    uint32_t  nservers;     /* LDC facts: highest index + 1 */
    uint64_t *table_bytes;  /* the caller's */
    uint32_t  cap;
    uint32_t  ntables;
};

void obp_route_measure_sink(struct obp_route_sink *sink,
                            struct obp_route_measure *m);

/* Bytes of a set of <nentries> entries taking <bytes>, with its index. */
uint64_t obp_route_set_bytes(uint64_t bytes, uint32_t nentries);

/* One table entry the eviction may leave out. */
struct obp_route_lru_item {
    uint64_t bytes;
    int64_t  used_ms;       /* last use, 0: never */
    bool     pinned;        /* a worker waits for it: kept */
    bool     evict;         /* out: left out */
};

/*
 * Marks the least recently used items not pinned (the older first among
 * equal stamps) evict until <fixed> bytes of <nfixed> other entries and
 * the items kept fit <budget> with their index.  Returns how many it
 * marked, or -1 when even all it may mark would not do (then none is).
 */
int64_t obp_route_lru_pick(struct obp_route_lru_item *it, size_t n,
                           uint64_t fixed, uint32_t nfixed, uint64_t budget);

/* Table entries left out to fit: counted by the source, shown in stats. */
void obp_route_count_evictions(const struct obp_shm *shm, uint64_t n);
uint64_t obp_route_evictions(const struct obp_shm *shm);

#endif
