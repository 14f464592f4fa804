/*
 * The YAML loader, called by obp_conf_load_file(): reads the file with
 * libyaml's event parser and hands every "name: value" pair to
 * obp_conf_set_kv().  The document is one flat mapping; a value is a
 * scalar or a sequence of scalars, which becomes a list joined with ';'.
 * Errors are collected until the end, except a syntax error, which stops.
 */
#include "obp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct yload {
    yaml_parser_t    parser;
    FILE            *fp;
    const char      *path;
    struct obp_conf *conf;
    struct obp_errs *errs;
};

/* A growing "a;b;c" for the items of a sequence. */
struct joined {
    char   *s;
    size_t  len;
    size_t  cap;
};

static unsigned
line_of(const yaml_event_t *ev)
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

/* The next event, or OBP_ERROR once the error is reported. */
static int
next_event(struct yload *y, yaml_event_t *ev)
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

/* Consumes the rest of the node <first> opened, if it opened one. */
static int
skip_node(struct yload *y, const yaml_event_t *first)
{
    yaml_event_t ev;
    int depth = 1;

    if (first->type != YAML_MAPPING_START_EVENT
        && first->type != YAML_SEQUENCE_START_EVENT)
        return OBP_OK;
    while (depth > 0) {
        if (next_event(y, &ev) != OBP_OK)
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

/* "key:", "key: ~" and "key: null" mean an empty value. */
static const char *
scalar_text(const yaml_event_t *ev)
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
        if (next_event(y, &ev) != OBP_OK) {
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
            rc = skip_node(y, &ev);
        } else if (!bad && join(&j, scalar_text(&ev)) != OBP_OK) {
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

    if (obp_param_find(name) == NULL) {
        obp_conf_set_kv(y->conf, y->path, line_of(key), name, "", y->errs);
        return skip_node(y, val);
    }
    switch (val->type) {
    case YAML_SCALAR_EVENT:
        obp_conf_set_kv(y->conf, y->path, line_of(val), name,
                        scalar_text(val), y->errs);
        return OBP_OK;
    case YAML_SEQUENCE_START_EVENT:
        return parse_list(y, name, line_of(val));
    default:
        obp_errs_add(y->errs, "%s:%u: %s: expected a value or a list of "
                     "values", y->path, line_of(val), name);
        return skip_node(y, val);
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
                     "to values", y->path, line_of(key));
        if (skip_node(y, key) != OBP_OK)
            return OBP_ERROR;
    }
    if (next_event(y, &val) != OBP_OK)
        return OBP_ERROR;
    if (key->type == YAML_SCALAR_EVENT)
        rc = parse_value(y, key, &val);
    else
        rc = skip_node(y, &val);
    yaml_event_delete(&val);
    return rc;
}

static int
parse_mapping(struct yload *y)
{
    yaml_event_t key;
    int rc = OBP_OK;

    while (rc == OBP_OK) {
        if (next_event(y, &key) != OBP_OK)
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

    if (next_event(y, &ev) != OBP_OK)
        return OBP_ERROR;
    if (ev.type == YAML_MAPPING_START_EVENT) {
        rc = parse_mapping(y);
    } else {
        if (ev.type != YAML_SCALAR_EVENT || *scalar_text(&ev) != '\0')
            obp_errs_add(y->errs, "%s:%u: expected a mapping of parameter "
                         "names to values", y->path, line_of(&ev));
        rc = skip_node(y, &ev);
    }
    yaml_event_delete(&ev);
    return rc;
}

static void
parse_stream(struct yload *y)
{
    yaml_event_t ev;
    yaml_event_type_t type;
    int rc = OBP_OK;

    do {
        if (next_event(y, &ev) != OBP_OK)
            return;
        type = ev.type;
        yaml_event_delete(&ev);
        if (type == YAML_DOCUMENT_START_EVENT)
            rc = parse_root(y);
    } while (rc == OBP_OK && type != YAML_STREAM_END_EVENT);
}

int
obp_conf_load_yaml(struct obp_conf *conf, const char *path,
                   struct obp_errs *errs)
{
    struct yload y = { .fp = NULL, .path = path, .conf = conf, .errs = errs };
    unsigned start = errs->count;

    y.fp = fopen(path, "r");
    if (y.fp == NULL) {
        obp_errs_add(errs, "%s: cannot open: %s", path, strerror(errno));
        return OBP_ERROR;
    }
    if (!yaml_parser_initialize(&y.parser)) {
        obp_errs_add(errs, "%s: out of memory", path);
        fclose(y.fp);
        return OBP_ERROR;
    }
    yaml_parser_set_input_file(&y.parser, y.fp);
    parse_stream(&y);
    yaml_parser_delete(&y.parser);
    fclose(y.fp);
    return errs->count == start ? OBP_OK : OBP_ERROR;
}
