/*
 * The bounded JSON reader (json.h): a recursive descent over the text,
 * depth-limited, that writes a token per value and per key.
 */
#include "obp.h"
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_rd {
    struct obp_json *j;
    size_t           pos;
    const char      *why;       /* the first error */
};

static int json_value(struct json_rd *r, unsigned depth);

static int
json_fail(struct json_rd *r, const char *why)
{
    if (r->why == NULL)
        r->why = why;
    return OBP_ERROR;
}

static void
json_blanks(struct json_rd *r)
{
    const char *t = r->j->text;

    while (r->pos < r->j->len && (t[r->pos] == ' ' || t[r->pos] == '\t'
                                  || t[r->pos] == '\n' || t[r->pos] == '\r'))
        r->pos++;
}

static int
json_peek(const struct json_rd *r)
{
    return r->pos < r->j->len ? (unsigned char)r->j->text[r->pos] : -1;
}

/* A new token of <type> at the current position; -1 when full. */
static int
json_tok(struct json_rd *r, uint8_t type)
{
    struct obp_json_tok *t;

    if (r->j->ntok >= r->j->max || r->pos > UINT32_MAX)
        return json_fail(r, "too many values"), -1;
    t = &r->j->tok[r->j->ntok];
    memset(t, 0, sizeof(*t));
    t->type = type;
    t->start = (uint32_t)r->pos;
    return (int)r->j->ntok++;
}

static void
json_close(struct json_rd *r, int i)
{
    struct obp_json_tok *t = &r->j->tok[i];

    t->end = r->j->ntok;
    if (t->type != OBP_JSON_STRING)
        t->len = (uint32_t)(r->pos - t->start);
}

static bool
json_hex4(const char *s)
{
    for (int k = 0; k < 4; k++)
        if (obp_hex_digit(s[k]) < 0)
            return false;
    return true;
}

static int
json_string(struct json_rd *r)
{
    const char *t = r->j->text;
    int         i = json_tok(r, OBP_JSON_STRING);

    if (i < 0)
        return OBP_ERROR;
    r->pos++;                                   /* the quote */
    r->j->tok[i].start = (uint32_t)r->pos;
    while (r->pos < r->j->len && t[r->pos] != '"') {
        unsigned char c = (unsigned char)t[r->pos];

        if (c < 0x20)
            return json_fail(r, "a control character in a string");
        if (c != '\\') {
            r->pos++;
            continue;
        }
        if (r->pos + 1 >= r->j->len)
            return json_fail(r, "an unterminated string");
        c = (unsigned char)t[r->pos + 1];
        if (c == 'u') {
            if (r->pos + 6 > r->j->len || !json_hex4(t + r->pos + 2))
                return json_fail(r, "a bad \\u escape");
            r->pos += 6;
        } else if (strchr("\"\\/bfnrt", c) != NULL && c != '\0') {
            r->pos += 2;
        } else {
            return json_fail(r, "a bad escape");
        }
    }
    if (r->pos >= r->j->len)
        return json_fail(r, "an unterminated string");
    r->j->tok[i].len = (uint32_t)(r->pos - r->j->tok[i].start);
    r->pos++;
    json_close(r, i);
    return OBP_OK;
}

static size_t
json_digits(const struct json_rd *r, size_t p)
{
    while (p < r->j->len && r->j->text[p] >= '0' && r->j->text[p] <= '9')
        p++;
    return p;
}

