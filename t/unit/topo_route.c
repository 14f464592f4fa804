/*
 * The static topology into the route cache: etc/cluster.yaml published
 * into a segment through the sink, then read back as a worker would:
 * every table found under its tenant and database, a computed partition
 * mapped to its declared leader, the tenant's servers with their
 * primary-zone priorities; a second publish replaces the set.
 */
#include "obp.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static struct obp_conf *
load_example(void)
{
    struct obp_errs  errs = { 0 };
    struct obp_conf *conf;
    char             path[512];

    snprintf(path, sizeof(path), "%s/etc/cluster.yaml", TOP_SRCDIR);
    conf = obp_conf_build(path, NULL, &errs);
    if (conf == NULL || conf->topo == NULL) {
        printf("Bail out! %s: %s\n", path, errs.text ? errs.text : "");
        exit(1);
    }
    obp_errs_free(&errs);
    return conf;
}

/* Publishes <conf>'s topology; server i of the topology gets index i. */
static int
publish(struct obp_shm *shm, const struct obp_conf *conf, char *err,
        size_t errlen)
{
    struct obp_route_builder  b;
    struct obp_route_sink_ctx ctx;
    struct obp_route_sink     sink;
    uint16_t                  idx[8] = { 0 };

    for (uint32_t i = 0; i < conf->topo->nservers && i < 8; i++)
        idx[i] = (uint16_t)obp_bl_register(shm, &conf->topo->servers[i].addr);
    obp_route_sink_init(&sink, &ctx, &b, shm);
    return obp_topo_route_fill(conf->topo, conf->rootservice_cluster_name,
                               idx, &sink, err, errlen);
}

static const struct obp_route_entry *
table(const struct obp_route_view *v, const char *db, const char *name)
{
    struct obp_route_key k = {
        obp_route_name("demo"), obp_route_name("app"), obp_route_name(db),
        obp_route_name(name)
    };

    return obp_route_find(v, OBP_ROUTE_TABLE, &k);
}

/* The server index of the leader of <leaf>, or -1. */
static int
leader(const struct obp_route_entry *e, uint32_t leaf)
{
    const struct obp_route_replica *r;
    uint32_t                        n = 0;

    r = e != NULL ? obp_route_replicas(e, leaf, &n) : NULL;
    for (uint32_t i = 0; r != NULL && i < n; i++)
        if (r[i].role == OBP_ROUTE_LEADER)
            return r[i].server;
    return -1;
}

static void
test_tables(const struct obp_route_view *v)
{
    const struct obp_route_entry *orders = table(v, "shop", "orders");
    struct obp_part_value         key;
    struct obp_part_result        res;
    const char                   *names[] = { "orders", "events", "regions",
                                              "customers" };

    for (size_t i = 0; i < 4; i++) {
        char label[64];

        snprintf(label, sizeof(label), "shop.%s is in the cache", names[i]);
        tap_ok(table(v, "shop", names[i]) != NULL, label);
    }
    tap_ok(table(v, "shop", "nothing") == NULL, "an undeclared table is not");
    tap_is_int(orders != NULL ? orders->table_id : 0,
               OBP_TOPO_TABLE_ID_BASE, "orders, the first table declared, "
               "has the first table id");
    tap_ok(obp_route_part(table(v, "shop", "customers")) == NULL,
           "customers is not partitioned");
    tap_is_int(leader(table(v, "shop", "customers"), 0), 0,
               "customers: the tenant's replicas, led by s1");
    /* HASH over 3: id 7 is partition 1, led by s2 */
    memset(&key, 0, sizeof(key));
    key.kind = OBP_PV_INT;
    key.i = 7;
    tap_ok(orders != NULL
           && obp_part_calc(obp_route_part(orders), &key, 1, NULL, 0, &res)
              == OBP_PART_COMPUTED, "orders: id 7 computes");
    tap_is_int(leader(orders, (uint32_t)obp_route_leaf_index(
                   obp_route_part(orders), &res)), 1,
               "orders: id 7's partition p1 is led by s2");
    tap_is_int(leader(orders, 2), 2, "orders: p2 is led by s3");
    tap_is_int(leader(table(v, "shop", "events"), 5), 1,
               "events: pmaxsp1 is led by s2");
}

static void
test_tenant(const struct obp_route_view *v)
{
    struct obp_route_key             k = {
        obp_route_name("demo"), obp_route_name("app"), obp_route_name(""),
        obp_route_name("")
    };
    const struct obp_route_entry    *e = obp_route_find(v, OBP_ROUTE_TENANT,
                                                         &k);
    const struct obp_route_replica  *r;
    uint32_t                         n = 0;

    r = e != NULL ? obp_route_replicas(e, 0, &n) : NULL;
    tap_is_int(n, 3, "the tenant's three servers");
    tap_ok(r != NULL && n == 3 && r[0].priority == 0 && r[1].priority == 1
           && r[2].priority == 1, "primary zone z1;z2,z3: priorities 0 1 1");
    tap_ok(r != NULL && n == 3 && r[0].type == OBP_ROUTE_FULL,
           "z1's server is a full replica");
}

