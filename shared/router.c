/*
 * The routing decision (router.h): forced targets, the table lookup, the
 * leader, weak reads, the tenant's servers and the fallbacks.
 */
#include "obp.h"
#include "router_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum obp_stat_id
obp_router_stat(enum obp_router_kind kind)
{
    switch (kind) {
    case OBP_RT_FORCED: return OBP_STAT_route_forced;
    case OBP_RT_LEADER: return OBP_STAT_route_leader;
    case OBP_RT_WEAK:   return OBP_STAT_route_weak;
    case OBP_RT_TENANT: return OBP_STAT_route_tenant;
    case OBP_RT_ERROR:  return OBP_STAT_route_error;
    default:            return OBP_STAT_route_none;
    }
}

static void
fail(struct obp_router_ctx *x, const char *fmt, ...) OBP_PRINTF(2, 3);

static void
fail(struct obp_router_ctx *x, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(x->out->err, sizeof(x->out->err), fmt, ap);
    va_end(ap);
    x->out->kind = OBP_RT_ERROR;
    x->out->n = 0;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One member "ip:port" of a target list, trimmed, to its server. */
static int
target_member(const struct obp_shm *shm, const char *p, const char *e)
{
    struct obp_addr a;
    char            addr[OBP_ADDR_STRLEN], err[80];

    while (p < e && (is_space(*p) || *p == '\'' || *p == '"'))
        p++;
    while (e > p && (is_space(e[-1]) || e[-1] == '\'' || e[-1] == '"'))
        e--;
    if (p == e || (size_t)(e - p) >= sizeof(addr))
        return -1;
    memcpy(addr, p, (size_t)(e - p));
    addr[e - p] = '\0';
    /* the table holds addresses as obp_addr_parse writes them */
    if (obp_addr_parse(&a, addr, err, sizeof(err)) == OBP_OK)
        return obp_bl_find(shm, a.text);
    return obp_bl_find(shm, addr);
}

/* Rule 1: "ip:port,ip:port;ip:port", groups in order. */
static void
forced(struct obp_router_ctx *x, const char *s, size_t n)
{
    const char *p = s, *e = s + n, *q;
    uint32_t    group = 0;
    int         idx;

    while (p < e) {
        for (q = p; q < e && *q != ',' && *q != ';'; q++)
            ;
        idx = target_member(x->in->shm, p, q);
        if (idx >= 0)
            obp_router_add(x, (uint16_t)idx, group);
        if (q < e && *q == ';')
            group++;
        p = q + 1;
    }
    if (x->ncand == 0) {
        fail(x, "target_db_server %.*s names no server of the proxy",
             (int)(n > 100 ? 100 : n), s);
        return;
    }
    obp_router_emit(x, OBP_RT_FORCED);
}

static const struct obp_route_entry *
tenant_entry(struct obp_router_ctx *x)
{
    struct obp_route_key k = { x->in->cluster, x->in->tenant,
                               { "", 0 }, { "", 0 } };

    return obp_route_find(&x->v, OBP_ROUTE_TENANT, &k);
}

/* Whether <server> holds one of the leaf's replicas <r>. */
static bool
holds(const struct obp_route_replica *r, uint32_t n, uint16_t server)
{
    for (uint32_t i = 0; i < n; i++)
        if (r[i].server == server)
            return true;
    return false;
}

/* The tenant's servers that hold no replica of the leaf <lr>: "T". */
static void
add_tenant_only(struct obp_router_ctx *x, const struct obp_route_replica *lr,
                uint32_t ln)
{
    const struct obp_route_entry   *t = tenant_entry(x);
    const struct obp_route_replica *r;
    uint32_t                        n = 0;

    r = t != NULL ? obp_route_replicas(t, 0, &n) : NULL;
    for (uint32_t i = 0; r != NULL && i < n; i++)
        if (!holds(lr, ln, r[i].server))
            obp_router_add(x, r[i].server,
                           obp_router_weak_rank(x, &r[i], true));
}

/* The tenant's servers (router.h "TENANT"), or NONE without them. */
static void
tenant(struct obp_router_ctx *x)
{
    const struct obp_route_entry   *t = tenant_entry(x);
    const struct obp_route_replica *r;
    uint32_t                        n = 0, rank;

    r = t != NULL ? obp_route_replicas(t, 0, &n) : NULL;
    for (uint32_t i = 0; r != NULL && i < n; i++) {
        if (x->out->weak)
            rank = obp_router_weak_rank(x, &r[i], false);
        else if (obp_router_readonly(x, &r[i]))
            rank = OBP_ROUTER_NEVER;
        else
            rank = x->in->conf->enable_primary_zone ? r[i].priority : 0;
        obp_router_add(x, r[i].server, rank);
    }
    if (x->ncand == 0) {
        x->out->kind = OBP_RT_NONE;
        return;
    }
    obp_router_emit(x, OBP_RT_TENANT);
}

/* The tenant's entry when its servers have roles (router.h "Roles"). */
static const struct obp_route_entry *
roles_entry(struct obp_router_ctx *x)
{
    const struct obp_route_entry   *t = tenant_entry(x);
    const struct obp_route_replica *r;
    uint32_t                        n = 0;

    r = t != NULL ? obp_route_replicas(t, 0, &n) : NULL;
    return r != NULL && obp_router_has_roles(r, n) ? t : NULL;
}

/*
 * Roles without route info: what concerns the session alone stays where
 * it is (its first such statement goes to the primary, else a replica);
 * the rest by role: a transaction the proxy does not hold (XA START)
 * starts on the primary.
 */
static void
role_tenant(struct obp_router_ctx *x)
{
    const struct obp_route_replica *r;
    uint32_t                        n = 0;
    enum obp_sql_kind               k = x->c.kind;
    bool                            session = k == OBP_SQL_SET
        || k == OBP_SQL_USE || k == OBP_SQL_SHOW;

    if (session && !x->in->want_tenant) {
        x->out->kind = OBP_RT_NONE;
        return;
    }
    r = obp_route_replicas(x->roles, 0, &n);
    if (session)
        obp_router_role_any(x, r, n);
    else
        obp_router_by_role(x, r, n);
}

static void
no_info(struct obp_router_ctx *x)
{
    if (x->in->want_tenant)
        tenant(x);
    else
        x->out->kind = OBP_RT_NONE;
}

const char *
obp_router_server_text(const struct obp_router_ctx *x, uint16_t idx)
{
    const struct obp_shm_server *s = obp_shm_server(x->in->shm, idx);

    return s != NULL ? s->addr : "?";
}

/* Rule 5 for a write: the leader alone. */
static void
write_leader(struct obp_router_ctx *x, const struct obp_route_replica *r,
             uint32_t n)
{
    uint32_t i;

    for (i = 0; i < n && r[i].role != OBP_ROUTE_LEADER; i++)
        ;
    if (i == n) {
        fail(x, "no leader is known for a partition of %s.%s", x->db,
             x->table);
        return;
    }
    if (obp_bl_blocked(x->in->shm, r[i].server, x->in->now_us,
                       x->in->conf)) {
        fail(x, "the leader of %s.%s, server %s, is unreachable (blocked):"
             " the write is refused", x->db, x->table,
             obp_router_server_text(x, r[i].server));
        return;
    }
    obp_router_add(x, r[i].server, 0);
    obp_router_emit(x, OBP_RT_LEADER);
}

/* Rules 4 and 5 for leaf <leaf> of the table. */
static void
route_leaf(struct obp_router_ctx *x, int32_t leaf)
{
    const struct obp_route_replica *r;
    uint32_t                        n = 0;

    x->out->leaf = leaf;
    r = obp_route_replicas(x->e, (uint32_t)leaf, &n);
    for (uint32_t i = 0; r != NULL && i < n; i++)
        if (r[i].role == OBP_ROUTE_LEADER)
            x->out->leader = r[i].server;
    if (r == NULL || n == 0) {
        tenant(x);
        return;
    }
    if (x->roles != NULL) {
        obp_router_by_role(x, r, n);
        return;
    }
    if (x->out->write) {
        write_leader(x, r, n);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        obp_router_add(x, r[i].server,
                       x->out->weak ? obp_router_weak_rank(x, &r[i], false)
                                    : obp_router_strong_rank(x, &r[i]));
    if (x->out->weak)
        add_tenant_only(x, r, n);
    if (x->ncand == 0 && x->out->weak)
        fail(x, "no follower of %s.%s may take the weak read "
             "(FOLLOWER_ONLY)", x->db, x->table);
    else if (x->ncand == 0)
        tenant(x);
    else
        obp_router_emit(x, x->out->weak ? OBP_RT_WEAK : OBP_RT_LEADER);
}

/* Rule 3's fallbacks: no usable key, or no partition. */
static void
no_partition(struct obp_router_ctx *x)
{
    const struct obp_conf *conf = x->in->conf;

    if (x->in->want_tenant || (!conf->enable_cached_server
                               && conf->enable_primary_zone))
        tenant(x);
    else if (conf->enable_cached_server)
        x->out->kind = OBP_RT_NONE;
    else if (x->e->nleaves > 0)
        route_leaf(x, (int32_t)(obp_router_rand(x) % x->e->nleaves));
}

/* The table of the statement in the cache: x->e, or false. */
static bool
find_table(struct obp_router_ctx *x)
{
    const struct obp_sql_class *c = &x->c;
    struct obp_route_key        k;
    bool                        ok;

    if (c->db.s != NULL)
        ok = obp_router_fold(&c->db, x->db, sizeof(x->db));
    else
        ok = obp_route_lower(x->db, sizeof(x->db), x->in->db.s,
                             x->in->db.len);
    if (!ok || x->db[0] == '\0'
        || !obp_router_fold(c->route_table.n > 0 ? &c->route_table
                                                 : &c->table,
                            x->table, sizeof(x->table))
        || x->table[0] == '\0')
        return false;
    k.cluster = x->in->cluster;
    k.tenant = x->in->tenant;
    k.database = obp_route_name(x->db);
    k.table = obp_route_name(x->table);
    x->out->looked_up = true;
    x->e = obp_route_find(&x->v, OBP_ROUTE_TABLE, &k);
    x->out->found = x->e != NULL;
    if (x->e != NULL)
        obp_route_touch(x->e, x->in->now_us);
    if (x->e == NULL) {
        memcpy(x->out->db, x->db, sizeof(x->out->db));
        memcpy(x->out->table, x->table, sizeof(x->out->table));
    }
    return x->e != NULL;
}

static bool
routable_kind(enum obp_sql_kind k)
{
    return k == OBP_SQL_SELECT || k == OBP_SQL_INSERT
           || k == OBP_SQL_REPLACE || k == OBP_SQL_UPDATE
           || k == OBP_SQL_DELETE;
}

/* Rule 4's test. */
static bool
weak_read(const struct obp_router_ctx *x)
{
    const struct obp_sql_class *c = &x->c;

    if (c->kind != OBP_SQL_SELECT || (c->flags & OBP_SQL_F_FOR_UPDATE)
        || x->in->in_trans)
        return false;
    if (c->consistency != OBP_SQL_CONS_NONE)
        return c->consistency == OBP_SQL_CONS_WEAK;
    return x->in->session_weak == 1 || x->in->levels->read_write_split;
}

static void
decide(struct obp_router_ctx *x)
{
    const struct obp_sql_class *c = &x->c;
    const char                 *t = x->in->levels->target;
    int32_t                     leaf;

    x->out->write = c->kind != OBP_SQL_SELECT && routable_kind(c->kind);
    x->out->weak = weak_read(x);
    x->roles = roles_entry(x);
    if (c->target_db_server.n > 0) {
        forced(x, c->target_db_server.s, c->target_db_server.n);
        return;
    }
    if (t != NULL && t[0] != '\0') {
        forced(x, t, strlen(t));
        return;
    }
    if (!routable_kind(c->kind)
        || (c->table.s == NULL && c->route_table.n == 0) || !find_table(x)) {
        if (x->roles != NULL)
            role_tenant(x);
        else
            no_info(x);
        return;
    }
    x->out->table_id = x->e->table_id;
    x->out->nleaves = x->e->nleaves;
    x->out->partitioned = obp_route_part(x->e) != NULL;
    leaf = obp_router_leaf(x);
    x->out->keyed = leaf >= 0;
    if (leaf < 0 && x->roles != NULL)
        role_tenant(x);     /* never a write on a replica */
    else if (leaf < 0)
        no_partition(x);
    else
        route_leaf(x, leaf);
}

void
obp_router_route(const struct obp_router_in *in, struct obp_router_out *out)
{
    static uint64_t       process_rng;
    struct obp_router_ctx x;

    memset(out, 0, sizeof(*out));
    out->leaf = -1;
    out->leader = -1;
    out->key.part_idx = -1;
    out->key.sub_idx = -1;
    /* the context's big parts are written before they are read */
    x.in = in;
    x.out = out;
    x.rng = in->rng != NULL ? in->rng : &process_rng;
    x.e = NULL;
    x.roles = NULL;
    x.db[0] = '\0';
    x.table[0] = '\0';
    x.ldc_done = false;
    x.ldc_on = false;
    x.idc = NULL;
    x.region = NULL;
    x.ncand = 0;
    x.scratch_used = 0;
    obp_sql_classify(&x.c, in->sql != NULL ? in->sql : "",
                     in->sql != NULL ? in->sql_len : 0, in->sql_flags,
                     NULL, 0);
    out->sql_kind = x.c.kind;
    out->sql_flags = x.c.flags;
    if (in->shm == NULL || in->conf == NULL
        || obp_route_read_begin(&x.v, in->shm, in->slot) != OBP_OK)
        return;
    if (x.v.bank != NULL)
        out->generation = x.v.generation;
    decide(&x);
    obp_route_read_end(&x.v);
}
