/*
 * SHOW PROXYROUTE (adm.h): the route cache (route.h) in ODP's columns,
 * read through the reader the router uses, within one generation.  Its
 * tables, each tenant's server list as ODP's __all_dummy entry, and
 * with PARTITION one row per leaf partition of the partitioned tables.
 * The cache keeps no schema versions (0) and of the times only a
 * table's last use (last_access_time: its last hit, "" before any);
 * cluster_version is the generation the entry was published in.
 */
#include "worker.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define ER_NOT_SUPPORTED_YET 1235
#define LIKE_MAX  128
#define NUM_MAX   24
#define ADDRS_MAX (OBP_ROUTE_MAX_REPL * 96)     /* "server[i]=..., " each */

/* The text of one route entry's row. */
struct route_text {
    char names[4][OBP_ROUTE_NAME_MAX + 1];
    char id[NUM_MAX], gen[NUM_MAX], parts[NUM_MAX], repl[NUM_MAX];
    char used[40];
    char addrs[ADDRS_MAX];
};

static const char *
state_name(const struct obp_route_entry *e)
{
    return atomic_load_explicit(&e->state, memory_order_relaxed)
           == OBP_ROUTE_DIRTY ? "DIRTY" : "AVAIL";
}

/* ODP's "server[i]=ip:port,ROLE,TYPE; " list of one leaf's replicas. */
static void
replica_text(const struct obp_shm *shm, const struct obp_route_entry *e,
             uint32_t leaf, char *buf, size_t cap)
{
    const struct obp_route_replica *r;
    uint32_t                        n;
    size_t                          len = 0;
    int                             k;

    buf[0] = '\0';
    r = obp_route_replicas(e, leaf, &n);
    for (uint32_t i = 0; r != NULL && i < n; i++) {
        const struct obp_shm_server *s = obp_shm_server(shm, r[i].server);

        /* AUTO: role: auto, the monitor says which one leads */
        k = snprintf(buf + len, cap - len, "server[%" PRIu32 "]=%s,%s,%s; ",
                     i, s != NULL ? s->addr : "",
                     r[i].role == OBP_ROUTE_LEADER ? "LEADER"
                     : r[i].role == OBP_ROUTE_AUTO ? "AUTO" : "FOLLOWER",
                     r[i].type == OBP_ROUTE_READONLY ? "READONLY" : "FULL");
        if (k < 0 || (size_t)k >= cap - len)
            return;         /* cut: what fits stays */
        len += (size_t)k;
    }
}

static const char *
func_name(uint8_t type)
{
    static const char *const names[] = { "HASH", "KEY", "KEY_IMPLICIT",
                                         "RANGE", "RANGE_COLUMNS", "LIST",
                                         "LIST_COLUMNS" };

    return type < OBP_NELEMS(names) ? names[type] : "UNKNOWN";
}

/*
 * A partitioned table's "server addr": its partitioning, as ODP's
 * (sub_num: the subpartitions of all partitions).
 */
static void
part_text(const struct obp_part_desc *d, uint32_t leaves, char *buf,
          size_t cap)
{
    bool two = d->levels == 2;

    snprintf(buf, cap, "part_level=%" PRIu32 ", first_func=%s, "
             "first_num=%" PRIu32 ", sub_func=%s, sub_num=%" PRIu32,
             d->levels, func_name(d->level[0].type), d->level[0].count,
             two ? func_name(d->level[1].type) : "NONE", two ? leaves : 0);
}

/* The wall-clock time of the entry's last hit (a monotonic stamp). */
static void
used_text(const struct obp_route_entry *e, char *buf, size_t cap)
{
    int64_t ms = obp_route_used_ms(e);

    buf[0] = '\0';
    if (ms > 0)
        obp_adm_time(buf, cap, obp_wallclock_us()
                               - (obp_now_us() - ms * 1000), true);
}

/* An entry's row: a table, or a tenant's servers as __all_dummy. */
static int
entry_row(struct obp_session *s, const struct obp_route_entry *e,
          struct route_text *t)
{
    const struct obp_part_desc *d = obp_route_part(e);
    bool                        tenant = e->kind == OBP_ROUTE_TENANT;
    uint32_t                    n = 0;
    const char                 *row[] = {
        t->names[0], t->names[1], tenant ? "oceanbase" : t->names[2],
        tenant ? "__all_dummy" : t->names[3], state_name(e), t->parts,
        t->repl, t->id, t->gen, "0", "N", "", "", t->used, "", "", "",
        t->addrs
    };

    for (unsigned i = 0; i < 4; i++) {
        struct obp_route_name nm = obp_route_entry_name(e, i);

        snprintf(t->names[i], sizeof(t->names[i]), "%.*s", (int)nm.len,
                 nm.s != NULL ? nm.s : "");
    }
    if (d != NULL)
        part_text(d, e->nleaves, t->addrs, sizeof(t->addrs));
    else
        replica_text(s->w->shm, e, 0, t->addrs, sizeof(t->addrs));
    (void)obp_route_replicas(e, 0, &n);
    snprintf(t->parts, sizeof(t->parts), "%" PRIu32, e->nleaves);
    snprintf(t->repl, sizeof(t->repl), "%" PRIu32, d != NULL ? 0 : n);
    snprintf(t->id, sizeof(t->id), "%" PRId64, e->table_id);
    snprintf(t->gen, sizeof(t->gen), "%" PRIu64, e->generation);
    used_text(e, t->used, sizeof(t->used));
    return obp_ans_row(&s->req.ans, row);
}

