/*
 * A flat JSON object of strings (jsonobj.h), read without allocation.
 */
#include "obp.h"

#include <ctype.h>
#include <stdio.h>

struct walk {
    obp_jsonobj_fn fn;
    void          *arg;
    char          *err;
    size_t         errlen;
    int            said;            /* fn wrote the error */
};

static const char *
skip_ws(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* A JSON string without escapes into <buf>; NULL when malformed. */
static const char *
json_str(const char *p, char *buf, size_t len)
{
    size_t n = 0;

    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        if (*p == '\0' || *p == '\\' || n + 1 >= len)
            return NULL;
        buf[n++] = *p++;
    }
    buf[n] = '\0';
    return p + 1;
}

/* One "key": "value" at <p>: what follows it, or NULL. */
static const char *
member(struct walk *w, const char *p)
{
    char key[OBP_JSONOBJ_KEY_MAX], val[OBP_JSONOBJ_VAL_MAX];

    p = json_str(p, key, sizeof(key));
    if (p == NULL || *(p = skip_ws(p)) != ':')
        return NULL;
    p = json_str(skip_ws(p + 1), val, sizeof(val));
    if (p == NULL)
        return NULL;
    if (w->fn(w->arg, key, val, w->err, w->errlen) != OBP_OK) {
        w->said = 1;
        return NULL;
    }
    return skip_ws(p);
}

/* The members after '{'. */
static int
members(struct walk *w, const char *p)
{
    p = skip_ws(p);
    while (*p != '}') {
        p = member(w, p);
        if (p == NULL)
            return OBP_ERROR;
        if (*p == ',') {
            p = skip_ws(p + 1);
            if (*p != '"')
                return OBP_ERROR;
        } else if (*p != '}') {
            return OBP_ERROR;
        }
    }
    return *skip_ws(p + 1) == '\0' ? OBP_OK : OBP_ERROR;
}

int
obp_jsonobj_each(const char *json, obp_jsonobj_fn fn, void *arg, char *err,
                 size_t errlen)
{
    struct walk w = { fn, arg, err, errlen, 0 };
    const char *p = skip_ws(json != NULL ? json : "");

    if (*p == '\0')
        return OBP_OK;
    if (*p == '{' && members(&w, p + 1) == OBP_OK)
        return OBP_OK;
    if (!w.said)
        snprintf(err, errlen, "not a JSON object of strings such as "
                 "{\"key\": \"value\"} (no escapes)");
    return OBP_ERROR;
}
