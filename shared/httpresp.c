/*
 * HTTP/1.x answers (httpresp.h).
 */
#include "obp.h"
#include "httpresp.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct resp_head {
    size_t body;                /* where the body starts */
    int    status;
    bool   chunked;
    bool   has_length;
    size_t length;
};

/* The blank line ending the head: its offset, or -1. */
static long
resp_head_end(const char *buf, size_t len)
{
    size_t n = len < OBP_HTTPRESP_HEAD_MAX ? len : OBP_HTTPRESP_HEAD_MAX;

    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return (long)i;
    return -1;
}

static int
resp_status(const char *s, size_t n, struct resp_head *h, char *err,
            size_t errlen)
{
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1')
        || s[8] != ' ' || s[9] < '1' || s[9] > '5' || s[10] < '0'
        || s[10] > '9' || s[11] < '0' || s[11] > '9'
        || (n > 12 && s[12] != ' '))
        return obp_errf(err, errlen, "not an HTTP/1.x status line");
    h->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    if (h->status < 200)
        return obp_errf(err, errlen, "an interim (1xx) answer");
    return OBP_OK;
}

/* <v> (<n> bytes, blanks trimmed) is <word>, without case. */
static bool
resp_is(const char *v, size_t n, const char *word)
{
    while (n > 0 && (*v == ' ' || *v == '\t'))
        v++, n--;
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    return n == strlen(word) && strncasecmp(v, word, n) == 0;
}

static int
resp_length(const char *v, size_t n, struct resp_head *h, char *err,
            size_t errlen)
{
    size_t k = 0, len = 0;

    while (k < n && (v[k] == ' ' || v[k] == '\t'))
        k++;
    if (k == n)
        return obp_errf(err, errlen, "an empty Content-Length");
    for (; k < n && v[k] >= '0' && v[k] <= '9'; k++) {
        len = len * 10 + (size_t)(v[k] - '0');
        if (len > OBP_HTTPRESP_MAX)
            return obp_errf(err, errlen, "a Content-Length over the "
                               "answer's bound");
    }
    while (k < n && (v[k] == ' ' || v[k] == '\t'))
        k++;
    if (k != n || (h->has_length && h->length != len))
        return obp_errf(err, errlen, "a bad Content-Length");
    h->has_length = true;
    h->length = len;
    return OBP_OK;
}

/* One header line <s> (<n> bytes). */
static int
resp_header(const char *s, size_t n, struct resp_head *h, char *err,
            size_t errlen)
{
    const char *colon = memchr(s, ':', n);
    size_t      name;

    if (n > 0 && (s[0] == ' ' || s[0] == '\t'))
        return obp_errf(err, errlen, "a folded header line");
    if (colon == NULL || colon == s)
        return obp_errf(err, errlen, "a header line without a name");
    name = (size_t)(colon - s);
    if (memchr(s, ' ', name) != NULL || memchr(s, '\t', name) != NULL)
        return obp_errf(err, errlen, "a header name with a blank");
    colon++;
    n -= name + 1;
    if (name == 14 && strncasecmp(s, "Content-Length", 14) == 0)
        return resp_length(colon, n, h, err, errlen);
    if (name == 17 && strncasecmp(s, "Transfer-Encoding", 17) == 0) {
        if (!resp_is(colon, n, "chunked"))
            return obp_errf(err, errlen, "a transfer coding other than "
                               "chunked");
        h->chunked = true;
    }
    return OBP_OK;
}

static int
resp_head(const char *buf, size_t end, struct resp_head *h, char *err,
          size_t errlen)
{
    const char *line = buf, *stop = buf + end + 2, *eol;
    int         rc;

    memset(h, 0, sizeof(*h));
    h->body = end + 4;
    eol = memchr(line, '\r', (size_t)(stop - line));
    if (eol == NULL || eol[1] != '\n')
        return obp_errf(err, errlen, "a bare CR or LF in the head");
    if ((rc = resp_status(line, (size_t)(eol - line), h, err, errlen))
        != OBP_OK)
        return rc;
    for (line = eol + 2; line < stop; line = eol + 2) {
        eol = memchr(line, '\r', (size_t)(stop - line));
        if (eol == NULL || eol[1] != '\n'
            || memchr(line, '\n', (size_t)(eol - line)) != NULL)
            return obp_errf(err, errlen, "a bare CR or LF in the head");
        if ((rc = resp_header(line, (size_t)(eol - line), h, err, errlen))
            != OBP_OK)
            return rc;
    }
    if (h->chunked && h->has_length)
        return obp_errf(err, errlen, "both Content-Length and chunked");
    return OBP_OK;
}

