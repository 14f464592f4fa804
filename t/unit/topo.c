/*
 * Unit tests of the configured cluster topology (shared/topo*.c and the
 * topology keys of conf_yaml_topo.c and conf_ini.c): the shipped examples
 * load into the expected model, YAML and INI give equal models, the short
 * primary/replicas form works, and every bad declaration is refused with
 * FILE:LINE and a phrase, all of them at once.
 */
#include "obp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static char dir[256];
static char path[512];

static const char *
file(const char *name, const char *text)
{
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "w");
    if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
    return path;
}

/* obp_conf_build() of <p>; NULL with the errors in <errs>. */
static struct obp_conf *
build(const char *p, struct obp_errs *errs)
{
    return obp_conf_build(p, NULL, errs);
}

static const char *
example(const char *name)
{
    static char buf[512];

    snprintf(buf, sizeof(buf), "%s/etc/%s", TOP_SRCDIR, name);
    return buf;
}

/* The server name of replica <i> of <rs>. */
static const char *
rname(const struct obp_topo *t, const struct obp_topo_replicas *rs,
      uint32_t i)
{
    return rs != NULL && i < rs->n ? t->servers[rs->r[i].server].name : "";
}

static const char *
leader(const struct obp_topo *t, const struct obp_topo_replicas *rs)
{
    return rs != NULL ? rname(t, rs, rs->leader) : "";
}

static void
test_cluster_model(void)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *conf = build(example("cluster.yaml"), &errs);
    const struct obp_topo *t;
    const struct obp_topo_tenant *tn;
    const struct obp_topo_table *tb;
    const struct obp_topo_replicas *rs;

    if (!tap_ok(conf != NULL && conf->topo != NULL, "cluster.yaml loads")) {
        tap_diag(errs.text != NULL ? errs.text : "");
        obp_errs_free(&errs);
        obp_conf_free(conf);
        return;
    }
    t = conf->topo;
    tap_is_int(t->nzones, 3, "3 zones");
    tap_is_str(t->zones[2].region, "shanghai", "z3 region");
    tap_is_str(t->zones[1].idc, "hz2", "z2 idc");
    tap_is_int(t->nservers, 3, "3 servers");
    tap_is_str(t->servers[1].addr.text, "127.0.0.1:2882", "s2 address");
    tap_is_int(t->servers[2].zone, 2, "s3 in z3");
    tap_is_int(t->ntenants, 1, "1 tenant");
    tn = &t->tenants[0];
    tap_is_str(tn->primary_zone, "z1;z2,z3", "primary_zone text");
    tap_ok(tn->npzones == 3 && tn->pzones[0].zone == 0
           && tn->pzones[0].group == 0 && tn->pzones[1].zone == 1
           && tn->pzones[1].group == 1 && tn->pzones[2].zone == 2
           && tn->pzones[2].group == 1, "primary zone groups z1 ; z2,z3");
    tap_is_int(tn->nservers, 3, "tenant servers");
    tap_ok(tn->replicas.n == 3 && tn->replicas.r[2].type == OBP_TOPO_READONLY
           && tn->replicas.r[2].role == OBP_TOPO_FOLLOWER,
           "tenant replicas: s3 read-only follower");
    tap_is_int(t->ntables, 4, "4 tables");

    tb = obp_topo_find_table(t, "app", "shop", "orders");
    tap_ok(tb != NULL && tb->part != NULL
           && tb->part->level[0].type == OBP_PART_HASH
           && tb->part->level[0].count == 3 && tb->nleaves == 3,
           "orders: HASH, 3 partitions");
    tap_is_str(leader(t, tb ? obp_topo_leaf(tb, 1, -1) : NULL), "s2",
               "orders p1 led by s2");
    tap_is_str(leader(t, tb ? obp_topo_leaf(tb, 2, -1) : NULL), "s3",
               "orders p2 led by s3");
    tap_ok(tb != NULL && obp_topo_leaf(tb, 3, -1) == NULL,
           "orders p3 does not exist");

    tb = obp_topo_find_table(t, "app", "shop", "events");
    tap_ok(tb != NULL && tb->part != NULL && tb->part->levels == 2
           && tb->part->level[0].type == OBP_PART_RANGE_COLUMNS
           && tb->part->level[0].ncols == 2 && tb->nleaves == 6,
           "events: RANGE COLUMNS x HASH, 6 leaves");
    rs = tb ? obp_topo_leaf(tb, 2, 1) : NULL;
    tap_ok(rs != NULL && rs->n == 2, "events pmaxsp1 has its own list");
    tap_is_str(leader(t, rs), "s2", "events pmaxsp1 led by s2");
    tap_is_str(leader(t, tb ? obp_topo_leaf(tb, 0, 1) : NULL), "s1",
               "events p2024sp1 takes the table's list");
    tap_ok(tb != NULL && obp_topo_leaf(tb, 0, 2) == NULL,
           "events p2024sp2 does not exist");

    tb = obp_topo_find_table(t, "app", "shop", "regions");
    tap_ok(tb != NULL && tb->part != NULL
           && tb->part->level[0].type == OBP_PART_LIST
           && tb->part->level[0].default_idx == 2,
           "regions: LIST with DEFAULT");
    tb = obp_topo_find_table(t, "app", "shop", "customers");
    tap_ok(tb != NULL && tb->part == NULL && tb->nleaves == 1
           && tb->leaves[0].n == 3, "customers: one list, the tenant's");
    tap_is_str(leader(t, tb ? obp_topo_leaf(tb, 0, -1) : NULL), "s1",
               "customers led by s1");
    tap_ok(obp_topo_find_table(t, "app", "shop", "nope") == NULL
           && obp_topo_find_table(t, "x", "shop", "orders") == NULL,
           "unknown tables are not found");
    obp_conf_free(conf);
    obp_errs_free(&errs);
}

