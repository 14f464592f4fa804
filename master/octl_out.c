/*
 * obproxyctl's output.  Plain: reply lines go to stdout as they come, its
 * own messages to stderr or stdout.  JSON: everything is collected and
 * printed at the end as one object.  A reply line "key: value" becomes a
 * member (spaces in the key become '_', a decimal value a number); "key N:
 * value" lines become the array "key" of objects with "index" and either
 * the value's "word value, word value" pairs or its "text"; "error",
 * "restart", "changed" and "runtime" lines are arrays of strings; the
 * last line gives "answer" ("ok" or "failed") and its text "message";
 * other lines go to the array "lines".  "ok" (true when the exit status
 * is 0) and "exit" end it.
 */
#include "obp.h"
#include "octl.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum item_kind { ITEM_STRING, ITEM_LITERAL, ITEM_LINE };

struct obp_octl_item {
    char          *key;         /* normalised; NULL for ITEM_LINE */
    long           index;       /* "key N: ...", else -1 */
    char          *value;
    enum item_kind kind;
};

static void
add_item(struct obp_octl_out *o, const char *key, size_t klen, long index,
         const char *value, size_t vlen, enum item_kind kind)
{
    struct obp_octl_item *it;

    if (o->n == o->cap) {
        size_t cap = o->cap != 0 ? o->cap * 2 : 64;
        void  *grown = realloc(o->items, cap * sizeof(*o->items));

        if (grown == NULL)
            return;
        o->items = grown;
        o->cap = cap;
    }
    it = &o->items[o->n];
    it->key = key != NULL ? strndup(key, klen) : NULL;
    it->value = strndup(value, vlen);
    if ((key != NULL && it->key == NULL) || it->value == NULL) {
        free(it->key);
        free(it->value);
        return;
    }
    for (char *p = it->key; p != NULL && *p != '\0'; p++)
        *p = *p == ' ' || *p == '-' ? '_' : (char)tolower((unsigned char)*p);
    it->index = index;
    it->kind = kind;
    o->n++;
}

/* "ok", "ok: text", "failed", "failed: text": true when it is one. */
static bool
last_line(struct obp_octl_out *o, const char *line, size_t len)
{
    size_t word = strncmp(line, "ok", 2) == 0 ? 2
                  : strncmp(line, "failed", 6) == 0 ? 6 : 0;
    size_t skip = word;

    if (word == 0 || (len > word && line[word] != ':'))
        return false;
    add_item(o, "answer", 6, -1, line, word, ITEM_STRING);
    while (skip < len && (line[skip] == ':' || line[skip] == ' '))
        skip++;
    if (skip < len)
        add_item(o, "message", 7, -1, line + skip, len - skip, ITEM_STRING);
    return true;
}

void
obp_octl_reply_line(struct obp_octl_out *o, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    size_t      klen, vstart;
    long        index = -1;

    if (!o->json) {
        printf("%.*s\n", (int)len, line);
        return;
    }
    if (last_line(o, line, len))
        return;
    klen = colon != NULL ? (size_t)(colon - line) : 0;
    for (size_t i = 0; i < klen; i++) {
        if (!isalnum((unsigned char)line[i]) && line[i] != '_'
            && line[i] != ' ' && line[i] != '-')
            klen = 0;
    }
    if (klen == 0 || (klen + 1 < len && line[klen + 1] != ' ')) {
        add_item(o, NULL, 0, -1, line, len, ITEM_LINE);
        return;
    }
    vstart = klen + 2 < len ? klen + 2 : len;
    /* "worker 3": the key and an index. */
    for (size_t sp = klen; sp > 0; sp--) {
        if (line[sp - 1] == ' ' && sp < klen
            && strspn(line + sp, "0123456789") == klen - sp) {
            index = strtol(line + sp, NULL, 10);
            klen = sp - 1;
            break;
        }
    }
    add_item(o, line, klen, index, line + vstart, len - vstart, ITEM_STRING);
}

