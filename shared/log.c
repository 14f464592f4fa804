/*
 * The diagnostic log (log.h).  Each line is formatted on the stack and
 * appended with one write() to obproxy.log, and to obproxy_error.log for
 * WARN and above, so lines of concurrent processes never interleave.  Size
 * rotation is serialized by flock(); renames done by another process (or
 * by logrotate) are noticed by inode.  Called by every module; it never
 * allocates while logging and never logs about itself.
 */
#include "obp.h"
#include "log_async.h"
#include "log_fold.h"
#include "log_rot.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX    4096        /* bytes, the newline included */
#define LOG_CHECK_US    1000000     /* how often we stat() for renames */
#define LOG_WRITER_WAIT_US 200000   /* a closing writer's last writes */
#define LOG_SUFFIX_MAX  999         /* .1 ... for rotations within 1 s */

_Static_assert(OBP_LOG_F_COUNT <= OBP_LOG_ROT_BASES, "every log is pruned");
_Static_assert(OBP_LOG_F_COUNT <= OBP_LOG_ASYNC_FILES, "a buffer a file");

struct log_file {
    const char *name;               /* base name in the log directory */
    char        path[PATH_MAX];
    _Atomic int fd;                 /* -1 when closed; read by the other
                                       thread's pruning (log_async.h) */
    dev_t       dev;                /* the file fd refers to */
    ino_t       ino;
};

struct log_line {
    char    buf[LOG_LINE_MAX];
    size_t  len;
    int     cut;                    /* the text did not fit */
    int64_t at_us;                  /* its time, wall clock */
};

static struct {
    struct log_file f[OBP_LOG_F_COUNT]; /* by enum obp_log_file */
    char            dir[PATH_MAX];
    int             level;          /* syslog_level */
    int             to_stderr;
    int             slot;           /* -1 for the master */
    _Atomic int64_t max_size;       /* rotate at this size, 0 never */
    _Atomic int64_t max_count;      /* rotated files kept, 0 all */
    _Atomic int64_t max_dir;        /* bytes of log files, 0 no bound */
    int64_t         checked_us;     /* last stat() looking for renames */
    _Atomic int     complained;     /* a logger error went to stderr */
    uint64_t        dropped;        /* the writer's drops reported */
    int             busy;           /* inside obp_log(): no recursion */
    obp_log_tap     tap;            /* sees WARN and above, or NULL */
} lg = {
    .f = {
        [OBP_LOG_F_MAIN] = { .name = "obproxy.log", .fd = -1 },
        [OBP_LOG_F_WF] = { .name = "obproxy.log.wf", .fd = -1 },
        [OBP_LOG_F_ERROR] = { .name = "obproxy_error.log", .fd = -1 },
        [OBP_LOG_F_DIGEST] = { .name = "obproxy_digest.log", .fd = -1 },
        [OBP_LOG_F_SLOW] = { .name = "obproxy_slow.log", .fd = -1 },
        [OBP_LOG_F_STAT] = { .name = "obproxy_stat.log", .fd = -1 },
        [OBP_LOG_F_DIAG] = { .name = "obproxy_diagnosis.log", .fd = -1 },
    },
    .level = OBP_LOG_WDIAG,
    .slot = -1,
    .max_size = INT64_C(256) * 1024 * 1024,
};

static const char *const level_names[] = {
    "ALERT", "ERROR", "WARN", "INFO", "EDIAG", "WDIAG", "TRACE", "DEBUG"
};