static bool
same_replicas(const struct obp_topo_replicas *a,
              const struct obp_topo_replicas *b)
{
    return a->n == b->n && a->leader == b->leader
           && (a->n == 0 || memcmp(a->r, b->r, a->n * sizeof(*a->r)) == 0);
}

static bool
same_table(const struct obp_topo_table *a, const struct obp_topo_table *b)
{
    uint32_t i;

    if (a->tenant != b->tenant || strcmp(a->db, b->db) != 0
        || strcmp(a->name, b->name) != 0 || a->nleaves != b->nleaves
        || (a->part == NULL) != (b->part == NULL))
        return false;
    if (a->part != NULL && (a->part->size != b->part->size
                            || memcmp(a->part, b->part, a->part->size) != 0))
        return false;
    for (i = 0; i < a->nleaves; i++) {
        if (!same_replicas(&a->leaves[i], &b->leaves[i]))
            return false;
    }
    return true;
}

/* Field by field: what a route would read. */
static bool
same_topo(const struct obp_topo *a, const struct obp_topo *b)
{
    uint32_t i;

    if (a->nzones != b->nzones || a->nservers != b->nservers
        || a->ntenants != b->ntenants || a->ntables != b->ntables)
        return false;
    for (i = 0; i < a->nzones; i++) {
        if (strcmp(a->zones[i].name, b->zones[i].name) != 0
            || strcmp(a->zones[i].region, b->zones[i].region) != 0
            || strcmp(a->zones[i].idc, b->zones[i].idc) != 0
            || a->zones[i].readonly != b->zones[i].readonly)
            return false;
    }
    for (i = 0; i < a->nservers; i++) {
        if (strcmp(a->servers[i].name, b->servers[i].name) != 0
            || strcmp(a->servers[i].addr.text, b->servers[i].addr.text) != 0
            || a->servers[i].zone != b->servers[i].zone)
            return false;
    }
    for (i = 0; i < a->ntenants; i++) {
        if (strcmp(a->tenants[i].name, b->tenants[i].name) != 0
            || strcmp(a->tenants[i].primary_zone,
                      b->tenants[i].primary_zone) != 0
            || a->tenants[i].npzones != b->tenants[i].npzones
            || a->tenants[i].nservers != b->tenants[i].nservers
            || !same_replicas(&a->tenants[i].replicas,
                              &b->tenants[i].replicas))
            return false;
    }
    for (i = 0; i < a->ntables; i++) {
        if (!same_table(&a->tables[i], &b->tables[i]))
            return false;
    }
    return true;
}

/* A partition with its own subpartitions, the other templated. */
static void
test_own_subs(const char *p)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *conf = build(p, &errs);
    const struct obp_topo *t = conf != NULL ? conf->topo : NULL;
    const struct obp_topo_table *tb;

    tb = t != NULL ? obp_topo_find_table(t, "t", "d", "x") : NULL;
    tap_ok(tb != NULL && tb->nleaves == 5 && tb->leaf_first[1] == 2,
           "own subpartitions: 2 templated + 3 own leaves");
    tap_is_str(leader(t, tb ? obp_topo_leaf(tb, 1, 2) : NULL), "b",
               "own subpartitions: q2 has its own list");
    tap_is_str(leader(t, tb ? obp_topo_leaf(tb, 1, 0) : NULL), "a",
               "own subpartitions: q0 the table's");
    obp_conf_free(conf);
    obp_errs_free(&errs);
}

