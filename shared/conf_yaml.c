/*
 * The YAML loader, called by obp_conf_load_file(): reads the file with
 * libyaml's event parser and hands every "name: value" pair to
 * obp_conf_set_kv().  The document is one flat mapping; a value is a
 * scalar or a sequence of scalars, which becomes a list joined with ';'.
 * Errors are collected until the end, except a syntax error, which stops.
 * The topology keys (zones, servers, tenants) are read by
 * conf_yaml_topo.c.
 */
#include "obp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "conf_yaml.h"

/* A growing "a;b;c" for the items of a sequence. */
struct joined {
    char   *s;
    size_t  len;
    size_t  cap;
};

unsigned
obp_yaml_line(const yaml_event_t *ev)
{
    return (unsigned)ev->start_mark.line + 1;
}

/* libyaml's problem, and what it was parsing when that started. */
static void
syntax_error(struct yload *y)
{
    const yaml_parser_t *pa = &y->parser;
    char context[128] = "";

    if (pa->context != NULL)
        snprintf(context, sizeof(context), " (%s at line %u)", pa->context,
                 (unsigned)pa->context_mark.line + 1);
    obp_errs_add(y->errs, "%s:%u: YAML syntax error: %s%s", y->path,
                 (unsigned)pa->problem_mark.line + 1,
                 pa->problem != NULL ? pa->problem : "unknown problem",
                 context);
}

int
obp_yaml_next(struct yload *y, yaml_event_t *ev)
{
    if (yaml_parser_parse(&y->parser, ev))
        return OBP_OK;
    if (y->parser.error == YAML_MEMORY_ERROR)
        obp_errs_add(y->errs, "%s: out of memory", y->path);
    else if (y->parser.error == YAML_READER_ERROR && ferror(y->fp))
        obp_errs_add(y->errs, "%s: cannot read: %s", y->path,
                     strerror(errno));
    else
        syntax_error(y);
    return OBP_ERROR;
}

int
obp_yaml_skip(struct yload *y, const yaml_event_t *first)
{
    yaml_event_t ev;
    int depth = 1;

    if (first->type != YAML_MAPPING_START_EVENT
        && first->type != YAML_SEQUENCE_START_EVENT)
        return OBP_OK;
    while (depth > 0) {
        if (obp_yaml_next(y, &ev) != OBP_OK)
            return OBP_ERROR;
        if (ev.type == YAML_MAPPING_START_EVENT
            || ev.type == YAML_SEQUENCE_START_EVENT)
            depth++;
        else if (ev.type == YAML_MAPPING_END_EVENT
                 || ev.type == YAML_SEQUENCE_END_EVENT)
            depth--;
        yaml_event_delete(&ev);
    }
    return OBP_OK;
}

const char *
obp_yaml_text(const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;

    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
        && (strcmp(s, "~") == 0 || strcmp(s, "null") == 0
            || strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0))
        return "";
    return s;
}

static int
join(struct joined *j, const char *item)
{
    size_t n = strlen(item), need = j->len + n + 2, cap;
    char *s;

    if (need > j->cap) {
        for (cap = j->cap ? j->cap : 64; cap < need; cap *= 2)
            continue;
        s = realloc(j->s, cap);
        if (s == NULL)
            return OBP_ERROR;
        j->s = s;
        j->cap = cap;
    }
    if (j->len > 0)
        j->s[j->len++] = ';';
    memcpy(j->s + j->len, item, n + 1);
    j->len += n;
    return OBP_OK;
}

/* The items of a sequence, set as one list value; <line> is its line. */
static int
parse_list(struct yload *y, const char *key, unsigned line)
{
    struct joined j = { NULL, 0, 0 };
    yaml_event_t ev;
    bool bad = false;
    int rc = OBP_OK;

    for (;;) {
        if (obp_yaml_next(y, &ev) != OBP_OK) {
            rc = OBP_ERROR;
            break;
        }
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (ev.type != YAML_SCALAR_EVENT) {
            if (!bad)
                obp_errs_add(y->errs, "%s:%u: %s: expected a value or a "
                             "list of values", y->path, line, key);
            bad = true;
            rc = obp_yaml_skip(y, &ev);
        } else if (!bad && join(&j, obp_yaml_text(&ev)) != OBP_OK) {
            obp_errs_add(y->errs, "%s:%u: %s: out of memory", y->path, line,
                         key);
            bad = true;
        }
        yaml_event_delete(&ev);
        if (rc != OBP_OK)
            break;
    }
    if (rc == OBP_OK && !bad)
        obp_conf_set_kv(y->conf, y->path, line, key, j.s != NULL ? j.s : "",
                        y->errs);
    free(j.s);
    return rc;
}

