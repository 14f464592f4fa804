/*
 * Small helpers used everywhere: the two clocks, fd flags, bounded string
 * copy and ASCII case-insensitive comparison.  No state.
 */
#include "obp.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t
clock_us(clockid_t id)
{
    struct timespec ts;

    /* Both clocks always exist on Linux; a failure would be a bug. */
    if (clock_gettime(id, &ts) == -1)
        return 0;
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
obp_now_us(void)
{
    return clock_us(CLOCK_MONOTONIC);
}

int64_t
obp_wallclock_us(void)
{
    return clock_us(CLOCK_REALTIME);
}

int
obp_fd_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags == -1)
        return OBP_ERROR;
    if (flags & O_NONBLOCK)
        return OBP_OK;
    if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
        return OBP_ERROR;
    return OBP_OK;
}

int
obp_fd_cloexec(int fd, int on)
{
    int flags = fcntl(fd, F_GETFD);

    if (flags == -1)
        return OBP_ERROR;
    flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
    if (fcntl(fd, F_SETFD, flags) == -1)
        return OBP_ERROR;
    return OBP_OK;
}

size_t
obp_strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);

    if (size > 0) {
        size_t n = len < size - 1 ? len : size - 1;

        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

static int
ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int
obp_strcasecmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a;
    const unsigned char *q = (const unsigned char *)b;

    while (*p != '\0' && ascii_lower(*p) == ascii_lower(*q)) {
        p++;
        q++;
    }
    return ascii_lower(*p) - ascii_lower(*q);
}

char *
obp_trim(char *s)
{
    size_t len;

    while (*s == ' ' || *s == '\t')
        s++;
    len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        s[--len] = '\0';
    return s;
}

int
obp_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n == -1) {
            if (errno == EINTR)
                continue;
            return OBP_ERROR;
        }
        p += n;
        len -= (size_t)n;
    }
    return OBP_OK;
}

const char *
obp_root_default(const char *cwd)
{
    return strcmp(cwd, "/") == 0 ? OBP_DEFAULT_ROOT : cwd;
}

int
obp_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return OBP_ERROR;
}

int
obp_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