/* The same tenants' settings (level.h), in the same order. */
static bool
same_levels(const struct obp_conf *a, const struct obp_conf *b)
{
    if (a->levels.n != b->levels.n)
        return false;
    for (size_t i = 0; i < a->levels.n; i++) {
        const struct obp_level_row *x = &a->levels.rows[i];
        const struct obp_level_row *y = &b->levels.rows[i];

        if (x->table != y->table || strcmp(x->tenant, y->tenant) != 0
            || strcmp(x->name, y->name) != 0
            || strcmp(x->value, y->value) != 0)
            return false;
    }
    return true;
}

/* <yaml> and <ini> load, and into equal models and settings. */
static void
same_models(const char *yaml, const char *ini, const char *name)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *a = build(yaml, &errs), *b = build(ini, &errs);
    char msg[128];

    snprintf(msg, sizeof(msg), "%s: both load", name);
    if (!tap_ok(a != NULL && b != NULL && a->topo != NULL
                && b->topo != NULL, msg))
        tap_diag(errs.text != NULL ? errs.text : "");
    snprintf(msg, sizeof(msg), "%s: YAML and INI give equal models", name);
    tap_ok(a != NULL && b != NULL && a->topo != NULL && b->topo != NULL
           && same_topo(a->topo, b->topo), msg);
    snprintf(msg, sizeof(msg), "%s: and equal tenants' settings", name);
    tap_ok(a != NULL && b != NULL && same_levels(a, b), msg);
    obp_conf_free(a);
    obp_conf_free(b);
    obp_errs_free(&errs);
}

static void
test_equal_formats(void)
{
    char yaml[512], ini[512];

    snprintf(yaml, sizeof(yaml), "%s", example("cluster.yaml"));
    snprintf(ini, sizeof(ini), "%s", example("cluster.ini"));
    same_models(yaml, ini, "cluster");
    snprintf(yaml, sizeof(yaml), "%s", example("primary-replicas.yaml"));
    snprintf(ini, sizeof(ini), "%s", example("primary-replicas.ini"));
    same_models(yaml, ini, "primary-replicas");
    /* LIST COLUMNS, named HASH partitions, templated named subparts. */
    snprintf(yaml, sizeof(yaml), "%s", file("lc.yaml",
        "servers: {a: 127.0.0.1:1, b: 127.0.0.1:2}\n"
        "tenants:\n"
        "  t:\n"
        "    replicas: [a leader, b follower]\n"
        "    databases:\n"
        "      d:\n"
        "        x:\n"
        "          partition: LIST COLUMNS\n"
        "          columns: [c VARCHAR(8) utf8mb4_bin, n INT]\n"
        "          partitions:\n"
        "            p0: \"('a', 1), ('b', 2)\"\n"
        "            p1: DEFAULT\n"
        "          subpartition: KEY\n"
        "          subcolumns: [n INT]\n"
        "          subpartitions: {s0: ~, s1: ~}\n"
        "          replicas.p1s1: [b leader]\n"));
    snprintf(ini, sizeof(ini), "%s", file("lc.ini",
        "[server a]\naddress = 127.0.0.1:1\n"
        "[server b]\naddress = 127.0.0.1:2\n"
        "[tenant t]\nreplicas = a leader, b follower\n"
        "[table t.d.x]\n"
        "partition = LIST COLUMNS\n"
        "columns = c VARCHAR(8) utf8mb4_bin, n INT\n"
        "partitions.p0 = ('a', 1), ('b', 2)\n"
        "partitions.p1 = DEFAULT\n"
        "subpartition = KEY\n"
        "subcolumns = n INT\n"
        "subpartitions.s0 =\n"
        "subpartitions.s1 =\n"
        "replicas.p1s1 = b leader\n"));
    same_models(yaml, ini, "LIST COLUMNS x KEY");
    /* Subpartitions of a partition's own, the others templated. */
    snprintf(yaml, sizeof(yaml), "%s", file("own.yaml",
        "servers: {a: 127.0.0.1:1, b: 127.0.0.1:2}\n"
        "tenants:\n"
        "  t:\n"
        "    databases:\n"
        "      d:\n"
        "        x:\n"
        "          partition: RANGE\n"
        "          columns: [id BIGINT]\n"
        "          partitions: {p0: 100, p1: MAXVALUE}\n"
        "          subpartition: LIST\n"
        "          subcolumns: [k INT]\n"
        "          subpartitions: {s0: 1, s1: DEFAULT}\n"
        "          subpartitions.p1: {q0: \"1, 2\", q1: 3, q2: DEFAULT}\n"
        "          replicas: [a leader, b follower]\n"
        "          replicas.q2: [b leader, a follower]\n"));
    snprintf(ini, sizeof(ini), "%s", file("own.ini",
        "[server a]\naddress = 127.0.0.1:1\n"
        "[server b]\naddress = 127.0.0.1:2\n"
        "[tenant t]\n"
        "[table t.d.x]\n"
        "partition = RANGE\ncolumns = id BIGINT\n"
        "partitions.p0 = 100\npartitions.p1 = MAXVALUE\n"
        "subpartition = LIST\nsubcolumns = k INT\n"
        "subpartitions.s0 = 1\nsubpartitions.s1 = DEFAULT\n"
        "subpartitions.p1.q0 = 1, 2\nsubpartitions.p1.q1 = 3\n"
        "subpartitions.p1.q2 = DEFAULT\n"
        "replicas = a leader, b follower\n"
        "replicas.q2 = b leader, a follower\n"));
    same_models(yaml, ini, "own subpartitions");
    test_own_subs(yaml);
}

