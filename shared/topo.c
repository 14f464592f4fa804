/*
 * The topology model (topo.h): its lifetime, lookups, and the primary
 * zone lists.  Built by topo_build.c.
 */
#include "obp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct obp_topo *
obp_topo_ref(struct obp_topo *topo)
{
    if (topo != NULL)
        topo->refs++;
    return topo;
}

static void
free_table(struct obp_topo_table *t)
{
    uint32_t i;

    for (i = 0; t->leaves != NULL && i < t->nleaves; i++)
        free(t->leaves[i].r);
    free(t->leaves);
    free(t->leaf_first);
    free(t->part);
    free(t->db);
    free(t->name);
}

void
obp_topo_unref(struct obp_topo *topo)
{
    uint32_t i;

    if (topo == NULL || --topo->refs > 0)
        return;
    for (i = 0; i < topo->nzones; i++) {
        free(topo->zones[i].name);
        free(topo->zones[i].region);
        free(topo->zones[i].idc);
    }
    for (i = 0; i < topo->nservers; i++)
        free(topo->servers[i].name);
    for (i = 0; i < topo->ntenants; i++) {
        free(topo->tenants[i].name);
        free(topo->tenants[i].primary_zone);
        free(topo->tenants[i].pzones);
        free(topo->tenants[i].servers);
        free(topo->tenants[i].replicas.r);
    }
    for (i = 0; i < topo->ntables; i++)
        free_table(&topo->tables[i]);
    free(topo->zones);
    free(topo->servers);
    free(topo->tenants);
    free(topo->tables);
    free(topo);
}

/* The index of <name> in <n> structs of <size> whose first member is it. */
static int
find_name(const void *arr, size_t size, uint32_t n, const char *name)
{
    const char *p = arr;
    uint32_t i;

    for (i = 0; i < n; i++, p += size) {
        if (strcmp(*(char *const *)(const void *)p, name) == 0)
            return (int)i;
    }
    return -1;
}

int
obp_topo_find_zone(const struct obp_topo *topo, const char *name)
{
    return find_name(topo->zones, sizeof(*topo->zones), topo->nzones, name);
}

int
obp_topo_find_server(const struct obp_topo *topo, const char *name)
{
    return find_name(topo->servers, sizeof(*topo->servers), topo->nservers,
                     name);
}

int
obp_topo_find_tenant(const struct obp_topo *topo, const char *name)
{
    return find_name(topo->tenants, sizeof(*topo->tenants),
                     topo->ntenants, name);
}

const struct obp_topo_table *
obp_topo_find_table(const struct obp_topo *topo, const char *tenant,
                    const char *db, const char *table)
{
    const struct obp_topo_table *t;
    int ti = obp_topo_find_tenant(topo, tenant);
    uint32_t i;

    for (i = 0; ti >= 0 && i < topo->ntables; i++) {
        t = &topo->tables[i];
        if (t->tenant == (uint32_t)ti && strcmp(t->db, db) == 0
            && strcmp(t->name, table) == 0)
            return t;
    }
    return NULL;
}

const struct obp_topo_replicas *
obp_topo_leaf(const struct obp_topo_table *t, int32_t part_idx,
              int32_t sub_idx)
{
    const struct obp_part_entry *parts;
    uint32_t leaf;

    if (t->part == NULL)
        return &t->leaves[0];
    if (part_idx < 0 || (uint32_t)part_idx >= t->part->level[0].count)
        return NULL;
    if (t->leaf_first == NULL)
        return &t->leaves[part_idx];
    parts = OBP_PART_AT(t->part, t->part->parts_off, struct obp_part_entry);
    if (sub_idx < 0 || (uint32_t)sub_idx >= parts[part_idx].nsub)
        return NULL;
    leaf = t->leaf_first[part_idx] + (uint32_t)sub_idx;
    return leaf < t->nleaves ? &t->leaves[leaf] : NULL;
}

static int
pz_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return OBP_ERROR;
}

/* One zone name of <len> bytes at <s>, appended to <pz> as <group>. */
static int
add_pzone(const struct obp_topo *topo, const char *s, size_t len,
          uint32_t group, struct obp_topo_pzone *pz, uint32_t *n,
          char *err, size_t errlen)
{
    char name[128];
    uint32_t i;
    int z;

    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0)
        return pz_fail(err, errlen, "an empty zone name");
    if (len >= sizeof(name))
        return pz_fail(err, errlen, "a zone name is too long");
    memcpy(name, s, len);
    name[len] = '\0';
    z = obp_topo_find_zone(topo, name);
    if (z < 0)
        return pz_fail(err, errlen, "unknown zone \"%s\"", name);
    for (i = 0; i < *n; i++) {
        if (pz[i].zone == (uint32_t)z)
            return pz_fail(err, errlen, "zone %s named twice", name);
    }
    pz[*n].zone = (uint32_t)z;
    pz[*n].group = group;
    (*n)++;
    return OBP_OK;
}

int
obp_topo_parse_pzones(const struct obp_topo *topo, const char *text,
                      struct obp_topo_pzone **out, uint32_t *n,
                      char *err, size_t errlen)
{
    struct obp_topo_pzone *pz;
    uint32_t group = 0;
    const char *s = text, *end;
    size_t items = 1;

    *out = NULL;
    *n = 0;
    for (end = text; *end != '\0'; end++)
        items += *end == ';' || *end == ',';
    pz = calloc(items, sizeof(*pz));
    if (pz == NULL)
        return pz_fail(err, errlen, "out of memory");
    for (;;) {
        end = s + strcspn(s, ";,");
        if (add_pzone(topo, s, (size_t)(end - s), group, pz, n, err, errlen)
            != OBP_OK) {
            free(pz);
            *n = 0;
            return OBP_ERROR;
        }
        if (*end == '\0')
            break;
        group += *end == ';';
        s = end + 1;
    }
    *out = pz;
    return OBP_OK;
}
