/*
 * The cluster as the proxy sees it (adm.h): SHOW PROXYCLUSTER [IDC] and
 * SHOW PROXYINFO IDC.  There is one cluster, rootservice_cluster_name;
 * its servers are rootservice_list's, else the topology's, and the
 * zones, regions and IDCs are the topology's as the route cache holds
 * them (route.h), read as the router reads them.
 */
#include "worker.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define LIKE_MAX  128
#define ZLIST_MAX 4096      /* bytes of a "[z1, z2]" list */

/* The distinct zones of the route set, by their first server's facts. */
struct zones {
    const struct obp_route_ldc *z[OBP_SHM_MAX_SERVERS];
    unsigned                    n;
};

/* Zones of the set <v> reads, each once (names compare exactly). */
static void
zones_of(const struct obp_route_view *v, struct zones *zs)
{
    uint32_t n = obp_route_ldc_count(v);

    zs->n = 0;
    for (uint32_t i = 0; i < n && zs->n < OBP_NELEMS(zs->z); i++) {
        const struct obp_route_ldc *l = obp_route_ldc(v, i);
        unsigned                    k = 0;

        while (l != NULL && k < zs->n && strcmp(zs->z[k]->zone, l->zone))
            k++;
        if (l != NULL && k == zs->n)
            zs->z[zs->n++] = l;
    }
}

/* "[a, b]": names that would not fit are left out. */
struct zlist {
    char   text[ZLIST_MAX];
    size_t n;
};

static void
zlist_add(struct zlist *l, const char *name)
{
    size_t room;
    int    k;

    if (l->n == 0)
        l->text[l->n++] = '[';
    room = sizeof(l->text) - l->n - 1;  /* one byte stays for ']' */
    k = snprintf(l->text + l->n, room, "%s%s", l->n > 1 ? ", " : "", name);
    if (k > 0 && (size_t)k < room)
        l->n += (size_t)k;
}

static const char *
zlist_text(struct zlist *l)
{
    if (l->n == 0)
        l->text[l->n++] = '[';
    l->text[l->n++] = ']';
    l->text[l->n] = '\0';
    return l->text;
}

/* The lists of SHOW PROXYINFO IDC. */
struct idc_lists {
    struct zlist region, same_idc, same_region, other_region;
};

/*
 * ODP's classes of zones for the proxy's IDC <idc>: with a zone in that
 * IDC (MATCHED_BY_IDC), its region's zones in another IDC are
 * same_region and the rest other_region; without one every zone is
 * same_idc (MATCHED_BY_NONE), as the router then ranks them all alike.
 */
static const char *
classify(const struct zones *zs, const char *idc, struct idc_lists *out)
{
    const struct obp_route_ldc *m = NULL;

    for (unsigned i = 0; idc[0] != '\0' && m == NULL && i < zs->n; i++)
        if (strcasecmp(zs->z[i]->idc, idc) == 0)
            m = zs->z[i];
    if (m != NULL)
        zlist_add(&out->region, m->region);
    for (unsigned i = 0; i < zs->n; i++) {
        const struct obp_route_ldc *z = zs->z[i];

        if (m == NULL || strcasecmp(z->idc, idc) == 0)
            zlist_add(&out->same_idc, z->zone);
        else if (m->region[0] != '\0' && strcasecmp(z->region,
                                                    m->region) == 0)
            zlist_add(&out->same_region, z->zone);
        else
            zlist_add(&out->other_region, z->zone);
    }
    return m != NULL ? "MATCHED_BY_IDC" : "MATCHED_BY_NONE";
}

/* SHOW PROXYINFO IDC's row, unless LIKE leaves the cluster out. */
static int
idc_row(struct obp_ans *ans, const struct obp_conf *conf,
        const struct zones *zs, const char *pattern)
{
    struct idc_lists l;
    const char      *row[7];

    if (!obp_adm_match(pattern, conf->rootservice_cluster_name))
        return OBP_OK;
    memset(&l, 0, sizeof(l));
    row[0] = conf->proxy_idc_name;
    row[1] = conf->rootservice_cluster_name;
    row[2] = classify(zs, conf->proxy_idc_name, &l);
    row[3] = zlist_text(&l.region);
    row[4] = zlist_text(&l.same_idc);
    row[5] = zlist_text(&l.same_region);
    row[6] = zlist_text(&l.other_region);
    return obp_ans_row(ans, row);
}

/* SHOW PROXYINFO IDC [LIKE 'cluster'] */
enum obp_cmd_rc
obp_adm_info_idc(struct obp_session *s, struct obp_iobuf *b,
                 struct obp_cmd_arg *a)
{
    static const char *const cols[] = { "global_idc_name", "cluster_name",
                                        "match_type", "regions_name",
                                        "same_idc", "same_region",
                                        "other_region" };
    struct obp_ans        *ans = obp_req_answer(s);
    struct obp_route_view  v;
    struct zones           zs;
    char                   pattern[LIKE_MAX];
    enum obp_cmd_rc        rc;
    int                    ok;

