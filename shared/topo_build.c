/*
 * Checks the topology declarations of a struct obp_topo_src and builds
 * the model (topo.h): zones, servers, tenants here, tables in
 * topo_table.c.  Every error is collected as "PATH:LINE: kind name:
 * key: phrase" and the build goes on, so that an operator sees them all.
 */
#include "obp.h"
#include "topo_src.h"
#include "topo_build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
    [OBP_TOPO_ZONE] = "zone",
    [OBP_TOPO_SERVER] = "server",
    [OBP_TOPO_TENANT] = "tenant",
    [OBP_TOPO_TABLE] = "table"
};

/*
 * The keys each kind takes.  One ending in '.' is a prefix followed by a
 * NAME, one ending in ".." by NAME.NAME (names have no dot).
 */
static const char *const zone_keys[] = { "region", "idc", "readonly",
                                         NULL };
static const char *const server_keys[] = { "address", "zone", "role",
                                           "weight", "primary", "set",
                                           NULL };
static const char *const tenant_keys[] = { "primary_zone", "servers",
                                           "replicas", NULL };
static const char *const table_keys[] = {
    "partition", "columns", "partitions", "partitions.", "subpartition",
    "subcolumns", "subpartitions", "subpartitions.", "subpartitions..",
    "replicas", "replicas.", NULL
};
static const char *const *const kind_keys[] = {
    [OBP_TOPO_ZONE] = zone_keys,
    [OBP_TOPO_SERVER] = server_keys,
    [OBP_TOPO_TENANT] = tenant_keys,
    [OBP_TOPO_TABLE] = table_keys
};

