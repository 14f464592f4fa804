/*
 * http:// and https:// URLs (url.h).
 */
#include "obp.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define URL_HTTP  "http://"
#define URL_HTTPS "https://"

/* A name's or an IPv4 address's bytes. */
static bool
url_host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* The host at <s> into <out>; the bytes after it. */
static const char *
url_host(const char *s, struct obp_url *out, char *err, size_t errlen)
{
    const char *e;
    size_t      n;

    if (*s == '[') {
        e = strchr(s, ']');
        if (e == NULL || strspn(s + 1, "0123456789abcdefABCDEF:.")
                         != (size_t)(e - s - 1) || e == s + 1) {
            obp_errf(err, errlen, "a bad [IPv6] host");
            return NULL;
        }
        n = (size_t)(e - s - 1);
        s++;
        e++;
    } else {
        for (e = s; url_host_char(*e); e++)
            ;
        n = (size_t)(e - s);
        if (n == 0 || (*e != '\0' && strchr(":/?#", *e) == NULL)) {
            obp_errf(err, errlen, "%s", *e == '@' ? "user information is not "
                       "supported" : "a bad host");
            return NULL;
        }
    }
    if (n >= sizeof(out->host)) {
        obp_errf(err, errlen, "the host is too long");
        return NULL;
    }
    memcpy(out->host, s, n);
    out->host[n] = '\0';
    return e;
}

static const char *
url_port(const char *s, struct obp_url *out, char *err, size_t errlen)
{
    unsigned long v = 0;
    const char   *p = s + 1;

    out->port = out->tls ? 443 : 80;
    if (*s != ':')
        return s;
    while (*p >= '0' && *p <= '9' && v <= 65535)
        v = v * 10 + (unsigned long)(*p++ - '0');
    if (p == s + 1 || v == 0 || v > 65535
        || (*p != '\0' && strchr("/?#", *p) == NULL)) {
        obp_errf(err, errlen, "a bad port");
        return NULL;
    }
    out->port = (uint16_t)v;
    return p;
}

int
obp_url_parse(const char *text, struct obp_url *out, char *err,
              size_t errlen)
{
    const char *s = text;
    size_t      n;

    memset(out, 0, sizeof(*out));
    if (strncasecmp(s, URL_HTTPS, strlen(URL_HTTPS)) == 0) {
        out->tls = true;
        s += strlen(URL_HTTPS);
    } else if (strncasecmp(s, URL_HTTP, strlen(URL_HTTP)) == 0) {
        s += strlen(URL_HTTP);
    } else {
        return obp_errf(err, errlen, "not an http:// or https:// URL");
    }
    if ((s = url_host(s, out, err, errlen)) == NULL
        || (s = url_port(s, out, err, errlen)) == NULL)
        return OBP_ERROR;
    n = strcspn(s, "#");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            return obp_errf(err, errlen, "a space or a control byte in "
                              "the path");
    if (n + 2 > sizeof(out->target))
        return obp_errf(err, errlen, "the path is too long");
    snprintf(out->target, sizeof(out->target), "%s%.*s",
             *s == '/' ? "" : "/", (int)n, s);
    return OBP_OK;
}
