/*
 * Statement statistics per tenant (sqlstat.h).
 */
#include "obp.h"
#include "sqlstat.h"

#include <string.h>

/* 0.5 ms to 10 s, roughly x2.5 apart; then +Inf. */
const int64_t obp_sqlstat_bound_us[OBP_SQLSTAT_BUCKETS - 1] = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, 5000000, 10000000,
};

static bool
names_are(const struct obp_shm_tenant *e, const char *cluster,
          const char *tenant)
{
    return strncmp(e->cluster, cluster, sizeof(e->cluster)) == 0
           && strncmp(e->tenant, tenant, sizeof(e->tenant)) == 0;
}

unsigned
obp_sqlstat_tenant(struct obp_shm_tenant *table, const char *cluster,
                   const char *tenant, int32_t pid)
{
    /*
     * Two workers meeting a new tenant at once may each claim an entry:
     * a reader adds up the entries of one name.  An entry left half
     * named by a killed worker stays unused.
     */
    for (unsigned i = 0; i < OBP_SQLSTAT_TENANTS; i++) {
        struct obp_shm_tenant *e = &table[i];
        uint32_t               st = atomic_load_explicit(&e->state,
                                                         memory_order_acquire);

        if (st == OBP_SQLSTAT_READY && names_are(e, cluster, tenant))
            return i;
        if (st != 0)
            continue;
        if (!atomic_compare_exchange_strong(&e->state, &st, (uint32_t)pid))
            continue;
        obp_strlcpy(e->cluster, cluster, sizeof(e->cluster));
        obp_strlcpy(e->tenant, tenant, sizeof(e->tenant));
        atomic_store_explicit(&e->state, OBP_SQLSTAT_READY,
                              memory_order_release);
        return i;
    }
    return OBP_SQLSTAT_OTHER;
}

/* One writer per slot: a load and a store, no locked instruction. */
static inline void
bump(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed)
                             + n, memory_order_relaxed);
}

static unsigned
bucket_of(int64_t us)
{
    unsigned i = 0;

    while (i < OBP_SQLSTAT_BUCKETS - 1 && us > obp_sqlstat_bound_us[i])
        i++;
    return i;
}

void
obp_sqlstat_add(struct obp_sqlstat_row *row, const struct obp_sqlstat_req *r)
{
    int64_t prepare = r->prepare_us > 0 ? r->prepare_us : 0;
    int64_t server = r->server_us > 0 ? r->server_us : 0;
    int64_t total = r->total_us > 0 ? r->total_us : 0;
    unsigned t = (unsigned)r->type < OBP_SQLTYPE_COUNT ? (unsigned)r->type
                                                        : 0;

    bump(&row->requests[t][r->labels % OBP_SQLSTAT_LABELS], 1);
    bump(&row->cost_us[t][OBP_SQLSTAT_PREPARE], (uint64_t)prepare);
    bump(&row->cost_us[t][OBP_SQLSTAT_SERVER], (uint64_t)server);
    bump(&row->cost_us[t][OBP_SQLSTAT_TOTAL], (uint64_t)total);
    bump(&row->buckets[bucket_of(total)], 1);
    bump(&row->total_us, (uint64_t)total);
    if (r->transaction)
        bump(&row->transactions, 1);
}

void
obp_sqlstat_gauge(struct obp_sqlstat_row *row, enum obp_sqlstat_sess type,
                  int delta)
{
    bump(&row->sessions[type], (uint64_t)(int64_t)delta);
}

void
obp_sqlstat_login(struct obp_sqlstat_row *row, bool ok)
{
    bump(&row->logins[ok ? 1 : 0], 1);
}

void
obp_sqlstat_gauges_clear(struct obp_sqlstat_row *rows, unsigned n)
{
    for (unsigned r = 0; r < n; r++)
        for (unsigned k = 0; k < OBP_SQLSTAT_SESS_TYPES; k++)
            atomic_store_explicit(&rows[r].sessions[k], 0,
                                  memory_order_relaxed);
}

static void
sum_n(_Atomic uint64_t *out, const _Atomic uint64_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bump(&out[i], atomic_load_explicit(&in[i], memory_order_relaxed));
}

void
obp_sqlstat_sum(struct obp_sqlstat_row *out, const struct obp_sqlstat_row *in)
{
    sum_n(&out->requests[0][0], &in->requests[0][0],
          sizeof(in->requests) / sizeof(in->requests[0][0]));
    sum_n(&out->cost_us[0][0], &in->cost_us[0][0],
          sizeof(in->cost_us) / sizeof(in->cost_us[0][0]));
    sum_n(out->buckets, in->buckets, OBP_SQLSTAT_BUCKETS);
    sum_n(&out->total_us, &in->total_us, 1);
    sum_n(&out->transactions, &in->transactions, 1);
    sum_n(out->sessions, in->sessions, OBP_SQLSTAT_SESS_TYPES);
    sum_n(out->logins, in->logins, 2);
}
