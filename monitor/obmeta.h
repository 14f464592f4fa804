/*
 * The OceanBase metadata source (ARCHITECTURE.md "Metadata sources",
 * ODP-REFERENCE 1.6, 5): with rootservice_list set and no topology
 * declared, the monitor logs in to the first rootservice_list server
 * that answers as proxyro@sys (observer_sys_password, as the probes) and
 * reads what ODP reads, with ODP's SQL:
 *
 *   first (1.6): ob_version(), the cluster's role, and the servers with
 *   their zones and the cluster's name, which must be
 *   rootservice_cluster_name (else nothing is published);
 *
 *   every server_state_refresh_interval: DBA_OB_ZONES, DBA_OB_SERVERS,
 *   then each known tenant's server list (the __all_dummy entry) and the
 *   location of every table entry it holds (table entries expire after
 *   one refresh: a moved leader is followed within one);
 *
 *   on a worker's request (shared/mreq.h), at once: the tenant's server
 *   list when it is new, the table entry (__all_virtual_proxy_schema,
 *   tablet 0), its partition info, its partitions (with their tablet and
 *   log stream) and their tablets' replicas (the batch form of 5.3).
 *
 * What it read it keeps as a model (below), turned into a topology model
 * (shared/topo.h) and published whole through the route cache's sink as
 * the static topology is (shared/topo_route.h): the routing cannot tell
 * the sources apart.  The cluster's servers are registered in the
 * segment's server table.  A set it published carries the route cache's
 * live word (route.h), which tells the workers to ask for what they miss.
 * A set that would not fit a bank of the route cache
 * (routing_cache_mem_limited) leaves out the tables the workers used
 * least recently (obmeta_lru.c); a worker that misses one asks again.
 *
 * The servers answer as OceanBase when the first queries answer with
 * servers;
 * until then nothing is published and rootservice_list serves as listed
 * (a MySQL/MariaDB deployment).  Supported partitioning: HASH and KEY
 * on one column, RANGE and LIST on one column, RANGE COLUMNS and LIST
 * COLUMNS on up to OBP_OBMETA_KEYS columns of the builder's types, one
 * level or two, the bounds decoded from high_bound_val_bin
 * (obmeta_bound.h); a table partitioned otherwise, or whose bounds do
 * not decode, is not published (its statements go to the tenant's
 * servers).
 */
#ifndef OBP_MONITOR_OBMETA_H
#define OBP_MONITOR_OBMETA_H

#include <stdbool.h>
#include <stdint.h>

#include "probe.h"

struct obp_monitor;
struct obp_part_desc;

#define OBP_OBMETA_NAME     129     /* names of zones, regions, IDCs */
#define OBP_OBMETA_REPL     16      /* replicas kept of a tablet, servers
                                       of a tenant */
#define OBP_OBMETA_JOBS     256     /* lookups of one round */
#define OBP_OBMETA_COLS     12      /* columns a query reads by name */
#define OBP_OBMETA_POLL_S   0.005   /* how often requests are looked for */
#define OBP_OBMETA_KEYS     16      /* key columns of a level
                                       (OBP_PART_MAX_COLS) */
#define OBP_OBMETA_LOC_BATCH 50     /* tablets of one locations query:
                                       ODP's batch at most
                                       (MAX_BATCH_PARTION_IDS_NUM) */

struct obp_obmeta_zone {
    char name[OBP_OBMETA_NAME];
    char region[OBP_OBMETA_NAME];
    char idc[OBP_OBMETA_NAME];
    bool readonly;
    bool upgrading;                 /* status INACTIVE (5.1) */
};

struct obp_obmeta_server {
    char addr[OBP_ADDR_STRLEN];     /* svr_ip:sql_port */
    char zone[OBP_OBMETA_NAME];
    bool active;                    /* ACTIVE and in service (5.1) */
    uint8_t state;                  /* enum obp_ob_state (srvstate.h) */
};

struct obp_obmeta_repl {
    char    addr[OBP_ADDR_STRLEN];
    uint8_t role;                   /* 1 leader, 2 follower */
};

/*
 * One tablet's replicas: a leaf partition, or a tenant's servers.  A
 * partition read also has its name and bound text in the job's text pool
 * (obp_obmeta.text), valid until the job ends.
 */
struct obp_obmeta_leaf {
    int64_t                tablet;
    int64_t                part_id;     /* a partition's, a subpartition's
                                           partition's */
    int64_t                sub_id;      /* a subpartition's */
    uint32_t               name_off;    /* in the text pool, 0: none */
    uint32_t               bound_off;
    uint32_t               n;
    struct obp_obmeta_repl r[OBP_OBMETA_REPL];
};

struct obp_obmeta_tenant {
    char                   *name;
    struct obp_obmeta_leaf  servers;    /* from __all_dummy */
    bool                    fetched;
    int64_t                 fetched_us; /* read last (valid_time) */
};