static void
test_plain(void)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *conf = build(example("primary-replicas.yaml"), &errs);
    struct obp_conf *copy;
    const struct obp_topo *t = conf != NULL ? conf->topo : NULL;
    const struct obp_topo_replicas *rs;

    if (!tap_ok(t != NULL, "primary-replicas.yaml loads"))
        tap_diag(errs.text != NULL ? errs.text : "");
    if (t != NULL) {
        tap_ok(t->nzones == 1 && strcmp(t->zones[0].name, "zone1") == 0,
               "one implicit zone, zone1");
        tap_ok(t->ntenants == 1 && strcmp(t->tenants[0].name, "sys") == 0
               && t->tenants[0].nservers == 3, "one implicit tenant, sys");
        rs = &t->tenants[0].replicas;
        tap_ok(rs->n == 3 && strcmp(leader(t, rs), "primary") == 0
               && rs->r[1].role == OBP_TOPO_FOLLOWER,
               "the primary leads, the replicas follow");
        tap_is_int(t->ntables, 0, "no tables");
        tap_ok(t->roles && t->servers[1].weight == 2
               && t->servers[2].weight == 1 && t->servers[2].primary == 0,
               "roles, weights (default 1), the primary followed");
    }
    copy = conf != NULL ? obp_conf_dup(conf) : NULL;
    tap_ok(copy != NULL && copy->topo == t && t->refs == 2,
           "obp_conf_dup shares the topology");
    obp_conf_free(conf);
    tap_ok(copy != NULL && copy->topo->refs == 1
           && copy->topo->nservers == 3, "the copy outlives the original");
    obp_conf_free(copy);

    conf = build(file("auto.ini", "[server a]\naddress = 127.0.0.1:1\n"
                      "role = auto\n[server b]\naddress = 127.0.0.1:2\n"
                      "role = auto\n"), &errs);
    t = conf != NULL ? conf->topo : NULL;
    tap_ok(t != NULL && t->roles && t->tenants[0].replicas.n == 2
           && t->servers[0].discovered && t->servers[1].discovered
           && t->servers[1].primary == 0,
           "role auto: one set, the first standing for its primary");
    obp_conf_free(conf);
    conf = build(file("one.yaml", "servers: {db: 127.0.0.1:3306}\n"), &errs);
    t = conf != NULL ? conf->topo : NULL;
    tap_ok(t != NULL && t->nservers == 1 && t->tenants[0].replicas.n == 0,
           "one server by address alone, no roles");
    obp_conf_free(conf);
    conf = build(file("addr.yaml",
                      "zones: {z1: {readonly: on}}\n"
                      "servers: {a: {address: 127.0.0.1:1, zone: z1},\n"
                      "          b: {address: 127.0.0.1:2, zone: z1}}\n"
                      "tenants: {t: {replicas: ["
                      "\"127.0.0.1:2 leader\", a readonly]}}\n"), &errs);
    t = conf != NULL ? conf->topo : NULL;
    tap_ok(t != NULL && t->zones[0].readonly
           && strcmp(leader(t, &t->tenants[0].replicas), "b") == 0
           && t->tenants[0].replicas.r[1].type == OBP_TOPO_READONLY,
           "a replica named by address; a read-only zone");
    obp_conf_free(conf);
    conf = build(file("sets.yaml",
                      "servers:\n  a: {address: 127.0.0.1:1, role: primary}\n"
                      "  b: {address: 127.0.0.1:2, role: primary}\n"
                      "  b1: {address: 127.0.0.1:3, role: replica, "
                      "primary: b}\n"
                      "  a1: {address: 127.0.0.1:4, role: replica, "
                      "primary: a}\n"), &errs);
    t = conf != NULL ? conf->topo : NULL;
    tap_ok(t != NULL && t->servers[2].primary == 1
           && t->tenants[0].replicas.n == 2
           && strcmp(leader(t, &t->tenants[0].replicas), "a") == 0
           && t->tenants[0].replicas.r[1].server == 3,
           "two sets: tables not declared on the first primary's");
    obp_conf_free(conf);
    conf = build(file("autosets.yaml",
                      "servers:\n  a: {address: 127.0.0.1:1, role: auto, "
                      "set: x}\n"
                      "  b: {address: 127.0.0.1:2, role: auto, set: y}\n"
                      "  b1: {address: 127.0.0.1:3, role: auto, set: y}\n"
                      "  a1: {address: 127.0.0.1:4, role: auto, set: x}\n"),
                 &errs);
    t = conf != NULL ? conf->topo : NULL;
    tap_ok(t != NULL && t->servers[1].role == OBP_TOPO_SRV_PRIMARY
           && t->servers[2].primary == 1 && t->servers[3].primary == 0
           && t->servers[2].discovered && t->tenants[0].replicas.n == 2
           && strcmp(leader(t, &t->tenants[0].replicas), "a") == 0
           && t->tenants[0].replicas.r[1].server == 3,
           "two sets of role auto: each its own, tables not declared on "
           "the first");
    obp_conf_free(conf);
    conf = build(file("none.yaml", "rootservice_list: [127.0.0.1:3306]\n"),
                 &errs);
    tap_ok(conf != NULL && conf->topo == NULL,
           "no topology: rootservice_list alone, topo NULL");
    obp_conf_free(conf);
    tap_is_int(errs.count, 0, "no errors");
    obp_errs_free(&errs);
}

