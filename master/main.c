/*
 * obproxy: the master process.  Reads the command line and the
 * configuration, checks the pid file, opens the listeners and the logs,
 * daemonizes, writes the pid file, creates the shared segment and the
 * control socket, forks the workers and runs the libev loop until a stop.
 * Startup errors go to stderr with exit status 1.
 */
#include "master.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define DAEMON_WAIT_MS  60000   /* how long the starting parent waits */
#define READY_BYTE      'R'

/* The only instance: workers forked from it see it too. */
static struct obp_master master;

/* Prints every line of <errs> on stderr, each after <what>. */
static void
print_lines(const struct obp_errs *errs, const char *what)
{
    const char *p = errs->text;
    const char *end = p != NULL ? p + errs->len : NULL;

    while (p != NULL && p < end) {
        size_t n = strcspn(p, "\n");

        if (n > 0)
            fprintf(stderr, "obproxy: %s%.*s\n", what, (int)n, p);
        p += n + 1;
    }
}

static void
print_errs(const struct obp_errs *errs)
{
    print_lines(errs, "");
}

/* Lines once the logs are open: logged at <level>, and shown on stderr. */
static void
report_lines(const struct obp_master *m, const struct obp_errs *errs,
             int level, const char *what)
{
    const char *p = errs->text;
    const char *end = p != NULL ? p + errs->len : NULL;

    if (!m->cl.nodaemon)
        print_lines(errs, what);   /* with -N the log copies to stderr */
    while (p != NULL && p < end) {
        size_t n = strcspn(p, "\n");

        if (n > 0)
            obp_log(level, 0, 0, "%.*s", (int)n, p);
        p += n + 1;
    }
}

/* Startup errors once the logs are open. */
static void
report(const struct obp_master *m, const struct obp_errs *errs)
{
    report_lines(m, errs, OBP_LOG_ERROR, "");
}

/*
 * A configuration that can never log anyone in passes, but not silently:
 * on stderr for -t, logged (and on stderr) at the start (<logged>).
 */
static void
warn_conf(const struct obp_master *m, bool logged)
{
    struct obp_errs warns = { 0 };

    obp_conf_warnings(m->conf, &warns);
    if (logged)
        report_lines(m, &warns, OBP_LOG_WARN, "warning: ");
    else
        print_lines(&warns, "warning: ");
    obp_errs_free(&warns);
}

static const char *
shown_conf(const struct obp_master *m)
{
    if (m->conf_path[0] == '\0' && m->cl.config_arg != NULL)
        return m->cl.config_arg;
    return obp_master_conf_name(m);
}

/*
 * What a hot upgrade needs later: our argv, binary and working directory
 * (before any chdir), and what an old master handed us.  -1 to go on.
 */
static int
remember_start(struct obp_master *m, char **argv)
{
    struct obp_errs errs = { 0 };
    ssize_t         n = readlink("/proc/self/exe", m->exe, sizeof(m->exe) - 1);

    m->argv = argv;
    if (n > 0)
        m->exe[n] = '\0';
    else
        obp_strlcpy(m->exe, argv[0], sizeof(m->exe));
    if (getcwd(m->cwd, sizeof(m->cwd)) == NULL)
        m->cwd[0] = '\0';
    if (obp_upgrade_env(m, &errs) == OBP_OK)
        return -1;
    print_errs(&errs);
    obp_errs_free(&errs);
    return 1;
}

/* Command line and configuration: -1 to go on, else the exit status. */
static int
configure(struct obp_master *m, int argc, char **argv)
{
    struct obp_errs errs = { 0 };
    int             rc = obp_cmdline_parse(m, argc, argv, &errs);
    int             status;

    if (rc != OBP_OK) {
        obp_errs_free(&errs);
        return rc == OBP_DONE ? 0 : 1;
    }
    if (obp_cmdline_paths(m, &errs) == OBP_OK) {
        m->conf = obp_state_build(m, NULL, &errs);
        if (m->conf != NULL) {
            (void)obp_listen_check(m->conf, &errs);
            obp_transport_check(m->conf, m->root, &errs);
        }
    }
    status = errs.count == 0 && m->conf != NULL ? -1 : 1;
    print_errs(&errs);
    if (status == 1)
        obp_upgrade_start_failed(m, &errs);
    obp_errs_free(&errs);
    if (m->cl.test) {
        if (status == -1)
            warn_conf(m, false);
        fprintf(stderr, "obproxy: configuration %s test %s\n", shown_conf(m),
                status == -1 ? "is successful" : "failed");
        return status == -1 ? 0 : 1;
    }
    return status;
}