struct obp_obmeta_table {
    char                   *tenant;
    char                   *db;         /* lower case, as keys are */
    char                   *name;
    int64_t                 table_id;
    int64_t                 checked_us; /* last fetched, found or not */
    int64_t                 dirty_at_us;/* read again then (OB_NOT_MASTER),
                                           0: not dirty */
    int64_t                 used_ms;    /* last hit known (route.h) */
    bool                    found;      /* published */
    bool                    said;       /* why it is not, logged */
    bool                    evicted;    /* left out to fit: a free slot,
                                           its names stale */
    struct obp_part_desc   *part;       /* NULL: not partitioned */
    struct obp_obmeta_leaf *leaves;
    uint32_t                nleaves;
};

/* A key column as the partition info gives it. */
struct obp_obmeta_pcol {
    int      type;                  /* ObObjType */
    int      coll;
    char     name[64];
};

/* One level's key columns, in the info's order (part_key_idx). */
struct obp_obmeta_pkey {
    int                    rows;    /* key columns of the level */
    struct obp_obmeta_pcol col[OBP_OBMETA_KEYS];
};

/* The partition info read (5.4). */
struct obp_obmeta_pinfo {
    char                   expr[2][128];    /* part_expr, sub_part_expr */
    int                    rows;
    int                    level;
    int                    type;
    int64_t                num;
    int                    sub_type;
    int64_t                sub_num;
    struct obp_obmeta_pkey key[2];  /* level 1, level 2 */
};

enum obp_obmeta_job_kind {
    OBP_OBMETA_BOOT = 0,            /* 1.6: version, cluster role, the
                                       cluster's name, zones, servers */
    OBP_OBMETA_ZONES,
    OBP_OBMETA_SERVERS,
    OBP_OBMETA_DUMMY,               /* a tenant's servers */
    OBP_OBMETA_TABLE                /* entry, partition info, partitions,
                                       locations */
};

/* A request taken from the segment, answered after its round. */
struct obp_obmeta_wait {
    uint32_t slot;
    uint8_t  kind;                  /* OBP_OBMETA_DUMMY or _TABLE */
    uint32_t idx;                   /* tenant or table */
};

struct obp_obmeta_job {
    uint8_t  kind;                  /* enum obp_obmeta_job_kind */
    uint8_t  step;                  /* a table's query under way */
    bool     failed;
    uint32_t idx;                   /* tenant or table */
};

struct obp_obmeta {
    struct obp_monitor       *mon;
    struct obp_probe          conn;
    bool                      conn_init;
    unsigned                  rs_next;      /* rootservice_list server */
    bool                      active;       /* the source runs */
    bool                      stopped;      /* a topology took over */
    bool                      is_ob;        /* DBA_OB_SERVERS answered */
    bool                      said_not_ob;
    bool                      refresh_due;
    bool                      said_failed;  /* a failed round logged */
    bool                      dirty;        /* the model changed */
    ev_timer                  poll;         /* requests */
    ev_timer                  retry;        /* a publish a reader holds up */
    struct obp_mreq_seen      seen;
    /* the model */
    struct obp_obmeta_zone   *zones;
    uint32_t                  nzones;
    struct obp_obmeta_server *servers;
    uint32_t                  nservers;
    struct obp_obmeta_tenant *tenants;
    uint32_t                  ntenants;
    struct obp_obmeta_table  *tables;
    uint32_t                  ntables;
    /* the round under way */
    struct obp_obmeta_job     jobs[OBP_OBMETA_JOBS];
    uint32_t                  njobs;
    uint32_t                  job;
    struct obp_obmeta_wait    reqs[OBP_MREQ_SLOTS];  /* this round's */
    uint32_t                  nreqs;
    struct obp_obmeta_wait    waiting[OBP_MREQ_SLOTS]; /* the next's */
    uint32_t                  nwaiting;
    int64_t                   next_round_us;  /* after a failed round */
    bool                      publishing;     /* held up by a reader */
    uint32_t                  published[3];   /* servers, tenants, tables
                                                 last published */
    int                       pos[OBP_OBMETA_COLS];  /* of the columns */
    struct obp_obmeta_zone   *new_zones;    /* a refresh's rows */
    uint32_t                  new_nzones;
    struct obp_obmeta_server *new_servers;
    uint32_t                  new_nservers;
    struct obp_obmeta_leaf    leaf;         /* a tenant's, a table's
                                               tablet 0 */
    struct obp_obmeta_pinfo   pinfo;
    struct obp_obmeta_leaf   *parts;        /* partitions read, then the
                                               leaves (subpartitions of a
                                               two-level table) */
    uint32_t                  nparts;
    uint32_t                  nparts1;      /* first-level partitions */
    uint32_t                  loc_from;     /* the locations' batch's
                                               first leaf */
    struct obp_obmeta_leaf   *firsts;       /* a two-level table's
                                               first-level partitions */
    char                     *text;         /* the job's text pool */
    uint32_t                  ntext;
    uint32_t                  captext;
    char                      bound_err[160]; /* a bound that failed,
                                               too many leaves */
    struct obp_obmeta_leaf   *subs;         /* subpartitions read */
    uint32_t                  nsubs;
    int64_t                   entry_id;
    bool                      got_rows;
    char                      version[32];  /* ob_version() */
    char                      role[32];     /* cluster_role */
    char                      cluster[OBP_OBMETA_NAME]; /* the servers' */
    bool                      said_cluster; /* a wrong one logged */
    struct obp_probe_script   script;
};

