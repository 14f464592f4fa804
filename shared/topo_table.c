/*
 * The tables of obp_topo_build(): partitioning through the part.h
 * builder, and the replica list of every leaf partition.
 */
#include "obp.h"
#include "topo_src.h"
#include "topo_build.h"

#include <stdlib.h>
#include <string.h>

#define ERRLEN 256
#define NAME_LEN 256   /* "partitions.NAME" */

int
obp_topo_words(struct obp_topo_b *tb, const struct obp_topo_key *k,
               char sep, struct obp_topo_words *w)
{
    size_t total = 1, i, pos = 0;
    char *s, *end;

    for (i = 0; i < k->nvalues; i++)
        total += strlen(k->values[i]) + 1;
    w->n = 0;
    w->buf = malloc(total);
    w->v = calloc(total, sizeof(*w->v));
    if (w->buf == NULL || w->v == NULL) {
        obp_topo_words_free(w);
        tb->oom = true;
        return OBP_ERROR;
    }
    for (i = 0; i < k->nvalues; i++) {
        memcpy(w->buf + pos, k->values[i], strlen(k->values[i]) + 1);
        pos += strlen(k->values[i]) + 1;
    }
    for (s = w->buf; s < w->buf + pos; s = end + 1) {
        end = s + strlen(s);
        if (!k->list) {
            end = s + strcspn(s, (char[]){ sep, '\0' });
            *end = '\0';
        }
        if (*obp_trim(s) != '\0')
            w->v[w->n++] = obp_trim(s);
    }
    return OBP_OK;
}

void
obp_topo_words_free(struct obp_topo_words *w)
{
    free(w->buf);
    free(w->v);
    w->buf = NULL;
    w->v = NULL;
    w->n = 0;
}

int
obp_topo_server_ref(const struct obp_topo *topo, const char *ref)
{
    struct obp_addr a;
    char err[64];
    uint32_t i;
    int s = obp_topo_find_server(topo, ref);

    if (s >= 0 || obp_addr_parse(&a, ref, err, sizeof(err)) != OBP_OK)
        return s;
    for (i = 0; i < topo->nservers; i++) {
        if (strcmp(topo->servers[i].addr.text, a.text) == 0)
            return (int)i;
    }
    return -1;
}

static bool
serves(const struct obp_topo_tenant *t, uint32_t server)
{
    uint32_t i;

    for (i = 0; i < t->nservers; i++) {
        if (t->servers[i] == server)
            return true;
    }
    return false;
}

/* "s1 leader" into <r>; false (reported) when it is no replica. */
static bool
one_replica(struct obp_topo_b *tb, const struct obp_topo_obj *o,
            const struct obp_topo_key *k, const struct obp_topo_tenant *t,
            char *item, struct obp_topo_replica *r)
{
    char *role = item + strcspn(item, " \t");
    int s;

    if (*role != '\0')
        *role++ = '\0';
    role = obp_trim(role);
    if (strcmp(role, "leader") == 0 || strcmp(role, "follower") == 0) {
        r->role = *role == 'l' ? OBP_TOPO_LEADER : OBP_TOPO_FOLLOWER;
        r->type = OBP_TOPO_FULL;
    } else if (strcmp(role, "readonly") == 0) {
        r->role = OBP_TOPO_FOLLOWER;
        r->type = OBP_TOPO_READONLY;
    } else {
        obp_topo_bad(tb, o, k, "\"%s %s\" is not \"SERVER leader\", "
                     "\"SERVER follower\" or \"SERVER readonly\"", item,
                     role);
        return false;
    }
    s = obp_topo_server_ref(tb->topo, item);
    if (s < 0 || !serves(t, (uint32_t)s)) {
        obp_topo_bad(tb, o, k, s < 0 ? "unknown server \"%s\""
                     : "server %s does not serve tenant %s", item, t->name);
        return false;
    }
    r->server = (uint32_t)s;
    return true;
}

