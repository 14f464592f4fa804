/*
 * The OceanBase source's queries (obmeta.h): ODP's SQL (ODP-REFERENCE
 * 5.1 to 5.5) for each job of a round, one after the other through the
 * probe's script, and what their rows change in the model.
 */
#include "monitor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NO_LIMIT        "9223372036854775807"   /* ODP's INT64_MAX */
#define MAX_ROWKEY_COLS 64      /* OB_MAX_ROWKEY_COLUMN_NUMBER */
#define INVALID_LS_ID   (-1)

/*
 * The start of the partitions' and sub-partitions' queries (5.5, 5.6):
 * a tablet, its log stream (table id, tenant), its partition.
 */
#define PARTS_SQL       "SELECT /*+READ_CONSISTENCY(WEAK)*/  A.tablet_id as "  \
    "tablet_id, IFNULL((SELECT B.ls_id FROM "                                 \
    "oceanbase.__all_virtual_tablet_to_ls B WHERE A.tablet_id = B.tablet_id " \
    "AND B.table_id = %lld AND B.tenant_id = (SELECT tenant_id FROM "         \
    "oceanbase.DBA_OB_TENANTS WHERE tenant_name = '%s' LIMIT 1) LIMIT 1), "   \
    "%d) as ls_id, A.part_id as part_id, "

/* A table's replicas (5.3, 5.7): tenant, database, table, then which. */
#define REPLICAS_SQL    "SELECT /*+READ_CONSISTENCY(WEAK)*/ A.*, "           \
    "B.svr_port as svr_port FROM oceanbase.__all_virtual_proxy_schema A "     \
    "inner join oceanbase.DBA_OB_SERVERS B ON A.svr_ip = B.svr_ip and "       \
    "A.sql_port = B.sql_port WHERE A.tenant_name = '%s' AND "                 \
    "A.database_name = '%s' AND A.table_name = '%s' AND "

/* The steps of a table job. */
enum table_step {
    ST_ENTRY = 0, ST_PINFO, ST_PARTS, ST_SUBPARTS, ST_LOCS, ST_END
};

/* The bootstrap's steps (1.6). */
enum boot_step { BT_VERSION = 0, BT_ROLE, BT_SERVERS, BT_END };

/* The columns each query reads, by name; NULL ends. */
static const char *const cols_version[] = { "cluster_version", NULL };
static const char *const cols_role[] = { "cluster_role", NULL };
static const char *const cols_boot[] = {
    "cluster", "zone", "region", "spare4", "spare5", "svr_ip", "svr_port",
    "server_status", "start_service_time", "stop_time", "zone_status",
    NULL };
static const char *const cols_zones[] = {
    "zone", "region", "spare4", "spare5", "status", NULL };
static const char *const cols_servers[] = {
    "svr_ip", "svr_port", "zone", "status", "start_service_time",
    "stop_time", NULL };
static const char *const cols_replicas[] = {
    "svr_ip", "sql_port", "role", "tablet_id", "table_id", NULL };
static const char *const cols_pinfo[] = {
    "part_level", "part_type", "part_num", "part_key_name",
    "part_key_type", "part_key_collation_type", "part_key_level",
    "sub_part_type", "sub_part_num", "part_expr", "sub_part_expr", NULL };
static const char *const cols_parts[] = {
    "tablet_id", "part_id", "sub_part_id", "part_name",
    "high_bound_val_bin", NULL };

static const char *const *
job_cols(const struct obp_obmeta_job *j)
{
    static const char *const *const table_cols[] = {
        cols_replicas, cols_pinfo, cols_parts, cols_parts, cols_replicas };

    static const char *const *const boot_cols[] = {
        cols_version, cols_role, cols_boot, cols_boot };

    switch (j->kind) {
    case OBP_OBMETA_BOOT:
        return boot_cols[j->step < BT_END ? j->step : BT_SERVERS];
    case OBP_OBMETA_ZONES:
        return cols_zones;
    case OBP_OBMETA_SERVERS:
        return cols_servers;
    case OBP_OBMETA_DUMMY:
        return cols_replicas;
    default:
        return j->step < ST_END ? table_cols[j->step] : cols_parts;
    }
}

