/*
 * The INI loader, called by obp_conf_load_file(): inih parses the file and
 * hands every key to obp_conf_set_kv().  Keys stand before any section or
 * in [obproxy].  Our own line reader counts lines (this inih's handler has
 * no line number), strips indentation so that an indented key is a key and
 * not inih's continuation line, and refuses a line longer than inih's
 * buffer rather than letting inih cut it in two.
 *
 * Topology sections, "[zone z1]", "[server s1]", "[tenant t1]", "[table
 * t1.db.orders]", take the keys the YAML form takes; a nested YAML key
 * is written "partitions.p0".  The header declares the object (so a
 * section without keys counts), its keys go to the same struct
 * obp_topo_src, which obp_topo_build() checks.
 */
#include "obp.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct iload {
    FILE            *fp;
    const char      *path;
    struct obp_conf *conf;
    struct obp_errs *errs;
    char            *line;          /* getline() buffer */
    size_t           cap;
    int              read_errno;    /* why reading stopped early, or 0 */
    unsigned         lineno;        /* of the line inih is parsing */
    unsigned         section_line;  /* of the last [section] header */
    unsigned         reported_line; /* section_line already reported */
    struct obp_topo_src *topo;      /* what topology sections declared */
    int              obj;           /* the object of the section, or -1 */
};

/* A "[kind name]" header at <s> (after the '['): declares the object. */
static void
topo_section(struct iload *ini, const char *s)
{
    char head[256], *name;
    size_t n = strcspn(s, "]");
    int kind;

    ini->obj = -1;
    if (n >= sizeof(head))
        return;
    memcpy(head, s, n);
    head[n] = '\0';
    name = head + strcspn(head, " \t");
    if (*name == '\0')
        return;
    *name++ = '\0';
    name += strspn(name, " \t");
    kind = obp_topo_kind(head);
    if (kind < 0 || *name == '\0')
        return;
    n = strlen(name);
    while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
        name[--n] = '\0';
    ini->obj = obp_topo_src_object(ini->topo, (enum obp_topo_kind)kind,
                                   name, ini->lineno);
    if (ini->obj < 0)
        obp_errs_add(ini->errs, "%s:%u: out of memory", ini->path,
                     ini->lineno);
}

/* inih's reader: one whole line per call, as fgets() would give it. */
static char *
read_line(char *str, int num, void *stream)
{
    struct iload *ini = stream;
    const char *s;
    ssize_t n;

    n = getline(&ini->line, &ini->cap, ini->fp);
    if (n == -1) {
        if (!feof(ini->fp))
            ini->read_errno = errno;
        return NULL;
    }
    ini->lineno++;
    for (s = ini->line; *s == ' ' || *s == '\t'; s++)
        n--;
    if (*s == '[' && strchr(s, ']') != NULL) {
        ini->section_line = ini->lineno;
        topo_section(ini, s + 1);
    }
    if (num < 2 || n > num - 1) {
        obp_errs_add(ini->errs, "%s:%u: line is longer than %d characters",
                     ini->path, ini->lineno, num - 2);
        s = "\n";
        n = 1;
    }
    memcpy(str, s, (size_t)n + 1);
    return str;
}

static void
topo_key(struct iload *ini, const char *name, const char *value)
{
    if (obp_topo_src_key(ini->topo, ini->obj, name, &value, 1, false,
                         ini->lineno) != OBP_OK)
        obp_errs_add(ini->errs, "%s:%u: out of memory", ini->path,
                     ini->lineno);
}

/*
 * Sets <name> from <value>, without the double quotes around it: a
 * parameter, or a key of the topology section's object when <topo>.
 */
static void
set_value(struct iload *ini, const char *name, const char *value, bool topo)
{
    size_t n = strlen(value);
    char *copy;

    if (!topo && (obp_param_find(name) == NULL || value[0] != '"')) {
        obp_conf_set_kv(ini->conf, ini->path, ini->lineno, name, value,
                        ini->errs);
        return;
    }
    if (topo && value[0] != '"') {
        topo_key(ini, name, value);
        return;
    }
    /* inih cuts a value at " ;", quoted or not: say so. */
    if (n < 2 || value[n - 1] != '"') {
        obp_errs_add(ini->errs, "%s:%u: %s: the closing double quote is "
                     "missing (a blank then ';' starts a comment)",
                     ini->path, ini->lineno, name);
        return;
    }
    copy = strndup(value + 1, n - 2);
    if (copy == NULL) {
        obp_errs_add(ini->errs, "%s:%u: out of memory", ini->path,
                     ini->lineno);
        return;
    }
    if (topo)
        topo_key(ini, name, copy);
    else
        obp_conf_set_kv(ini->conf, ini->path, ini->lineno, name, copy,
                        ini->errs);
    free(copy);
}

/* inih's handler: always 1, so that inih's result means a syntax error. */
static int
handle(void *user, const char *section, const char *name, const char *value)
{
    struct iload *ini = user;

    if (*section == '\0' || obp_strcasecmp(section, "obproxy") == 0) {
        set_value(ini, name, value, false);
        return 1;
    }
    if (ini->obj >= 0) {
        set_value(ini, name, value, true);
        return 1;
    }
    if (ini->reported_line != ini->section_line) {
        ini->reported_line = ini->section_line;
        obp_errs_add(ini->errs, "%s:%u: unknown section [%s]", ini->path,
                     ini->section_line, section);
    }
    return 1;
}

int
obp_conf_load_ini(struct obp_conf *conf, const char *path,
                  struct obp_errs *errs)
{
    struct iload ini = { .path = path, .conf = conf, .errs = errs,
                         .obj = -1 };
    unsigned start = errs->count;
    int rc;

    ini.topo = obp_topo_src_new();
    if (ini.topo == NULL) {
        obp_errs_add(errs, "%s: out of memory", path);
        return OBP_ERROR;
    }
    ini.fp = fopen(path, "r");
    if (ini.fp == NULL) {
        obp_errs_add(errs, "%s: cannot open: %s", path, strerror(errno));
        obp_topo_src_free(ini.topo);
        return OBP_ERROR;
    }
    rc = ini_parse_stream(read_line, &ini, handle, &ini);
    if (ini.read_errno != 0)
        obp_errs_add(errs, "%s: cannot read: %s", path,
                     strerror(ini.read_errno));
    else if (rc > 0)
        obp_errs_add(errs, "%s:%d: INI syntax error", path, rc);
    else if (rc < 0)
        obp_errs_add(errs, "%s: out of memory", path);
    free(ini.line);
    fclose(ini.fp);
    if (ini.read_errno == 0 && rc == 0)
        obp_conf_set_topo(conf, ini.topo, path, errs);
    obp_topo_src_free(ini.topo);
    return errs->count == start ? OBP_OK : OBP_ERROR;
}