/* Adds <r> to <rs> unless its server is there already. */
static void
add_replica(struct obp_topo_b *tb, const struct obp_topo_obj *o,
            const struct obp_topo_key *k, struct obp_topo_replicas *rs,
            const struct obp_topo_replica *r, uint32_t *leaders)
{
    const char *name = tb->topo->servers[r->server].name;
    uint32_t i;

    for (i = 0; i < rs->n; i++) {
        if (rs->r[i].server == r->server) {
            obp_topo_bad(tb, o, k, "server %s named twice", name);
            return;
        }
    }
    if (r->role == OBP_TOPO_LEADER && (*leaders)++ > 0) {
        obp_topo_bad(tb, o, k, "two leaders (%s and %s)",
                     tb->topo->servers[rs->r[rs->leader].server].name, name);
        return;
    }
    if (r->role == OBP_TOPO_LEADER)
        rs->leader = rs->n;
    rs->r[rs->n++] = *r;
}

int
obp_topo_replicas(struct obp_topo_b *tb, const struct obp_topo_obj *o,
                  const struct obp_topo_key *k,
                  const struct obp_topo_tenant *t,
                  struct obp_topo_replicas *rs)
{
    struct obp_topo_replica r;
    struct obp_topo_words w;
    uint32_t leaders = 0;
    unsigned start = tb->errs->count;
    size_t i;

    if (obp_topo_words(tb, k, ',', &w) != OBP_OK)
        return OBP_ERROR;
    rs->r = calloc(w.n + 1, sizeof(*rs->r));
    if (rs->r == NULL) {
        tb->oom = true;
        obp_topo_words_free(&w);
        return OBP_ERROR;
    }
    for (i = 0; i < w.n; i++) {
        if (one_replica(tb, o, k, t, w.v[i], &r))
            add_replica(tb, o, k, rs, &r, &leaders);
    }
    obp_topo_words_free(&w);
    if (tb->errs->count == start && leaders == 0)
        obp_topo_bad(tb, o, k, rs->n == 0 ? "no replicas" : "no leader");
    return tb->errs->count == start ? OBP_OK : OBP_ERROR;
}

/* "c1 BIGINT", "name VARCHAR(32) utf8mb4_bin": one key column. */
static int
add_column(struct obp_part_builder *b, int level, char *decl, char *err)
{
    char *type = decl + strcspn(decl, " \t"), *coll = NULL, *last;

    if (*type != '\0')
        *type++ = '\0';
    type = obp_trim(type);
    last = strrchr(type, ' ');
    if (last != NULL && (strchr(last, '_') != NULL
                         || obp_strcasecmp(last + 1, "binary") == 0)) {
        *last = '\0';
        coll = last + 1;
        type = obp_trim(type);
    }
    return obp_part_column(b, level, decl, type, coll, err, ERRLEN);
}

/* A bound: the one value, or a list's items joined with ", ". */
static char *
bound_text(struct obp_topo_b *tb, const struct obp_topo_key *k)
{
    size_t total = 1, i;
    char *s;

    for (i = 0; i < k->nvalues; i++)
        total += strlen(k->values[i]) + 2;
    s = malloc(total);
    if (s == NULL) {
        tb->oom = true;
        return NULL;
    }
    *s = '\0';
    for (i = 0; i < k->nvalues; i++) {
        if (i > 0)
            strcat(s, ", ");
        strcat(s, k->values[i]);
    }
    return s;
}

/*
 * NAME when <k> is "partitions.NAME" (level 1) or "subpartitions.NAME"
 * (level 2, templated); else NULL.
 */
static const char *
part_name(const struct obp_topo_key *k, int level)
{
    const char *prefix = level == 1 ? "partitions." : "subpartitions.";
    size_t n = strlen(prefix);

    if (strncmp(k->key, prefix, n) != 0 || strchr(k->key + n, '.') != NULL)
        return NULL;
    return k->key + n;
}