/* Reports the first failure of the logger itself, on stderr only. */
static void
complain(const char *what, const char *path, int err)
{
    char msg[PATH_MAX + 256];
    char ebuf[128];
    int  n;

    if (lg.complained)
        return;
    lg.complained = 1;
    n = snprintf(msg, sizeof(msg), "obproxy: log: %s \"%s\": %s\n", what,
                 path, strerror_r(err, ebuf, sizeof(ebuf)));
    if (n > 0)
        (void)obp_write_all(STDERR_FILENO, msg,
                  (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}

static void
line_vadd(struct log_line *l, const char *fmt, va_list ap)
    OBP_PRINTF(2, 0);

static void
line_vadd(struct log_line *l, const char *fmt, va_list ap)
{
    size_t room = sizeof(l->buf) - l->len;  /* the last byte is for '\n' */
    int    n;

    if (l->cut)
        return;
    n = vsnprintf(l->buf + l->len, room, fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n >= room) {
        l->len = sizeof(l->buf) - 1;
        l->cut = 1;
        return;
    }
    l->len += (size_t)n;
}

static void
line_add(struct log_line *l, const char *fmt, ...) OBP_PRINTF(2, 3);

static void
line_add(struct log_line *l, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    line_vadd(l, fmt, ap);
    va_end(ap);
}

/* The length of the valid UTF-8 sequence at <p> (2 to 4), else 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
    size_t   len;
    uint32_t cp;

    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        len = 2, cp = p[0] & 0x1f;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        len = 3, cp = p[0] & 0x0f;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        len = 4, cp = p[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    /* no overlong form, no surrogate, nothing past U+10FFFF */
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
        || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

size_t
obp_log_escape(char *dst, size_t room, const char *src, size_t n, bool *cut)
{
    static const char    hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)src;
    size_t               len = 0, seq, outlen;
    char                 esc[4];
    const char          *out;

    *cut = false;
    for (size_t i = 0; i < n; i += seq) {
        seq = 1;
        out = esc;
        outlen = 2;
        esc[0] = '\\';
        if (p[i] == '\n' || p[i] == '\t' || p[i] == '\r' || p[i] == '\\') {
            esc[1] = p[i] == '\n' ? 'n' : p[i] == '\t' ? 't'
                     : p[i] == '\r' ? 'r' : '\\';
        } else if (p[i] < 0x20 || p[i] == 0x7f
                   || (p[i] >= 0x80 && (seq = utf8_seq(p + i, n - i)) == 0)) {
            seq = 1;
            esc[1] = 'x';
            esc[2] = hex[p[i] >> 4];
            esc[3] = hex[p[i] & 15];
            outlen = 4;
        } else {
            out = src + i;
            outlen = seq;
        }
        if (outlen > room - len) {
            *cut = true;
            break;
        }
        memcpy(dst + len, out, outlen);
        len += outlen;
    }
    return len;
}

/* Appends <n> bytes of a message, escaped (obp_log_escape). */
static void
line_escape(struct log_line *l, const char *msg, size_t n)
{
    bool cut;

    if (l->cut)
        return;
    /* keep one byte for the '\n' */
    l->len += obp_log_escape(l->buf + l->len, sizeof(l->buf) - 1 - l->len,
                             msg, n, &cut);
    if (cut)
        l->cut = 1;
}

size_t
obp_log_stamp(char *buf, size_t cap, int64_t at_us)
{
    time_t    sec = (time_t)(at_us / 1000000);
    struct tm tm;
    int       n;

    if (localtime_r(&sec, &tm) == NULL)
        memset(&tm, 0, sizeof(tm));
    n = snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d.%06ld",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (long)(at_us % 1000000));
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static void
line_prefix(struct log_line *l, int level, uint64_t sess)
{
    char        stamp[OBP_LOG_STAMP_MAX];
    const char *name = "?";

    l->at_us = obp_wallclock_us();
    obp_log_stamp(stamp, sizeof(stamp), l->at_us);
    if (level >= 0 && (size_t)level < OBP_NELEMS(level_names))
        name = level_names[level];
    line_add(l, "[%s] %-5s [%ld]", stamp, name, (long)getpid());
    if (lg.slot == OBP_LOG_ROLE_MONITOR)
        line_add(l, "[MON]");
    else if (lg.slot < 0)
        line_add(l, "[M]");
    else
        line_add(l, "[W%d]", lg.slot);
    if (sess != 0)
        line_add(l, "[S%" PRIu64 "]", sess);
    line_add(l, " ");
}

static void
line_end(struct log_line *l)
{
    size_t at;

    /* "..." replaces the end, never half of a UTF-8 character */
    if (l->cut) {
        at = l->len - 3;
        while (at > 0 && ((unsigned char)l->buf[at] & 0xc0) == 0x80)
            at--;
        memcpy(l->buf + at, "...", 3);
        l->len = at + 3;
    }
    l->buf[l->len++] = '\n';
}

/* Opens f->path and makes it f's file; the previous fd is the caller's. */
static int
file_open(struct log_file *f)
{
    struct stat st;
    int         fd, err;

    fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd == -1)
        return OBP_ERROR;
    if (fstat(fd, &st) == -1) {
        err = errno;
        close(fd);
        errno = err;
        return OBP_ERROR;
    }
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    return OBP_OK;
}

static int
file_reopen(struct log_file *f)
{
    int old = f->fd;

    if (file_open(f) == OBP_ERROR) {
        complain("reopen", f->path, errno);
        return OBP_ERROR;
    }
    if (old != -1)
        close(old);
    return OBP_OK;
}

/* True while f->path still names the file we write to. */
static bool
still_current(const struct log_file *f)
{
    struct stat st;

    return stat(f->path, &st) == 0 && st.st_dev == f->dev
           && st.st_ino == f->ino;
}

/*
 * Takes LOCK_EX on the file f->fd refers to, through a descriptor of our
 * own: flock() belongs to the open file description, which a forked
 * worker shares with its master, so locking f->fd would not exclude them.
 */
static int
lock_file(const struct log_file *f)
{
    char proc[64];
    int  fd;

    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
    fd = open(proc, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 0);
    if (fd == -1) {
        complain("lock", f->path, errno);
        return -1;
    }
    while (flock(fd, LOCK_EX) == -1) {
        if (errno != EINTR) {
            complain("lock", f->path, errno);
            close(fd);
            return -1;
        }
    }
    return fd;
}

/*
 * Renames f->path to f->path.YYYYMMDDhhmmss, or .N after it when this
 * second already has rotated files: N follows the newest one, so a name
 * freed by pruning is never reused out of order.
 */
static int
move_aside(const struct log_file *f, int dfd)
{
    char           to[PATH_MAX + 64], stamp[OBP_LOG_STAMP_LEN + 1];
    size_t         blen = strlen(f->name);
    time_t         now = time(NULL);
    struct tm      tm;
    struct stat    st;
    struct obp_log_rot r;
    long           i = 0;

    if (localtime_r(&now, &tm) == NULL
        || strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm) == 0)
        return OBP_ERROR;
    if (obp_log_rot_scan(dfd, f->name, &r) == OBP_OK && r.count > 0
        && memcmp(r.newest + blen + 1, stamp, OBP_LOG_STAMP_LEN) == 0)
        i = obp_log_rot_suffix(r.newest, blen) + 1;
    for (; i <= LOG_SUFFIX_MAX; i++) {
        if (i == 0)
            snprintf(to, sizeof(to), "%s.%s", f->path, stamp);
        else
            snprintf(to, sizeof(to), "%s.%s.%ld", f->path, stamp, i);
        if (lstat(to, &st) == 0)
            continue;
        if (rename(f->path, to) == -1) {
            complain("rename", f->path, errno);
            return OBP_ERROR;
        }
        return OBP_OK;
    }
    complain("rotate", f->path, EEXIST);
    return OBP_ERROR;
}

