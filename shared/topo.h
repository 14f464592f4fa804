/*
 * The cluster topology declared in the configuration file (ODP-REFERENCE
 * 5 and 7.3, 7.4): zones, servers, tenants, and the tables whose
 * partitions and replicas the proxy routes by.  A static source: the
 * master loads it with the parameters (obp_conf_build()) and owns it in
 * struct obp_conf; the route cache copies what the workers need.
 *
 * The loaders (conf_yaml.c, conf_ini.c) only read syntax: each hands
 * objects ("server s1", "table t1.test.orders") and their keys, with the
 * line of each, to a struct obp_topo_src; obp_topo_build() checks them
 * and builds the model.  So both formats accept the same keys and give
 * the same messages, "FILE:LINE: what: phrase", every one at once.
 *
 * Ownership: obp_topo_build() returns a model with one reference;
 * obp_topo_ref() adds one (obp_conf_dup() shares the model), and
 * obp_topo_unref() drops one and frees the model with the last.  The
 * model is never changed once built.  Every string and array in it is
 * owned by it.  Indexes (zone, server, tenant) count in declared order.
 */
#ifndef OBP_SHARED_TOPO_H
#define OBP_SHARED_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "part.h"

struct obp_errs;

#define OBP_TOPO_IMPLICIT_ZONE      "zone1"
#define OBP_TOPO_IMPLICIT_TENANT    "sys"

enum obp_topo_role {
    OBP_TOPO_LEADER = 0,
    OBP_TOPO_FOLLOWER
};

/* A server's declared role (MySQL/MariaDB primary and replicas). */
enum obp_topo_srole {
    OBP_TOPO_SRV_NONE = 0,
    OBP_TOPO_SRV_PRIMARY,
    OBP_TOPO_SRV_REPLICA
};

enum obp_topo_rtype {
    OBP_TOPO_FULL = 0,
    OBP_TOPO_READONLY
};

struct obp_topo_replica {
    uint32_t server;            /* index in obp_topo.servers */
    uint8_t  role;              /* enum obp_topo_role */
    uint8_t  type;              /* enum obp_topo_rtype */
};

/* The replicas of one leaf partition; exactly one is the leader. */
struct obp_topo_replicas {
    struct obp_topo_replica *r;
    uint32_t                 n;
    uint32_t                 leader;    /* index in r */
};

struct obp_topo_zone {
    char *name;
    char *region;               /* "" when not declared */
    char *idc;                  /* "" when not declared */
    bool  readonly;
};

struct obp_topo_server {
    char            *name;
    struct obp_addr  addr;
    uint32_t         zone;      /* index in obp_topo.zones */
    uint32_t         weight;    /* share of the reads spread over
                                   replicas, 0 to 65535; default 1 */
    uint8_t          role;      /* enum obp_topo_srole */
    int32_t          primary;   /* a replica's primary (index), else -1 */
    bool             discovered;/* role: auto (the first stands as the
                                   set's primary in the model) */
};

/* One zone of a primary zone list and its priority group (0 first). */
struct obp_topo_pzone {
    uint32_t zone;
    uint32_t group;
};

struct obp_topo_tenant {
    char                     *name;
    char                     *primary_zone;  /* as declared, or "" */
    struct obp_topo_pzone    *pzones;        /* in declared order */
    uint32_t                  npzones;
    uint32_t                 *servers;       /* indexes; default: all */
    uint32_t                  nservers;
    struct obp_topo_replicas  replicas;      /* tables not declared;
                                                n == 0 when none */
};

/*
 * A table.  <leaves> has one replica list per leaf partition, in
 * declared order: partitions of a one-level table, subpartitions of a
 * two-level one grouped by partition; one list when <part> is NULL.
 */
struct obp_topo_table {
    uint32_t                  tenant;        /* index in obp_topo.tenants */
    int64_t                   id;            /* the source's table id; 0:
                                                by declared order */
    char                     *db;
    char                     *name;
    struct obp_part_desc     *part;          /* NULL: not partitioned */
    struct obp_topo_replicas *leaves;
    uint32_t                  nleaves;
    uint32_t                 *leaf_first;    /* two-level: first leaf of
                                                each partition; else NULL */
    int64_t                   used_ms;       /* last hit a live source
                                                knows (route.h), 0 */
};