/* SUB when <k> is "subpartitions.PART.SUB"; else NULL. */
static const char *
own_sub_name(const struct obp_topo_key *k, const char *part)
{
    size_t n = strlen(part);

    if (strncmp(k->key, "subpartitions.", 14) != 0
        || strncmp(k->key + 14, part, n) != 0 || k->key[14 + n] != '.')
        return NULL;
    return k->key + 14 + n + 1;
}

/* The first "<prefix>.NAME" key of <o> for <level>, or NULL. */
static const struct obp_topo_key *
first_named(const struct obp_topo_obj *o, int level)
{
    size_t i;

    for (i = 0; i < o->nkeys; i++) {
        if (part_name(&o->keys[i], level) != NULL)
            return &o->keys[i];
    }
    return NULL;
}

/* The subpartitions partition <part> declares itself. */
static int
add_own_subs(struct obp_topo_b *tb, const struct obp_topo_obj *o,
             struct obp_part_builder *b, const char *part, char *err)
{
    const struct obp_topo_key *k;
    const char *name;
    char *bound;
    size_t i;
    int rc;

    for (i = 0; i < o->nkeys; i++) {
        k = &o->keys[i];
        name = own_sub_name(k, part);
        if (name == NULL)
            continue;
        bound = bound_text(tb, k);
        if (bound == NULL)
            return OBP_ERROR;
        rc = obp_part_add_sub(b, name, -1, bound, err, ERRLEN);
        free(bound);
        if (rc != OBP_OK) {
            obp_topo_bad(tb, o, k, "%s", err);
            return OBP_ERROR;
        }
    }
    return OBP_OK;
}

/* A partition and its own subpartitions, or a templated subpartition. */
static int
add_one(struct obp_topo_b *tb, const struct obp_topo_obj *o,
        struct obp_part_builder *b, int level,
        const struct obp_topo_key *k, const char *name, char *err)
{
    char *bound = NULL;
    int rc;

    if (part_name(k, level) != NULL) {
        bound = bound_text(tb, k);
        if (bound == NULL)
            return OBP_ERROR;
    }
    rc = level == 1 ? obp_part_add(b, name, -1, bound, err, ERRLEN)
                    : obp_part_add_sub_template(b, name, bound, err, ERRLEN);
    free(bound);
    if (rc != OBP_OK) {
        obp_topo_bad(tb, o, k, "%s", err);
        return OBP_ERROR;
    }
    return level == 1 ? add_own_subs(tb, o, b, name, err) : OBP_OK;
}

/* The count of "<prefix>: N", or -1 once reported. */
static long
part_count(struct obp_topo_b *tb, const struct obp_topo_obj *o,
           const struct obp_topo_key *k, const char *count)
{
    char *end;
    long n = strtol(count, &end, 10);

    /* past the builder's limit it would refuse them one by one */
    if (*count != '\0' && *end == '\0' && n > 0 && n <= OBP_PART_MAX_PARTS)
        return n;
    obp_topo_bad(tb, o, k, "\"%s\" is not a count in 1..%d (name "
                 "partitions with %s.NAME keys)", count, OBP_PART_MAX_PARTS,
                 k->key);
    return -1;
}

/* A "subpartitions.PART.SUB" key: a partition's own subpartition. */
static bool
own_sub_key(const struct obp_topo_key *k)
{
    return strncmp(k->key, "subpartitions.", 14) == 0
           && part_name(k, 2) == NULL;
}

static bool
has_own_subs(const struct obp_topo_obj *o)
{
    for (size_t i = 0; i < o->nkeys; i++) {
        if (own_sub_key(&o->keys[i]))
            return true;
    }
    return false;
}

/* A "subpartitions.PART.SUB" key whose PART is not declared. */
static void
check_own_subs(struct obp_topo_b *tb, const struct obp_topo_obj *o,
               long count)
{
    const struct obp_topo_key *k;
    char name[NAME_LEN];
    const char *part;
    size_t i, n;
    long p;

    for (i = 0; i < o->nkeys; i++) {
        k = &o->keys[i];
        if (!own_sub_key(k))
            continue;
        part = k->key + 14;
        n = strcspn(part, ".");
        snprintf(name, sizeof(name), "partitions.%.*s", (int)n, part);
        if (count < 0 && obp_topo_key(o, name) != NULL)
            continue;
        for (p = 0; p < count; p++) {
            snprintf(name, sizeof(name), "p%ld", p);
            if (strlen(name) == n && strncmp(name, part, n) == 0)
                break;
        }
        if (count < 0 || p == count)
            obp_topo_bad(tb, o, k, "no partition %.*s", (int)n, part);
    }
}

