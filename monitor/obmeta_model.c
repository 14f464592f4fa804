/*
 * The OceanBase source's model (obmeta.h): its tenants and tables, and
 * what a table job's answers make of a table (partition description,
 * one replica list per leaf).
 */
#include "monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
obp_obmeta_tenant_find(const struct obp_obmeta *om, const char *name)
{
    for (uint32_t i = 0; i < om->ntenants; i++)
        if (strcmp(om->tenants[i].name, name) == 0)
            return (int)i;
    return -1;
}

int
obp_obmeta_tenant_add(struct obp_obmeta *om, const char *name)
{
    struct obp_obmeta_tenant *t;
    int                       i = obp_obmeta_tenant_find(om, name);

    if (i >= 0)
        return i;
    t = realloc(om->tenants, (om->ntenants + 1) * sizeof(*t));
    if (t == NULL)
        return -1;
    om->tenants = t;
    t = &t[om->ntenants];
    memset(t, 0, sizeof(*t));
    if ((t->name = strdup(name)) == NULL)
        return -1;
    return (int)om->ntenants++;
}

static int
model_table_find(const struct obp_obmeta *om, const char *tenant, const char *db,
           const char *name)
{
    for (uint32_t i = 0; i < om->ntables; i++) {
        const struct obp_obmeta_table *t = &om->tables[i];

        if (!t->evicted && strcmp(t->tenant, tenant) == 0
            && strcmp(t->db, db) == 0 && strcmp(t->name, name) == 0)
            return (int)i;
    }
    return -1;
}

/* A slot for a new table: an evicted table's, or one more. */
static int
model_table_slot(struct obp_obmeta *om)
{
    struct obp_obmeta_table *t;

    for (uint32_t i = 0; i < om->ntables; i++)
        if (om->tables[i].evicted) {
            free(om->tables[i].tenant);
            free(om->tables[i].db);
            free(om->tables[i].name);
            return (int)i;
        }
    t = realloc(om->tables, (om->ntables + 1) * sizeof(*t));
    if (t == NULL)
        return -1;
    om->tables = t;
    return (int)om->ntables++;
}

int
obp_obmeta_table_add(struct obp_obmeta *om, const char *tenant,
                     const char *db, const char *name)
{
    struct obp_obmeta_table *t;
    int                      i = model_table_find(om, tenant, db, name);

    if (i >= 0)
        return i;
    if ((i = model_table_slot(om)) < 0)
        return -1;
    t = &om->tables[i];
    memset(t, 0, sizeof(*t));
    t->tenant = strdup(tenant);
    t->db = strdup(db);
    t->name = strdup(name);
    if (t->tenant == NULL || t->db == NULL || t->name == NULL) {
        /* the slot stays, free for the next table */
        t->evicted = true;
        return -1;
    }
    return i;
}

void
obp_obmeta_zone_states(struct obp_obmeta *om)
{
    for (uint32_t i = 0; i < om->nservers; i++) {
        struct obp_obmeta_server *s = &om->servers[i];

        for (uint32_t z = 0; z < om->nzones; z++)
            if (s->state == OBP_OB_ACTIVE && om->zones[z].upgrading
                && strcmp(om->zones[z].name, s->zone) == 0) {
                s->state = OBP_OB_UPGRADE;
                s->active = false;
            }
    }
}

static void
model_clear(struct obp_obmeta_table *t)
{
    free(t->part);
    free(t->leaves);
    t->part = NULL;
    t->leaves = NULL;
    t->nleaves = 0;
}

/* The table as read, or false (<err> set) when it cannot be routed. */
static bool
model_take(struct obp_obmeta *om, struct obp_obmeta_table *t, char *err,
           size_t errlen)
{
    struct obp_part_desc *part = NULL;

    if (om->pinfo.rows > 0
        && (part = obp_obmeta_part_desc(om, err, errlen)) == NULL)
        return false;
    model_clear(t);
    t->part = part;
    if (part != NULL) {
        t->leaves = om->parts;
        t->nleaves = om->nparts;
        om->parts = NULL;
        om->nparts = 0;
        return true;
    }
    t->leaves = malloc(sizeof(*t->leaves));
    if (t->leaves == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    t->leaves[0] = om->leaf;
    t->nleaves = 1;
    return true;
}

void
obp_obmeta_table_evict(struct obp_obmeta *om, uint32_t idx)
{
    struct obp_obmeta_table *t = &om->tables[idx];

    model_clear(t);
    t->found = false;
    t->said = false;
    t->checked_us = 0;      /* a request reads it again at once */
    t->dirty_at_us = 0;
    t->used_ms = 0;
    t->evicted = true;
    om->dirty = true;
}

void
obp_obmeta_table_done(struct obp_obmeta *om, const struct obp_obmeta_job *j)
{
    struct obp_obmeta_table *t = &om->tables[j->idx];
    char                     err[160];
    bool                     was = t->found;

    t->checked_us = obp_now_us();
    if (j->failed)
        return;             /* what it had stays, retried next round */
    t->found = om->entry_id != 0 && model_take(om, t, err, sizeof(err));
    if (om->entry_id != 0 && !t->found && !t->said)
        obp_log(OBP_LOG_WARN, 0, 0, "oceanbase metadata: table %s.%s of "
                "tenant %s is not routed by partition: %s", t->db, t->name,
                t->tenant, err);
    t->said = om->entry_id != 0 && !t->found;
    if (om->entry_id != 0)
        t->table_id = om->entry_id;
    if (!t->found)
        model_clear(t);
    om->dirty = om->dirty || t->found || was;
}

void
obp_obmeta_model_free(struct obp_obmeta *om)
{
    for (uint32_t i = 0; i < om->ntables; i++) {
        model_clear(&om->tables[i]);
        free(om->tables[i].tenant);
        free(om->tables[i].db);
        free(om->tables[i].name);
    }
    for (uint32_t i = 0; i < om->ntenants; i++)
        free(om->tenants[i].name);
    free(om->tables);
    free(om->tenants);
    free(om->zones);
    free(om->servers);
    free(om->new_zones);
    free(om->new_servers);
    free(om->parts);
    free(om->subs);
    free(om->firsts);
    free(om->text);
    om->firsts = NULL;
    om->text = NULL;
    om->ntext = om->captext = 0;
    om->subs = NULL;
    om->nsubs = 0;
    om->tables = NULL;
    om->tenants = NULL;
    om->zones = NULL;
    om->servers = NULL;
    om->new_zones = NULL;
    om->new_servers = NULL;
    om->parts = NULL;
    om->ntables = om->ntenants = om->nzones = om->nservers = 0;
    om->new_nzones = om->new_nservers = om->nparts = 0;
}
