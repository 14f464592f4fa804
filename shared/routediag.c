/*
 * Route diagnosis text (routediag.h): the prompts and the plan of one
 * routing decision, each point written when the level shows it.
 */
#include "obp.h"
#include "routediag.h"
#include "blocklist.h"
#include "shm.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NAME_SHOWN 64

/* One growing text, cut (and marked) when full. */
struct wtext {
    char   *p;
    size_t  cap;
    size_t  len;
    bool    cut;
};

struct diag {
    const struct obp_rdiag      *d;
    const struct obp_router_out *out;
    struct obp_sql_class         c;
    struct wtext                 prompts;
    struct wtext                 plan;
    const char                  *last_prompt;   /* point of the last one */
    char                         pbuf[OBP_RDIAG_TEXT_MAX / 2];
    char                         lbuf[OBP_RDIAG_TEXT_MAX / 2];
};

static void
put(struct wtext *w, const char *fmt, ...) OBP_PRINTF(2, 3);

static void
put(struct wtext *w, const char *fmt, ...)
{
    va_list ap;
    int     k;

    if (w->cut)
        return;
    va_start(ap, fmt);
    k = vsnprintf(w->p + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= w->cap - w->len) {
        w->cut = true;
        w->len = strlen(w->p);
        return;
    }
    w->len += (size_t)k;
}

/* A prompt of point <name>: "[INFO] ..." or "[WARN] ...". */
static void
prompt(struct diag *x, const char *name, bool warn, const char *fmt, ...)
    OBP_PRINTF(4, 5);

