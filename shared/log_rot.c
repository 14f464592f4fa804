/*
 * The rotated files of the logs (log_rot.h).
 */
#include "obp.h"
#include "log_rot.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* <name> is "<base>.<14 digits>" or "<base>.<14 digits>.<digits>". */
static bool
is_rotated(const char *base, const char *name)
{
    size_t      blen = strlen(base);
    const char *p;

    if (strncmp(name, base, blen) != 0 || name[blen] != '.')
        return false;
    p = name + blen + 1;
    for (int i = 0; i < OBP_LOG_STAMP_LEN; i++, p++)
        if (*p < '0' || *p > '9')
            return false;
    if (*p == '\0')
        return true;
    if (*p++ != '.' || *p == '\0')
        return false;
    return strspn(p, "0123456789") == strlen(p);
}

long
obp_log_rot_suffix(const char *name, size_t blen)
{
    const char *p = name + blen + 1 + OBP_LOG_STAMP_LEN;

    return *p == '.' ? strtol(p + 1, NULL, 10) : 0;
}

/* Rotated names of one log in time order: the stamp, then the suffix. */
static bool
older(const char *a, const char *b, size_t blen)
{
    int c = memcmp(a + blen + 1, b + blen + 1, OBP_LOG_STAMP_LEN);

    return c != 0 ? c < 0 : obp_log_rot_suffix(a, blen) < obp_log_rot_suffix(b, blen);
}

static void
note_rotated(struct obp_log_rot *r, int dfd, const char *name, size_t blen)
{
    struct stat st;

    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        r->bytes += st.st_size;
    if (r->count++ == 0 || older(name, r->oldest, blen))
        obp_strlcpy(r->oldest, name, sizeof(r->oldest));
    if (r->count == 1 || older(r->newest, name, blen))
        obp_strlcpy(r->newest, name, sizeof(r->newest));
}

/* getdents64 on a stack buffer, since opendir() would allocate. */
int
obp_log_rot_scan(int dfd, const char *base, struct obp_log_rot *r)
{
    _Alignas(struct dirent64) char buf[4096];
    size_t  blen = strlen(base);
    ssize_t n;

    r->count = 0;
    r->bytes = 0;
    if (lseek(dfd, 0, SEEK_SET) == -1)
        return OBP_ERROR;
    while ((n = getdents64(dfd, buf, sizeof(buf))) > 0) {
        for (ssize_t off = 0; off < n;) {
            struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);

            off += d->d_reclen;
            if (is_rotated(base, d->d_name))
                note_rotated(r, dfd, d->d_name, blen);
        }
    }
    return n == -1 ? OBP_ERROR : OBP_OK;
}

/* The log whose oldest file goes first, or -1: none is over a bound. */
static int
pick(const char *const *bases, const struct obp_log_rot *r, int n,
     int64_t max_count, int64_t max_bytes, int64_t used)
{
    int64_t total = used;
    int     oldest = -1;

    for (int i = 0; i < n; i++) {
        if (max_count > 0 && r[i].count > max_count)
            return i;
        total += r[i].bytes;
        if (r[i].count > 0
            && (oldest < 0
                || memcmp(r[i].oldest + strlen(bases[i]) + 1,
                          r[oldest].oldest + strlen(bases[oldest]) + 1,
                          OBP_LOG_STAMP_LEN) < 0))
            oldest = i;
    }
    return max_bytes > 0 && total > max_bytes ? oldest : -1;
}

int
obp_log_rot_prune(int dfd, const char *const *bases, int64_t max_count,
                  int64_t max_bytes, int64_t used, char *failed, size_t len)
{
    struct obp_log_rot r[OBP_LOG_ROT_BASES];
    int                n = 0, i;

    while (n < OBP_LOG_ROT_BASES && bases[n] != NULL)
        n++;
    /* each turn deletes a file: bounded by the directory */
    for (;;) {
        for (i = 0; i < n; i++)
            if (obp_log_rot_scan(dfd, bases[i], &r[i]) != OBP_OK)
                return OBP_OK;      /* unreadable: the next rotation */
        if ((i = pick(bases, r, n, max_count, max_bytes, used)) < 0)
            return OBP_OK;
        if (unlinkat(dfd, r[i].oldest, 0) == -1) {
            obp_strlcpy(failed, r[i].oldest, len);
            return OBP_ERROR;
        }
    }
}
