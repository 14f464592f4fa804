/*
 * The state file CONFIG.runtime: the parameters "obproxyctl config set"
 * changed, "key=value" lines, and the level rows "config level set"
 * wrote, "level ..." lines, under a comment; read whole (256 KB at most)
 * and written whole through a rename.  Its values win over the file and
 * lose to the command line, as ODP's stored configuration does; its
 * level rows win over the file's.
 */
#include "master.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_MAX   (256 * 1024)
#define LEVEL_WORD  OBP_LEVEL_WORD " "

int
obp_state_path(const struct obp_master *m, struct obp_state *st)
{
    int n;

    if (m->conf_path[0] != '\0')
        n = snprintf(st->path, sizeof(st->path), "%s.runtime", m->conf_path);
    else
        n = snprintf(st->path, sizeof(st->path), "%s/etc/obproxy.runtime",
                     m->root);
    return n < 0 || (size_t)n >= sizeof(st->path) ? OBP_ERROR : OBP_OK;
}

/* The whole file into a new NUL-terminated buffer; NULL when missing. */
static int
slurp(const char *path, char **out, struct obp_errs *errs)
{
    int     fd = open(path, O_RDONLY | O_CLOEXEC);
    char   *buf;
    ssize_t n;

    *out = NULL;
    if (fd == -1 && errno == ENOENT)
        return OBP_OK;
    buf = fd == -1 ? NULL : malloc(STATE_MAX + 1);
    n = buf == NULL ? -1 : read(fd, buf, STATE_MAX + 1);
    if (n < 0 || n > STATE_MAX) {
        obp_errs_add(errs, "%s: %s", path, n > STATE_MAX
                     ? "larger than 256 KB" : strerror(errno));
        free(buf);
        if (fd != -1)
            close(fd);
        return OBP_ERROR;
    }
    close(fd);
    buf[n] = '\0';
    *out = buf;
    return OBP_OK;
}

/* A "level ..." line (after the word): a runtime row of <st>. */
static int
parse_level(struct obp_state *st, const char *fields, unsigned line,
            struct obp_errs *errs)
{
    struct obp_level_row r;
    char                 err[512];
    int                  rc = OBP_ERROR;

    if (obp_level_parse(fields, &r, err, sizeof(err)) == OBP_OK) {
        r.source = OBP_SRC_RUNTIME;
        rc = obp_levels_set(&st->levels, &r, err, sizeof(err));
        obp_level_row_free(&r);
    }
    if (rc != OBP_OK)
        obp_errs_add(errs, "%s:%u: %s", st->path, line, err);
    return rc;
}

/* Splits "key=value" lines in place; '#' starts a comment line. */
static int
parse(struct obp_state *st, struct obp_errs *errs)
{
    unsigned line = 0;

    for (char *p = st->text, *nl; p != NULL && *p != '\0'; p = nl) {
        char *eq;

        line++;
        nl = strchr(p, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        if (*p == '\0' || *p == '#')
            continue;
        if (strncmp(p, LEVEL_WORD, strlen(LEVEL_WORD)) == 0) {
            if (parse_level(st, p + strlen(LEVEL_WORD), line, errs)
                != OBP_OK)
                return OBP_ERROR;
            continue;
        }
        eq = strchr(p, '=');
        if (eq == NULL || eq == p) {
            obp_errs_add(errs, "%s:%u: not key=value", st->path, line);
            return OBP_ERROR;
        }
        *eq = '\0';
        if (obp_state_put(st, p, eq + 1) != OBP_OK) {
            obp_errs_add(errs, "%s: out of memory", st->path);
            return OBP_ERROR;
        }
    }
    return OBP_OK;
}

int
obp_state_read(const struct obp_master *m, struct obp_state *st,
               struct obp_errs *errs)
{
    if (obp_state_path(m, st) != OBP_OK) {
        obp_errs_add(errs, "%s: path too long", m->conf_path);
        return OBP_ERROR;
    }
    if (slurp(st->path, &st->text, errs) != OBP_OK)
        return OBP_ERROR;
    return parse(st, errs);
}

int
obp_state_put(struct obp_state *st, const char *key, const char *value)
{
    for (size_t i = 0; i < st->items.n; i++) {
        if (strcmp(st->items.items[i].key, key) == 0) {
            st->items.items[i].value = value;
            return OBP_OK;
        }
    }
    return obp_kvlist_add(&st->items, key, value);
}

const char *
obp_state_get(const struct obp_state *st, const char *key)
{
    for (size_t i = 0; i < st->items.n; i++) {
        if (strcmp(st->items.items[i].key, key) == 0)
            return st->items.items[i].value;
    }
    return NULL;
}

bool
obp_state_del(struct obp_state *st, const char *key)
{
    struct obp_kvlist *l = &st->items;

    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i].key, key) == 0) {
            memmove(&l->items[i], &l->items[i + 1],
                    (l->n - i - 1) * sizeof(l->items[0]));
            l->n--;
            return true;
        }
    }
    return false;
}

