/*
 * The topology keys of a YAML configuration: zones, servers and tenants,
 * each a mapping of names to mappings of keys; a tenant's databases map
 * database names to table names to tables.  A key's value is a scalar,
 * a sequence of scalars, or a mapping of such values (two levels deep at
 * most), whose keys become "key.subkey" ("subpartitions.p0.sp0").
 * Everything goes to the struct obp_topo_src, which obp_topo_build()
 * checks: this file only reads the shape.
 */
#include "obp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_yaml.h"

#define NAME_MAX_LEN 256

int
obp_yaml_topo_kind(const char *key)
{
    char word[16];
    size_t n = strlen(key);
    int kind;

    if (n < 2 || n > sizeof(word) || key[n - 1] != 's')
        return -1;
    memcpy(word, key, n - 1);
    word[n - 1] = '\0';
    kind = obp_topo_kind(word);
    /* Tables are declared inside their tenant. */
    return kind == OBP_TOPO_TABLE ? -1 : kind;
}

static void
oom(struct yload *y)
{
    obp_errs_add(y->errs, "%s: out of memory", y->path);
}

/* Reports <what> expected at <ev> and skips the node. */
static int
expected(struct yload *y, const yaml_event_t *ev, const char *where,
         const char *what)
{
    obp_errs_add(y->errs, "%s:%u: %s: expected %s", y->path,
                 obp_yaml_line(ev), where, what);
    return obp_yaml_skip(y, ev);
}

/*
 * The items of a sequence of scalars, as one list key; not kept when an
 * item is something else.
 */
static int
sequence(struct yload *y, int obj, const char *key, unsigned line)
{
    yaml_event_t ev[64];
    const char **items;
    size_t n = 0, i;
    bool bad = false;
    int rc = OBP_OK;

    for (;;) {
        if (n == OBP_NELEMS(ev)) {
            obp_errs_add(y->errs, "%s:%u: %s: more than %zu items", y->path,
                         line, key, OBP_NELEMS(ev));
            bad = true;
            rc = obp_yaml_skip(y, &(yaml_event_t){
                                   .type = YAML_SEQUENCE_START_EVENT });
            break;
        }
        if (obp_yaml_next(y, &ev[n]) != OBP_OK) {
            rc = OBP_ERROR;
            break;
        }
        if (ev[n].type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev[n]);
            break;
        }
        if (ev[n].type == YAML_SCALAR_EVENT) {
            n++;
            continue;
        }
        bad = true;
        rc = expected(y, &ev[n], key, "a list of values");
        yaml_event_delete(&ev[n]);
        if (rc != OBP_OK)
            break;
    }
    items = calloc(n + 1, sizeof(*items));
    if (items == NULL) {
        oom(y);
    } else if (rc == OBP_OK && !bad) {
        for (i = 0; i < n; i++)
            items[i] = obp_yaml_text(&ev[i]);
        if (obp_topo_src_key(y->topo, obj, key, items, n, true, line)
            != OBP_OK)
            oom(y);
    }
    free(items);
    for (i = 0; i < n; i++)
        yaml_event_delete(&ev[i]);
    return rc;
}

/* Called by named() for each pair of a mapping. */
typedef int (*pair_fn)(struct yload *y, const char *prefix,
                       const yaml_event_t *name, const yaml_event_t *val,
                       void *arg);

static int named(struct yload *y, const yaml_event_t *val,
                 const char *where, const char *prefix, pair_fn each,
                 void *arg);

static int subkey(struct yload *y, const char *prefix,
                  const yaml_event_t *name, const yaml_event_t *val,
                  void *arg);

/* Where the keys of a mapping value go, and how deep it may go on. */
struct nest {
    int obj;
    int depth;
};

/*
 * A scalar or a sequence of scalars, as key <key> of object <obj>; or,
 * <depth> levels deep at most, a mapping of those.
 */
static int
value(struct yload *y, int obj, const char *key, const yaml_event_t *val,
      int depth)
{
    const char *text;

    switch (val->type) {
    case YAML_SCALAR_EVENT:
        text = obp_yaml_text(val);
        if (obp_topo_src_key(y->topo, obj, key, &text, 1, false,
                             obp_yaml_line(val)) != OBP_OK)
            oom(y);
        return OBP_OK;
    case YAML_SEQUENCE_START_EVENT:
        return sequence(y, obj, key, obp_yaml_line(val));
    case YAML_MAPPING_START_EVENT:
        if (depth > 0)
            return named(y, val, key, key, subkey,
                         &(struct nest){ obj, depth - 1 });
        /* fall through */
    default:
        return expected(y, val, key, "a value or a list of values");
    }
}