/* The errors of building <text> as <name>, in <buf>. */
static const char *
errors(const char *name, const char *text, char *buf, size_t len,
       unsigned *count)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *conf = build(file(name, text), &errs);

    snprintf(buf, len, "%s", conf == NULL && errs.text != NULL
                             ? errs.text : "(accepted)");
    *count = errs.count;
    obp_conf_free(conf);
    obp_errs_free(&errs);
    return buf;
}

struct refusal {
    const char *name;       /* file name: .yaml or .ini */
    const char *text;
    const char *want;       /* ":LINE: ..." after the path */
};

#define TOPO_YAML \
    "zones: {z1: ~}\n" \
    "servers:\n" \
    "  s1: {address: 127.0.0.1:1, zone: z1}\n" \
    "  s2: {address: 127.0.0.1:2, zone: z1}\n" \
    "tenants:\n" \
    "  t:\n" \
    "    databases:\n" \
    "      d:\n" \
    "        x:\n"

#define TOPO_INI \
    "[zone z1]\n" \
    "[server s1]\naddress = 127.0.0.1:1\nzone = z1\n" \
    "[server s2]\naddress = 127.0.0.1:2\nzone = z1\n" \
    "[tenant t]\n" \
    "[table t.d.x]\n"

static const struct refusal refusals[] = {
    { "noleader.yaml", TOPO_YAML
      "          partition: HASH\n"
      "          columns: [id INT]\n"
      "          partitions: 2\n"
      "          replicas: [s1 leader, s2 follower]\n"
      "          replicas.p1: [s1 follower, s2 follower]\n",
      ":14: table t.d.x: replicas.p1: no leader" },
    { "noleader.ini", TOPO_INI
      "partition = HASH\ncolumns = id INT\npartitions = 2\n"
      "replicas = s1 leader, s2 follower\n"
      "replicas.p1 = s1 follower, s2 follower\n",
      ":14: table t.d.x: replicas.p1: no leader" },
    { "leaders.yaml", TOPO_YAML
      "          replicas: [s1 leader, s2 leader]\n",
      ":10: table t.d.x: replicas: two leaders (s1 and s2)" },
    { "leaders.ini", TOPO_INI "replicas = s1 leader, s2 leader\n",
      ":10: table t.d.x: replicas: two leaders (s1 and s2)" },
    { "twice.yaml",
      "servers:\n  s1: 127.0.0.1:1\n  s1: 127.0.0.1:2\n",
      ":3: server s1: declared twice (first at line 2)" },
    { "twice.ini",
      "[server s1]\naddress = 127.0.0.1:1\n"
      "[server s1]\naddress = 127.0.0.1:2\n",
      ":3: server s1: declared twice (first at line 1)" },
    { "order.yaml", TOPO_YAML
      "          partition: RANGE\n"
      "          columns: [id INT]\n"
      "          partitions:\n"
      "            p0: 100\n"
      "            p1: 10\n"
      "          replicas: [s1 leader]\n",
      "strictly increasing" },
    { "order.ini", TOPO_INI
      "partition = RANGE\ncolumns = id INT\n"
      "partitions.p0 = 100\npartitions.p1 = 10\nreplicas = s1 leader\n",
      "strictly increasing" },
    { "unknown_server.yaml", TOPO_YAML "          replicas: [s9 leader]\n",
      ":10: table t.d.x: replicas: unknown server \"s9\"" },
    { "unknown_zone.ini", "[server s1]\naddress = 127.0.0.1:1\nzone = z9\n",
      ":3: server s1: zone: unknown zone \"z9\"" },
    { "unknown_zone.yaml",
      "zones: {z1: ~}\nservers: {s1: {address: 127.0.0.1:1, zone: z9}}\n",
      ":2: server s1: zone: unknown zone \"z9\"" },
    { "unknown_key.yaml", "servers: {s1: {address: 127.0.0.1:1, x: 1}}\n",
      ":1: server s1: x: unknown key" },
    { "unknown_key.ini", "[zone z1]\ncolour = red\n",
      ":2: zone z1: colour: unknown key" },
    { "list.yaml", "servers: {s1: {address: [127.0.0.1:1]}}\n",
      ":1: server s1: address: expected one value, not a list" },
    { "shape.yaml", "zones: [z1, z2]\n",
      ":1: zones: expected a mapping of names" },
    { "deep.yaml", "zones: {z1: {region: {a: {b: {c: d}}}}}\n",
      ":1: region.a.b: expected a value or a list of values" },
    { "address.ini", "[server s1]\naddress = 127.0.0.1\n",
      ":2: server s1: address:" },
    { "noaddress.yaml", "servers: {s1: {zone: zone1}}\n",
      ":1: server s1: no address" },
    { "sameaddr.yaml",
      "servers: {a: 127.0.0.1:1, b: 127.0.0.1:1}\n",
      ":1: server b: address: 127.0.0.1:1 is server a's address too" },
    { "tenant.ini", "[server s1]\naddress = 127.0.0.1:1\n[table u.d.x]\n",
      ":3: table u.d.x: unknown tenant \"u\"" },
    { "tname.ini", "[server s1]\naddress = 127.0.0.1:1\n[table x]\n",
      ":3: table x: not named tenant.database.table" },
    { "primaries.yaml",
      "servers:\n  a: {address: 127.0.0.1:1, role: primary}\n"
      "  b: {address: 127.0.0.1:2, role: primary}\n",
      ":3: server b: role: a second primary (the first is a)" },
    { "noprimary.ini",
      "[server a]\naddress = 127.0.0.1:1\nrole = replica\n",
      ":1: servers: no server has role primary" },
    { "sets.yaml",
      "servers:\n  a: {address: 127.0.0.1:1, role: primary}\n"
      "  b: {address: 127.0.0.1:2, role: primary}\n"
      "  a1: {address: 127.0.0.1:3, role: replica, primary: a}\n"
      "  b1: {address: 127.0.0.1:4, role: replica}\n",
      ":5: server b1: no primary: with several primaries each replica "
      "names its own" },
    { "follows.yaml",
      "servers:\n  a: {address: 127.0.0.1:1, role: primary}\n"
      "  a1: {address: 127.0.0.1:3, role: replica, primary: a2}\n"
      "  a2: {address: 127.0.0.1:4, role: replica, primary: a}\n",
      ":3: server a1: primary: \"a2\" is no server with role primary" },
    { "weight.ini",
      "[server a]\naddress = 127.0.0.1:1\nrole = primary\nweight = -1\n",
      ":4: server a: weight: \"-1\" is not a weight from 0 to 65535" },
    { "role.yaml", "servers: {a: {address: 127.0.0.1:1, role: boss}}\n",
      ":1: server a: role: \"boss\" is not primary, replica or auto" },
    { "automix.yaml",
      "servers:\n  a: {address: 127.0.0.1:1, role: auto}\n"
      "  b: {address: 127.0.0.1:2, role: replica}\n",
      ":3: server b: role: role auto and declared roles do not mix (a is "
      "auto)" },
    { "autosets.ini",
      "[server a]\naddress = 127.0.0.1:1\nrole = auto\n"
      "[server b]\naddress = 127.0.0.1:2\nrole = auto\nprimary = a\n",
      ":3: server a: role: role auto does not mix with replicas naming a "
      "primary" },
    { "autonoset.yaml",
      "servers:\n  a: {address: 127.0.0.1:1, role: auto, set: x}\n"
      "  b: {address: 127.0.0.1:2, role: auto}\n",
      ":3: server b: no set: with several sets of role auto each server "
      "names its own (set: NAME)" },
    { "setdeclared.yaml",
      "servers:\n  a: {address: 127.0.0.1:1, role: primary, set: x}\n",
      ":2: server a: set: only a server of role auto names its set" },
    { "norepl.yaml", TOPO_YAML
      "          partition: HASH\n"
      "          columns: [id INT]\n"
      "          partitions: 2\n"
      "          replicas.p0: [s1 leader]\n",
      ":9: table t.d.x: partition p1 has no replicas" },
    { "noreplicas.ini", TOPO_INI,
      ":9: table t.d.x: no replicas (declare them here or in tenant t)" },
    { "nopart.yaml", TOPO_YAML
      "          columns: [id INT]\n          replicas: [s1 leader]\n",
      ":10: table t.d.x: columns: no partition key" },
    { "parttype.ini", TOPO_INI "partition = SPLIT\nreplicas = s1 leader\n",
      ":10: table t.d.x: partition: unknown partition type \"SPLIT\"" },
    { "count.yaml", TOPO_YAML
      "          partition: HASH\n          columns: [id INT]\n"
      "          partitions: many\n          replicas: [s1 leader]\n",
      ":12: table t.d.x: partitions: \"many\" is not a count" },
    /* it looked for a partition q among the first 10^20 (found by
     * t/fuzz/conf_fuzz.c) */
    { "hugecount.yaml", TOPO_YAML
      "          partition: HASH\n          columns: [id INT]\n"
      "          partitions: 99999999999999999999\n"
      "          subpartition: HASH\n          subcolumns: [id INT]\n"
      "          subpartitions.q.a: ~\n          replicas: [s1 leader]\n",
      ":12: table t.d.x: partitions: \"99999999999999999999\" is not a "
      "count in 1..65536" },
    { "both.ini", TOPO_INI
      "partition = HASH\ncolumns = id INT\npartitions = 2\n"
      "partitions.p0 =\nreplicas = s1 leader\n",
      ":13: table t.d.x: partitions.p0: partitions gives a count already "
      "(line 12)" },
    { "ownsub.ini", TOPO_INI
      "partition = RANGE\ncolumns = id INT\npartitions.p0 = MAXVALUE\n"
      "subpartition = HASH\nsubcolumns = id INT\nsubpartitions = 2\n"
      "subpartitions.p9.a =\nreplicas = s1 leader\n",
      ":16: table t.d.x: subpartitions.p9.a: no partition p9" },
    { "dots.ini", TOPO_INI
      "partition = HASH\ncolumns = id INT\npartitions.p0.x =\n"
      "replicas.p0.x = s1 leader\nreplicas = s1 leader\n",
      ":12: table t.d.x: partitions.p0.x: unknown key" },
    { "samename.yaml", TOPO_YAML
      "          partition: RANGE\n"
      "          columns: [id INT]\n"
      "          partitions: {p0: 10, p1: 20}\n"
      "          subpartition: HASH\n"
      "          subcolumns: [id INT]\n"
      "          subpartitions.p0: {a: ~}\n"
      "          subpartitions.p1: {a: ~}\n"
      "          replicas: [s1 leader]\n"
      "          replicas.a: [s2 leader]\n",
      ":18: table t.d.x: replicas.a: 2 subpartitions are named a" },
    { "pzone.ini", "[zone z1]\n[server s1]\naddress = 127.0.0.1:1\n"
      "zone = z1\n[tenant t]\nprimary_zone = z1;z1\n",
      ":6: tenant t: primary_zone: zone z1 named twice" },
    { "tservers.yaml", "servers: {s1: 127.0.0.1:1}\n"
      "tenants: {t: {servers: [s1, s2]}}\n",
      ":2: tenant t: servers: unknown server \"s2\"" },
    { "notserved.yaml", "servers: {s1: 127.0.0.1:1, s2: 127.0.0.1:2}\n"
      "tenants: {t: {servers: [s1], replicas: [s2 leader]}}\n",
      ":2: tenant t: replicas: server s2 does not serve tenant t" },
    { "dupkey.ini", "[zone z1]\nregion = a\nregion = b\n",
      ":3: zone z1: region: given twice (first at line 2)" },
    { "zoneless.yaml", "zones: {z1: ~}\nservers: {s1: 127.0.0.1:1}\n",
      ":2: server s1: no zone (zones are declared)" },
    { "section.ini", "[cluster c]\nx = 1\n", ":1: unknown section" },
    { "longidc.yaml", "zones:\n  z1:\n    region: r\n    idc: "
      "i234567890123456789012345678901234567890123456789012345678901234\n",
      ":4: zone z1: idc: more than 63 bytes" },
};