/* ROOT/etc may not exist yet when obproxy runs without a file. */
static void
make_parent(const char *path)
{
    char        dir[PATH_MAX];
    const char *slash = strrchr(path, '/');

    if (slash == NULL || slash == path)
        return;
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    (void)mkdir(dir, 0755);
}

/* The level rows, one "level ..." line each. */
static int
write_levels(FILE *f, const struct obp_state *st)
{
    char *line = malloc(OBP_LEVEL_LINE_MAX);
    int   rc = line != NULL ? OBP_OK : OBP_ERROR;

    for (size_t i = 0; i < st->levels.n && rc == OBP_OK; i++) {
        const struct obp_level_row *r = &st->levels.rows[i];

        if (obp_level_format(r->cluster, r, line, OBP_LEVEL_LINE_MAX) < 0)
            rc = OBP_ERROR;
        else
            fprintf(f, "%s%s\n", LEVEL_WORD, line);
    }
    free(line);
    return rc;
}

static int
write_items(FILE *f, const struct obp_state *st)
{
    fprintf(f, "# Parameters changed with obproxyctl config set; they win "
            "over the\n# configuration file and lose to the command line.\n");
    for (size_t i = 0; i < st->items.n; i++)
        fprintf(f, "%s=%s\n", st->items.items[i].key,
                st->items.items[i].value);
    if (st->levels.n > 0) {
        fprintf(f, "# Level rows set with obproxyctl config level set; "
                "they win over\n# the configuration file's.\n");
        if (write_levels(f, st) != OBP_OK)
            return OBP_ERROR;
    }
    return fflush(f) == 0 && !ferror(f) ? OBP_OK : OBP_ERROR;
}

int
obp_state_write(const struct obp_state *st, struct obp_errs *errs)
{
    char  tmp[PATH_MAX + 8];
    FILE *f;
    int   rc;

    snprintf(tmp, sizeof(tmp), "%s.tmp", st->path);
    make_parent(st->path);
    f = fopen(tmp, "we");
    if (f == NULL) {
        obp_errs_add(errs, "cannot write %s: %s", tmp, strerror(errno));
        return OBP_ERROR;
    }
    rc = write_items(f, st);
    if (fclose(f) != 0)
        rc = OBP_ERROR;
    if (rc != OBP_OK || rename(tmp, st->path) == -1) {
        obp_errs_add(errs, "cannot write %s: %s", st->path, strerror(errno));
        unlink(tmp);
        return OBP_ERROR;
    }
    return OBP_OK;
}

void
obp_state_free(struct obp_state *st)
{
    obp_kvlist_free(&st->items);
    obp_levels_free(&st->levels);
    free(st->text);
    st->text = NULL;
}

static void
apply(struct obp_conf *conf, enum obp_conf_source src, const char *origin,
      const struct obp_kvlist *l, struct obp_errs *errs)
{
    for (size_t i = 0; i < l->n; i++)
        obp_conf_set_from(conf, src, origin, 0, l->items[i].key,
                          l->items[i].value, errs);
}

/* The runtime level rows of <st> join the file's in <conf>. */
static void
apply_levels(struct obp_conf *conf, const struct obp_state *st,
             struct obp_errs *errs)
{
    struct obp_level_row r;
    char                 err[160];

    for (size_t i = 0; i < st->levels.n; i++) {
        if (obp_level_row_copy(&r, &st->levels.rows[i]) != OBP_OK) {
            obp_errs_add(errs, "%s: out of memory", st->path);
            return;
        }
        if (obp_levels_put(&conf->levels, &r, err, sizeof(err)) != OBP_OK) {
            obp_errs_add(errs, "%s: %s", st->path, err);
            obp_level_row_free(&r);
            return;
        }
    }
}

struct obp_conf *
obp_state_build(const struct obp_master *m, const struct obp_state *st,
                struct obp_errs *errs)
{
    unsigned         start = errs->count;
    struct obp_state own = { 0 };
    struct obp_conf *conf;

    if (st == NULL && obp_state_read(m, &own, errs) == OBP_OK)
        st = &own;
    conf = obp_conf_build(m->conf_path[0] != '\0' ? m->conf_path : NULL,
                          NULL, errs);
    if (conf != NULL && st != NULL) {
        apply(conf, OBP_SRC_RUNTIME, st->path, &st->items, errs);
        apply_levels(conf, st, errs);
    }
    if (conf != NULL)
        apply(conf, OBP_SRC_COMMAND_LINE, "command line", &m->cl.overrides,
              errs);
    obp_state_free(&own);
    if (errs->count != start) {
        obp_conf_free(conf);
        return NULL;
    }
    return conf;
}
