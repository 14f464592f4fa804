/*
 * SHOW PROXYCONGESTION (adm.h): the blocklist (blocklist.h), one row per
 * server of the segment's server table in ODP's columns.  A server
 * blocked by connection failures shows as dead_congested with the time
 * of the failure that blocked it; one the monitor found detect-dead
 * (srvstate.h) as DETECT_DEAD with detect_congested and its time; one the
 * OceanBase metadata lists as not serving in that state (INACTIVE,
 * DELETING, REPLAY, UPGRADE; INACTIVE and REPLAY dead_congested, as
 * ODP's cluster refresh sets them).  ODP's
 * alive congestion, failure histories, cluster resource versions and
 * zone states have no counterpart: 0 or "".  Zones and
 * regions come from the route cache (route.h).
 */
#include "worker.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_ 128
#define NUM_MAX   24
#define TIME_MAX  32

/* A server state's name among ODP's (ODP-REFERENCE 8.1). */
static const char *
state_name(uint32_t state, bool detect_dead, uint32_t ob)
{
    if (detect_dead)
        return "DETECT_DEAD";
    if (ob != OBP_OB_NONE && ob != OBP_OB_ACTIVE)
        return obp_srvstate_ob_name(ob);
    switch (state) {
    case OBP_SRV_ALIVE:
        return "ACTIVE";
    case OBP_SRV_DEAD:
        return "INACTIVE";
    case OBP_SRV_DETECTING:
        return "DETECT_DEAD";
    case OBP_SRV_UPGRADING:
        return "UPGRADE";
    default:
        return "DELETED";
    }
}

/* A monotonic time of the blocklist as wall-clock microseconds. */
static int64_t
wall_of(int64_t mono_us)
{
    return mono_us == 0 ? 0 : obp_wallclock_us() - (obp_now_us() - mono_us);
}

/* The row of server <i> in <state>. */
static int
server_row(struct obp_session *s, const struct obp_route_view *v,
           unsigned i, uint32_t state)
{
    const struct obp_shm_server *e = obp_shm_server(s->w->shm, i);
    const struct obp_route_ldc  *l = obp_route_ldc(v, i);
    struct obp_srvstate          st = { 0 };
    bool                         dead = state == OBP_SRV_DEAD, ddead;
    char                         since[TIME_MAX], fails[NUM_MAX];
    char                         dsince[TIME_MAX];
    const char                  *row[] = {
        s->w->conf->rootservice_cluster_name, l != NULL ? l->zone : "",
        l != NULL ? l->region : "", "", e->addr, "0", NULL,
        "0", "0", dead ? "1" : "0", since, "0", "0", since, fails, "0", "0",
        "0", NULL, dsince
    };
    uint32_t                     ob = atomic_load_explicit(
        &e->ob_state, memory_order_relaxed);

    (void)obp_srvstate_get(s->w->shm, (int)i, &st);
    ddead = st.detect == OBP_DETECT_DEAD;
    row[6] = state_name(state, ddead, ob);
    if (ob == OBP_OB_INACTIVE || ob == OBP_OB_REPLAY)
        row[9] = "1";
    row[18] = ddead ? "1" : "0";
    obp_adm_time(since, sizeof(since), dead ? wall_of(atomic_load_explicit(
                     &e->dead_since_us, memory_order_relaxed)) : 0, false);
    obp_adm_time(dsince, sizeof(dsince), ddead ? wall_of(st.detect_since_us)
                                               : 0, false);
    snprintf(fails, sizeof(fails), "%" PRIu32,
             atomic_load_explicit(&e->fail_count, memory_order_relaxed));
    return obp_ans_row(&s->req.ans, row);
}

/*
 * Every registered server (they come first in the table), or only the
 * blocked ones: ODP lists the congested ones without ALL.
 */
static int
server_rows(struct obp_session *s, bool all)
{
    struct obp_route_view  v;
    struct obp_shm_server *e;
    uint32_t               state;
    int                    rc = OBP_OK;

    if (obp_route_read_begin(&v, s->w->shm, s->w->shm_slot) != OBP_OK)
        return OBP_ERROR;
    for (unsigned i = 0; rc == OBP_OK
                         && (e = obp_shm_server(s->w->shm, i)) != NULL; i++) {
        state = atomic_load_explicit(&e->state, memory_order_acquire);
        if (state == OBP_SRV_UNUSED)
            break;
        if (all || (state != OBP_SRV_ALIVE && state != OBP_SRV_DELETED)
            || obp_srvstate_dead(s->w->shm, (int)i)
            || obp_srvstate_out(s->w->shm, (int)i))
            rc = server_row(s, &v, i, state);
    }
    obp_route_read_end(&v);
    return rc;
}

/* SHOW PROXYCONGESTION [ALL] [cluster] */
enum obp_cmd_rc
obp_adm_show_proxycongestion(struct obp_session *s, struct obp_iobuf *b,
                             struct obp_cmd_arg *a)
{
    static const char *const cols[] = {
        "cluster_name", "zone_name", "region_name", "zone_state",
        "server_ip", "#cr_version", "server_state", "#alive_congested",
        "last_alive_congested", "#dead_congested", "last_dead_congested",
        "#stat_alive_failures", "#stat_conn_failures",
        "conn_last_fail_time", "#conn_failure_events",
        "alive_last_fail_time", "#alive_failure_events", "#ref_count",
        "#detect_congested", "last_detect_congested"
    };
    struct obp_ans *ans = obp_req_answer(s);
    char            cluster[NAME_MAX_] = "";
    bool            all = obp_sqllex_kw(&a->t, "ALL");
    int             ok;

    if (all)
        obp_cmd_next(a);
    if (a->t.type != OBP_SQLLEX_END && a->t.type != OBP_SQLLEX_SEMI) {
        if (!obp_cmd_word(a, cluster, sizeof(cluster)))
            return obp_cmd_syntax(s, a);
        obp_cmd_next(a);
    }
    if (!obp_cmd_at_end(a))
        return obp_cmd_syntax(s, a);
    ok = obp_adm_columns(ans, cols, OBP_NELEMS(cols)) == OBP_OK;
    /* one cluster: another one's name has no servers here */
    if (ok && (cluster[0] == '\0'
               || strcmp(cluster, s->w->conf->rootservice_cluster_name) == 0))
        ok = server_rows(s, all) == OBP_OK;
    return obp_adm_rc(ok ? obp_ans_end(ans) : OBP_ERROR);
}
