/*
 * What the router's unit tests (router.c, router_role.c) share: a
 * topology of three servers published into a private segment, and the
 * session's parameters set as a user would.
 */
#ifndef OBP_T_UNIT_ROUTE_FIXTURE_H
#define OBP_T_UNIT_ROUTE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void
bail(const char *what, const char *why)
{
    printf("Bail out! %s: %s\n", what, why != NULL ? why : "");
    exit(1);
}

/*
 * Publishes <yaml> (three servers) into <shm> as cluster "demo", written
 * to a file in <dir>; the servers' indexes in the segment go to srv[].
 */
static void
fixture_publish(struct obp_shm *shm, const char *dir, const char *yaml,
                int srv[3])
{
    struct obp_errs           errs = { 0 };
    struct obp_conf          *c;
    struct obp_route_builder  b;
    struct obp_route_sink_ctx ctx;
    struct obp_route_sink     sink;
    uint16_t                  idx[3];
    char                      path[300], err[256] = "";
    FILE                     *f;

    snprintf(path, sizeof(path), "%s/cluster.yaml", dir);
    f = fopen(path, "w");
    if (f == NULL || fputs(yaml, f) < 0 || fclose(f) != 0)
        bail(path, "cannot write");
    c = obp_conf_build(path, NULL, &errs);
    if (c == NULL || c->topo == NULL || c->topo->nservers != 3)
        bail(path, errs.text);
    for (uint32_t i = 0; i < 3; i++) {
        srv[i] = obp_bl_register(shm, &c->topo->servers[i].addr);
        idx[i] = (uint16_t)srv[i];
    }
    obp_route_sink_init(&sink, &ctx, &b, shm);
    if (obp_topo_route_fill(c->topo, "demo", idx, &sink, err, sizeof(err))
        != OBP_OK)
        bail("publish", err);
    obp_errs_free(&errs);
    obp_conf_free(c);
    unlink(path);
}

/* Parameter <name> of <conf> set to <value>, or bail out. */
static void
fixture_set(struct obp_conf *conf, const char *name, const char *value)
{
    char err[256];

    if (obp_param_set(conf, obp_param_find(name), value, err, sizeof(err))
        != OBP_OK)
        bail(name, err);
}

#endif