/* A chunk's size line at <p>: its size, the data's start in *<data>. */
static int
chunk_size(const char *buf, size_t p, size_t len, size_t *size,
           size_t *data, char *err, size_t errlen)
{
    size_t v = 0, k = p;
    int    d;

    for (; k < len; k++) {
        d = obp_hex_digit(buf[k]);
        if (d < 0)
            break;
        v = v * 16 + (size_t)d;
        if (v > OBP_HTTPRESP_MAX)
            return obp_errf(err, errlen, "a chunk over the answer's "
                               "bound");
    }
    if (k == len)
        return OBP_AGAIN;
    if (k == p || (buf[k] != ';' && buf[k] != '\r'))
        return obp_errf(err, errlen, "a bad chunk size");
    while (k < len && buf[k] != '\r' && k - p < 1024)
        k++;                            /* an extension, ignored */
    if (k + 1 >= len)
        return k - p < 1024 ? OBP_AGAIN
               : obp_errf(err, errlen, "a chunk extension too long");
    if (buf[k + 1] != '\n')
        return obp_errf(err, errlen, "a bad chunk size line");
    *size = v;
    *data = k + 2;
    return OBP_OK;
}

/* The trailer after the last chunk at <p>: its end in *<end>. */
static int
chunk_trailer(const char *buf, size_t p, size_t len, size_t *end)
{
    for (;;) {
        const char *eol;

        if (p + 2 > len)
            return OBP_AGAIN;
        eol = memmem(buf + p, len - p, "\r\n", 2);
        if (eol == NULL)
            return OBP_AGAIN;
        if (eol == buf + p) {
            *end = p + 2;
            return OBP_OK;
        }
        p = (size_t)(eol - buf) + 2;    /* a trailer field, ignored */
    }
}

/*
 * Walks the chunks from <p>: OBP_OK when the last one and the trailer
 * are in, with the data moved together at <p> when <decode> (it only
 * moves towards the front) and its size in *<out>.
 */
static int
chunk_walk(char *buf, size_t p, size_t len, bool decode, size_t *out,
           char *err, size_t errlen)
{
    size_t start = p, w = p, size = 0, data = p, end;
    int    rc;

    for (;;) {
        if ((rc = chunk_size(buf, p, len, &size, &data, err, errlen))
            != OBP_OK)
            return rc;
        if (size == 0)
            break;
        if (data + size + 2 > len)
            return OBP_AGAIN;
        if (buf[data + size] != '\r' || buf[data + size + 1] != '\n')
            return obp_errf(err, errlen, "a chunk without its CRLF");
        if (w - start + size > OBP_HTTPRESP_MAX)
            return obp_errf(err, errlen, "chunks over the answer's "
                               "bound");
        if (decode)
            memmove(buf + w, buf + data, size);
        w += size;
        p = data + size + 2;
    }
    if ((rc = chunk_trailer(buf, data, len, &end)) != OBP_OK)
        return rc;
    *out = w;
    return OBP_OK;
}

static int
resp_body(char *buf, size_t len, bool eof, const struct resp_head *h,
          struct obp_httpresp *out, char *err, size_t errlen)
{
    size_t end = 0;
    int    rc;

    out->status = h->status;
    out->body = buf + h->body;
    out->len = 0;
    if (h->status == 204 || h->status == 304)
        return OBP_OK;
    if (h->chunked) {
        rc = chunk_walk(buf, h->body, len, false, &end, err, errlen);
        if (rc == OBP_OK)
            rc = chunk_walk(buf, h->body, len, true, &end, err, errlen);
        if (rc == OBP_AGAIN && eof)
            return obp_errf(err, errlen, "the answer ends in a chunk");
        out->len = end - h->body;
        return rc;
    }
    if (h->has_length) {
        if (len - h->body >= h->length) {
            out->len = h->length;
            return OBP_OK;
        }
        return eof ? obp_errf(err, errlen, "the answer ends before its "
                                 "Content-Length") : OBP_AGAIN;
    }
    out->len = len - h->body;
    return eof ? OBP_OK : OBP_AGAIN;
}

int
obp_httpresp_parse(char *buf, size_t len, bool eof,
                   struct obp_httpresp *out, char *err, size_t errlen)
{
    struct resp_head h;
    long             end;
    int              rc;

    memset(out, 0, sizeof(*out));
    if (len > OBP_HTTPRESP_MAX)
        return obp_errf(err, errlen, "an answer over 1 MiB");
    end = resp_head_end(buf, len);
    if (end < 0) {
        if (len >= OBP_HTTPRESP_HEAD_MAX)
            return obp_errf(err, errlen, "a head over 16 KiB");
        if (eof)
            return obp_errf(err, errlen, "%s", len == 0 ? "an empty answer"
                               : "the answer ends in its head");
        return OBP_AGAIN;
    }
    if ((rc = resp_head(buf, (size_t)end, &h, err, errlen)) != OBP_OK)
        return rc;
    return resp_body(buf, len, eof, &h, out, err, errlen);
}