static int
make_dir(const char *path, struct obp_errs *errs)
{
    if (mkdir(path, 0755) == -1 && errno != EEXIST) {
        obp_errs_add(errs, "cannot create %s: %s", path, strerror(errno));
        return OBP_ERROR;
    }
    return OBP_OK;
}

/* Directories, pid file check, listeners: before anything is written. */
static int
prepare(struct obp_master *m, struct obp_errs *errs)
{
    if (make_dir(m->root, errs) != OBP_OK
        || make_dir(m->log_dir, errs) != OBP_OK
        || make_dir(m->run_dir, errs) != OBP_OK)
        return OBP_ERROR;
    if (chdir(m->root) == -1) {
        obp_errs_add(errs, "cannot enter %s: %s", m->root, strerror(errno));
        return OBP_ERROR;
    }
    /* after a hot upgrade the pid file names the old master, alive */
    if (obp_upgrade_inherited(m))
        return obp_upgrade_listeners(m, errs);
    if (obp_pidfile_check(m->pid_path, "run/obproxy.pid", errs) != OBP_OK)
        return OBP_ERROR;
    m->nslots = obp_conf_worker_count(m->conf);
    return obp_listen_open(&m->listeners, m->conf, m->nslots, errs);
}

static int
open_logs(struct obp_master *m, struct obp_errs *errs)
{
    if (obp_log_open(m->log_dir) != OBP_OK) {
        obp_errs_add(errs, "cannot open the log files in %s: %s", m->log_dir,
                     strerror(errno));
        return OBP_ERROR;
    }
    obp_log_set_role(-1);
    obp_reload_apply_master(m->conf);
    obp_log_set_stderr(m->cl.nodaemon);
    return OBP_OK;
}

/* The starting parent: exit 0 once the daemon says it is ready. */
static OBP_NORETURN void
wait_ready(int fd, pid_t child)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    char          byte = 0;
    int           rc;

    do
        rc = poll(&pfd, 1, DAEMON_WAIT_MS);
    while (rc == -1 && errno == EINTR);
    if (rc == 1 && read(fd, &byte, 1) != 1)
        byte = 0;
    if (rc == 0)
        fprintf(stderr, "obproxy: no word from the daemon after %d s\n",
                DAEMON_WAIT_MS / 1000);
    (void)waitpid(child, NULL, 0);
    exit(byte == READY_BYTE ? 0 : 1);
}

static int
daemonize(struct obp_master *m, struct obp_errs *errs)
{
    int   fds[2], null;
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) == -1) {
        obp_errs_add(errs, "cannot daemonize: pipe: %s", strerror(errno));
        return OBP_ERROR;
    }
    fflush(NULL);
    pid = fork();
    if (pid == -1) {
        obp_errs_add(errs, "cannot daemonize: fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return OBP_ERROR;
    }
    if (pid > 0) {
        close(fds[1]);
        wait_ready(fds[0], pid);
    }
    close(fds[0]);
    if (setsid() == -1 || (pid = fork()) == -1) {
        obp_errs_add(errs, "cannot daemonize: %s", strerror(errno));
        return OBP_ERROR;
    }
    if (pid > 0)
        _exit(0);
    umask(022);
    m->ready_fd = fds[1];
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null == -1 || dup2(null, STDIN_FILENO) == -1) {
        obp_errs_add(errs, "cannot daemonize: /dev/null: %s", strerror(errno));
        return OBP_ERROR;
    }
    close(null);
    return OBP_OK;
}

/* Tells the starting parent we serve, then lets go of its terminal. */
static void
detach(struct obp_master *m)
{
    char byte = READY_BYTE;
    int  null;

    if (m->ready_fd == -1)
        return;
    if (write(m->ready_fd, &byte, 1) != 1)
        obp_log(OBP_LOG_WARN, 0, errno, "cannot tell the starting process");
    close(m->ready_fd);
    m->ready_fd = -1;
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null == -1 || dup2(null, STDOUT_FILENO) == -1
        || dup2(null, STDERR_FILENO) == -1)
        obp_log(OBP_LOG_WARN, 0, errno, "cannot redirect stdout and stderr");
    if (null != -1)
        close(null);
}