/*
 * The partitions (level 1), each followed by its own subpartitions, or
 * the templated subpartitions (level 2): a count, or NAME keys.
 */
static int
add_parts(struct obp_topo_b *tb, const struct obp_topo_obj *o,
          struct obp_part_builder *b, int level, char *err)
{
    const char *prefix = level == 1 ? "partitions" : "subpartitions";
    const struct obp_topo_key *k = obp_topo_key(o, prefix);
    const struct obp_topo_key *named = first_named(o, level);
    const char *count = obp_topo_scalar(tb, o, k);
    char name[32];
    long n = -1, i;
    size_t j;

    if (count != NULL && named != NULL) {
        obp_topo_bad(tb, o, named, "%s gives a count already (line %u)",
                     prefix, k->line);
        return OBP_ERROR;
    }
    if (k != NULL && count == NULL)
        return OBP_ERROR;
    if (count != NULL && (n = part_count(tb, o, k, count)) < 0)
        return OBP_ERROR;
    if (level == 1)
        check_own_subs(tb, o, n);
    /* a count at once: one by one, each is compared with all before it */
    if (n > 0 && (level == 2 || !has_own_subs(o))) {
        if (obp_part_count(b, level, n, err, ERRLEN) == OBP_OK)
            return OBP_OK;
        obp_topo_bad(tb, o, k, "%s", err);
        return OBP_ERROR;
    }
    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "p%ld", i);
        if (add_one(tb, o, b, 1, k, name, err) != OBP_OK)
            return OBP_ERROR;
    }
    for (j = 0; n < 0 && j < o->nkeys; j++) {
        if (part_name(&o->keys[j], level) != NULL
            && add_one(tb, o, b, level, &o->keys[j],
                       part_name(&o->keys[j], level), err) != OBP_OK)
            return OBP_ERROR;
    }
    return OBP_OK;
}

/* One level's type and key columns. */
static int
build_head(struct obp_topo_b *tb, const struct obp_topo_obj *o,
           struct obp_part_builder *b, int level, char *err)
{
    const char *const *keys = level == 1
        ? (const char *const[]){ "partition", "columns" }
        : (const char *const[]){ "subpartition", "subcolumns" };
    const struct obp_topo_key *k = obp_topo_key(o, keys[0]);
    const char *type = obp_topo_scalar(tb, o, k);
    struct obp_topo_words w = { NULL, NULL, 0 };
    size_t i;

    if (type == NULL)
        return OBP_ERROR;
    if (obp_part_level(b, level, type, err, ERRLEN) != OBP_OK) {
        obp_topo_bad(tb, o, k, "%s", err);
        return OBP_ERROR;
    }
    k = obp_topo_key(o, keys[1]);
    if (k != NULL && obp_topo_words(tb, k, ',', &w) != OBP_OK)
        return OBP_ERROR;
    for (i = 0; i < w.n; i++) {
        if (add_column(b, level, w.v[i], err) != OBP_OK) {
            obp_topo_bad(tb, o, k, "%s", err);
            break;
        }
    }
    obp_topo_words_free(&w);
    return i < w.n ? OBP_ERROR : OBP_OK;
}

/* The line to blame for what only obp_part_finish() finds. */
static const struct obp_topo_key *
parts_key(const struct obp_topo_obj *o)
{
    const struct obp_topo_key *k = obp_topo_key(o, "partitions");

    if (k == NULL)
        k = first_named(o, 1);
    return k != NULL ? k : obp_topo_key(o, "partition");
}