/* The part entry of leaf <leaf>: subpartitions follow the partitions. */
static const struct obp_part_entry *
leaf_entry(const struct obp_part_desc *d, uint32_t leaf)
{
    uint64_t at = d->parts_off + ((uint64_t)(d->levels == 2
                                             ? d->level[0].count : 0)
                                  + leaf) * sizeof(struct obp_part_entry);

    if (at + sizeof(struct obp_part_entry) > d->size)
        return NULL;
    return OBP_PART_AT(d, (uint32_t)at, struct obp_part_entry);
}

/* PARTITION rows of one partitioned table. */
static int
leaf_rows(struct obp_session *s, const struct obp_route_entry *e,
          struct route_text *t)
{
    const struct obp_part_desc *d = obp_route_part(e);
    const char                 *row[] = {
        t->id, t->parts, state_name(e), t->gen, "0", "", "", t->used, "",
        "", "", t->addrs
    };
    int                         rc = OBP_OK;

    snprintf(t->id, sizeof(t->id), "%" PRId64, e->table_id);
    snprintf(t->gen, sizeof(t->gen), "%" PRIu64, e->generation);
    used_text(e, t->used, sizeof(t->used));
    for (uint32_t i = 0; d != NULL && rc == OBP_OK && i < e->nleaves; i++) {
        const struct obp_part_entry *p = leaf_entry(d, i);

        snprintf(t->parts, sizeof(t->parts), "%" PRId64,
                 p != NULL ? p->id : (int64_t)i);
        replica_text(s->w->shm, e, i, t->addrs, sizeof(t->addrs));
        rc = obp_ans_row(&s->req.ans, row);
    }
    return rc;
}

/* Every entry's rows (LIKE on the table name), one generation. */
static int
route_rows(struct obp_session *s, bool partitions, const char *pattern)
{
    struct obp_route_view         v;
    const struct obp_route_entry *e;
    struct route_text             t;
    uint32_t                      pos = 0;
    int                           rc = OBP_OK;

    if (obp_route_read_begin(&v, s->w->shm, s->w->shm_slot) != OBP_OK)
        return OBP_ERROR;
    while (rc == OBP_OK && (e = obp_route_next(&v, &pos)) != NULL) {
        struct obp_route_name nm = obp_route_entry_name(e, 3);
        bool                  tenant = e->kind == OBP_ROUTE_TENANT;

        snprintf(t.names[3], sizeof(t.names[3]), "%.*s", (int)nm.len,
                 nm.s != NULL ? nm.s : "");
        if (partitions && !tenant)
            rc = leaf_rows(s, e, &t);
        else if (!partitions && obp_adm_match(pattern, tenant ? "__all_dummy"
                                                              : t.names[3]))
            rc = entry_row(s, e, &t);
    }
    obp_route_read_end(&v);
    return rc;
}

/* SHOW PROXYROUTE [LIKE 'table'] | PARTITION */
enum obp_cmd_rc
obp_adm_show_proxyroute(struct obp_session *s, struct obp_iobuf *b,
                        struct obp_cmd_arg *a)
{
    static const char *const cols[] = {
        "cluster_name", "tenant_name", "database_name", "table_name",
        "state", "#partition_num", "#replica_num", "#table_id",
        "#cluster_version", "#schema_version", "from_rslist", "create_time",
        "last_valid_time", "last_access_time", "last_update_time",
        "expire_time", "relative_expire_time", "server addr"
    };
    static const char *const pcols[] = {
        "#table_id", "#partition_id", "state", "#cluster_version",
        "#schema_version", "create_time", "last_valid_time",
        "last_access_time", "last_update_time", "expire_time",
        "relative_expire_time", "server addr"
    };
    struct obp_ans *ans = obp_req_answer(s);
    char            pattern[LIKE_MAX] = "";
    bool            partitions = obp_sqllex_kw(&a->t, "PARTITION");
    enum obp_cmd_rc rc;
    int             ok;

    if (obp_sqllex_kw(&a->t, "ROUTINE") || obp_sqllex_kw(&a->t, "GLOBALINDEX"))
        return obp_adm_rc(obp_ans_err(ans, ER_NOT_SUPPORTED_YET, "42000",
                                      "obproxy: SHOW PROXYROUTE %.*s: the "
                                      "route cache holds tables only",
                                      (int)a->t.n, a->t.s));
    if (partitions) {
        obp_cmd_next(a);
        if (!obp_cmd_at_end(a))
            return obp_cmd_syntax(s, a);
    } else if (!obp_adm_like(s, a, pattern, sizeof(pattern), &rc)) {
        return rc;
    }
    ok = obp_adm_columns(ans, partitions ? pcols : cols,
                         partitions ? OBP_NELEMS(pcols) : OBP_NELEMS(cols))
         == OBP_OK
         && route_rows(s, partitions, pattern) == OBP_OK;
    return obp_adm_rc(ok ? obp_ans_end(ans) : OBP_ERROR);
}