static int
json_number(struct json_rd *r)
{
    const char *t = r->j->text;
    size_t      p = r->pos, q;
    int         i = json_tok(r, OBP_JSON_NUMBER);

    if (i < 0)
        return OBP_ERROR;
    if (p < r->j->len && t[p] == '-')
        p++;
    q = json_digits(r, p);
    if (q == p || (t[p] == '0' && q > p + 1))
        return json_fail(r, "a bad number");
    p = q;
    if (p < r->j->len && t[p] == '.') {
        q = json_digits(r, p + 1);
        if (q == p + 1)
            return json_fail(r, "a bad number");
        p = q;
    }
    if (p < r->j->len && (t[p] == 'e' || t[p] == 'E')) {
        p++;
        if (p < r->j->len && (t[p] == '+' || t[p] == '-'))
            p++;
        q = json_digits(r, p);
        if (q == p)
            return json_fail(r, "a bad number");
        p = q;
    }
    r->pos = p;
    json_close(r, i);
    return OBP_OK;
}

static int
json_word(struct json_rd *r, const char *w, uint8_t type)
{
    size_t n = strlen(w);
    int    i;

    if (r->j->len - r->pos < n || memcmp(r->j->text + r->pos, w, n) != 0)
        return json_fail(r, "an unexpected character");
    if ((i = json_tok(r, type)) < 0)
        return OBP_ERROR;
    r->pos += n;
    json_close(r, i);
    return OBP_OK;
}

/* An object's or an array's members, after its opening bracket. */
static int
json_container(struct json_rd *r, unsigned depth, bool object)
{
    int  i = json_tok(r, object ? OBP_JSON_OBJECT : OBP_JSON_ARRAY);
    char close = object ? '}' : ']';

    if (i < 0)
        return OBP_ERROR;
    if (depth >= OBP_JSON_DEPTH)
        return json_fail(r, "nested too deep");
    r->pos++;
    json_blanks(r);
    if (json_peek(r) == close) {
        r->pos++;
        json_close(r, i);
        return OBP_OK;
    }
    for (;;) {
        json_blanks(r);
        if (object) {
            if (json_peek(r) != '"')
                return json_fail(r, "a key that is no string");
            if (json_string(r) != OBP_OK)
                return OBP_ERROR;
            json_blanks(r);
            if (json_peek(r) != ':')
                return json_fail(r, "no ':' after a key");
            r->pos++;
        }
        if (json_value(r, depth + 1) != OBP_OK)
            return OBP_ERROR;
        r->j->tok[i].n++;
        json_blanks(r);
        if (json_peek(r) == close)
            break;
        if (json_peek(r) != ',')
            return json_fail(r, object ? "no ',' or '}' after a member"
                                       : "no ',' or ']' after an element");
        r->pos++;
    }
    r->pos++;
    json_close(r, i);
    return OBP_OK;
}

static int
json_value(struct json_rd *r, unsigned depth)
{
    int c;

    json_blanks(r);
    c = json_peek(r);
    switch (c) {
    case '{':
        return json_container(r, depth, true);
    case '[':
        return json_container(r, depth, false);
    case '"':
        return json_string(r);
    case 't':
        return json_word(r, "true", OBP_JSON_TRUE);
    case 'f':
        return json_word(r, "false", OBP_JSON_FALSE);
    case 'n':
        return json_word(r, "null", OBP_JSON_NULL);
    case -1:
        return json_fail(r, "the text ends early");
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return json_number(r);
        return json_fail(r, "an unexpected character");
    }
}

int
obp_json_parse(struct obp_json *j, const char *text, size_t len,
               struct obp_json_tok *tok, uint32_t max, char *err,
               size_t errlen)
{
    struct json_rd r = { j, 0, NULL };

    *j = (struct obp_json){ text, len, tok, 0, max };
    if (json_value(&r, 0) == OBP_OK) {
        json_blanks(&r);
        if (r.pos == len)
            return OBP_OK;
        json_fail(&r, "text after the value");
    }
    snprintf(err, errlen, "%s at byte %zu", r.why, r.pos);
    j->ntok = 0;
    return OBP_ERROR;
}

bool
obp_json_is(const struct obp_json *j, int i, enum obp_json_type type)
{
    return i >= 0 && (uint32_t)i < j->ntok && j->tok[i].type == type;
}