static void
build_part(struct obp_topo_b *tb, const struct obp_topo_obj *o,
           struct obp_topo_table *t)
{
    struct obp_part_builder *b = obp_part_builder_new();
    bool two = obp_topo_key(o, "subpartition") != NULL;
    char err[ERRLEN];

    if (b == NULL) {
        tb->oom = true;
        return;
    }
    /* Both levels' columns first: a partition's own subpartitions follow
       it at once. */
    if (build_head(tb, o, b, 1, err) == OBP_OK
        && (!two || build_head(tb, o, b, 2, err) == OBP_OK)
        && add_parts(tb, o, b, 1, err) == OBP_OK
        && (!two || add_parts(tb, o, b, 2, err) == OBP_OK)
        && obp_part_finish(b, &t->part, err, ERRLEN) != OBP_OK)
        obp_topo_bad(tb, o, parts_key(o), "%s", err);
    obp_part_builder_free(b);
}

/* Keys that need a "partition" or "subpartition" key. */
static bool
orphan_keys(struct obp_topo_b *tb, const struct obp_topo_obj *o)
{
    static const char *const needs[][2] = {
        { "columns", "partition" }, { "partitions", "partition" },
        { "subpartition", "partition" }, { "subcolumns", "subpartition" },
        { "subpartitions", "subpartition" }
    };
    bool found = false;
    size_t i, j, n;

    for (i = 0; i < o->nkeys; i++) {
        for (j = 0; j < OBP_NELEMS(needs); j++) {
            n = strlen(needs[j][0]);
            if (strncmp(o->keys[i].key, needs[j][0], n) == 0
                && (o->keys[i].key[n] == '\0' || o->keys[i].key[n] == '.')
                && obp_topo_key(o, needs[j][1]) == NULL) {
                obp_topo_bad(tb, o, &o->keys[i], "no %s key", needs[j][1]);
                found = true;
            }
        }
    }
    return found;
}

/* "tenant.db.table" into the table's fields; false when reported. */
static bool
table_name(struct obp_topo_b *tb, const struct obp_topo_obj *o,
           struct obp_topo_table *t)
{
    const char *dot1 = strchr(o->name, '.'), *dot2;
    char tenant[128];
    int ti;

