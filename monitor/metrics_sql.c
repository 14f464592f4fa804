/*
 * The per-tenant statement and session families of /metrics (metrics.h),
 * from the segment's tenant table and every worker slot's rows
 * (sqlstat.h), summed per tenant name: two entries of one name, claimed by two
 * workers at once, are one label set.
 */
#include "monitor.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* A label value: quotes, backslashes and newlines escaped. */
#define LABEL_MAX (2 * OBP_SQLSTAT_NAME_MAX + 1)

struct tenant_sum {
    char                   cluster[LABEL_MAX];
    char                   tenant[LABEL_MAX];
    struct obp_sqlstat_row row;
};

struct page {
    struct obp_mbuf   *b;
    struct tenant_sum *sums;
    unsigned           n;
    int64_t            left;    /* label sets monitor_item_limit allows */
};

static const char *const time_names[OBP_SQLSTAT_TIMES] = {
    [OBP_SQLSTAT_PREPARE] = "prepare",
    [OBP_SQLSTAT_SERVER] = "server",
    [OBP_SQLSTAT_TOTAL] = "total",
};

/* <in> (at most <len> bytes, NUL-terminated or not) as a label value. */
static void
escape(char out[LABEL_MAX], const char *in, size_t len)
{
    size_t o = 0;

    for (size_t i = 0; i < len && in[i] != '\0'; i++) {
        if (in[i] == '\\' || in[i] == '"' || in[i] == '\n') {
            out[o++] = '\\';
            out[o++] = in[i] == '\n' ? 'n' : in[i];
        } else {
            out[o++] = in[i];
        }
    }
    out[o] = '\0';
}

/* The sum of cluster <c>, tenant <t> (escaped), found or added. */
static unsigned
sum_of(struct page *p, const char *c, const char *t)
{
    char ec[LABEL_MAX], et[LABEL_MAX];

    escape(ec, c, OBP_SQLSTAT_NAME_MAX);
    escape(et, t, OBP_SQLSTAT_NAME_MAX);
    for (unsigned i = 0; i < p->n; i++) {
        if (strcmp(p->sums[i].cluster, ec) == 0
            && strcmp(p->sums[i].tenant, et) == 0)
            return i;
    }
    memcpy(p->sums[p->n].cluster, ec, sizeof(ec));
    memcpy(p->sums[p->n].tenant, et, sizeof(et));
    return p->n++;
}

static void
collect(struct page *p, const struct obp_shm *shm)
{
    struct obp_shm_tenant  *table = obp_shm_tenants(shm);
    struct obp_shm_sqlstat *slot;
    int                     map[OBP_SQLSTAT_ROWS];

    for (unsigned i = 0; i < OBP_SQLSTAT_TENANTS; i++) {
        struct obp_shm_tenant *e = &table[i];

        map[i] = atomic_load_explicit(&e->state, memory_order_acquire)
                 == OBP_SQLSTAT_READY
                 ? (int)sum_of(p, e->cluster, e->tenant) : -1;
    }
    map[OBP_SQLSTAT_OTHER] = (int)sum_of(p, "", "_other");
    for (unsigned s = 0; (slot = obp_shm_sqlstat(shm, s)) != NULL; s++) {
        for (unsigned r = 0; r < OBP_SQLSTAT_ROWS; r++) {
            if (map[r] >= 0)
                obp_sqlstat_sum(&p->sums[map[r]].row, &slot->row[r]);
        }
    }
}

/* Whether another label set may be shown. */
static bool
take(struct page *p)
{
    return p->left-- > 0;
}