/* Pid file, loop, segment, signals, control socket, workers. */
static int
launch(struct obp_master *m, struct obp_errs *errs)
{
    bool inherited = obp_upgrade_inherited(m);

    m->pid = getpid();
    /* a new master takes the pid file once it serves (upgrade.h) */
    if (!inherited) {
        if (obp_pidfile_write(m->pid_path, m->pid, errs) != OBP_OK)
            return OBP_ERROR;
        m->pidfile_written = true;
    }
    m->loop = ev_default_loop(0);
    if (m->loop == NULL) {
        obp_errs_add(errs, "cannot start the event loop");
        return OBP_ERROR;
    }
    obp_monproc_init(m);
    obp_stop_init(m);
    obp_upgrade_init(m);
    if (obp_upgrade_shm(m, errs) != OBP_OK)
        return OBP_ERROR;
    obp_reload_servers(m);
    obp_routes_init(m);
    obp_routes_publish(m);
    if (obp_proc_init(m) != OBP_OK) {
        obp_errs_add(errs, "out of memory");
        return OBP_ERROR;
    }
    obp_signal_init(m);
    if (!inherited && obp_ctl_open(m, errs) != OBP_OK)
        return OBP_ERROR;
    obp_proc_spawn_all(m);
    obp_monproc_spawn(m);
    obp_upgrade_launched(m);
    obp_log(OBP_LOG_INFO, 0, 0, "obproxy %s started: pid %ld, %d workers, "
            "listening on %s, config %s%s", OBP_VERSION_STRING, (long)m->pid,
            m->nslots, m->listeners.text, obp_master_conf_name(m),
            inherited ? " (hot upgrade)" : "");
    warn_conf(m, true);
    detach(m);
    return OBP_OK;
}

static int
start(struct obp_master *m)
{
    struct obp_errs errs = { 0 };
    int             rc = prepare(m, &errs);

    if (rc == OBP_OK)
        rc = open_logs(m, &errs);
    if (rc != OBP_OK) {
        print_errs(&errs);
        obp_upgrade_start_failed(m, &errs);
        obp_errs_free(&errs);
        return OBP_ERROR;
    }
    /* a new master stays the old one's child: it watches us */
    if (!m->cl.nodaemon && !obp_upgrade_inherited(m))
        rc = daemonize(m, &errs);
    if (rc == OBP_OK)
        rc = launch(m, &errs);
    if (rc != OBP_OK) {
        report(m, &errs);
        obp_upgrade_start_failed(m, &errs);
    }
    obp_errs_free(&errs);
    return rc;
}

static void
cleanup(struct obp_master *m)
{
    if (m->loop != NULL) {
        obp_signal_stop(m);
        obp_stop_cancel(m);
        obp_routes_stop(m);
        obp_ctl_close(m, false);
        obp_monproc_drop(m);
    }
    obp_upgrade_free(m);
    if (m->pidfile_written)
        obp_pidfile_remove(m->pid_path, m->pid);
    obp_proc_free(m);
    obp_listen_free(&m->listeners);
    obp_shm_detach(&m->shm);
    obp_conf_free(m->conf);
    m->conf = NULL;
    obp_cmdline_free(&m->cl);
    if (m->loop != NULL)
        ev_loop_destroy(m->loop);
    m->loop = NULL;
    obp_log_close();
}

int
main(int argc, char **argv)
{
    struct obp_master *m = &master;
    int                status;

    m->ready_fd = -1;
    m->shm.fd = -1;
    m->ctl.fd = -1;
    m->mon.chan_fd = -1;
    m->start_us = obp_now_us();
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        perror("obproxy: signal");
    status = remember_start(m, argv);
    if (status == -1)
        status = configure(m, argc, argv);
    if (status == -1 && start(m) != OBP_OK)
        status = 1;
    if (status == -1) {
        ev_run(m->loop, 0);
        obp_log(OBP_LOG_INFO, 0, 0, "obproxy stopped");
        status = 0;
    }
    cleanup(m);
    return status;
}
