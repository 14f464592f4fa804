/*
 * The topology declarations as the loaders read them (topo_src.h): a
 * growing list of objects and their keys, copied, checked later by
 * obp_topo_build().
 */
#include "obp.h"
#include "topo_src.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_words[] = {
    [OBP_TOPO_ZONE] = "zone",
    [OBP_TOPO_SERVER] = "server",
    [OBP_TOPO_TENANT] = "tenant",
    [OBP_TOPO_TABLE] = "table"
};

struct obp_topo_src *
obp_topo_src_new(void)
{
    return calloc(1, sizeof(struct obp_topo_src));
}

static void
free_key(struct obp_topo_key *k)
{
    size_t i;

    for (i = 0; i < k->nvalues; i++)
        free(k->values[i]);
    free(k->values);
    free(k->key);
}

void
obp_topo_src_free(struct obp_topo_src *src)
{
    size_t i, j;

    if (src == NULL)
        return;
    for (i = 0; i < src->nobjs; i++) {
        for (j = 0; j < src->objs[i].nkeys; j++)
            free_key(&src->objs[i].keys[j]);
        free(src->objs[i].keys);
        free(src->objs[i].name);
    }
    free(src->objs);
    free(src);
}

int
obp_topo_kind(const char *word)
{
    size_t i;

    for (i = 0; i < OBP_NELEMS(kind_words); i++) {
        if (strcmp(word, kind_words[i]) == 0)
            return (int)i;
    }
    return -1;
}

/*
 * <arr>, holding <n> elements of <size> bytes, with room for one more:
 * maybe moved; NULL when out of memory (then <arr> is unchanged).
 */
static void *
grow(void *arr, size_t n, size_t *cap, size_t size)
{
    void *grown;
    size_t ncap;

    if (n < *cap)
        return arr;
    ncap = *cap ? *cap * 2 : 8;
    grown = realloc(arr, ncap * size);
    if (grown != NULL)
        *cap = ncap;
    return grown;
}

int
obp_topo_src_object(struct obp_topo_src *src, enum obp_topo_kind kind,
                    const char *name, unsigned line)
{
    struct obp_topo_obj *o;

    o = grow(src->objs, src->nobjs, &src->cap, sizeof(*o));
    if (o == NULL)
        return OBP_ERROR;
    src->objs = o;
    o = &src->objs[src->nobjs];
    memset(o, 0, sizeof(*o));
    o->name = strdup(name);
    if (o->name == NULL)
        return OBP_ERROR;
    o->kind = kind;
    o->line = line;
    return (int)src->nobjs++;
}

int
obp_topo_src_key(struct obp_topo_src *src, int obj, const char *key,
                 const char *const *values, size_t nvalues, bool list,
                 unsigned line)
{
    struct obp_topo_obj *o;
    struct obp_topo_key *k;

    if (obj < 0 || (size_t)obj >= src->nobjs)
        return OBP_ERROR;
    o = &src->objs[obj];
    k = grow(o->keys, o->nkeys, &o->cap, sizeof(*k));
    if (k == NULL)
        return OBP_ERROR;
    o->keys = k;
    k = &o->keys[o->nkeys];
    memset(k, 0, sizeof(*k));
    k->list = list;
    k->line = line;
    k->key = strdup(key);
    k->values = calloc(nvalues ? nvalues : 1, sizeof(char *));
    o->nkeys++;
    if (k->key == NULL || k->values == NULL)
        return OBP_ERROR;
    for (; k->nvalues < nvalues; k->nvalues++) {
        k->values[k->nvalues] = strdup(values[k->nvalues]);
        if (k->values[k->nvalues] == NULL)
            return OBP_ERROR;
    }
    return OBP_OK;
}

bool
obp_topo_src_empty(const struct obp_topo_src *src)
{
    return src->nobjs == 0;
}

/* Object <i> and its keys go. */
static void
drop_object(struct obp_topo_src *src, size_t i)
{
    struct obp_topo_obj *o = &src->objs[i];

    for (size_t j = 0; j < o->nkeys; j++)
        free_key(&o->keys[j]);
    free(o->keys);
    free(o->name);
    memmove(o, o + 1, (src->nobjs - i - 1) * sizeof(*o));
    src->nobjs--;
}

/* Takes the wanted keys of tenant <o>; true when it had some. */
static bool
take_keys(struct obp_topo_obj *o, const struct obp_topo_take *t)
{
    size_t kept = 0, n = o->nkeys;

    for (size_t j = 0; j < n; j++) {
        struct obp_topo_key *k = &o->keys[j];

        if (!t->want(k->key)) {
            o->keys[kept++] = *k;
            continue;
        }
        t->fn(t->arg, o->name, k->key, (const char *const *)k->values,
              k->nvalues, k->line);
        free_key(k);
    }
    o->nkeys = kept;
    return kept < n;
}

static bool
declares_servers(const struct obp_topo_src *src)
{
    for (size_t i = 0; i < src->nobjs; i++)
        if (src->objs[i].kind == OBP_TOPO_SERVER)
            return true;
    return false;
}

void
obp_topo_src_take(struct obp_topo_src *src, const struct obp_topo_take *t)
{
    bool servers = declares_servers(src);

    for (size_t i = 0; i < src->nobjs;) {
        struct obp_topo_obj *o = &src->objs[i];

        if (o->kind == OBP_TOPO_TENANT && take_keys(o, t) && o->nkeys == 0
            && !servers)
            drop_object(src, i);
        else
            i++;
    }
}