/* The value event <val> of the scalar key <key>. */
static int
parse_value(struct yload *y, const yaml_event_t *key, const yaml_event_t *val)
{
    const char *name = (const char *)key->data.scalar.value;

    if (obp_yaml_topo_kind(name) >= 0)
        return obp_yaml_topo(y, name, obp_yaml_topo_kind(name), val);
    if (obp_param_find(name) == NULL) {
        obp_conf_set_kv(y->conf, y->path, obp_yaml_line(key), name, "",
                        y->errs);
        return obp_yaml_skip(y, val);
    }
    switch (val->type) {
    case YAML_SCALAR_EVENT:
        obp_conf_set_kv(y->conf, y->path, obp_yaml_line(val), name,
                        obp_yaml_text(val), y->errs);
        return OBP_OK;
    case YAML_SEQUENCE_START_EVENT:
        return parse_list(y, name, obp_yaml_line(val));
    default:
        obp_errs_add(y->errs, "%s:%u: %s: expected a value or a list of "
                     "values", y->path, obp_yaml_line(val), name);
        return obp_yaml_skip(y, val);
    }
}

/* One entry of the top mapping, whose key event is <key>. */
static int
parse_pair(struct yload *y, const yaml_event_t *key)
{
    yaml_event_t val;
    int rc;

    if (key->type != YAML_SCALAR_EVENT) {
        obp_errs_add(y->errs, "%s:%u: expected a mapping of parameter names "
                     "to values", y->path, obp_yaml_line(key));
        if (obp_yaml_skip(y, key) != OBP_OK)
            return OBP_ERROR;
    }
    if (obp_yaml_next(y, &val) != OBP_OK)
        return OBP_ERROR;
    if (key->type == YAML_SCALAR_EVENT)
        rc = parse_value(y, key, &val);
    else
        rc = obp_yaml_skip(y, &val);
    yaml_event_delete(&val);
    return rc;
}

static int
parse_mapping(struct yload *y)
{
    yaml_event_t key;
    int rc = OBP_OK;

    while (rc == OBP_OK) {
        if (obp_yaml_next(y, &key) != OBP_OK)
            return OBP_ERROR;
        if (key.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key);
            break;
        }
        rc = parse_pair(y, &key);
        yaml_event_delete(&key);
    }
    return rc;
}

/* The root node of a document: a mapping, or nothing at all. */
static int
parse_root(struct yload *y)
{
    yaml_event_t ev;
    int rc;

    if (obp_yaml_next(y, &ev) != OBP_OK)
        return OBP_ERROR;
    if (ev.type == YAML_MAPPING_START_EVENT) {
        rc = parse_mapping(y);
    } else {
        if (ev.type != YAML_SCALAR_EVENT || *obp_yaml_text(&ev) != '\0')
            obp_errs_add(y->errs, "%s:%u: expected a mapping of parameter "
                         "names to values", y->path, obp_yaml_line(&ev));
        rc = obp_yaml_skip(y, &ev);
    }
    yaml_event_delete(&ev);
    return rc;
}

/* OBP_ERROR when a syntax error stopped the reading. */
static int
parse_stream(struct yload *y)
{
    yaml_event_t ev;
    yaml_event_type_t type;
    int rc = OBP_OK;

    do {
        if (obp_yaml_next(y, &ev) != OBP_OK)
            return OBP_ERROR;
        type = ev.type;
        yaml_event_delete(&ev);
        if (type == YAML_DOCUMENT_START_EVENT)
            rc = parse_root(y);
    } while (rc == OBP_OK && type != YAML_STREAM_END_EVENT);
    return rc;
}

int
obp_conf_load_yaml(struct obp_conf *conf, const char *path,
                   struct obp_errs *errs)
{
    struct yload y = { .fp = NULL, .path = path, .conf = conf, .errs = errs };
    unsigned start = errs->count;

    y.topo = obp_topo_src_new();
    if (y.topo == NULL) {
        obp_errs_add(errs, "%s: out of memory", path);
        return OBP_ERROR;
    }

    y.fp = fopen(path, "r");
    if (y.fp == NULL) {
        obp_errs_add(errs, "%s: cannot open: %s", path, strerror(errno));
    } else if (!yaml_parser_initialize(&y.parser)) {
        obp_errs_add(errs, "%s: out of memory", path);
        fclose(y.fp);
    } else {
        yaml_parser_set_input_file(&y.parser, y.fp);
        /* A topology cut short by a syntax error would only mislead. */
        if (parse_stream(&y) == OBP_OK)
            obp_conf_set_topo(conf, y.topo, path, errs);
        yaml_parser_delete(&y.parser);
        fclose(y.fp);
    }
    obp_topo_src_free(y.topo);
    return errs->count == start ? OBP_OK : OBP_ERROR;
}