static void
prompt(struct diag *x, const char *name, bool warn, const char *fmt, ...)
{
    char    text[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (x->last_prompt != name)
        put(&x->prompts, "> %s\n", name);
    x->last_prompt = name;
    put(&x->prompts, "  [%s] %s\n", warn ? "WARN" : "INFO", text);
}

/* Opens the plan line of point <name> at <level>; false: not shown. */
static bool
point(struct diag *x, int level, const char *name)
{
    if (level > x->d->level)
        return false;
    for (int i = 1; i < level; i++)
        put(&x->plan, "  ");
    put(&x->plan, "> %s:{", name);
    return true;
}

static void
point_end(struct diag *x)
{
    put(&x->plan, "}\n");
}

static const char *
server(const struct diag *x, int idx)
{
    const struct obp_shm_server *s = obp_shm_server(x->d->in->shm,
                                                    (unsigned)idx);

    return idx >= 0 && s != NULL ? s->addr : "";
}

static const char *
kind_name(enum obp_sql_kind k)
{
    static const char *const names[] = { "OTHER", "SELECT", "INSERT",
                                         "REPLACE", "UPDATE", "DELETE",
                                         "BEGIN", "COMMIT", "ROLLBACK",
                                         "SET", "USE", "SHOW", "CALL",
                                         "DDL" };

    return (size_t)k < OBP_NELEMS(names) ? names[k] : "OTHER";
}

/* The statement's table as written, or "". */
static int
table_len(const struct diag *x)
{
    const struct obp_sql_name *t = x->c.route_table.n > 0 ? &x->c.route_table
                                                          : &x->c.table;

    return t->s == NULL ? 0 : (int)(t->n < NAME_SHOWN ? t->n : NAME_SHOWN);
}

static const char *
table_text(const struct diag *x)
{
    return x->c.route_table.n > 0 ? x->c.route_table.s
                                  : x->c.table.s != NULL ? x->c.table.s : "";
}

static void
sql_parse(struct diag *x)
{
    if (!point(x, 1, "SQL_PARSE"))
        return;
    put(&x->plan, "cmd:\"COM_QUERY\", sql_cmd:\"%s\", table:\"%.*s\"",
        kind_name(x->c.kind), table_len(x), table_text(x));
    point_end(x);
}

static const char *
info_type(const struct diag *x)
{
    const struct obp_router_out *o = x->out;

    if (x->d->sticky)
        return "USE_LAST_SESSION";
    if (o->kind == OBP_RT_FORCED)
        return x->c.target_db_server.n > 0 ? "USE_COMMENT_TARGET_DB"
                                            : "USE_CONFIG_TARGET_DB";
    if (o->roles)
        return "USE_SERVER_ROLES";
    if (o->found)
        return "USE_PARTITION_LOCATION_LOOKUP";
    if (o->kind == OBP_RT_NONE)
        return "USE_CACHED_SESSION";
    return "USE_ROUTE_POLICY";
}

static void
info_prompt(struct diag *x, const char *type)
{
    const struct obp_router_out *o = x->out;
    const char                  *p = "ROUTE_INFO";

    if (x->d->sticky)
        prompt(x, p, false, "Will route to last connected server(%s) "
               "because %s", x->d->last, x->d->trans
               ? "current query in transaction"
               : "the session's state lives there (temporary tables, "
                 "locks, ...)");
    else if (o->kind == OBP_RT_FORCED)
        prompt(x, p, false, "Will route to target_db_server(%s) given by "
               "the %s", server(x, o->server[0]),
               x->c.target_db_server.n > 0 ? "statement's comment"
                                           : "target_db_server parameter");
    else if (o->roles)
        prompt(x, p, false, "Will route by the servers' roles: the "
               "primary takes writes and strong reads, a replica the "
               "reads it may take");
    else if (o->found)
        prompt(x, p, false, "Will do table partition location lookup to "
               "decide which server to route to");
    else if (o->kind == OBP_RT_NONE)
        prompt(x, p, false, "Will route to the session's current server%s%s"
               "%s because the statement has no route info", x->d->last
               ? "(" : "", x->d->last ? x->d->last : "",
               x->d->last ? ")" : "");
    else if (strcmp(type, "USE_ROUTE_POLICY") == 0)
        prompt(x, p, false, "Will route to the tenant's servers by route "
               "policy because the statement has no partition to go to");
}

static void
route_info(struct diag *x)
{
    const char *type = info_type(x);

    info_prompt(x, type);
    if (!point(x, 1, "ROUTE_INFO"))
        return;
    put(&x->plan, "route_info_type:\"%s\"", type);
    if (x->d->sticky)
        put(&x->plan, ", svr_addr:\"%s\", in_transaction:%s",
            x->d->last != NULL ? x->d->last : "",
            x->d->trans ? "true" : "false");
    else if (x->out->kind == OBP_RT_FORCED)
        put(&x->plan, ", svr_addr:\"%s\"", server(x, x->out->server[0]));
    point_end(x);
}

static const char *
part_type_name(unsigned t)
{
    static const char *const names[] = { "HASH", "KEY", "KEY", "RANGE",
                                         "RANGE COLUMNS", "LIST",
                                         "LIST COLUMNS" };

    return t < OBP_NELEMS(names) ? names[t] : "?";
}

/* The key columns of <level>, comma separated, as ODP's part_expr. */
static void
put_columns(struct diag *x, unsigned level)
{
    const struct obp_router_keys *k = &x->out->key;
    bool                          first = true;

    for (unsigned i = 0; i < k->n; i++) {
        if (k->keys[i].level != level)
            continue;
        put(&x->plan, "%s%s", first ? "" : ",", k->keys[i].column);
        first = false;
    }
}

/* Level 3: the table's partitioning as the route cache gave it. */
static void
fetch_table_data(struct diag *x)
{
    if (x->out->key.levels == 0 || !point(x, 3, "FETCH_TABLE_RELATED_DATA"))
        return;
    put(&x->plan, "part_level:%u, part_expr:\"", x->out->key.levels);
    put_columns(x, 1);
    put(&x->plan, "\"");
    if (x->out->key.levels == 2) {
        put(&x->plan, ", sub_part_expr:\"");
        put_columns(x, 2);
        put(&x->plan, "\"");
    }
    point_end(x);
}

/* Level 3: the key columns the statement gave, column=literal. */
static void
expr_parse(struct diag *x)
{
    const struct obp_router_keys *k = &x->out->key;
    bool                          any = false;

    if (!point(x, 3, "EXPR_PARSE"))
        return;
    put(&x->plan, "col_val:\"");
    for (unsigned i = 0; i < k->n; i++) {
        if (!k->keys[i].given)
            continue;
        put(&x->plan, "%s%s=%s", any ? "," : "", k->keys[i].column,
            k->keys[i].token);
        any = true;
    }
    put(&x->plan, "%s\"", any ? "" : "there are no part keys");
    point_end(x);
}

/* The resolved values of <level>'s key, as a point range "[v ; v]". */
static void
put_range(struct diag *x, unsigned level, const char *name, bool comma)
{
    const struct obp_router_keys *k = &x->out->key;
    char                          vals[OBP_RDIAG_TEXT_MAX / 8];
    size_t                        o = 0;

    vals[0] = '\0';
    for (unsigned i = 0; i < k->n; i++) {
        int n;

        if (k->keys[i].level != level || !k->keys[i].given)
            continue;
        n = snprintf(vals + o, sizeof(vals) - o, "%s%s", o > 0 ? "," : "",
                     k->keys[i].kind == OBP_PV_NULL ? "NULL"
                     : k->keys[i].value);
        if (n < 0 || (size_t)n >= sizeof(vals) - o)
            break;
        o += (size_t)n;
    }
    if (o > 0)
        put(&x->plan, "%s%s:\"[%s ; %s]\"", comma ? ", " : "", name, vals,
            vals);
}

/* Level 3: the key ranges the values make (a point each). */
static void
resolve_expr(struct diag *x)
{
    if (!point(x, 3, "RESOLVE_EXPR"))
        return;
    put_range(x, 1, "part_range", false);
    put_range(x, 2, "sub_part_range", x->plan.len > 0
              && x->plan.p[x->plan.len - 1] != '{');
    point_end(x);
}

static const char *
token_type(unsigned t)
{
    switch (t) {
    case OBP_SQL_V_INT:
    case OBP_SQL_V_BOOL:    return "TOKEN_INT_VAL";
    case OBP_SQL_V_DECIMAL:
    case OBP_SQL_V_STRING:  return "TOKEN_STR_VAL";
    case OBP_SQL_V_HEX:
    case OBP_SQL_V_BIT:     return "TOKEN_HEX_VAL";
    case OBP_SQL_V_NULL:    return "TOKEN_NULL";
    case OBP_SQL_V_PARAM:   return "TOKEN_PLACE_HOLDER";
    default:                return "TOKEN_FUNC";
    }
}

static const char *
value_type(unsigned kind)
{
    static const char *const names[] = {
        [OBP_PV_INT] = "BIGINT", [OBP_PV_UINT] = "BIGINT UNSIGNED",
        [OBP_PV_DECIMAL] = "DECIMAL", [OBP_PV_FLOAT] = "DOUBLE",
        [OBP_PV_STRING] = "VARCHAR", [OBP_PV_DATETIME] = "DATETIME",
    };

    return kind < OBP_NELEMS(names) && names[kind] != NULL ? names[kind]
                                                           : NULL;
}

/* Level 4: each key value, the literal and what it resolved to. */
static void
resolve_tokens(struct diag *x)
{
    const struct obp_router_keys *k = &x->out->key;

    for (unsigned i = 0; i < k->n; i++) {
        const struct obp_router_key *t = &k->keys[i];
        const char                  *vt = value_type(t->kind);

        if (!t->given || !point(x, 4, "RESOLVE_TOKEN"))
            continue;
        put(&x->plan, "token_type:\"%s\"", token_type(t->token_type));
        if (vt != NULL)
            put(&x->plan, ", resolve:\"%s:%s\"", vt, t->value);
        put(&x->plan, ", token:\"%s\", column:\"%s\"", t->token, t->column);
        point_end(x);
    }
}

/* Level 3: the partitioning the values were calculated with. */
static void
calc_partition_id(struct diag *x)
{
    const struct obp_router_keys *k = &x->out->key;

    if (k->levels == 0 || !point(x, 3, "CALC_PARTITION_ID"))
        return;
    put(&x->plan, "part_description:\"partition by %s(",
        part_type_name(k->type[0]));
    put_columns(x, 1);
    put(&x->plan, ") partitions %" PRIu32, k->count);
    if (k->levels == 2) {
        put(&x->plan, " subpartition by %s(", part_type_name(k->type[1]));
        put_columns(x, 2);
        put(&x->plan, ")");
    }
    put(&x->plan, "\"");
    if (k->part_idx >= 0)
        put(&x->plan, ", part_idx:%" PRId32, k->part_idx);
    if (k->sub_idx >= 0)
        put(&x->plan, ", sub_part_idx:%" PRId32, k->sub_idx);
    point_end(x);
}

static void
partition_calc(struct diag *x)
{
    const struct obp_router_out *o = x->out;

    if (!o->partitioned)
        return;
    if (point(x, 2, "PARTITION_ID_CALC_START")) {
        put(&x->plan, "partition_num:%" PRIu32, o->nleaves);
        point_end(x);
    }
    expr_parse(x);
    resolve_expr(x);
    resolve_tokens(x);
    calc_partition_id(x);
    if (!o->keyed)
        prompt(x, "PARTITION_ID_CALC_DONE", true, "Fail to use partition "
               "key value to calculate the partition: the statement gives "
               "no usable value of the partition key");
    if (point(x, 2, "PARTITION_ID_CALC_DONE")) {
        if (o->keyed)
            put(&x->plan, "partition_id:%" PRId32 ", partitions:\"(p%"
                PRId32 ")\"", o->leaf, o->leaf);
        else
            put(&x->plan, "partition_id:-1");
        point_end(x);
    }
}

static void
cache_lookup(struct diag *x)
{
    const struct obp_router_out *o = x->out;

    if (x->d->sticky || !o->looked_up)
        return;
    if (point(x, 1, "LOCATION_CACHE_LOOKUP")) {
        put(&x->plan, "mode:\"route_cache\"");
        point_end(x);
    }
    if (!o->found)
        prompt(x, "TABLE_ENTRY_LOOKUP_DONE", true, "Table %.*s is not in "
               "the route cache: the statement has no route info",
               table_len(x), table_text(x));
    else if (!o->partitioned)
        prompt(x, "TABLE_ENTRY_LOOKUP_DONE", false, "Non-partition table "
               "will be routed by ROUTE_POLICY");
    if (o->partitioned)
        fetch_table_data(x);
    if (point(x, 2, "TABLE_ENTRY_LOOKUP_DONE")) {
        put(&x->plan, "table:\"%.*s\"", table_len(x), table_text(x));
        if (o->found)
            put(&x->plan, ", table_id:\"%" PRId64 "\", table_type:\"USER "
                "TABLE\", partition_num:%" PRIu32, o->table_id,
                o->nleaves);
        else
            put(&x->plan, ", is_lookup_succ:false");
        point_end(x);
    }
    partition_calc(x);
    if (o->leader >= 0 && point(x, 2, "PARTITION_ENTRY_LOOKUP_DONE")) {
        put(&x->plan, "leader:\"%s\"", server(x, o->leader));
        point_end(x);
    }
}

static const char *
policy_name(const struct diag *x)
{
    static const char *const names[] = { "MERGE_IDC_ORDER",
                                         "FOLLOWER_FIRST",
                                         "UNMERGE_FOLLOWER_FIRST",
                                         "FOLLOWER_ONLY" };
    const struct obp_router_in *in = x->d->in;
    int                         p = in->levels != NULL
                                    ? in->levels->route_policy : 0;

    if (in->session_policy != NULL && in->session_policy[0] != '\0')
        return in->session_policy;
    return p >= 0 && (size_t)p < OBP_NELEMS(names) ? names[p]
                                                   : "MERGE_IDC_ORDER";
}

/* The role of the chosen server, and the route type it stands for. */
static void
chosen(const struct diag *x, const char **role, const char **type)
{
    const struct obp_router_out *o = x->out;

    if (o->roles) {
        bool replica = o->kind == OBP_RT_WEAK && o->server[0] != o->leader
                       && o->best > 0;

        *role = replica ? "REPLICA" : "PRIMARY";
        *type = replica ? "ROUTE_TYPE_REPLICA" : "ROUTE_TYPE_PRIMARY";
    } else if (o->kind == OBP_RT_TENANT) {
        *role = "TENANT_SERVER";
        *type = "ROUTE_TYPE_TENANT";
    } else if (o->leader >= 0 && o->server[0] == o->leader) {
        *role = "LEADER";
        *type = "ROUTE_TYPE_LEADER";
    } else {
        *role = "FOLLOWER";
        *type = "ROUTE_TYPE_FOLLOWER";
    }
}

static void
policy_prompt(struct diag *x, const char *addr, const char *role)
{
    const struct obp_router_in  *in = x->d->in;
    const struct obp_router_out *o = x->out;
    const char                  *p = "ROUTE_POLICY";

    if (o->roles && strcmp(role, "PRIMARY") == 0)
        prompt(x, p, false, "Will route to the primary(%s) because %s",
               addr, o->write ? "the statement writes"
               : in->in_trans ? "current query in transaction"
               : in->primary_reads ? "the session's reads stay on the "
               "primary (read_after_write_window, temporary tables)"
               : in->raw != NULL ? "no replica may take it or has applied "
               "the session's last write yet (read_after_write_window, "
               "enable_causal_read)"
               : o->weak ? "no replica may take it" : "query for STRONG read");
    else if (o->roles)
        prompt(x, p, false, "Will route to replica(%s) drawn by weight "
               "because the read may go to a replica", addr);
    else if (o->kind == OBP_RT_WEAK)
        prompt(x, p, false, "Will route to %s replica(%s) using route "
               "policy %s because query for WEAK read",
               strcmp(role, "LEADER") == 0 ? "leader" : "follower", addr,
               policy_name(x));
    else if (o->kind == OBP_RT_LEADER && o->write)
        prompt(x, p, false, "Will route to table's partition leader "
               "replica(%s) because the statement writes", addr);
    else if (o->kind == OBP_RT_LEADER)
        prompt(x, p, false, "Will route to table's partition %s "
               "replica(%s) using non route policy because query for "
               "STRONG read", strcmp(role, "LEADER") == 0 ? "leader"
               : "follower", addr);
    else
        prompt(x, p, false, "Will route to the tenant's server(%s)%s",
               addr, o->weak ? " by route policy because query for WEAK "
               "read" : "");
}

static void
route_policy(struct diag *x)
{
    const struct obp_router_out *o = x->out;
    const char                  *role, *type, *addr;

    if (o->kind == OBP_RT_ERROR) {
        prompt(x, "ROUTE_POLICY", true, "%s", o->err);
        if (point(x, 1, "ROUTE_POLICY")) {
            put(&x->plan, "chosen_route_type:\"ROUTE_TYPE_NONE\"");
            point_end(x);
        }
        return;
    }
    if (o->n == 0 || (o->kind != OBP_RT_LEADER && o->kind != OBP_RT_WEAK
                      && o->kind != OBP_RT_TENANT))
        return;
    chosen(x, &role, &type);
    addr = server(x, o->server[0]);
    policy_prompt(x, addr, role);
    if (!point(x, 1, "ROUTE_POLICY"))
        return;
    put(&x->plan, "route_policy:\"%s\", chosen_route_type:\"%s\", "
        "replica:\"%s\", role:\"%s\", type:\"FULL\", "
        "trans_consistency:\"%s\"", o->kind == OBP_RT_WEAK
        ? policy_name(x) : "NONE", type, addr, role,
        o->weak && o->kind != OBP_RT_LEADER ? "WEAK" : "STRONG");
    point_end(x);
}

/* Where it goes, and the servers left out as blocked. */
static void
congestion(struct diag *x)
{
    const struct obp_router_in  *in = x->d->in;
    const struct obp_router_out *o = x->out;
    const char                  *p = "CONGESTION_CONTROL";
    const char                  *addr = x->d->sticky ? x->d->last
                                        : o->n > 0 ? server(x, o->server[0])
                                                   : x->d->last;

    if (!x->d->sticky && o->leader >= 0
        && obp_bl_blocked(in->shm, o->leader, in->now_us, in->conf))
        prompt(x, p, true, "Will not route to this replica(%s): it is in "
               "black list", server(x, o->leader));
    if (!x->d->sticky && o->n > 0
        && obp_bl_blocked(in->shm, o->server[0], in->now_us, in->conf))
        prompt(x, p, true, "Will retry because this replica(%s) is in "
               "black list: every candidate is", addr);
    if (addr == NULL || addr[0] == '\0' || !point(x, 1, p))
        return;
    put(&x->plan, "svr_addr:\"%s\"", addr);
    point_end(x);
}

int
obp_rdiag_text(const struct obp_rdiag *d, char *buf, size_t cap)
{
    struct diag        dx;
    struct diag       *x = &dx;
    const char        *sql = d->in->sql != NULL ? d->in->sql : "";
    char               q[2048];     /* the statement shown, escaped */
    bool               cut;
    size_t             qn;
    int                k;

    memset(x, 0, offsetof(struct diag, pbuf));
    x->d = d;
    x->out = d->out;
    x->prompts = (struct wtext){ x->pbuf, sizeof(x->pbuf), 0, false };
    x->plan = (struct wtext){ x->lbuf, sizeof(x->lbuf), 0, false };
    x->pbuf[0] = x->lbuf[0] = '\0';
    obp_sql_classify(&x->c, sql, d->in->sql_len, d->in->sql_flags, NULL, 0);
    sql_parse(x);
    route_info(x);
    if (!d->sticky) {
        cache_lookup(x);
        route_policy(x);
    }
    congestion(x);
    /* its bytes as the logs show them: a NUL would end the text */
    qn = obp_log_escape(q, sizeof(q) - 4, sql, d->in->sql_len, &cut);
    memcpy(q + qn, cut ? "..." : "", cut ? 4 : 1);
    k = snprintf(buf, cap, "\nTrans Current Query:\"%s\"\n\nRoute Prompts"
                 "\n-----------------\n%s\n\nRoute Plan\n-----------------\n"
                 "%s", q, x->pbuf, x->lbuf);
    return k >= 0 && (size_t)k < cap && !x->prompts.cut && !x->plan.cut
           ? OBP_OK : OBP_ERROR;
}