/* Every server's zone, region and IDC from etc/cluster.yaml. */
static void
test_ldc(const struct obp_route_view *v)
{
    const struct obp_route_ldc *l1 = obp_route_ldc(v, 0);
    const struct obp_route_ldc *l3 = obp_route_ldc(v, 2);

    tap_ok(l1 != NULL && strcmp(l1->zone, "z1") == 0
           && strcmp(l1->region, "hangzhou") == 0
           && strcmp(l1->idc, "hz1") == 0 && !l1->readonly,
           "s1: z1, hangzhou, hz1");
    tap_ok(l3 != NULL && strcmp(l3->zone, "z3") == 0
           && strcmp(l3->region, "shanghai") == 0
           && strcmp(l3->idc, "sh1") == 0, "s3: z3, shanghai, sh1");
    tap_ok(obp_route_ldc(v, 3) == NULL, "no fourth server");
    tap_ok(!(obp_route_set_flags(v) & OBP_ROUTE_SET_READONLY_ZONE),
           "no read-only zone");
}

/*
 * Database and table names declared in mixed case are published in lower
 * case (OceanBase's lower_case_table_names=1); a read-only zone is seen.
 */
static void
test_case(struct obp_shm *shm)
{
    static const char yaml[] =
        "rootservice_cluster_name: demo\n"
        "zones:\n"
        "  z1: {region: r1, idc: i1}\n"
        "  zr: {region: r1, idc: i2, readonly: true}\n"
        "servers:\n"
        "  s1: {address: 127.0.0.1:3301, zone: z1}\n"
        "  s2: {address: 127.0.0.1:3302, zone: zr}\n"
        "tenants:\n"
        "  app:\n"
        "    replicas: [s1 leader, s2 readonly]\n"
        "    databases:\n"
        "      Shop:\n"
        "        Orders: ~\n";
    struct obp_errs        errs = { 0 };
    struct obp_conf       *conf;
    struct obp_route_view  v;
    char                   dir[256], path[300], err[256] = "";
    FILE                  *f;
    int                    s2;

    tap_tmpdir(dir, sizeof(dir), "topo_route");
    snprintf(path, sizeof(path), "%s/case.yaml", dir);
    f = fopen(path, "w");
    if (f == NULL || fputs(yaml, f) < 0 || fclose(f) != 0) {
        printf("Bail out! %s\n", path);
        exit(1);
    }
    conf = obp_conf_build(path, NULL, &errs);
    tap_ok(conf != NULL && conf->topo != NULL, "mixed-case topology loads");
    if (conf == NULL || conf->topo == NULL) {
        printf("# %s\n", errs.text ? errs.text : "");
        exit(1);
    }
    tap_is_int(publish(shm, conf, err, sizeof(err)), OBP_OK,
               "  published");
    obp_route_read_begin(&v, shm, 0);
    tap_ok(table(&v, "shop", "orders") != NULL,
           "Shop.Orders is found as shop.orders");
    tap_ok(table(&v, "Shop", "Orders") == NULL,
           "  and not as spelled (keys compare exactly)");
    tap_ok(obp_route_set_flags(&v) & OBP_ROUTE_SET_READONLY_ZONE,
           "the read-only zone is seen");
    s2 = obp_bl_find(shm, "127.0.0.1:3302");
    tap_ok(s2 >= 0 && obp_route_ldc(&v, (unsigned)s2) != NULL
           && obp_route_ldc(&v, (unsigned)s2)->readonly,
           "  s2 stands in it");
    obp_route_read_end(&v);
    obp_errs_free(&errs);
    obp_conf_free(conf);
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
    struct obp_conf       *conf = load_example();
    struct obp_shm         shm;
    struct obp_route_view  v;
    char                   err[256] = "";

    if (obp_shm_create(&shm, 1, 1024 * 1024) != OBP_OK) {
        printf("Bail out! obp_shm_create failed\n");
        return 1;
    }
    tap_is_int(publish(&shm, conf, err, sizeof(err)), OBP_OK,
               "etc/cluster.yaml published");
    if (err[0] != '\0')
        printf("# %s\n", err);
    obp_route_read_begin(&v, &shm, 0);
    tap_is_int((int64_t)v.generation, 1, "as generation 1");
    test_tables(&v);
    test_tenant(&v);
    test_ldc(&v);
    obp_route_read_end(&v);
    tap_is_int(publish(&shm, conf, err, sizeof(err)), OBP_OK,
               "published again");
    obp_route_read_begin(&v, &shm, 0);
    tap_is_int((int64_t)v.generation, 2, "as generation 2");
    test_tables(&v);
    obp_route_read_end(&v);
    test_case(&shm);
    obp_shm_detach(&shm);
    obp_conf_free(conf);
    return tap_done();
}