void
obp_octl_say(struct obp_octl_out *o, bool err, const char *key,
             const char *fmt, ...)
{
    char    text[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (o->json)
        add_item(o, key, strlen(key), -1, text, strlen(text), ITEM_STRING);
    else if (err)
        fprintf(stderr, "obproxyctl: %s\n", text);
    else
        printf("%s\n", text);
}

void
obp_octl_member(struct obp_octl_out *o, const char *key, const char *literal)
{
    if (o->json)
        add_item(o, key, strlen(key), -1, literal, strlen(literal),
                 ITEM_LITERAL);
}

static void
put_string(const char *s, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static bool
is_number(const char *s)
{
    size_t n = strspn(s + (*s == '-'), "0123456789");

    return n > 0 && n < 19 && s[(*s == '-') + n] == '\0'
           && (n == 1 || s[*s == '-'] != '0');
}

static void
put_value(const char *s)
{
    if (is_number(s))
        fputs(s, stdout);
    else
        put_string(s, strlen(s));
}

/* "pid 12, state running": pairs of a word and a value without blanks. */
static bool
put_pairs(const char *s)
{
    const char *p = s;

    while (*p != '\0') {
        size_t w = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
        size_t v = p[w] == ' ' ? strcspn(p + w + 1, " ,") : 0;

        if (w == 0 || v == 0)
            return false;
        p += w + 1 + v;
        if (*p == '\0')
            break;
        if (strncmp(p, ", ", 2) != 0)
            return false;
        p += 2;
    }
    for (p = s; *p != '\0';) {
        size_t w = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
        size_t v = strcspn(p + w + 1, " ,");
        char   val[256];

        printf(", ");
        put_string(p, w);
        printf(": ");
        snprintf(val, sizeof(val), "%.*s", (int)v, p + w + 1);
        put_value(val);
        p += w + 1 + v;
        p += *p == ',' ? 2 : 0;
    }
    return true;
}

static void
put_element(const struct obp_octl_item *it)
{
    if (it->index < 0) {
        put_value(it->value);
        return;
    }
    printf("{\"index\": %ld", it->index);
    if (!put_pairs(it->value)) {
        printf(", \"text\": ");
        put_string(it->value, strlen(it->value));
    }
    putchar('}');
}

static bool
same_group(const struct obp_octl_item *a, const struct obp_octl_item *b)
{
    if (a->kind == ITEM_LINE || b->kind == ITEM_LINE)
        return a->kind == b->kind;
    return strcmp(a->key, b->key) == 0 && (a->index >= 0) == (b->index >= 0);
}

static bool
is_array(const struct obp_octl_item *it)
{
    static const char *const arrays[] = { "error", "restart", "changed",
                                          "runtime" };

    if (it->kind == ITEM_LINE || it->index >= 0)
        return true;
    for (size_t i = 0; i < OBP_NELEMS(arrays); i++) {
        if (strcmp(it->key, arrays[i]) == 0)
            return true;
    }
    return false;
}

/* Members in order; an array gathers every item of its group. */
static void
put_members(struct obp_octl_out *o)
{
    bool *done = calloc(o->n + 1, sizeof(*done));

    for (size_t i = 0; done != NULL && i < o->n; i++) {
        const struct obp_octl_item *it = &o->items[i];

        if (done[i])
            continue;
        printf(", ");
        put_string(it->kind == ITEM_LINE ? "lines" : it->key,
                   strlen(it->kind == ITEM_LINE ? "lines" : it->key));
        printf(": ");
        if (!is_array(it)) {
            for (size_t j = i; j < o->n; j++) {
                if (!done[j] && same_group(it, &o->items[j])) {
                    it = &o->items[j];      /* the last one wins */
                    done[j] = true;
                }
            }
            if (it->kind == ITEM_LITERAL)
                fputs(it->value, stdout);
            else
                put_value(it->value);
            continue;
        }
        putchar('[');
        for (size_t j = i; j < o->n; j++) {
            if (!done[j] && same_group(it, &o->items[j])) {
                printf(j == i ? "" : ", ");
                put_element(&o->items[j]);
                done[j] = true;
            }
        }
        putchar(']');
    }
    free(done);
}

int
obp_octl_end(struct obp_octl_out *o, const char *verb, int rc)
{
    if (o->json) {
        obp_octl_member(o, "ok", rc == OBP_OCTL_OK ? "true" : "false");
        printf("{\"verb\": ");
        put_string(verb, strlen(verb));
        put_members(o);
        printf(", \"exit\": %d}\n", rc);
    }
    for (size_t i = 0; i < o->n; i++) {
        free(o->items[i].key);
        free(o->items[i].value);
    }
    free(o->items);
    o->items = NULL;
    o->n = o->cap = 0;
    fflush(stdout);
    return rc;
}