/* The bytes of the open files, which pruning counts as used. */
static int64_t
open_bytes(void)
{
    struct stat st;
    int64_t     n = 0;

    for (int i = 0; i < OBP_LOG_F_COUNT; i++)
        if (lg.f[i].fd != -1 && fstat(lg.f[i].fd, &st) == 0)
            n += st.st_size;
    return n;
}

/*
 * Deletes the oldest rotated files beyond max_syslog_file_count and
 * log_dir_size_threshold, for every log: another process may have
 * rotated another.
 */
static void
prune(int dfd)
{
    const char *bases[OBP_LOG_F_COUNT + 1];
    char        failed[NAME_MAX + 1];

    for (int i = 0; i < OBP_LOG_F_COUNT; i++)
        bases[i] = lg.f[i].name;
    bases[OBP_LOG_F_COUNT] = NULL;

    if (obp_log_rot_prune(dfd, bases, lg.max_count, lg.max_dir,
                          open_bytes(), failed, sizeof(failed)) != OBP_OK)
        complain("unlink", failed, errno);
}

/*
 * Rotates <f> under the lock; when another process rotated it first (the
 * path names another inode), only reopens.
 */
static void
rotate(struct log_file *f)
{
    int  old = f->fd;
    int  lock = lock_file(f);
    int  dfd = -1;
    bool moved = false;

    if (lock == -1)
        return;
    if (still_current(f)) {
        dfd = open(lg.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd == -1)
            complain("open directory", lg.dir, errno);
        else
            moved = move_aside(f, dfd) == OBP_OK;
    }
    if (file_open(f) == OBP_OK)
        close(old);
    else
        complain("reopen", f->path, errno);
    if (moved)
        prune(dfd);
    if (dfd != -1)
        close(dfd);
    flock(lock, LOCK_UN);
    close(lock);
}