    dot2 = dot1 != NULL ? strchr(dot1 + 1, '.') : NULL;
    if (dot2 == NULL || dot1 == o->name || dot2 == dot1 + 1
        || dot2[1] == '\0' || strchr(dot2 + 1, '.') != NULL
        || (size_t)(dot1 - o->name) >= sizeof(tenant)) {
        obp_topo_bad(tb, o, NULL, "not named tenant.database.table");
        return false;
    }
    memcpy(tenant, o->name, (size_t)(dot1 - o->name));
    tenant[dot1 - o->name] = '\0';
    ti = obp_topo_find_tenant(tb->topo, tenant);
    if (ti < 0) {
        obp_topo_bad(tb, o, NULL, "unknown tenant \"%s\"", tenant);
        return false;
    }
    t->tenant = (uint32_t)ti;
    t->db = strndup(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    t->name = obp_topo_strdup(tb, dot2 + 1);
    if (t->db == NULL)
        tb->oom = true;
    return true;
}

/* The names of the leaves, and leaf_first of a two-level table. */
static const char **
leaf_names(struct obp_topo_b *tb, struct obp_topo_table *t)
{
    const struct obp_part_desc *d = t->part;
    const struct obp_part_entry *parts, *subs;
    const char **names;
    uint32_t i, j, n = 0;

    parts = OBP_PART_AT(d, d->parts_off, struct obp_part_entry);
    for (i = 0; i < d->level[0].count; i++)
        n += d->levels == 2 ? parts[i].nsub : 1;
    names = calloc(n + 1, sizeof(*names));
    if (d->levels == 2)
        t->leaf_first = calloc(d->level[0].count + 1, sizeof(uint32_t));
    if (names == NULL || (d->levels == 2 && t->leaf_first == NULL)) {
        tb->oom = true;
        free(names);
        return NULL;
    }
    for (i = 0, n = 0; i < d->level[0].count; i++) {
        if (d->levels == 1) {
            names[n++] = OBP_PART_AT(d, parts[i].name_off, char);
            continue;
        }
        t->leaf_first[i] = n;
        subs = OBP_PART_AT(d, parts[i].sub_off, struct obp_part_entry);
        for (j = 0; j < parts[i].nsub; j++)
            names[n++] = OBP_PART_AT(d, subs[j].name_off, char);
    }
    t->nleaves = n;
    return names;
}

static int
copy_replicas(struct obp_topo_b *tb, struct obp_topo_replicas *to,
              const struct obp_topo_replicas *from)
{
    *to = *from;
    to->r = calloc(from->n + 1, sizeof(*to->r));
    if (to->r == NULL) {
        tb->oom = true;
        return OBP_ERROR;
    }
    memcpy(to->r, from->r, from->n * sizeof(*to->r));
    return OBP_OK;
}

/* replicas.NAME keys, then the table's or the tenant's list elsewhere. */
static void
leaf_replicas(struct obp_topo_b *tb, const struct obp_topo_obj *o,
              struct obp_topo_table *t, const char **names,
              const struct obp_topo_replicas *dflt)
{
    const struct obp_topo_tenant *tn = &tb->topo->tenants[t->tenant];
    const struct obp_topo_key *k;
    uint32_t i, j, found, n;

    for (i = 0; i < o->nkeys; i++) {
        k = &o->keys[i];
        if (strncmp(k->key, "replicas.", 9) != 0)
            continue;
        for (j = 0, n = 0, found = 0; names != NULL && j < t->nleaves; j++) {
            if (strcmp(names[j], k->key + 9) == 0 && n++ == 0)
                found = j;
        }
        if (n == 0)
            obp_topo_bad(tb, o, k, "no partition %s", k->key + 9);
        else if (n > 1)
            obp_topo_bad(tb, o, k, "%u subpartitions are named %s", n,
                         k->key + 9);
        else if (t->leaves[found].r == NULL)
            obp_topo_replicas(tb, o, k, tn, &t->leaves[found]);
    }
    for (j = 0; j < t->nleaves; j++) {
        if (t->leaves[j].r != NULL)
            continue;
        if (dflt->n > 0)
            copy_replicas(tb, &t->leaves[j], dflt);
        else if (names != NULL)
            obp_topo_bad(tb, o, NULL, "partition %s has no replicas",
                         names[j]);
        else
            obp_topo_bad(tb, o, NULL, "no replicas (declare them here or "
                         "in tenant %s)", tn->name);
    }
}

void
obp_topo_build_table(struct obp_topo_b *tb, const struct obp_topo_obj *o)
{
    struct obp_topo_table *t = &tb->topo->tables[tb->topo->ntables];
    const struct obp_topo_key *k = obp_topo_key(o, "replicas");
    const bool parted = obp_topo_key(o, "partition") != NULL;
    struct obp_topo_replicas own = { NULL, 0, 0 };
    const struct obp_topo_replicas *dflt;
    const char **names = NULL;
    bool ok = true;

    if (orphan_keys(tb, o) || !table_name(tb, o, t))
        return;
    tb->topo->ntables++;
    dflt = &tb->topo->tenants[t->tenant].replicas;
    if (k != NULL) {
        ok = obp_topo_replicas(tb, o, k, &tb->topo->tenants[t->tenant],
                               &own) == OBP_OK;
        dflt = &own;
    }
    t->nleaves = 1;
    if (parted)
        build_part(tb, o, t);
    if (t->part != NULL)
        names = leaf_names(tb, t);
    /* Leaves only for a table whose list and partitions were good. */
    if (ok && !tb->oom && (!parted || names != NULL)) {
        t->leaves = calloc(t->nleaves + 1, sizeof(*t->leaves));
        if (t->leaves == NULL)
            tb->oom = true;
        else
            leaf_replicas(tb, o, t, names, dflt);
    }
    free(names);
    free(own.r);
}
