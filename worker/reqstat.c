/*
 * obproxy_stat.log (reqlog.h): each worker counts its finished requests
 * per cluster, tenant, schema, statement type and outcome, and every
 * monitor_stat_dump_interval writes one line per such key with the
 * interval's counts and times, then starts over.  ODP's layout:
 *
 *   time,app_name,,cluster:tenant:db,MYSQL,SELECT,success,0,total_count,
 *   low_count,middle_count,high_count,total_time us,prepare_time us,
 *   server_time us
 *
 * low, middle and high count the requests that took at least
 * monitor_stat_low/middle/high_threshold but less than the next one.
 * The table is the process's (a worker is one process); the keys of one
 * interval beyond STAT_SLOTS are counted in a line without names.
 */
#include "worker.h"

#include <inttypes.h>
#include <string.h>

#define STAT_SLOTS 128
#define STAT_BUF   16384        /* lines written at once */

struct stat_ent {
    uint32_t    hash;           /* 0: a free slot */
    const char *type;           /* a static name: compared by address */
    uint16_t    code;
    bool        failed;
    char        cluster[OBP_NAME_MAX];
    char        tenant[OBP_NAME_MAX];
    char        db[OBP_NAME_MAX];
    uint64_t    count, low, middle, high;
    int64_t     total, prepare, server;     /* us */
};

static struct stat_ent tab[STAT_SLOTS];
static struct stat_ent spill;   /* keys that found no slot */
static uint32_t        gen = 1; /* counts the dumps: a session's cached
                                   slot is valid in its generation */

static uint32_t
fnv(uint32_t h, const char *p)
{
    for (; *p != '\0'; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return (h ^ 0xff) * 16777619u;
}

static bool
same(const struct stat_ent *e, const struct obp_session *s,
     const char *type, bool failed, uint16_t code)
{
    return e->type == type && e->failed == failed && e->code == code
           && strcmp(e->db, s->db) == 0
           && strcmp(e->tenant, s->name.tenant) == 0
           && strcmp(e->cluster, s->name.cluster) == 0;
}

/*
 * The slot of the key, taken when new; &spill when the table is full.
 * The session's last slot is tried first: its requests mostly share one.
 */
static struct stat_ent *
slot_of(struct obp_session *s, const char *type, bool failed, uint16_t code)
{
    struct obp_reqlog *r = &s->rlog;
    struct stat_ent   *e = &tab[r->stat_slot % STAT_SLOTS];
    uint32_t           h;

    if (r->stat_gen == gen && e->hash != 0 && same(e, s, type, failed, code))
        return e;
    h = fnv(fnv(fnv(2166136261u, s->name.cluster), s->name.tenant), s->db);
    h = (h ^ (uint32_t)(uintptr_t)type ^ code ^ (failed ? 1u << 31 : 0))
        | 1;            /* never 0, the free mark */
    for (unsigned i = 0; i < STAT_SLOTS; i++) {
        r->stat_slot = (uint16_t)((h + i) % STAT_SLOTS);
        r->stat_gen = gen;
        e = &tab[r->stat_slot];
        if (e->hash == h && same(e, s, type, failed, code))
            return e;
        if (e->hash != 0)
            continue;
        e->hash = h;
        e->type = type;
        e->failed = failed;
        e->code = code;
        obp_strlcpy(e->cluster, s->name.cluster, sizeof(e->cluster));
        obp_strlcpy(e->tenant, s->name.tenant, sizeof(e->tenant));
        obp_strlcpy(e->db, s->db, sizeof(e->db));
        return e;
    }
    r->stat_gen = 0;
    return &spill;
}

void
obp_reqstat_add(struct obp_session *s, const char *type, bool failed,
                uint16_t code, int64_t total, int64_t prepare, int64_t server)
{
    const struct obp_conf *c = s->w->conf;
    struct stat_ent       *e = slot_of(s, type, failed, code);

    e->count++;
    if (total >= c->monitor_stat_high_threshold)
        e->high++;
    else if (total >= c->monitor_stat_middle_threshold)
        e->middle++;
    else if (total >= c->monitor_stat_low_threshold)
        e->low++;
    e->total += total;
    e->prepare += prepare;
    e->server += server;
}

static void
ent_line(struct obp_rline *l, const struct obp_conf *c,
         const struct stat_ent *e)
{
    obp_rline_stamp(l, false);
    obp_rline_add(l, "%s,,", c->app_name);
    obp_rline_esc(l, e->cluster, strlen(e->cluster));
    obp_rline_add(l, ":");
    obp_rline_esc(l, e->tenant, strlen(e->tenant));
    obp_rline_add(l, ":");
    obp_rline_esc(l, e->db, strlen(e->db));
    obp_rline_add(l, ",MYSQL,%s,%s,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64
                  ",%" PRIu64 ",%" PRId64 "us,%" PRId64 "us,%" PRId64 "us",
                  e->type != NULL ? e->type : "", e->failed ? "failed"
                  : "success", e->code, e->count, e->low, e->middle,
                  e->high, e->total, e->prepare, e->server);
    l->buf[l->len++] = '\n';
}

void
obp_reqstat_dump(const struct obp_worker *w)
{
    static char      out[STAT_BUF];
    struct obp_rline l;
    size_t           n = 0;

    for (unsigned i = 0; i <= STAT_SLOTS; i++) {
        struct stat_ent *e = i < STAT_SLOTS ? &tab[i] : &spill;

        if (e->count == 0)
            continue;
        l.len = 0;
        l.cut = false;
        ent_line(&l, w->conf, e);
        if (n + l.len > sizeof(out)) {
            obp_log_put(OBP_LOG_F_STAT, out, n);
            n = 0;
        }
        memcpy(out + n, l.buf, l.len);
        n += l.len;
    }
    if (n > 0)
        obp_log_put(OBP_LOG_F_STAT, out, n);
    memset(tab, 0, sizeof(tab));
    memset(&spill, 0, sizeof(spill));
    gen = gen + 1 != 0 ? gen + 1 : 1;
}