/* One key of a mapping value: "key.subkey". */
static int
subkey(struct yload *y, const char *prefix, const yaml_event_t *name,
       const yaml_event_t *val, void *arg)
{
    const struct nest *n = arg;
    char full[NAME_MAX_LEN];

    snprintf(full, sizeof(full), "%s.%s", prefix,
             (const char *)name->data.scalar.value);
    return value(y, n->obj, full, val, n->depth);
}

/*
 * A mapping of names to nodes, calling <each> for every pair.  <where>
 * names the mapping in messages.
 */
static int
named(struct yload *y, const yaml_event_t *val, const char *where,
      const char *prefix, pair_fn each, void *arg)
{
    yaml_event_t k, v;
    int rc = OBP_OK;

    if (val->type != YAML_MAPPING_START_EVENT)
        return expected(y, val, where, "a mapping of names");
    while (rc == OBP_OK) {
        if (obp_yaml_next(y, &k) != OBP_OK)
            return OBP_ERROR;
        if (k.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&k);
            break;
        }
        if (k.type != YAML_SCALAR_EVENT)
            rc = expected(y, &k, where, "a name");
        if (rc == OBP_OK && obp_yaml_next(y, &v) == OBP_OK) {
            if (k.type == YAML_SCALAR_EVENT)
                rc = each(y, prefix, &k, &v, arg);
            else
                rc = obp_yaml_skip(y, &v);
            yaml_event_delete(&v);
        } else {
            rc = OBP_ERROR;
        }
        yaml_event_delete(&k);
    }
    return rc;
}

static int object(struct yload *y, const char *prefix,
                  const yaml_event_t *name, const yaml_event_t *val,
                  void *arg);

/* A database of a tenant: table names to tables. */
static int
database(struct yload *y, const char *prefix, const yaml_event_t *name,
         const yaml_event_t *val, void *arg)
{
    char full[NAME_MAX_LEN];

    (void)arg;
    snprintf(full, sizeof(full), "%s%s.", prefix,
             (const char *)name->data.scalar.value);
    return named(y, val, full, full, object,
                 &(enum obp_topo_kind){ OBP_TOPO_TABLE });
}

/* One key of an object; a tenant's "databases" declares tables. */
static int
object_key(struct yload *y, const char *prefix, const yaml_event_t *name,
           const yaml_event_t *val, void *arg)
{
    const char *key = (const char *)name->data.scalar.value;
    const int *obj = arg;
    char full[NAME_MAX_LEN];

    if (strcmp(key, "databases") == 0 && *prefix != '\0') {
        snprintf(full, sizeof(full), "%s.", prefix);
        return named(y, val, "databases", full, database, NULL);
    }
    return value(y, *obj, key, val, 2);
}

/* An object: a mapping of keys, or a server's address alone. */
static int
object(struct yload *y, const char *prefix, const yaml_event_t *name,
       const yaml_event_t *val, void *arg)
{
    enum obp_topo_kind kind = *(const enum obp_topo_kind *)arg;
    const char *text = (const char *)name->data.scalar.value;
    char full[NAME_MAX_LEN];
    int obj;

    snprintf(full, sizeof(full), "%s%s", prefix, text);
    obj = obp_topo_src_object(y->topo, kind, full, obp_yaml_line(name));
    if (obj < 0) {
        oom(y);
        return obp_yaml_skip(y, val);
    }
    if (val->type == YAML_SCALAR_EVENT && kind == OBP_TOPO_SERVER
        && *obp_yaml_text(val) != '\0')
        return value(y, obj, "address", val, 0);
    if (val->type == YAML_SCALAR_EVENT && *obp_yaml_text(val) == '\0')
        return OBP_OK;
    return named(y, val, full, kind == OBP_TOPO_TENANT ? full : "",
                 object_key, &obj);
}

int
obp_yaml_topo(struct yload *y, const char *key, enum obp_topo_kind kind,
              const yaml_event_t *val)
{
    return named(y, val, key, "", object, &kind);
}