/* <s> in single quotes' inside, ' and \ doubled (ODP's escaping). */
static bool
sql_quote(char *dst, size_t cap, const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++) {
        if (n + 3 > cap)
            return false;
        if (*s == '\'' || *s == '\\')
            dst[n++] = *s;
        dst[n++] = *s;
    }
    dst[n] = '\0';
    return true;
}

/* The length written, or 0 when it does not fit. */
static size_t OBP_PRINTF(3, 4)
sql_put(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int     n;

    va_start(ap, fmt);
    n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static size_t
sql_replicas(char *buf, size_t cap, const char *tenant, const char *db,
             const char *table, const char *tablets)
{
    char t[2 * OBP_ROUTE_NAME_MAX + 1], d[2 * OBP_ROUTE_NAME_MAX + 1];
    char n[2 * OBP_ROUTE_NAME_MAX + 1];

    if (!sql_quote(t, sizeof(t), tenant) || !sql_quote(d, sizeof(d), db)
        || !sql_quote(n, sizeof(n), table))
        return 0;
    if (tablets == NULL)
        return sql_put(buf, cap, REPLICAS_SQL "A.tablet_id = 0 ORDER BY A.role "
                   "ASC LIMIT " NO_LIMIT, t, d, n);
    return sql_put(buf, cap, REPLICAS_SQL "A.tablet_id IN (%s) ORDER BY "
               "A.tablet_id, A.role ASC LIMIT " NO_LIMIT, t, d, n, tablets);
}

static size_t
sql_dummy(char *buf, size_t cap, const char *tenant)
{
    char t[2 * OBP_ROUTE_NAME_MAX + 1];

    if (!sql_quote(t, sizeof(t), tenant))
        return 0;
    return sql_put(buf, cap, "SELECT /*+READ_CONSISTENCY(WEAK)*/ A.*, "
               "B.svr_port as svr_port FROM "
               "oceanbase.__all_virtual_proxy_schema A inner join "
               "oceanbase.DBA_OB_SERVERS B ON A.svr_ip = B.svr_ip and "
               "A.sql_port = B.sql_port WHERE A.tenant_name = '%s' AND "
               "A.database_name = 'oceanbase' AND A.table_name = "
               "'__all_dummy' AND A.sql_port > 0 ORDER BY A.tablet_id ASC, "
               "role ASC LIMIT " NO_LIMIT, t);
}

static size_t
sql_table(struct obp_obmeta *om, const struct obp_obmeta_job *j, char *buf,
          size_t cap)
{
    const struct obp_obmeta_table *t = &om->tables[j->idx];
    char                           q[2 * OBP_ROUTE_NAME_MAX + 1];
    char                           ids[OBP_PROBE_OUT_MAX / 2];

    if (!sql_quote(q, sizeof(q), t->tenant))
        return 0;
    switch (j->step) {
    case ST_ENTRY:
        return sql_replicas(buf, cap, t->tenant, t->db, t->name, NULL);
    case ST_PINFO:
        return sql_put(buf, cap, "SELECT /*+READ_CONSISTENCY(WEAK)*/ * FROM "
                   "oceanbase.__all_virtual_proxy_partition_info WHERE "
                   "table_id = %lld and tenant_name = '%s' order by "
                   "part_key_idx LIMIT %d;", (long long)om->entry_id, q,
                   MAX_ROWKEY_COLS);
    case ST_PARTS:
        return sql_put(buf, cap, PARTS_SQL "A.part_name as part_name, "
                   "A.high_bound_val_bin as high_bound_val_bin, "
                   "A.sub_part_num AS sub_part_num FROM "
                   "oceanbase.__all_virtual_proxy_partition A WHERE "
                   "A.table_id = %lld AND A.tenant_name = '%s'LIMIT "
                   NO_LIMIT ";", (long long)om->entry_id, q, INVALID_LS_ID,
                   (long long)om->entry_id, q);
    case ST_SUBPARTS:
        return sql_put(buf, cap, PARTS_SQL "A.sub_part_id as sub_part_id, "
                   "A.part_name as part_name, A.high_bound_val_bin as "
                   "high_bound_val_bin FROM "
                   "oceanbase.__all_virtual_proxy_sub_partition A WHERE "
                   "A.table_id = %lld AND A.tenant_name = '%s'LIMIT "
                   NO_LIMIT ";", (long long)om->entry_id, q, INVALID_LS_ID,
                   (long long)om->entry_id, q);
    case ST_LOCS:
        if (!obp_obmeta_locs_ids(om, ids, sizeof(ids)))
            return 0;
        return sql_replicas(buf, cap, t->tenant, t->db, t->name, ids);
    default:
        return 0;
    }
}

static size_t
sql_boot(const struct obp_obmeta_job *j, char *buf, size_t cap)
{
    switch (j->step) {
    case BT_VERSION:
        return sql_put(buf, cap, "SELECT ob_version() AS cluster_version");
    case BT_ROLE:
        return sql_put(buf, cap, "SELECT /*+READ_CONSISTENCY(WEAK)*/ "
                   "cluster_role, cluster_status FROM oceanbase.v$ob_cluster "
                   "LIMIT 1");
    case BT_SERVERS:
        /* ODP's text: its hint lacks the '+' */
        return sql_put(buf, cap, "SELECT /*READ_CONSISTENCY(WEAK)*/ "
                   "parameters.value as cluster, zs.zone AS zone, zs.status "
                   "AS zone_status, ss.status AS server_status, zs.region AS "
                   "region, zs.idc AS spare4, zs.type AS spare5, ss.svr_ip "
                   "AS svr_ip, ss.sql_port AS svr_port, ss.svr_port AS "
                   "rpc_port, ss.start_service_time is not null AS "
                   "start_service_time, ss.stop_time is not null as "
                   "stop_time FROM oceanbase.DBA_OB_SERVERS ss left join "
                   "oceanbase.DBA_OB_ZONES zs ON zs.zone = ss.zone join "
                   "V$OB_PARAMETERS parameters WHERE ss.svr_port > 0 and "
                   "parameters.name = 'cluster' ORDER BY ss.zone LIMIT "
                   NO_LIMIT ";");
    default:
        return 0;
    }
}

/* Query text of job <j>'s step; 0 when the job has none left. */
static size_t
job_sql(struct obp_obmeta *om, struct obp_obmeta_job *j, char *buf,
        size_t cap)
{
    if (j->failed)
        return 0;
    switch (j->kind) {
    case OBP_OBMETA_BOOT:
        return sql_boot(j, buf, cap);
    case OBP_OBMETA_ZONES:
        return j->step > 0 ? 0 : sql_put(buf, cap, "SELECT "
                   "/*+READ_CONSISTENCY(WEAK)*/ zone, status, 0 AS "
                   "is_merging, region, idc AS spare4, type AS spare5 FROM "
                   "oceanbase.DBA_OB_ZONES LIMIT " NO_LIMIT);
    case OBP_OBMETA_SERVERS:
        return j->step > 0 ? 0 : sql_put(buf, cap, "SELECT "
                   "/*+READ_CONSISTENCY(WEAK)*/ svr_ip, svr_port AS "
                   "rpc_port, sql_port AS svr_port, zone, status, "
                   "start_service_time is not null AS start_service_time, "
                   "stop_time is not null as stop_time FROM "
                   "oceanbase.DBA_OB_SERVERS WHERE svr_port > 0 ORDER BY "
                   "zone LIMIT " NO_LIMIT);
    case OBP_OBMETA_DUMMY:
        return j->step > 0 ? 0
               : sql_dummy(buf, cap, om->tenants[j->idx].name);
    default:
        return sql_table(om, j, buf, cap);
    }
}

/* A value as a NUL-terminated string into <buf>; false for NULL. */
static bool
val_str(const uint8_t *const *val, const size_t *vlen, int pos, char *buf,
        size_t cap)
{
    if (pos < 0 || val[pos] == NULL)
        return false;
    snprintf(buf, cap, "%.*s", (int)vlen[pos], (const char *)val[pos]);
    return true;
}

static int64_t
val_int(const uint8_t *const *val, const size_t *vlen, int pos)
{
    char buf[24];

    return val_str(val, vlen, pos, buf, sizeof(buf))
           ? strtoll(buf, NULL, 10) : -1;
}

static void
row_zone(struct obp_obmeta *om, const uint8_t *const *val,
         const size_t *vlen)
{
    struct obp_obmeta_zone *z = realloc(om->new_zones, (om->new_nzones + 1)
                                        * sizeof(*z));
    char                    type[32] = "", status[32] = "";

    if (z == NULL)
        return;
    om->new_zones = z;
    z = &z[om->new_nzones];
    memset(z, 0, sizeof(*z));
    if (!val_str(val, vlen, om->pos[0], z->name, sizeof(z->name)))
        return;
    val_str(val, vlen, om->pos[1], z->region, sizeof(z->region));
    val_str(val, vlen, om->pos[2], z->idc, sizeof(z->idc));
    val_str(val, vlen, om->pos[3], type, sizeof(type));
    z->readonly = strcasecmp(type, "ReadOnly") == 0;
    /* ODP takes a zone INACTIVE (stopped) for one being upgraded */
    val_str(val, vlen, om->pos[4], status, sizeof(status));
    z->upgrading = strcasecmp(status, "INACTIVE") == 0;
    om->new_nzones++;
}

static void
row_server(struct obp_obmeta *om, const uint8_t *const *val,
           const size_t *vlen)
{
    struct obp_obmeta_server *s = realloc(om->new_servers,
                                          (om->new_nservers + 1)
                                          * sizeof(*s));
    char                      ip[OBP_ADDR_STRLEN], status[32] = "";
    int64_t                   port = val_int(val, vlen, om->pos[1]);

    if (s == NULL)
        return;
    om->new_servers = s;
    s = &s[om->new_nservers];
    memset(s, 0, sizeof(*s));
    if (!val_str(val, vlen, om->pos[0], ip, sizeof(ip)) || port <= 0
        || port > 65535)
        return;
    snprintf(s->addr, sizeof(s->addr), strchr(ip, ':') != NULL
             ? "[%s]:%lld" : "%s:%lld", ip, (long long)port);
    val_str(val, vlen, om->pos[2], s->zone, sizeof(s->zone));
    /* ODP's order (5.1): stopped is upgrading; not started is REPLAY
       when ACTIVE; else the status (DELETING, ACTIVE, INACTIVE) */
    val_str(val, vlen, om->pos[3], status, sizeof(status));
    s->state = val_int(val, vlen, om->pos[5]) == 1 ? OBP_OB_UPGRADE
               : val_int(val, vlen, om->pos[4]) != 1
               ? (strcasecmp(status, "ACTIVE") == 0 ? OBP_OB_REPLAY
                                                     : OBP_OB_INACTIVE)
               : strcasecmp(status, "DELETING") == 0 ? OBP_OB_DELETING
               : strcasecmp(status, "ACTIVE") != 0 ? OBP_OB_INACTIVE
               : OBP_OB_ACTIVE;
    s->active = s->state == OBP_OB_ACTIVE;
    om->new_nservers++;
}

/* A replica row into <l> (rows come in tablet order, leader first). */
static void
row_replica(struct obp_obmeta *om, struct obp_obmeta_leaf *l,
            const uint8_t *const *val, const size_t *vlen)
{
    struct obp_obmeta_repl *r;
    char                    ip[OBP_ADDR_STRLEN];
    int64_t                 port = val_int(val, vlen, om->pos[1]);

    if (l->n >= OBP_OBMETA_REPL || port <= 0 || port > 65535
        || !val_str(val, vlen, om->pos[0], ip, sizeof(ip)) || ip[0] == '\0')
        return;
    r = &l->r[l->n++];
    snprintf(r->addr, sizeof(r->addr), strchr(ip, ':') != NULL
             ? "[%s]:%lld" : "%s:%lld", ip, (long long)port);
    r->role = val_int(val, vlen, om->pos[2]) == 1 ? 1 : 2;
}

/* A key column's row: the table's levels, and the column's level. */
static void
row_pinfo(struct obp_obmeta *om, const uint8_t *const *val,
          const size_t *vlen)
{
    struct obp_obmeta_pinfo *p = &om->pinfo;
    struct obp_obmeta_pkey  *k;
    int64_t                  level = val_int(val, vlen, om->pos[6]);

    p->rows++;
    p->level = (int)val_int(val, vlen, om->pos[0]);
    p->type = (int)val_int(val, vlen, om->pos[1]);
    p->num = val_int(val, vlen, om->pos[2]);
    p->sub_type = (int)val_int(val, vlen, om->pos[7]);
    p->sub_num = val_int(val, vlen, om->pos[8]);
    val_str(val, vlen, om->pos[9], p->expr[0], sizeof(p->expr[0]));
    val_str(val, vlen, om->pos[10], p->expr[1], sizeof(p->expr[1]));
    if (level != 1 && level != 2)
        return;
    k = &p->key[level - 1];
    if (k->rows++ >= OBP_OBMETA_KEYS)
        return;             /* too many: refused by the model */
    val_str(val, vlen, om->pos[3], k->col[k->rows - 1].name,
            sizeof(k->col[0].name));
    k->col[k->rows - 1].type = (int)val_int(val, vlen, om->pos[4]);
    k->col[k->rows - 1].coll = (int)val_int(val, vlen, om->pos[5]);
}

/*
 * Room in <*arr> for its row <n>: the array doubles when <n> reaches a
 * power of two, its size then (thousands of rows are not copied over and
 * over); false past OBP_ROUTE_MAX_LEAVES or out of memory.
 */
static bool
part_room(struct obp_obmeta_leaf **arr, uint32_t n)
{
    struct obp_obmeta_leaf *p;

    if (n >= OBP_ROUTE_MAX_LEAVES)
        return false;
    if ((n & (n - 1)) != 0)
        return true;
    p = realloc(*arr, (n > 0 ? 2 * (size_t)n : 1) * sizeof(*p));
    if (p == NULL)
        return false;
    *arr = p;
    return true;
}

/*
 * A partition's (or subpartition's, <level> 2) row into <*arr> (<*n> of
 * them).
 */
static void
row_part(struct obp_obmeta *om, int level, struct obp_obmeta_leaf **arr,
         uint32_t *n, const uint8_t *const *val, const size_t *vlen)
{
    struct obp_obmeta_leaf *p;
    int                     pn = om->pos[3], pb = om->pos[4];

    if (!part_room(arr, *n)) {
        /* not routed at all rather than routed on a part of it */
        snprintf(om->bound_err, sizeof(om->bound_err), "more than %d "
                 "partitions or subpartitions, or out of memory",
                 OBP_ROUTE_MAX_LEAVES);
        return;
    }
    p = &(*arr)[(*n)++];
    memset(p, 0, sizeof(*p));
    p->tablet = val_int(val, vlen, om->pos[0]);
    p->part_id = val_int(val, vlen, om->pos[1]);
    p->sub_id = val_int(val, vlen, om->pos[2]);
    obp_obmeta_part_texts(om, p, level, pn < 0 ? NULL : val[pn],
                          pn < 0 ? 0 : vlen[pn], pb < 0 ? NULL : val[pb],
                          pb < 0 ? 0 : vlen[pb]);
}

/* A location row: the replica of the batch's leaf holding its tablet. */
static void
row_location(struct obp_obmeta *om, const uint8_t *const *val,
             const size_t *vlen)
{
    struct obp_obmeta_leaf *l = obp_obmeta_locs_leaf(om,
                                                     val_int(val, vlen,
                                                             om->pos[3]));

    if (l != NULL)
        row_replica(om, l, val, vlen);
}

/*
 * A row of the bootstrap's server list: the cluster's name, the server,
 * and its zone the first time the zone comes.
 */
static void
row_boot_server(struct obp_obmeta *om, const uint8_t *const *val,
                const size_t *vlen)
{
    char zone[OBP_OBMETA_NAME] = "";
    int  pos[OBP_OBMETA_COLS];
    bool known = false;

    memcpy(pos, om->pos, sizeof(pos));
    val_str(val, vlen, pos[0], om->cluster, sizeof(om->cluster));
    val_str(val, vlen, pos[1], zone, sizeof(zone));
    for (uint32_t i = 0; i < om->new_nzones; i++)
        known = known || strcmp(om->new_zones[i].name, zone) == 0;
    if (!known && zone[0] != '\0') {
        om->pos[0] = pos[1];
        om->pos[1] = pos[2];
        om->pos[2] = pos[3];
        om->pos[3] = pos[4];
        om->pos[4] = pos[10];
        row_zone(om, val, vlen);
    }
    om->pos[0] = pos[5];
    om->pos[1] = pos[6];
    om->pos[2] = pos[1];
    om->pos[3] = pos[7];
    om->pos[4] = pos[8];
    om->pos[5] = pos[9];
    row_server(om, val, vlen);
    memcpy(om->pos, pos, sizeof(pos));
}

static void
row_boot(struct obp_obmeta *om, const struct obp_obmeta_job *j,
         const uint8_t *const *val, const size_t *vlen)
{
    if (j->step == BT_VERSION)
        val_str(val, vlen, om->pos[0], om->version, sizeof(om->version));
    else if (j->step == BT_ROLE)
        val_str(val, vlen, om->pos[0], om->role, sizeof(om->role));
    else
        row_boot_server(om, val, vlen);
}

static void
script_row(void *arg, const uint8_t *const *val, const size_t *vlen,
           unsigned ncols)
{
    struct obp_obmeta     *om = arg;
    struct obp_obmeta_job *j = &om->jobs[om->job];

    om->got_rows = true;
    switch (j->kind) {
    case OBP_OBMETA_BOOT:
        row_boot(om, j, val, vlen);
        return;
    case OBP_OBMETA_ZONES:
        row_zone(om, val, vlen);
        return;
    case OBP_OBMETA_SERVERS:
        row_server(om, val, vlen);
        return;
    case OBP_OBMETA_DUMMY:
        row_replica(om, &om->leaf, val, vlen);
        return;
    default:
        break;
    }
    if (j->step == ST_ENTRY) {
        if (om->leaf.n == 0)
            om->entry_id = val_int(val, vlen, om->pos[4]);
        row_replica(om, &om->leaf, val, vlen);
    } else if (j->step == ST_PINFO) {
        row_pinfo(om, val, vlen);
    } else if (j->step == ST_PARTS) {
        row_part(om, 1, &om->parts, &om->nparts, val, vlen);
    } else if (j->step == ST_SUBPARTS) {
        row_part(om, 2, &om->subs, &om->nsubs, val, vlen);
    } else if (j->step == ST_LOCS) {
        row_location(om, val, vlen);
    }
}

static void
script_col(void *arg, unsigned col, const uint8_t *name, size_t len)
{
    struct obp_obmeta  *om = arg;
    const char *const  *want = job_cols(&om->jobs[om->job]);

    for (int i = 0; want[i] != NULL && i < OBP_OBMETA_COLS; i++)
        if (strlen(want[i]) == len && strncasecmp(want[i],
                                                  (const char *)name,
                                                  len) == 0)
            om->pos[i] = (int)col;
}

/* The refresh's zones and servers replace the model's. */
static void
apply_list(struct obp_obmeta *om, const struct obp_obmeta_job *j)
{
    if (j->kind == OBP_OBMETA_ZONES) {
        free(om->zones);
        om->zones = om->new_zones;
        om->nzones = om->new_nzones;
        om->new_zones = NULL;
        om->new_nzones = 0;
    } else {
        if (om->new_nservers > 0)
            om->is_ob = true;
        free(om->servers);
        om->servers = om->new_servers;
        om->nservers = om->new_nservers;
        om->new_servers = NULL;
        om->new_nservers = 0;
        obp_obmeta_zone_states(om);
    }
    om->dirty = true;
}

/*
 * The bootstrap answered: the servers are the cluster's when it names
 * itself rootservice_cluster_name (ODP checks the name it was given).
 */
static void
boot_over(struct obp_obmeta *om)
{
    const char            *want = om->mon->conf->rootservice_cluster_name;
    struct obp_obmeta_job  j = { OBP_OBMETA_ZONES, 0, false, 0 };

    if (om->new_nservers > 0 && strcmp(om->cluster, want) != 0) {
        if (!om->said_cluster)
            obp_log(OBP_LOG_WARN, 0, 0, "oceanbase metadata: the servers "
                    "are cluster \"%s\", not rootservice_cluster_name "
                    "\"%s\": nothing published", om->cluster, want);
        om->said_cluster = true;
        om->new_nservers = 0;
    }
    if (om->new_nservers > 0)
        obp_log(OBP_LOG_INFO, 0, 0, "oceanbase metadata: cluster %s, "
                "version %s, role %s, %u servers", om->cluster, om->version,
                om->role[0] != '\0' ? om->role : "?", om->new_nservers);
    apply_list(om, &j);
    j.kind = OBP_OBMETA_SERVERS;
    apply_list(om, &j);
}

/*
 * A two-level table's leaves: its subpartitions grouped by partition, in
 * the partitions' order, each partition's as they came.  They replace
 * the partitions read, which move to om->firsts (om->nparts1 of them).
 * False when out of memory.
 */
static bool
subs_as_leaves(struct obp_obmeta *om)
{
    struct obp_obmeta_leaf *leaves = calloc(om->nsubs + 1, sizeof(*leaves));
    uint32_t                n = 0;

    if (leaves == NULL)
        return false;
    for (uint32_t i = 0; i < om->nparts; i++)
        for (uint32_t k = 0; k < om->nsubs; k++)
            if (om->subs[k].part_id == om->parts[i].part_id)
                leaves[n++] = om->subs[k];
    om->nparts1 = om->nparts;
    free(om->firsts);
    om->firsts = om->parts;
    om->parts = leaves;
    om->nparts = n;
    return true;
}

/* Where a table job goes after <step> was answered. */
static void
table_next(struct obp_obmeta *om, struct obp_obmeta_job *j)
{
    if (j->step == ST_ENTRY && om->leaf.n == 0 && !om->got_rows)
        j->step = ST_END;       /* no such table */
    else if (j->step == ST_PINFO && om->pinfo.rows == 0)
        j->step = ST_END;       /* not partitioned */
    else if (j->step >= ST_PARTS && om->bound_err[0] != '\0')
        j->step = ST_END;       /* not routed by partition: no locations */
    else if (j->step == ST_PARTS && om->pinfo.level != 2)
        j->step = ST_LOCS;
    else if (j->step == ST_SUBPARTS)
        j->step = subs_as_leaves(om) ? ST_LOCS : ST_END;
    else if (j->step == ST_LOCS && obp_obmeta_locs_next(om))
        return;                 /* the next batch's */
    else
        j->step++;
}

static void
script_over(void *arg, unsigned i, bool answered)
{
    struct obp_obmeta     *om = arg;
    struct obp_obmeta_job *j = &om->jobs[om->job];

    if (!answered) {
        j->failed = true;
        return;
    }
    if (j->kind == OBP_OBMETA_BOOT) {
        if (++j->step == BT_END)
            boot_over(om);
        return;
    }
    if (j->kind == OBP_OBMETA_ZONES || j->kind == OBP_OBMETA_SERVERS)
        apply_list(om, j);
    if (j->kind == OBP_OBMETA_DUMMY) {
        om->tenants[j->idx].servers = om->leaf;
        om->tenants[j->idx].fetched = true;
        om->tenants[j->idx].fetched_us = obp_now_us();
        om->dirty = true;
    }
    if (j->kind == OBP_OBMETA_TABLE)
        table_next(om, j);
    else
        j->step = 1;
}

/* A new job's (or step's) state. */
static void
job_reset(struct obp_obmeta *om, bool job)
{
    for (int i = 0; i < OBP_OBMETA_COLS; i++)
        om->pos[i] = -1;
    om->got_rows = false;
    if (!job)
        return;
    memset(&om->leaf, 0, sizeof(om->leaf));
    memset(&om->pinfo, 0, sizeof(om->pinfo));
    free(om->parts);
    free(om->subs);
    free(om->firsts);
    om->parts = NULL;
    om->subs = NULL;
    om->firsts = NULL;
    om->nparts = om->nparts1 = om->nsubs = 0;
    om->loc_from = 0;
    om->entry_id = 0;
    om->ntext = 0;
    om->bound_err[0] = '\0';
}

static size_t
script_sql(void *arg, unsigned i, char *buf, size_t cap)
{
    struct obp_obmeta *om = arg;
    size_t             n;

    for (; om->job < om->njobs; om->job++) {
        struct obp_obmeta_job *j = &om->jobs[om->job];

        job_reset(om, false);
        if ((n = job_sql(om, j, buf, cap)) > 0)
            return n;
        if (j->kind == OBP_OBMETA_TABLE)
            obp_obmeta_table_done(om, j);
        job_reset(om, true);
    }
    return 0;
}

void
obp_obmeta_script_init(struct obp_obmeta *om)
{
    om->script.user = OBP_SERVICE_USER "@sys";
    om->script.db = "oceanbase";
    om->script.sql = script_sql;
    om->script.col = script_col;
    om->script.row = script_row;
    om->script.over = script_over;
    om->script.arg = om;
    job_reset(om, true);
}