int
obp_json_first(const struct obp_json *j, int arr)
{
    return obp_json_is(j, arr, OBP_JSON_ARRAY) && j->tok[arr].n > 0
           ? arr + 1 : -1;
}

int
obp_json_next(const struct obp_json *j, int arr, int i)
{
    if (!obp_json_is(j, arr, OBP_JSON_ARRAY) || i <= arr
        || (uint32_t)i >= j->ntok || j->tok[i].end >= j->tok[arr].end)
        return -1;
    return (int)j->tok[i].end;
}

/* <cp> as UTF-8 into <buf> at <*o> (room checked by the caller: 4). */
static void
json_utf8(char *buf, size_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        buf[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        buf[(*o)++] = (char)(0xc0 | (cp >> 6));
        buf[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        buf[(*o)++] = (char)(0xe0 | (cp >> 12));
        buf[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        buf[(*o)++] = (char)(0xf0 | (cp >> 18));
        buf[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        buf[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        buf[(*o)++] = (char)(0x80 | (cp & 0x3f));
    }
}

/* The escape at <s> (after its backslash, checked by the parse). */
static size_t
json_unescape(const char *s, size_t left, uint32_t *cp)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    char              hex[5] = { 0 };

    if (s[0] != 'u') {
        *cp = (unsigned char)to[strchr(from, s[0]) - from];
        return 1;
    }
    memcpy(hex, s + 1, 4);
    *cp = (uint32_t)strtoul(hex, NULL, 16);
    /* a surrogate pair makes one code point; a lone one stays U+FFFD */
    if (*cp >= 0xd800 && *cp < 0xdc00 && left >= 11 && s[5] == '\\'
        && s[6] == 'u') {
        uint32_t lo;

        memcpy(hex, s + 7, 4);
        lo = (uint32_t)strtoul(hex, NULL, 16);
        if (lo >= 0xdc00 && lo < 0xe000) {
            *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
            return 11;
        }
    }
    if (*cp >= 0xd800 && *cp < 0xe000)
        *cp = 0xfffd;
    return 5;
}

int
obp_json_string(const struct obp_json *j, int i, char *buf, size_t len)
{
    const char *s;
    size_t      n, o = 0, k = 0;
    uint32_t    cp;

    if (!obp_json_is(j, i, OBP_JSON_STRING) || len == 0)
        return OBP_ERROR;
    s = j->text + j->tok[i].start;
    n = j->tok[i].len;
    while (k < n) {
        if (o + 4 >= len)
            return OBP_ERROR;
        if (s[k] != '\\') {
            buf[o++] = s[k++];
            continue;
        }
        k++;
        k += json_unescape(s + k, n - k, &cp);
        json_utf8(buf, &o, cp);
    }
    buf[o] = '\0';
    return OBP_OK;
}

int
obp_json_member(const struct obp_json *j, int obj, const char *key)
{
    char     name[128];
    uint32_t k;

    if (!obp_json_is(j, obj, OBP_JSON_OBJECT))
        return -1;
    for (k = (uint32_t)obj + 1; k < j->tok[obj].end;
         k = j->tok[k + 1].end) {
        if (obp_json_string(j, (int)k, name, sizeof(name)) == OBP_OK
            && strcmp(name, key) == 0)
            return (int)k + 1;
    }
    return -1;
}

int
obp_json_int(const struct obp_json *j, int i, int64_t *out)
{
    char      num[32];
    char     *end;
    long long v;

    if (!obp_json_is(j, i, OBP_JSON_NUMBER) || j->tok[i].len >= sizeof(num))
        return OBP_ERROR;
    memcpy(num, j->text + j->tok[i].start, j->tok[i].len);
    num[j->tok[i].len] = '\0';
    errno = 0;
    v = strtoll(num, &end, 10);
    if (errno != 0 || *end != '\0')
        return OBP_ERROR;
    *out = v;
    return OBP_OK;
}