struct obp_topo {
    unsigned                refs;
    struct obp_topo_zone   *zones;
    uint32_t                nzones;
    struct obp_topo_server *servers;
    uint32_t                nservers;
    struct obp_topo_tenant *tenants;
    uint32_t                ntenants;
    struct obp_topo_table  *tables;
    uint32_t                ntables;
    bool                    roles;   /* servers declared primary and
                                        replica roles: every table follows
                                        them (router.h "Roles") */
};

/* Kinds of declared objects. */
enum obp_topo_kind {
    OBP_TOPO_ZONE = 0,
    OBP_TOPO_SERVER,
    OBP_TOPO_TENANT,
    OBP_TOPO_TABLE
};

/* What a loader read; private to topo_src.c and topo_build.c. */
struct obp_topo_src;

/* An empty source; NULL when out of memory.  Freed by obp_topo_src_free. */
struct obp_topo_src *obp_topo_src_new(void);
void obp_topo_src_free(struct obp_topo_src *src);

/* "zone" -> OBP_TOPO_ZONE ...; -1 for an unknown kind. */
int obp_topo_kind(const char *word);

/*
 * Adds object <name> of <kind>, declared at <line>, and returns its
 * number for obp_topo_src_key(), or OBP_ERROR when out of memory.  A
 * table's name is "tenant.database.table".
 */
int obp_topo_src_object(struct obp_topo_src *src, enum obp_topo_kind kind,
                        const char *name, unsigned line);

/*
 * A key of object <obj> with its values: one value as written, or the
 * items of a list (a YAML sequence).  A key of a nested mapping is
 * "key.subkey" (partitions.p0).  The source copies what it keeps.
 */
int obp_topo_src_key(struct obp_topo_src *src, int obj, const char *key,
                     const char *const *values, size_t nvalues, bool list,
                     unsigned line);

/* True when nothing was declared. */
bool obp_topo_src_empty(const struct obp_topo_src *src);

/* Which keys of a tenant obp_topo_src_take() takes, and where to. */
struct obp_topo_take {
    bool  (*want)(const char *key);
    void  (*fn)(void *arg, const char *tenant, const char *key,
                const char *const *values, size_t nvalues, unsigned line);
    void   *arg;
};

/*
 * Hands each key of a tenant that <t>->want() picks to <t>->fn() and
 * removes it (the tenants' settings, level.h, are no topology).  When
 * the source declares no server, a tenant left without keys this way
 * goes too: it declared settings, not a topology.
 */
void obp_topo_src_take(struct obp_topo_src *src,
                       const struct obp_topo_take *t);

/*
 * Checks the declarations of <src> read from <path> and builds the model.
 * Returns NULL with every error in <errs> ("PATH:LINE: what: phrase").
 */
struct obp_topo *obp_topo_build(const struct obp_topo_src *src,
                                const char *path, struct obp_errs *errs);

struct obp_topo *obp_topo_ref(struct obp_topo *topo);
void obp_topo_unref(struct obp_topo *topo);

/* Lookups; -1 or NULL when not found.  Names compare exactly. */
int obp_topo_find_zone(const struct obp_topo *topo, const char *name);
int obp_topo_find_server(const struct obp_topo *topo, const char *name);
int obp_topo_find_tenant(const struct obp_topo *topo, const char *name);
const struct obp_topo_table *obp_topo_find_table(const struct obp_topo *topo,
                                                 const char *tenant,
                                                 const char *db,
                                                 const char *table);

/*
 * The replicas of one leaf: <part_idx> and <sub_idx> as obp_part_calc()
 * gives them (both 0 or sub_idx -1 for a one-level table, ignored for a
 * non-partitioned one).  NULL when out of range.
 */
const struct obp_topo_replicas *
obp_topo_leaf(const struct obp_topo_table *t, int32_t part_idx,
              int32_t sub_idx);

/*
 * Parses a primary zone list "z1;z2,z3" (';' separates priority groups,
 * ',' zones of equal priority) against the zones of <topo>, into a
 * malloc'd array the caller frees.  OBP_OK, or OBP_ERROR with a phrase.
 */
int obp_topo_parse_pzones(const struct obp_topo *topo, const char *text,
                          struct obp_topo_pzone **out, uint32_t *n,
                          char *err, size_t errlen);

#endif
