/*
 * run/obproxy.pid.  The check refuses to start while the file names a
 * live process (a stale file from a crash is replaced); the file is
 * written whole through a rename, and removed at exit only if it still
 * names this master.  Called by main.c; obproxyctl reads it too, so
 * this file needs obp.h only.
 */
#include "obp.h"
#include "pidfile.h"

#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

pid_t
obp_pidfile_read(const char *path)
{
    char  buf[32];
    char *end;
    long  pid;
    int   fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd == -1)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    errno = 0;
    pid = strtol(buf, &end, 10);
    if (errno != 0 || end == buf || (*end != '\n' && *end != '\0')
        || pid <= 0 || pid > INT32_MAX)
        return 0;
    return (pid_t)pid;
}

int
obp_pidfile_check(const char *path, const char *shown, struct obp_errs *errs)
{
    pid_t pid = obp_pidfile_read(path);

    if (pid == 0 || pid == getpid())
        return OBP_OK;
    if (kill(pid, 0) == 0 || errno == EPERM) {
        obp_errs_add(errs, "already running with pid %ld (%s)", (long)pid,
                     shown);
        return OBP_ERROR;
    }
    return OBP_OK;
}

int
obp_pidfile_write(const char *path, pid_t pid, struct obp_errs *errs)
{
    char tmp[PATH_MAX];
    char line[32];
    int  fd, n, len, rc, err;

    n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    len = snprintf(line, sizeof(line), "%ld\n", (long)pid);
    if (n < 0 || (size_t)n >= sizeof(tmp) || len < 0) {
        obp_errs_add(errs, "cannot write %s: path too long", path);
        return OBP_ERROR;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        obp_errs_add(errs, "cannot write %s: %s", tmp, strerror(errno));
        return OBP_ERROR;
    }
    rc = obp_write_all(fd, line, (size_t)len);
    err = errno;
    if (close(fd) == -1 && rc == OBP_OK) {
        rc = OBP_ERROR;
        err = errno;
    }
    if (rc != OBP_OK) {
        obp_errs_add(errs, "cannot write %s: %s", tmp, strerror(err));
        unlink(tmp);
        return OBP_ERROR;
    }
    if (rename(tmp, path) == -1) {
        obp_errs_add(errs, "cannot rename %s to %s: %s", tmp, path,
                     strerror(errno));
        unlink(tmp);
        return OBP_ERROR;
    }
    return OBP_OK;
}

void
obp_pidfile_remove(const char *path, pid_t pid)
{
    if (obp_pidfile_read(path) != pid)
        return;
    if (unlink(path) == -1)
        obp_log(OBP_LOG_WARN, 0, errno, "cannot remove %s", path);
}