/* Prepares the source (inactive until the first run). */
void obp_obmeta_init(struct obp_monitor *mon);

/* The periodic task: a refresh round, starting the source when due. */
void obp_obmeta_run(struct obp_monitor *mon);

/* The task's period: server_state_refresh_interval, in seconds. */
double obp_obmeta_interval(const struct obp_conf *conf);

/* Stops everything and frees the model (a stop, the monitor's end). */
void obp_obmeta_free(struct obp_monitor *mon);

/* The script's callbacks and the model's updates (obmeta_sql.c). */
void obp_obmeta_script_init(struct obp_obmeta *om);

/* Adds a table job and returns the table's index, or -1 (logged). */
int obp_obmeta_table_add(struct obp_obmeta *om, const char *tenant,
                         const char *db, const char *name);
int obp_obmeta_tenant_find(const struct obp_obmeta *om, const char *name);
int obp_obmeta_tenant_add(struct obp_obmeta *om, const char *name);

/*
 * A partition's (level 1, 2) name and high_bound_val_bin into <l>'s
 * text (obmeta_part.c); a bound that does not decode is kept in
 * om->bound_err.
 */
void obp_obmeta_part_texts(struct obp_obmeta *om, struct obp_obmeta_leaf *l,
                           int level, const uint8_t *name, size_t nlen,
                           const uint8_t *bin, size_t blen);

/*
 * The partition description of what the table job read (obmeta_part.c),
 * or NULL with <err> set.
 */
struct obp_part_desc *obp_obmeta_part_desc(const struct obp_obmeta *om,
                                           char *err, size_t errlen);

/*
 * Table <idx> leaves the cache to make room: forgotten, its slot free
 * for the next table; a worker that asks for it again has it read anew
 * (obmeta_model.c).
 */
void obp_obmeta_table_evict(struct obp_obmeta *om, uint32_t idx);

/*
 * Within routing_cache_mem_limited (obmeta_lru.c): the workers' stamps
 * of the published set read back into the model; false when another
 * process publishes (nothing read: evict nothing on stale stamps).
 */
bool obp_obmeta_lru_stamps(struct obp_obmeta *om);

/*
 * Leaves the least recently used tables out of the model when <t> (the
 * model as a topology, its table i the model's table map[i], its
 * servers registered as <idx>) does not fit a bank; never one a worker
 * waits for.  Returns how many (counted, logged).
 */
int obp_obmeta_lru_fit(struct obp_obmeta *om, const struct obp_topo *t,
                       const uint32_t *map, const uint16_t *idx);

/*
 * The locations' batches (obmeta_locs.c), leaves om->loc_from onwards:
 * the batch's tablet ids, "id, id, ..." into <buf> (false when none or
 * they do not fit); the leaf of the batch holding <tablet> (NULL: none);
 * the next batch, false after the last.
 */
bool obp_obmeta_locs_ids(const struct obp_obmeta *om, char *buf,
                         size_t cap);
struct obp_obmeta_leaf *obp_obmeta_locs_leaf(struct obp_obmeta *om,
                                             int64_t tablet);
bool obp_obmeta_locs_next(struct obp_obmeta *om);

/*
 * The servers of a zone being upgraded that are otherwise ACTIVE become
 * UPGRADE, out of routing as ODP's force-congested ones (obmeta_model.c).
 */
void obp_obmeta_zone_states(struct obp_obmeta *om);

/* A table job is over: what it read becomes the table's (obmeta_model.c). */
void obp_obmeta_table_done(struct obp_obmeta *om,
                           const struct obp_obmeta_job *j);

/*
 * Publishes the model into the route cache (obmeta_pub.c): OBP_OK,
 * OBP_AGAIN while a worker reads the bank needed (try again), OBP_ERROR
 * (logged).
 */
int obp_obmeta_publish(struct obp_obmeta *om);

/* Frees the model's tables and tenants. */
void obp_obmeta_model_free(struct obp_obmeta *om);

#endif
