/*
 * select_restart.c - the way GNU make waits for its jobs: a SIGCHLD handler
 * installed WITH SA_RESTART, and select() to sleep until something happens.
 * The kernel never restarts select() after a handler ran, SA_RESTART or not, so
 * the child's exit makes it fail with EINTR; this program retries, as it must,
 * and reaps the child in the handler. Exits 0 in about 0.1 s.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t reaped;

static void on_sigchld(int sig)
{
    int saved_errno = errno;
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        reaped = 1;
    errno = saved_errno;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);

    if (fork() == 0) {
        usleep(100 * 1000);
        _exit(0);
    }
    while (!reaped) {
        struct timeval tv = { .tv_sec = 5, .tv_usec = 0 };
        if (select(0, NULL, NULL, NULL, &tv) < 0 && errno == EINTR)
            continue; /* retry: the handler ran */
    }
    return 0;
}