static void
test_refusals(void)
{
    char buf[2048], want[600], msg[160];
    unsigned count;
    size_t i;

    for (i = 0; i < OBP_NELEMS(refusals); i++) {
        errors(refusals[i].name, refusals[i].text, buf, sizeof(buf),
               &count);
        if (refusals[i].want[0] == ':')
            snprintf(want, sizeof(want), "%s/%s%s", dir, refusals[i].name,
                     refusals[i].want);
        else
            snprintf(want, sizeof(want), "%s", refusals[i].want);
        snprintf(msg, sizeof(msg), "%s refused: %s", refusals[i].name,
                 refusals[i].want);
        tap_like(buf, want, msg);
    }
}

/*
 * The most partitions a count may declare load at once (they were added
 * one by one, each compared with all before it: 15 s, found by
 * t/fuzz/conf_fuzz.c).
 */
static void
test_big_count(void)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *conf;
    struct timespec t0, t1;
    double s;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    conf = build(file("bigcount.yaml", TOPO_YAML
                      "          partition: HASH\n"
                      "          columns: [id INT]\n"
                      "          partitions: 65536\n"
                      "          replicas: [s1 leader]\n"), &errs);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    tap_ok(conf != NULL && conf->topo->tables[0].nleaves == 65536
           && s < 5.0, "a table of 65536 HASH partitions loads in under 5 s");
    obp_errs_free(&errs);
    obp_conf_free(conf);
}

