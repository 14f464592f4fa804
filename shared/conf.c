/*
 * Configuration generations: defaults, then a file, then command-line
 * overrides, every value through obp_conf_set_kv() so that every source
 * gets the same checks and FILE:LINE messages.  Also the text form sent
 * to the workers.  Used by the master (start, SIGHUP) and the workers
 * (OBP_CHAN_CONF).
 */
#include "obp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ERRLEN 256          /* one phrase of obp_param_set() */
#define KEY_SHOWN 64        /* longest unknown key quoted in a message */

void
obp_errs_add(struct obp_errs *errs, const char *fmt, ...)
{
    va_list ap;
    size_t need, cap;
    char *text;
    int n;

    errs->count++;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    need = errs->len + (size_t)n + 2;
    if (need > errs->cap) {
        for (cap = errs->cap ? errs->cap : 256; cap < need; cap *= 2)
            continue;
        text = realloc(errs->text, cap);
        if (text == NULL)
            return;         /* the count still says something failed */
        errs->text = text;
        errs->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(errs->text + errs->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    /* one line each, whatever a message quotes from a file */
    for (; n > 0; n--, errs->len++) {
        if ((unsigned char)errs->text[errs->len] < 0x20)
            errs->text[errs->len] = '?';
    }
    errs->text[errs->len++] = '\n';
    errs->text[errs->len] = '\0';
}

void
obp_errs_free(struct obp_errs *errs)
{
    free(errs->text);
    errs->text = NULL;
    errs->len = 0;
    errs->cap = 0;
    errs->count = 0;
}

int
obp_kvlist_add(struct obp_kvlist *l, const char *key, const char *value)
{
    struct obp_kv *items;
    size_t cap;

    if (l->n == l->cap) {
        cap = l->cap ? l->cap * 2 : 8;
        items = realloc(l->items, cap * sizeof(*items));
        if (items == NULL)
            return OBP_ERROR;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n].key = key;
    l->items[l->n].value = value;
    l->n++;
    return OBP_OK;
}

void
obp_kvlist_free(struct obp_kvlist *l)
{
    free(l->items);
    l->items = NULL;
    l->n = 0;
    l->cap = 0;
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool
is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_';
}

/* True when a new "name=" item starts right after the comma at <s>. */
static bool
starts_item(const char *s)
{
    const char *name;

    for (s++; is_blank(*s); s++)
        continue;
    for (name = s; is_name_char(*s); s++)
        continue;
    if (s == name)
        return false;
    while (is_blank(*s))
        s++;
    return *s == '=';
}

static int
add_opt(struct obp_kvlist *l, char *item, struct obp_errs *errs)
{
    char *eq = strchr(item, '='), *key;

    if (eq != NULL) {
        *eq = '\0';
        key = obp_trim(item);
        if (*key != '\0') {
            if (obp_kvlist_add(l, key, obp_trim(eq + 1)) == OBP_OK)
                return OBP_OK;
            obp_errs_add(errs, "-o: out of memory");
            return OBP_ERROR;
        }
        *eq = '=';
    }
    obp_errs_add(errs, "-o: \"%s\" is not key=value", item);
    return OBP_ERROR;
}

int
obp_kvlist_parse_opts(struct obp_kvlist *l, char *optstr,
                      struct obp_errs *errs)
{
    char *item = optstr, *comma;
    int rc = OBP_OK;

    if (*obp_trim(optstr) == '\0')
        return OBP_OK;
    for (;;) {
        comma = item;
        while ((comma = strchr(comma, ',')) != NULL && !starts_item(comma))
            comma++;
        if (comma != NULL)
            *comma = '\0';
        if (add_opt(l, item, errs) != OBP_OK)
            rc = OBP_ERROR;
        if (comma == NULL)
            return rc;
        item = comma + 1;
    }
}

struct obp_conf *
obp_conf_new(void)
{
    struct obp_conf *conf = calloc(1, sizeof(*conf));
    char err[ERRLEN];
    size_t i;

    if (conf == NULL)
        return NULL;
    for (i = 0; i < obp_nparams; i++) {
        if (obp_param_set_default(conf, &obp_params[i], err, sizeof(err))
            == OBP_OK)
            continue;
        if (errno == ENOMEM) {
            obp_conf_free(conf);
            return NULL;
        }
        obp_fatal("default of %s: \"%s\" %s", obp_params[i].name,
                  obp_params[i].dflt, err);
    }
    return conf;
}

static bool
is_text(const struct obp_param *p)
{
    return p->type == OBP_PT_STRING || p->type == OBP_PT_LIST
           || p->type == OBP_PT_SHA1;
}

/* The string field of <p> in <conf>. */
static char **
text_field(struct obp_conf *conf, const struct obp_param *p)
{
    return (char **)(void *)((char *)conf + p->offset);
}

void
obp_conf_free(struct obp_conf *conf)
{
    size_t i;

    if (conf == NULL)
        return;
    for (i = 0; i < obp_nparams; i++) {
        if (is_text(&obp_params[i]))
            free(*text_field(conf, &obp_params[i]));
    }
    obp_topo_unref(conf->topo);
    obp_levels_free(&conf->levels);
    free(conf);
}

struct obp_conf *
obp_conf_dup(const struct obp_conf *src)
{
    struct obp_conf *conf = malloc(sizeof(*conf));
    const char *s;
    char **field;
    size_t i;

    if (conf == NULL)
        return NULL;
    *conf = *src;
    obp_topo_ref(conf->topo);
    /* Forget the shared pointers first, so a failure frees only copies. */
    for (i = 0; i < obp_nparams; i++) {
        if (is_text(&obp_params[i]))
            *text_field(conf, &obp_params[i]) = NULL;
    }
    if (obp_levels_copy(&conf->levels, &src->levels) != OBP_OK) {
        obp_conf_free(conf);
        return NULL;
    }
    for (i = 0; i < obp_nparams; i++) {
        if (!is_text(&obp_params[i]))
            continue;
        field = text_field(conf, &obp_params[i]);
        s = *(char *const *)(const void *)((const char *)src
                                           + obp_params[i].offset);
        *field = strdup(s != NULL ? s : "");
        if (*field == NULL) {
            obp_conf_free(conf);
            return NULL;
        }
    }
    return conf;
}

/* <key> fit for a message: shortened, control characters hidden. */
static void
printable(char *out, size_t len, const char *key)
{
    size_t i;

    for (i = 0; i + 1 < len && key[i] != '\0'; i++)
        out[i] = (unsigned char)key[i] < 0x20 ? '?' : key[i];
    out[i] = '\0';
}

int
obp_conf_set_kv(struct obp_conf *conf, const char *origin, unsigned line,
                const char *key, const char *value, struct obp_errs *errs)
{
    return obp_conf_set_from(conf, OBP_SRC_FILE, origin, line, key, value,
                             errs);
}

const char *
obp_conf_source_name(enum obp_conf_source src)
{
    static const char *const names[] = {
        [OBP_SRC_DEFAULT] = "default",  [OBP_SRC_FILE] = "file",
        [OBP_SRC_RUNTIME] = "runtime",  [OBP_SRC_COMMAND_LINE] = "command line",
    };

    return (size_t)src < OBP_NELEMS(names) ? names[src] : "?";
}

int
obp_conf_set_from(struct obp_conf *conf, enum obp_conf_source src,
                  const char *origin, unsigned line, const char *key,
                  const char *value, struct obp_errs *errs)
{
    const struct obp_param *p = obp_param_find(key);
    char where[32] = "", err[ERRLEN], shown[KEY_SHOWN + 1];

    if (line > 0)
        snprintf(where, sizeof(where), ":%u", line);
    if (p == NULL) {
        printable(shown, sizeof(shown), key);
        obp_errs_add(errs, "%s%s: unknown parameter \"%s\"", origin, where,
                     shown);
        return OBP_ERROR;
    }
    if (obp_param_set(conf, p, value, err, sizeof(err)) != OBP_OK) {
        obp_errs_add(errs, "%s%s: %s: %s", origin, where, key, err);
        return OBP_ERROR;
    }
    conf->source[p - obp_params] = (uint8_t)src;
    return OBP_OK;
}

/* The part of <path> after the last dot of its last component, or "". */
static const char *
extension(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');

    if (dot == NULL || (slash != NULL && dot < slash))
        return "";
    return dot + 1;
}

int
obp_conf_set_topo(struct obp_conf *conf, struct obp_topo_src *src,
                  const char *path, struct obp_errs *errs)
{
    struct obp_topo *topo;

    obp_level_from_file(conf, src, path, errs);
    if (obp_topo_src_empty(src))
        return OBP_OK;
    topo = obp_topo_build(src, path, errs);
    if (topo == NULL)
        return OBP_ERROR;
    obp_topo_unref(conf->topo);
    conf->topo = topo;
    return OBP_OK;
}

int
obp_conf_load_file(struct obp_conf *conf, const char *path,
                   struct obp_errs *errs)
{
    static const char *const ini[] = { "ini", "conf", "cfg" };
    const char *ext = extension(path);
    size_t i;

    if (obp_strcasecmp(ext, "yaml") == 0 || obp_strcasecmp(ext, "yml") == 0)
        return obp_conf_load_yaml(conf, path, errs);
    for (i = 0; i < OBP_NELEMS(ini); i++) {
        if (obp_strcasecmp(ext, ini[i]) == 0)
            return obp_conf_load_ini(conf, path, errs);
    }
    obp_errs_add(errs, "%s: unknown configuration format, name it .yaml, "
                 ".yml, .ini, .conf or .cfg", path);
    return OBP_ERROR;
}

struct obp_conf *
obp_conf_build(const char *path, const struct obp_kvlist *overrides,
               struct obp_errs *errs)
{
    unsigned start = errs->count;
    struct obp_conf *conf = obp_conf_new();
    size_t i;

    if (conf == NULL) {
        obp_errs_add(errs, "configuration: out of memory");
        return NULL;
    }
    if (path != NULL)
        obp_conf_load_file(conf, path, errs);
    for (i = 0; overrides != NULL && i < overrides->n; i++)
        obp_conf_set_from(conf, OBP_SRC_COMMAND_LINE, "command line", 0,
                          overrides->items[i].key, overrides->items[i].value,
                          errs);
    if (errs->count != start) {
        obp_conf_free(conf);
        return NULL;
    }
    return conf;
}

int
obp_conf_serialize(const struct obp_conf *conf, char *buf, size_t len)
{
    size_t pos = 0, i;
    int n;

    for (i = 0; i < obp_nparams; i++) {
        n = snprintf(buf + pos, len - pos, "%s=", obp_params[i].name);
        if (n < 0 || (size_t)n >= len - pos)
            return OBP_ERROR;
        pos += (size_t)n;
        n = obp_param_format(conf, &obp_params[i], buf + pos, len - pos);
        if (n < 0)
            return OBP_ERROR;
        pos += (size_t)n;
        if (len - pos < 2)
            return OBP_ERROR;
        buf[pos++] = '\n';
        buf[pos] = '\0';
    }
    return obp_level_serialize(conf, buf, pos, len);
}

/* A "level ..." line of obp_conf_serialize(): a row of <conf>. */
static void
apply_level(struct obp_conf *conf, const char *fields, unsigned line,
            struct obp_errs *errs)
{
    struct obp_level_row r;
    char                 err[512];

    if (obp_level_parse(fields, &r, err, sizeof(err)) != OBP_OK) {
        obp_errs_add(errs, "master:%u: %s", line, err);
        return;
    }
    r.source = OBP_SRC_RUNTIME;
    if (obp_levels_set(&conf->levels, &r, err, sizeof(err)) != OBP_OK)
        obp_errs_add(errs, "master:%u: %s: %s", line,
                     obp_level_table_name(r.table), err);
    obp_level_row_free(&r);
}

/* One line of obp_conf_serialize(); read-only rows skipped. */
static void
apply_line(struct obp_conf *conf, const char *text, size_t len,
           unsigned line, struct obp_errs *errs)
{
    const struct obp_param *p;
    char *copy, *eq;

    copy = strndup(text, len);
    if (copy == NULL) {
        obp_errs_add(errs, "master:%u: out of memory", line);
        return;
    }
    eq = strchr(copy, '=');
    if (strncmp(copy, OBP_LEVEL_WORD " ", strlen(OBP_LEVEL_WORD) + 1)
        == 0) {
        apply_level(conf, copy + strlen(OBP_LEVEL_WORD) + 1, line, errs);
    } else if (eq == NULL) {
        obp_errs_add(errs, "master:%u: \"%.*s\" is not key=value", line,
                     KEY_SHOWN, copy);
    } else {
        *eq = '\0';
        p = obp_param_find(copy);
        if (p == NULL || !(p->flags & OBP_P_READONLY))
            obp_conf_set_from(conf, OBP_SRC_DEFAULT, "master", line, copy,
                              eq + 1, errs);
    }
    free(copy);
}

int
obp_conf_deserialize(struct obp_conf *conf, const char *text, size_t len,
                     struct obp_errs *errs)
{
    unsigned start = errs->count, line = 0;
    const char *end = text + len, *nl;
    size_t n;

    obp_levels_free(&conf->levels);     /* the text holds them all */
    while (text < end) {
        nl = memchr(text, '\n', (size_t)(end - text));
        n = nl != NULL ? (size_t)(nl - text) : (size_t)(end - text);
        line++;
        if (n > 0)
            apply_line(conf, text, n, line, errs);
        if (nl == NULL)
            break;
        text = nl + 1;
    }
    return errs->count == start ? OBP_OK : OBP_ERROR;
}

int
obp_conf_worker_count(const struct obp_conf *conf)
{
    int64_t n = conf->work_thread_num;
    long cpus;

    if (conf->automatic_match_work_thread) {
        cpus = sysconf(_SC_NPROCESSORS_ONLN);
        if (cpus > 0 && cpus < n)
            n = cpus;
    }
    if (n < 1)
        n = 1;
    if (n > OBP_SHM_MAX_WORKERS)
        n = OBP_SHM_MAX_WORKERS;
    return (int)n;
}

void
obp_conf_warnings(const struct obp_conf *conf, struct obp_errs *warns)
{
    bool listed = conf->rootservice_list != NULL
                  && conf->rootservice_list[0] != '\0';
    bool declared = conf->topo != NULL && conf->topo->nservers > 0;
    bool fetched = conf->obproxy_config_server_url != NULL
                   && conf->obproxy_config_server_url[0] != '\0';

    if (!listed && !declared && !fetched)
        obp_errs_add(warns, "no servers: rootservice_list is empty and the "
                     "configuration declares no servers, so every login "
                     "fails (1429)");
    else if (conf->observer_sys_password == NULL
             || conf->observer_sys_password[0] == '\0')
        obp_errs_add(warns, "observer_sys_password is empty: the account "
                     "lookups log in as proxyro without a password; set it "
                     "to the SHA1 of proxyro's password (printf %%s PASSWORD "
                     "| sha1sum)");
}