static void
file_write(struct log_file *f, const char *buf, size_t len)
{
    struct stat st;

    if (f->fd == -1)
        return;
    if (obp_write_all(f->fd, buf, len) == OBP_ERROR) {
        complain("write", f->path, errno);
        return;
    }
    if (lg.max_size <= 0)
        return;
    if (fstat(f->fd, &st) == -1) {
        complain("fstat", f->path, errno);
        return;
    }
    if (st.st_size >= lg.max_size)
        rotate(f);
}

/*
 * The files this thread writes: all, or with the writer thread running
 * the diagnostic ones (the writer has the request logs).
 */
static int
own_files(void)
{
    return obp_log_async_running() ? OBP_LOG_F_ERROR : OBP_LOG_F_COUNT;
}

/* Follows the files [from, to) renamed by another process or logrotate. */
static void
follow_range(int from, int to)
{
    for (int i = from; i < to; i++)
        if (lg.f[i].fd != -1 && !still_current(&lg.f[i]))
            (void)file_reopen(&lg.f[i]);
}

/* Once a second: follow a file renamed by another process or logrotate. */
static void
follow_renames(void)
{
    int64_t now = obp_now_us();

    if (now - lg.checked_us < LOG_CHECK_US)
        return;
    lg.checked_us = now;
    follow_range(0, own_files());
}

static void
emit(const struct log_line *l, int level)
{
    if (lg.f[OBP_LOG_F_MAIN].fd == -1 || lg.to_stderr)
        (void)obp_write_all(STDERR_FILENO, l->buf, l->len);
    if (lg.f[OBP_LOG_F_MAIN].fd == -1)
        return;
    follow_renames();
    file_write(&lg.f[OBP_LOG_F_MAIN], l->buf, l->len);
    if (level <= OBP_LOG_WARN)
        file_write(&lg.f[OBP_LOG_F_WF], l->buf, l->len);
}

void
obp_log_put(enum obp_log_file f, const char *buf, size_t len)
{
    if (f < 0 || f >= OBP_LOG_F_COUNT || lg.f[f].fd == -1)
        return;
    if ((int)f >= own_files()) {
        (void)obp_log_async_push((int)f, buf, len);
        return;
    }
    follow_renames();
    file_write(&lg.f[f], buf, len);
}

/* The writer thread's work (log_async.h): the request logs. */
static void
writer_write(int file, const char *buf, size_t len)
{
    file_write(&lg.f[file], buf, len);
}

static void
writer_reopen(void)
{
    for (int i = OBP_LOG_F_ERROR; i < OBP_LOG_F_COUNT; i++)
        (void)file_reopen(&lg.f[i]);
}

static void
writer_tick(void)
{
    follow_range(OBP_LOG_F_ERROR, OBP_LOG_F_COUNT);
}

static const struct obp_log_async_ops writer_ops = {
    writer_write, writer_reopen, writer_tick
};

int
obp_log_start_writer(void)
{
    return obp_log_async_start(&writer_ops);
}

void
obp_log_stop_writer(void)
{
    (void)obp_log_async_stop(LOG_WRITER_WAIT_US);
}

/* A line that passed folding, to the files and the tap. */
static void
write_line(const struct log_line *l, int level)
{
    emit(l, level);
    if (lg.tap != NULL && level <= OBP_LOG_WARN)
        lg.tap(level, l->at_us, l->buf, l->len - 1);
}

/* The summary of folded lines (log_fold.h), already escaped. */
static void
write_summary(int level, const char *text, size_t len)
{
    struct log_line l;

    l.len = 0;
    l.cut = 0;
    line_prefix(&l, level, 0);
    line_add(&l, "%.*s", (int)len, text);
    line_end(&l);
    write_line(&l, level);
}

static void
log_v(int level, uint64_t sess, int err, const char *fmt, va_list ap)
    OBP_PRINTF(4, 0);

static void
log_v(int level, uint64_t sess, int err, const char *fmt, va_list ap)
{
    struct log_line l;
    char            msg[LOG_LINE_MAX];
    char            ebuf[128];
    int             saved = errno, n;
    size_t          body;

    if ((level > lg.level && level != OBP_LOG_ALERT) || lg.busy)
        return;
    lg.busy = 1;
    l.len = 0;
    l.cut = 0;
    line_prefix(&l, level, sess);
    body = l.len;           /* folding looks at what follows the id */
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (n > 0)
        line_escape(&l, msg, (size_t)n < sizeof(msg) ? (size_t)n
                                                     : sizeof(msg) - 1);
    if (n >= (int)sizeof(msg))
        l.cut = 1;
    if (err != 0)
        line_add(&l, ": %s", strerror_r(err, ebuf, sizeof(ebuf)));
    line_end(&l);
    obp_log_fold_expire(l.at_us, false, write_summary);
    /* a storm comes from sessions; the process's own events are few */
    if (level == OBP_LOG_ALERT || sess == 0
        || !obp_log_fold_seen(level, l.buf + body, l.len - 1 - body,
                              l.at_us, write_summary))
        write_line(&l, level);
    lg.busy = 0;
    errno = saved;
}