static uint64_t
get(const _Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static void
render_requests(struct page *p)
{
    obp_metrics_family(p->b, "odp_sql_request_total", "counter",
                       "statements relayed to servers, by tenant, type "
                       "and outcome");
    for (unsigned i = 0; i < p->n; i++) {
        const struct tenant_sum *t = &p->sums[i];

        for (unsigned ty = 0; ty < OBP_SQLTYPE_COUNT; ty++)
            for (unsigned l = 0; l < OBP_SQLSTAT_LABELS; l++) {
                uint64_t v = get(&t->row.requests[ty][l]);

                if (v == 0 || !take(p))
                    continue;
                obp_mbuf_printf(p->b, "odp_sql_request_total{cluster=\"%s\","
                                "tenant=\"%s\",sqlType=\"%s\","
                                "slowQuery=\"%s\",sqlResult=\"%s\","
                                "partitionHit=\"%s\"} %" PRIu64 "\n",
                                t->cluster, t->tenant,
                                obp_sqltype_name((enum obp_sqltype)ty),
                                l & OBP_SQLSTAT_SLOW ? "true" : "false",
                                l & OBP_SQLSTAT_FAIL ? "fail" : "success",
                                l & OBP_SQLSTAT_HIT ? "true" : "false", v);
            }
    }
}

static void
render_costs(struct page *p)
{
    obp_metrics_family(p->b, "odp_sql_cost_total", "gauge",
                       "microseconds spent on those statements, by tenant, "
                       "type and part (prepare, server, total)");
    for (unsigned i = 0; i < p->n; i++) {
        const struct tenant_sum *t = &p->sums[i];

        for (unsigned ty = 0; ty < OBP_SQLTYPE_COUNT; ty++) {
            uint64_t any = 0;

            for (unsigned l = 0; l < OBP_SQLSTAT_LABELS; l++)
                any += get(&t->row.requests[ty][l]);
            for (unsigned k = 0; any > 0 && k < OBP_SQLSTAT_TIMES; k++) {
                if (!take(p))
                    continue;
                obp_mbuf_printf(p->b, "odp_sql_cost_total{cluster=\"%s\","
                                "tenant=\"%s\",sqlType=\"%s\","
                                "timeType=\"%s\"} %" PRIu64 "\n",
                                t->cluster, t->tenant,
                                obp_sqltype_name((enum obp_sqltype)ty),
                                time_names[k], get(&t->row.cost_us[ty][k]));
            }
        }
    }
}

static uint64_t
count_of(const struct tenant_sum *t)
{
    uint64_t n = 0;

    for (unsigned k = 0; k < OBP_SQLSTAT_BUCKETS; k++)
        n += get(&t->row.buckets[k]);
    return n;
}

static void
render_transactions(struct page *p)
{
    obp_metrics_family(p->b, "odp_transaction_total", "counter",
                       "transactions ended (an autocommit statement is "
                       "one), by tenant");
    for (unsigned i = 0; i < p->n; i++) {
        const struct tenant_sum *t = &p->sums[i];

        if (count_of(t) == 0 || !take(p))
            continue;
        obp_mbuf_printf(p->b, "odp_transaction_total{cluster=\"%s\","
                        "tenant=\"%s\"} %" PRIu64 "\n", t->cluster, t->tenant,
                        get(&t->row.transactions));
    }
}

static void
render_histogram(struct page *p)
{
    static const char name[] = "obproxy_sql_duration_seconds";

    obp_metrics_family(p->b, name, "histogram",
                       "time from a statement's arrival to the end of its "
                       "response, by tenant");
    for (unsigned i = 0; i < p->n; i++) {
        const struct tenant_sum *t = &p->sums[i];
        uint64_t                 n = count_of(t), cum = 0;

        if (n == 0 || !take(p))
            continue;
        for (unsigned k = 0; k < OBP_SQLSTAT_BUCKETS; k++) {
            cum += get(&t->row.buckets[k]);
            if (k + 1 < OBP_SQLSTAT_BUCKETS)
                obp_mbuf_printf(p->b, "%s_bucket{cluster=\"%s\",tenant=\"%s\","
                                "le=\"%g\"} %" PRIu64 "\n", name, t->cluster,
                                t->tenant,
                                (double)obp_sqlstat_bound_us[k] / 1e6, cum);
            else
                obp_mbuf_printf(p->b, "%s_bucket{cluster=\"%s\",tenant=\"%s\","
                                "le=\"+Inf\"} %" PRIu64 "\n", name,
                                t->cluster, t->tenant, cum);
        }
        obp_mbuf_printf(p->b, "%s_sum{cluster=\"%s\",tenant=\"%s\"} %.6f\n"
                        "%s_count{cluster=\"%s\",tenant=\"%s\"} %" PRIu64 "\n",
                        name, t->cluster, t->tenant,
                        (double)get(&t->row.total_us) / 1e6, name, t->cluster,
                        t->tenant, n);
    }
}

/* Anything counted under "_other" (the table full), or a named tenant. */
static bool
shown(const struct tenant_sum *t)
{
    uint64_t any = get(&t->row.logins[0]) + get(&t->row.logins[1]);

    for (unsigned k = 0; k < OBP_SQLSTAT_SESS_TYPES; k++)
        any |= get(&t->row.sessions[k]);
    return t->cluster[0] != '\0' || any != 0 || count_of(t) != 0;
}

static void
render_sessions(struct page *p)
{
    static const char *const types[OBP_SQLSTAT_SESS_TYPES] = {
        [OBP_SQLSTAT_SESS_CLIENT] = "client",
        [OBP_SQLSTAT_SESS_SERVER] = "server",
    };

    obp_metrics_family(p->b, "odp_current_session", "gauge",
                       "client sessions logged in, and their server "
                       "connections, open now, by tenant");
    for (unsigned i = 0; i < p->n; i++) {
        const struct tenant_sum *t = &p->sums[i];

        for (unsigned k = 0; k < OBP_SQLSTAT_SESS_TYPES; k++) {
            if (!shown(t) || !take(p))
                continue;
            /* summed wrapping slots: read signed */
            obp_mbuf_printf(p->b, "odp_current_session{cluster=\"%s\","
                            "tenant=\"%s\",sessionType=\"%s\",vip=\"\"} "
                            "%" PRId64 "\n", t->cluster, t->tenant, types[k],
                            (int64_t)get(&t->row.sessions[k]));
        }
    }
}

static void
render_logins(struct page *p)
{
    obp_metrics_family(p->b, "odp_new_client_connections", "counter",
                       "client logins, accepted or refused, by tenant");
    for (unsigned i = 0; i < p->n; i++) {
        const struct tenant_sum *t = &p->sums[i];

        for (unsigned ok = 0; ok < 2; ok++) {
            if (!shown(t) || !take(p))
                continue;
            obp_mbuf_printf(p->b, "odp_new_client_connections{cluster=\"%s\","
                            "tenant=\"%s\",vip=\"\",connectionResult="
                            "\"%s\"} %" PRIu64 "\n", t->cluster, t->tenant,
                            ok ? "success" : "fail",
                            get(&t->row.logins[ok]));
        }
    }
}

void
obp_metrics_render_sql(const struct obp_monitor *mon, struct obp_mbuf *b)
{
    struct page p = { .b = b, .left = mon->conf->monitor_item_limit };

    /* the monitor allocates per scrape; the workers never do */
    p.sums = calloc(OBP_SQLSTAT_ROWS, sizeof(*p.sums));
    if (p.sums == NULL) {
        b->failed = true;
        return;
    }
    collect(&p, mon->shm);
    render_requests(&p);
    render_costs(&p);
    render_transactions(&p);
    render_histogram(&p);
    render_sessions(&p);
    render_logins(&p);
    free(p.sums);
}