    if (!obp_adm_like(s, a, pattern, sizeof(pattern), &rc))
        return rc;
    if (obp_route_read_begin(&v, s->w->shm, s->w->shm_slot) != OBP_OK)
        return obp_adm_rc(OBP_ERROR);
    zones_of(&v, &zs);
    ok = obp_adm_columns(ans, cols, OBP_NELEMS(cols)) == OBP_OK
         && idc_row(ans, s->w->conf, &zs, pattern) == OBP_OK;
    obp_route_read_end(&v);
    return obp_adm_rc(ok ? obp_ans_end(ans) : OBP_ERROR);
}

/* One SHOW PROXYCLUSTER row per server account lookups go to. */
static int
root_rows(struct obp_session *s, const struct obp_route_view *v)
{
    const struct obp_servers *rs = s->w->servers;
    const struct obp_conf    *conf = s->w->conf;
    char                      id[24];
    const char               *row[] = { conf->rootservice_cluster_name, id,
                                        conf->obproxy_config_server_url,
                                        "", "", "" };
    uint32_t                  n = obp_route_ldc_count(v);
    int                       rc = OBP_OK, shown = 0;

    /* the config server's ObClusterId, 0 when none said it */
    snprintf(id, sizeof(id), "%lld",
             (long long)obp_route_cluster_id(s->w->shm));

    for (int i = 0; rc == OBP_OK && i < rs->n; i++, shown++) {
        row[3] = rs->addr[i].text;
        rc = obp_ans_row(&s->req.ans, row);
    }
    /* without rootservice_list, the topology's servers serve instead */
    for (uint32_t i = 0; rs->n == 0 && rc == OBP_OK && i < n; i++) {
        const struct obp_shm_server *e = obp_shm_server(s->w->shm, i);

        if (obp_route_ldc(v, i) == NULL || e == NULL)
            continue;
        row[3] = e->addr;
        rc = obp_ans_row(&s->req.ans, row);
        shown++;
    }
    row[3] = "";
    return rc == OBP_OK && shown == 0 ? obp_ans_row(&s->req.ans, row) : rc;
}

/* One SHOW PROXYCLUSTER IDC row per IDC of the topology. */
static int
idc_rows(struct obp_session *s, const struct zones *zs)
{
    const char *name = s->w->conf->rootservice_cluster_name;
    const char *row[] = { name, "0", "", "", "" };
    int         rc = OBP_OK, shown = 0;

    for (unsigned i = 0; rc == OBP_OK && i < zs->n; i++) {
        unsigned k = 0;

        while (k < i && strcmp(zs->z[k]->idc, zs->z[i]->idc) != 0)
            k++;
        if (k < i || zs->z[i]->idc[0] == '\0')
            continue;       /* an IDC met before, or none */
        row[3] = zs->z[i]->idc;
        row[4] = zs->z[i]->region;
        rc = obp_ans_row(&s->req.ans, row);
        shown++;
    }
    row[3] = row[4] = "";
    return rc == OBP_OK && shown == 0 ? obp_ans_row(&s->req.ans, row) : rc;
}

/* SHOW PROXYCLUSTER [IDC] [LIKE 'cluster'] */
enum obp_cmd_rc
obp_adm_show_proxycluster(struct obp_session *s, struct obp_iobuf *b,
                          struct obp_cmd_arg *a)
{
    static const char *const cols[] = { "cluster_name", "#cluster_id",
                                        "rs_url", "root_addr", "role",
                                        "replica_type" };
    static const char *const icols[] = { "cluster_name", "#cluster_id",
                                         "idc_url", "idc", "region" };
    struct obp_ans        *ans = obp_req_answer(s);
    struct obp_route_view  v;
    struct zones           zs;
    char                   pattern[LIKE_MAX];
    bool                   idc = obp_sqllex_kw(&a->t, "IDC");
    enum obp_cmd_rc        rc;
    int                    ok;

    if (idc)
        obp_cmd_next(a);
    if (!obp_adm_like(s, a, pattern, sizeof(pattern), &rc))
        return rc;
    if (obp_route_read_begin(&v, s->w->shm, s->w->shm_slot) != OBP_OK)
        return obp_adm_rc(OBP_ERROR);
    zones_of(&v, &zs);
    ok = obp_adm_columns(ans, idc ? icols : cols,
                         idc ? OBP_NELEMS(icols) : OBP_NELEMS(cols))
         == OBP_OK;
    if (ok && obp_adm_match(pattern, s->w->conf->rootservice_cluster_name))
        ok = (idc ? idc_rows(s, &zs) : root_rows(s, &v)) == OBP_OK;
    obp_route_read_end(&v);
    return obp_adm_rc(ok ? obp_ans_end(ans) : OBP_ERROR);
}