void
obp_log(int level, uint64_t sess, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_v(level, sess, err, fmt, ap);
    va_end(ap);
}

void
obp_fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_v(OBP_LOG_ALERT, 0, 0, fmt, ap);
    va_end(ap);
    abort();
}

static int
set_path(struct log_file *f, const char *dir)
{
    int n = snprintf(f->path, sizeof(f->path), "%s/%s", dir, f->name);

    if (n < 0 || (size_t)n >= sizeof(f->path)) {
        errno = ENAMETOOLONG;
        return OBP_ERROR;
    }
    return OBP_OK;
}

int
obp_log_open(const char *dir)
{
    int err;

    obp_log_close();
    if (mkdir(dir, 0755) == -1 && errno != EEXIST)
        return OBP_ERROR;
    if (obp_strlcpy(lg.dir, dir, sizeof(lg.dir)) >= sizeof(lg.dir)) {
        errno = ENAMETOOLONG;
        return OBP_ERROR;
    }
    for (int i = 0; i < OBP_LOG_F_COUNT; i++)
        if (set_path(&lg.f[i], dir) == OBP_ERROR)
            return OBP_ERROR;
    tzset();    /* read the zone now, not inside the first line */
    for (int i = 0; i < OBP_LOG_F_COUNT; i++) {
        if (file_open(&lg.f[i]) == OBP_ERROR) {
            err = errno;
            obp_log_close();
            errno = err;
            return OBP_ERROR;
        }
    }
    lg.complained = 0;
    lg.checked_us = obp_now_us();
    return OBP_OK;
}

int
obp_log_reopen(void)
{
    int rc = OBP_OK, err = 0;

    if (lg.f[OBP_LOG_F_MAIN].fd == -1)
        return OBP_OK;
    lg.complained = 0;
    if (obp_log_async_running())
        obp_log_async_reopen();
    for (int i = 0; i < own_files(); i++) {
        if (file_reopen(&lg.f[i]) == OBP_ERROR) {
            rc = OBP_ERROR;
            err = errno;
        }
    }
    lg.checked_us = obp_now_us();
    if (rc == OBP_ERROR)
        errno = err;
    return rc;
}

void
obp_log_tick(void)
{
    uint64_t dropped = obp_log_async_dropped();

    if (dropped != lg.dropped) {
        obp_log(OBP_LOG_WARN, 0, 0, "request logs: %llu lines dropped in "
                "all, the log device does not keep up",
                (unsigned long long)dropped);
        lg.dropped = dropped;
    }
    if (lg.busy)
        return;
    lg.busy = 1;
    obp_log_fold_expire(obp_wallclock_us(), false, write_summary);
    lg.busy = 0;
}

void
obp_log_close(void)
{
    int n = OBP_LOG_F_COUNT;

    if (!lg.busy) {
        lg.busy = 1;
        obp_log_fold_expire(0, true, write_summary);
        lg.busy = 0;
    }
    /* a writer stuck in a write keeps its files: they go with the process */
    if (obp_log_async_running() && !obp_log_async_stop(LOG_WRITER_WAIT_US))
        n = OBP_LOG_F_ERROR;
    for (int i = 0; i < n; i++) {
        if (lg.f[i].fd != -1)
            close(lg.f[i].fd);
        lg.f[i].fd = -1;
    }
}

void
obp_log_set_stderr(int on)
{
    lg.to_stderr = on;
}

void
obp_log_set_level(int level)
{
    lg.level = level;
}

int
obp_log_get_level(void)
{
    return lg.level;
}

void
obp_log_set_rotation(int64_t max_size, int64_t max_count)
{
    lg.max_size = max_size;
    lg.max_count = max_count;
}

void
obp_log_set_dir_limit(int64_t max_bytes)
{
    lg.max_dir = max_bytes;
}

void
obp_log_set_tap(obp_log_tap tap)
{
    lg.tap = tap;
}

void
obp_log_set_role(int worker_slot)
{
    lg.slot = worker_slot;
}