/* Errors of every kind in one file come out together, with their lines. */
static void
test_all_at_once(void)
{
    char buf[4096];
    unsigned count;

    errors("many.yaml",
           "listen_port: 0\n"
           "servers:\n"
           "  s1: {address: 127.0.0.1:1, zone: z9}\n"
           "  s1: 127.0.0.1:2\n"
           "tenants:\n"
           "  t: {databases: {d: {x: {replicas: [s1 follower]}}}}\n",
           buf, sizeof(buf), &count);
    tap_like(buf, "many.yaml:1: listen_port:", "parameter error reported");
    tap_like(buf, "many.yaml:4: server s1: declared twice",
             "server twice reported");
    tap_like(buf, "many.yaml:3: server s1: zone: unknown zone \"z9\"",
             "unknown zone reported");
    tap_like(buf, "many.yaml:6: table t.d.x: replicas: no leader",
             "no leader reported");
    tap_is_int(count, 4, "four errors at once");
}

static void
cleanup(void)
{
    static const char *const extra[] = { "lc.yaml", "lc.ini", "one.yaml",
                                         "none.yaml", "many.yaml",
                                         "addr.yaml", "own.yaml",
                                         "own.ini", "bigcount.yaml",
                                         "auto.ini", "autosets.yaml" };
    size_t i;

    for (i = 0; i < OBP_NELEMS(refusals); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, refusals[i].name);
        unlink(path);
    }
    for (i = 0; i < OBP_NELEMS(extra); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, extra[i]);
        unlink(path);
    }
    tap_ok(rmdir(dir) == 0, "temporary directory removed");
}

int
main(void)
{
    tap_tmpdir(dir, sizeof(dir), "obp-topo");
    alarm(120);     /* a hang fails the test rather than stalling make */
    test_cluster_model();
    test_equal_formats();
    test_plain();
    test_refusals();
    test_all_at_once();
    test_big_count();
    cleanup();
    return tap_done();
}