void
obp_topo_bad(struct obp_topo_b *tb, const struct obp_topo_obj *o,
             const struct obp_topo_key *k, const char *fmt, ...)
{
    char phrase[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(phrase, sizeof(phrase), fmt, ap);
    va_end(ap);
    if (k != NULL)
        obp_errs_add(tb->errs, "%s:%u: %s %s: %s: %s", tb->path, k->line,
                     kind_names[o->kind], o->name, k->key, phrase);
    else
        obp_errs_add(tb->errs, "%s:%u: %s %s: %s", tb->path, o->line,
                     kind_names[o->kind], o->name, phrase);
}

const struct obp_topo_key *
obp_topo_key(const struct obp_topo_obj *o, const char *key)
{
    size_t i;

    for (i = 0; i < o->nkeys; i++) {
        if (strcmp(o->keys[i].key, key) == 0)
            return &o->keys[i];
    }
    return NULL;
}

const char *
obp_topo_scalar(struct obp_topo_b *tb, const struct obp_topo_obj *o,
                const struct obp_topo_key *k)
{
    if (k == NULL)
        return NULL;
    if (k->list) {
        obp_topo_bad(tb, o, k, "expected one value, not a list");
        return NULL;
    }
    return k->values[0];
}

/* True when <key> is NAME (<dots> 0) or NAME.NAME (<dots> 1). */
static bool
names(const char *key, int dots)
{
    const char *dot = strchr(key, '.');

    if (dots == 0)
        return *key != '\0' && dot == NULL;
    return dot != NULL && dot != key && names(dot + 1, 0);
}

static bool
known_key(enum obp_topo_kind kind, const char *key)
{
    const char *const *k;
    size_t n;

    for (k = kind_keys[kind]; *k != NULL; k++) {
        n = strlen(*k);
        if ((*k)[n - 1] != '.' && strcmp(key, *k) == 0)
            return true;
        if ((*k)[n - 1] != '.')
            continue;
        if ((*k)[n - 2] == '.' ? strncmp(key, *k, n - 1) == 0
                                 && names(key + n - 1, 1)
                               : strncmp(key, *k, n) == 0
                                 && names(key + n, 0))
            return true;
    }
    return false;
}

/* Unknown keys and keys given twice. */
static void
check_keys(struct obp_topo_b *tb, const struct obp_topo_obj *o)
{
    const struct obp_topo_key *first;
    size_t i;

    for (i = 0; i < o->nkeys; i++) {
        if (!known_key(o->kind, o->keys[i].key)) {
            obp_topo_bad(tb, o, &o->keys[i], "unknown key");
            continue;
        }
        first = obp_topo_key(o, o->keys[i].key);
        if (first != &o->keys[i])
            obp_topo_bad(tb, o, &o->keys[i], "given twice (first at line "
                         "%u)", first->line);
    }
}

/* The first object of <o>'s kind and name, when <o> is not it. */
static const struct obp_topo_obj *
earlier(const struct obp_topo_src *src, const struct obp_topo_obj *o)
{
    const struct obp_topo_obj *p;

    for (p = src->objs; p < o; p++) {
        if (p->kind == o->kind && strcmp(p->name, o->name) == 0)
            return p;
    }
    return NULL;
}

char *
obp_topo_strdup(struct obp_topo_b *tb, const char *s)
{
    char *copy = strdup(s != NULL ? s : "");

    if (copy == NULL)
        tb->oom = true;
    return copy;
}

static void
build_zone(struct obp_topo_b *tb, const struct obp_topo_obj *o)
{
    struct obp_topo_zone *z = &tb->topo->zones[tb->topo->nzones++];
    const struct obp_topo_key *k = obp_topo_key(o, "readonly");
    const char *ro = obp_topo_scalar(tb, o, k);

    z->name = obp_topo_strdup(tb, o->name);
    z->region = obp_topo_strdup(tb, obp_topo_scalar(tb, o,
                                    obp_topo_key(o, "region")));
    z->idc = obp_topo_strdup(tb, obp_topo_scalar(tb, o,
                                 obp_topo_key(o, "idc")));
    /* the route cache keeps them in fixed fields (route.h) */
    if (z->name != NULL && strlen(z->name) >= OBP_ROUTE_LDC_NAME)
        obp_topo_bad(tb, o, NULL, "a zone name of more than %d bytes",
                     OBP_ROUTE_LDC_NAME - 1);
    if (z->region != NULL && strlen(z->region) >= OBP_ROUTE_LDC_NAME)
        obp_topo_bad(tb, o, obp_topo_key(o, "region"), "more than %d bytes",
                     OBP_ROUTE_LDC_NAME - 1);
    if (z->idc != NULL && strlen(z->idc) >= OBP_ROUTE_LDC_NAME)
        obp_topo_bad(tb, o, obp_topo_key(o, "idc"), "more than %d bytes",
                     OBP_ROUTE_LDC_NAME - 1);
    if (ro == NULL)
        return;
    if (obp_strcasecmp(ro, "true") == 0 || obp_strcasecmp(ro, "on") == 0)
        z->readonly = true;
    else if (obp_strcasecmp(ro, "false") != 0
             && obp_strcasecmp(ro, "off") != 0)
        obp_topo_bad(tb, o, k, "\"%s\" is not true or false", ro);
}

/* A server's zone: the one named, or the implicit zone. */
static uint32_t
server_zone(struct obp_topo_b *tb, const struct obp_topo_obj *o)
{
    const struct obp_topo_key *k = obp_topo_key(o, "zone");
    const char *name = obp_topo_scalar(tb, o, k);
    int z;

    if (k == NULL && tb->implicit_zone)
        return 0;
    if (k == NULL) {
        obp_topo_bad(tb, o, NULL, "no zone (zones are declared)");
        return 0;
    }
    z = name != NULL ? obp_topo_find_zone(tb->topo, name) : 0;
    if (z < 0) {
        obp_topo_bad(tb, o, k, "unknown zone \"%s\"", name);
        return 0;
    }
    return (uint32_t)z;
}

static void
build_server(struct obp_topo_b *tb, const struct obp_topo_obj *o)
{
    struct obp_topo_server *s = &tb->topo->servers[tb->topo->nservers];
    const struct obp_topo_key *k = obp_topo_key(o, "address");
    const char *addr = obp_topo_scalar(tb, o, k);
    char err[128];
    uint32_t i;

    s->name = obp_topo_strdup(tb, o->name);
    s->zone = server_zone(tb, o);
    tb->topo->nservers++;
    if (k == NULL) {
        obp_topo_bad(tb, o, NULL, "no address");
        return;
    }
    if (addr == NULL)
        return;
    if (obp_addr_parse(&s->addr, addr, err, sizeof(err)) != OBP_OK) {
        obp_topo_bad(tb, o, k, "%s", err);
        return;
    }
    for (i = 0; i + 1 < tb->topo->nservers; i++) {
        if (strcmp(tb->topo->servers[i].addr.text, s->addr.text) == 0)
            obp_topo_bad(tb, o, k, "%s is server %s's address too",
                         s->addr.text, tb->topo->servers[i].name);
    }
}

/*
 * The one tenant of a deployment that declares none: every server, and
 * when servers have roles, the primary as leader of every table.
 */
static void
build_implicit_tenant(struct obp_topo_b *tb)
{
    struct obp_topo_tenant *t = &tb->topo->tenants[0];
    uint32_t i, n = tb->topo->nservers;

    tb->topo->ntenants = 1;
    t->name = obp_topo_strdup(tb, OBP_TOPO_IMPLICIT_TENANT);
    t->primary_zone = obp_topo_strdup(tb, "");
    t->servers = calloc(n ? n : 1, sizeof(*t->servers));
    if (t->servers == NULL) {
        tb->oom = true;
        return;
    }
    for (i = 0; i < n; i++)
        t->servers[t->nservers++] = i;
    if (tb->roles && tb->primary < 0)
        obp_errs_add(tb->errs, "%s:%u: servers: no server has role "
                     "primary", tb->path, tb->servers_line);
    else if (tb->roles)
        obp_topo_role_replicas(tb, t);
}

/* The tenant's servers: those listed, or every server. */
static void
tenant_servers(struct obp_topo_b *tb, const struct obp_topo_obj *o,
               struct obp_topo_tenant *t)
{
    const struct obp_topo_key *k = obp_topo_key(o, "servers");
    struct obp_topo_words w;
    uint32_t i, j;
    int s;

    t->servers = calloc(tb->topo->nservers + 1, sizeof(*t->servers));
    if (t->servers == NULL) {
        tb->oom = true;
        return;
    }
    if (k == NULL) {
        for (i = 0; i < tb->topo->nservers; i++)
            t->servers[t->nservers++] = i;
        return;
    }
    if (obp_topo_words(tb, k, ',', &w) != OBP_OK)
        return;
    for (i = 0; i < w.n; i++) {
        s = obp_topo_server_ref(tb->topo, w.v[i]);
        if (s < 0) {
            obp_topo_bad(tb, o, k, "unknown server \"%s\"", w.v[i]);
            continue;
        }
        for (j = 0; j < t->nservers && t->servers[j] != (uint32_t)s; j++)
            continue;
        if (j < t->nservers)
            obp_topo_bad(tb, o, k, "server %s named twice", w.v[i]);
        else
            t->servers[t->nservers++] = (uint32_t)s;
    }
    obp_topo_words_free(&w);
}

static void
build_tenant(struct obp_topo_b *tb, const struct obp_topo_obj *o)
{
    struct obp_topo_tenant *t = &tb->topo->tenants[tb->topo->ntenants++];
    const struct obp_topo_key *k = obp_topo_key(o, "primary_zone");
    const char *pz = obp_topo_scalar(tb, o, k);
    char err[128];

    t->name = obp_topo_strdup(tb, o->name);
    t->primary_zone = obp_topo_strdup(tb, pz);
    if (pz != NULL && *pz != '\0'
        && obp_topo_parse_pzones(tb->topo, pz, &t->pzones, &t->npzones,
                                 err, sizeof(err)) != OBP_OK)
        obp_topo_bad(tb, o, k, "%s", err);
    tenant_servers(tb, o, t);
    k = obp_topo_key(o, "replicas");
    if (k != NULL)
        obp_topo_replicas(tb, o, k, t, &t->replicas);
    else if (tb->roles)
        obp_topo_role_replicas(tb, t);
}

/* Counts every kind, reports names declared twice. */
static void
count_objects(struct obp_topo_b *tb, uint32_t count[4])
{
    const struct obp_topo_src *src = tb->src;
    const struct obp_topo_obj *o, *first;

    for (o = src->objs; o < src->objs + src->nobjs; o++) {
        count[o->kind]++;
        check_keys(tb, o);
        first = earlier(src, o);
        if (first != NULL)
            obp_topo_bad(tb, o, NULL, "declared twice (first at line %u)",
                         first->line);
        if (o->kind == OBP_TOPO_SERVER && tb->servers_line == 0)
            tb->servers_line = o->line;
    }
}

static int
alloc_model(struct obp_topo_b *tb, const uint32_t count[4])
{
    struct obp_topo *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return OBP_ERROR;
    tb->topo = t;
    t->refs = 1;
    t->zones = calloc(count[OBP_TOPO_ZONE] + 1, sizeof(*t->zones));
    t->servers = calloc(count[OBP_TOPO_SERVER] + 1, sizeof(*t->servers));
    t->tenants = calloc(count[OBP_TOPO_TENANT] + 1, sizeof(*t->tenants));
    t->tables = calloc(count[OBP_TOPO_TABLE] + 1, sizeof(*t->tables));
    if (t->zones == NULL || t->servers == NULL || t->tenants == NULL
        || t->tables == NULL)
        return OBP_ERROR;
    return OBP_OK;
}

/* Builds every object of <kind>, in declared order. */
static void
build_kind(struct obp_topo_b *tb, enum obp_topo_kind kind)
{
    const struct obp_topo_src *src = tb->src;
    const struct obp_topo_obj *o;

    for (o = src->objs; o < src->objs + src->nobjs && !tb->oom; o++) {
        if (o->kind != kind || earlier(src, o) != NULL)
            continue;
        switch (kind) {
        case OBP_TOPO_ZONE:
            build_zone(tb, o);
            break;
        case OBP_TOPO_SERVER:
            build_server(tb, o);
            obp_topo_server_role(tb, o, tb->topo->nservers - 1);
            break;
        case OBP_TOPO_TENANT:
            build_tenant(tb, o);
            break;
        case OBP_TOPO_TABLE:
            obp_topo_build_table(tb, o);
            break;
        }
    }
}

static void
build_all(struct obp_topo_b *tb, const uint32_t count[4])
{
    struct obp_topo_zone *z;

    tb->implicit_zone = count[OBP_TOPO_ZONE] == 0;
    tb->implicit_tenant = count[OBP_TOPO_TENANT] == 0;
    if (tb->implicit_zone) {
        z = &tb->topo->zones[tb->topo->nzones++];
        z->name = obp_topo_strdup(tb, OBP_TOPO_IMPLICIT_ZONE);
        z->region = obp_topo_strdup(tb, "");
        z->idc = obp_topo_strdup(tb, "");
    }
    build_kind(tb, OBP_TOPO_ZONE);
    build_kind(tb, OBP_TOPO_SERVER);
    obp_topo_roles_resolve(tb);
    if (tb->topo->nservers == 0)
        obp_errs_add(tb->errs, "%s: the topology declares no server",
                     tb->path);
    if (tb->implicit_tenant)
        build_implicit_tenant(tb);
    build_kind(tb, OBP_TOPO_TENANT);
    build_kind(tb, OBP_TOPO_TABLE);
}

struct obp_topo *
obp_topo_build(const struct obp_topo_src *src, const char *path,
               struct obp_errs *errs)
{
    struct obp_topo_b tb = { .src = src, .path = path, .errs = errs,
                             .primary = -1 };
    unsigned start = errs->count;
    uint32_t count[4] = { 0, 0, 0, 0 };

    count_objects(&tb, count);
    if (alloc_model(&tb, count) != OBP_OK)
        tb.oom = true;
    else
        build_all(&tb, count);
    if (tb.oom)
        obp_errs_add(errs, "%s: topology: out of memory", path);
    if (errs->count != start) {
        obp_topo_unref(tb.topo);
        return NULL;
    }
    return tb.topo;
}
